/**
 * The certificate catalog: which certificates, keys and kubeconfigs a node needs, with
 * kubeadm's names, paths, CN/O, usages and SANs (docs/upstream/k8s-pki.md §1, §2). It is the single list that
 * init, check-expiration, renew, list and generate-csr all read.
 */
import type { ExtKeyUsage } from '../pki/oid.js';
import type { ClusterConfig, NodeRole } from './config.js';
import { apiServerServiceIp, httpsUrl, parseEndpoint } from './network.js';

export type CaName = 'ca' | 'front-proxy-ca' | 'etcd-ca';

export interface CaSpec {
  name: CaName;
  /** path below the cert dir without extension: "etcd/ca" → etcd/ca.crt + etcd/ca.key */
  baseName: string;
  commonName: string;
}

export interface LeafSpec {
  name: string;
  baseName: string;
  ca: CaName;
  commonName: string;
  organization: string[];
  extKeyUsage: ExtKeyUsage[];
  dnsNames: string[];
  ipAddresses: string[];
  /** components to restart after renewing this certificate */
  usedBy: string[];
}

export interface KubeconfigSpec {
  /** file name, also the check-expiration name ("admin.conf") */
  name: string;
  clientName: string;
  organization: string[];
  server: string;
  ca: 'ca';
  /** kubelet.conf is rotated by the kubelet itself, so kubeadm leaves it out of check-expiration/renew */
  managedByKubelet: boolean;
  /** one client identity for the whole cluster (kube-proxy): whole-cluster mode signs it once for every node */
  sharedIdentity?: boolean;
  usedBy: string[];
}

export interface Catalog {
  role: NodeRole;
  cas: CaSpec[];
  /** CAs whose private key this node holds (control-plane); workers get certificates only */
  caKeys: boolean;
  leaves: LeafSpec[];
  kubeconfigs: KubeconfigSpec[];
  serviceAccountKey: boolean;
}

export const CA_SPECS: Record<CaName, CaSpec> = {
  ca: { name: 'ca', baseName: 'ca', commonName: 'kubernetes' },
  'front-proxy-ca': { name: 'front-proxy-ca', baseName: 'front-proxy-ca', commonName: 'front-proxy-ca' },
  'etcd-ca': { name: 'etcd-ca', baseName: 'etcd/ca', commonName: 'etcd-ca' },
};

function dedupSorted(xs: string[]): string[] {
  return [...new Set(xs)].sort();
}
function dedupOrdered(xs: string[]): string[] {
  return [...new Set(xs)];
}

/** Splits configured SANs into DNS names and IPs (they are validated and canonical already). */
function splitSans(sans: string[]): { dns: string[]; ips: string[] } {
  const dns: string[] = [];
  const ips: string[] = [];
  for (const s of sans) (/^[0-9.]+$/.test(s) || s.includes(':') ? ips : dns).push(s);
  return { dns, ips };
}

/** kube-apiserver serving SANs, in kubeadm's order (docs/upstream/k8s-pki.md §1). */
export function apiServerSans(c: ClusterConfig): { dnsNames: string[]; ipAddresses: string[] } {
  const dns = [
    c.nodeName,
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    `kubernetes.default.svc.${c.dnsDomain}`,
  ];
  const ips = [apiServerServiceIp(c.serviceSubnet), c.advertiseAddress];
  if (c.controlPlaneEndpoint) {
    const ep = parseEndpoint(c.controlPlaneEndpoint);
    (ep.isIp ? ips : dns).push(ep.host);
  }
  const extra = splitSans(c.apiServerCertSANs);
  return { dnsNames: dedupSorted([...dns, ...extra.dns]), ipAddresses: dedupOrdered([...ips, ...extra.ips]) };
}

/** etcd server/peer SANs (docs/upstream/k8s-pki.md §1). */
export function etcdSans(c: ClusterConfig, extra: string[]): { dnsNames: string[]; ipAddresses: string[] } {
  const e = splitSans(extra);
  return {
    dnsNames: dedupSorted([c.nodeName, 'localhost', ...e.dns]),
    ipAddresses: dedupOrdered([c.advertiseAddress, '127.0.0.1', '::1', ...e.ips]),
  };
}

/** Control-plane endpoint URL: controlPlaneEndpoint (port defaulting to bindPort), else the advertise address. */
export function controlPlaneUrl(c: ClusterConfig): string {
  if (c.controlPlaneEndpoint) {
    const ep = parseEndpoint(c.controlPlaneEndpoint);
    return httpsUrl(ep.host, ep.port ?? c.bindPort);
  }
  return httpsUrl(c.advertiseAddress, c.bindPort);
}

export const localUrl = (c: ClusterConfig): string => httpsUrl(c.advertiseAddress, c.bindPort);

/** The catalog for one node. `server` overrides the kubeconfig server for workers in whole-cluster mode. */
export function buildCatalog(c: ClusterConfig, role: NodeRole = 'control-plane', workerServer?: string): Catalog {
  const server = workerServer ?? controlPlaneUrl(c);
  const nodeKubeconfigs: KubeconfigSpec[] = [
    {
      name: 'kubelet.conf',
      clientName: `system:node:${c.nodeName}`,
      organization: ['system:nodes'],
      server,
      ca: 'ca',
      managedByKubelet: true,
      usedBy: ['kubelet'],
    },
    {
      name: 'kube-proxy.conf',
      clientName: 'system:kube-proxy',
      organization: [],
      server,
      ca: 'ca',
      managedByKubelet: false,
      sharedIdentity: true,
      usedBy: ['kube-proxy'],
    },
  ];
  if (role === 'worker') {
    return {
      role,
      cas: [CA_SPECS.ca],
      caKeys: false,
      leaves: [],
      kubeconfigs: nodeKubeconfigs,
      serviceAccountKey: false,
    };
  }
  const api = apiServerSans(c);
  const leaves: LeafSpec[] = [
    {
      name: 'apiserver',
      baseName: 'apiserver',
      ca: 'ca',
      commonName: 'kube-apiserver',
      organization: [],
      extKeyUsage: ['serverAuth'],
      ...api,
      usedBy: ['kube-apiserver'],
    },
    {
      name: 'apiserver-kubelet-client',
      baseName: 'apiserver-kubelet-client',
      ca: 'ca',
      commonName: 'kube-apiserver-kubelet-client',
      organization: ['kubeadm:cluster-admins'],
      extKeyUsage: ['clientAuth'],
      dnsNames: [],
      ipAddresses: [],
      usedBy: ['kube-apiserver'],
    },
    {
      name: 'front-proxy-client',
      baseName: 'front-proxy-client',
      ca: 'front-proxy-ca',
      commonName: 'front-proxy-client',
      organization: [],
      extKeyUsage: ['clientAuth'],
      dnsNames: [],
      ipAddresses: [],
      usedBy: ['kube-apiserver'],
    },
  ];
  const cas: CaSpec[] = [CA_SPECS.ca, CA_SPECS['front-proxy-ca']];
  if (!c.etcdExternal) {
    cas.push(CA_SPECS['etcd-ca']);
    leaves.push(
      {
        name: 'etcd-server',
        baseName: 'etcd/server',
        ca: 'etcd-ca',
        commonName: c.nodeName,
        organization: [],
        extKeyUsage: ['serverAuth', 'clientAuth'],
        ...etcdSans(c, c.etcdServerCertSANs),
        usedBy: ['etcd'],
      },
      {
        name: 'etcd-peer',
        baseName: 'etcd/peer',
        ca: 'etcd-ca',
        commonName: c.nodeName,
        organization: [],
        extKeyUsage: ['serverAuth', 'clientAuth'],
        ...etcdSans(c, c.etcdPeerCertSANs),
        usedBy: ['etcd'],
      },
      {
        name: 'etcd-healthcheck-client',
        baseName: 'etcd/healthcheck-client',
        ca: 'etcd-ca',
        commonName: 'kube-etcd-healthcheck-client',
        organization: [],
        extKeyUsage: ['clientAuth'],
        dnsNames: [],
        ipAddresses: [],
        usedBy: ['etcd'],
      },
      {
        name: 'apiserver-etcd-client',
        baseName: 'apiserver-etcd-client',
        ca: 'etcd-ca',
        commonName: 'kube-apiserver-etcd-client',
        organization: [],
        extKeyUsage: ['clientAuth'],
        dnsNames: [],
        ipAddresses: [],
        usedBy: ['kube-apiserver'],
      },
    );
  }
  const local = localUrl(c);
  const kubeconfigs: KubeconfigSpec[] = [
    {
      name: 'admin.conf',
      clientName: 'kubernetes-admin',
      organization: ['kubeadm:cluster-admins'],
      server,
      ca: 'ca',
      managedByKubelet: false,
      usedBy: [],
    },
    {
      name: 'super-admin.conf',
      clientName: 'kubernetes-super-admin',
      organization: ['system:masters'],
      server,
      ca: 'ca',
      managedByKubelet: false,
      usedBy: [],
    },
    nodeKubeconfigs[0]!,
    {
      name: 'controller-manager.conf',
      clientName: 'system:kube-controller-manager',
      organization: [],
      server: local,
      ca: 'ca',
      managedByKubelet: false,
      usedBy: ['kube-controller-manager'],
    },
    {
      name: 'scheduler.conf',
      clientName: 'system:kube-scheduler',
      organization: [],
      server: local,
      ca: 'ca',
      managedByKubelet: false,
      usedBy: ['kube-scheduler'],
    },
    nodeKubeconfigs[1]!,
  ];
  return { role, cas, caKeys: true, leaves, kubeconfigs, serviceAccountKey: true };
}

/** Kubeconfig client certificates carry this usage and no other (docs/upstream/k8s-pki.md §2). */
export const KUBECONFIG_CLIENT_USAGES: readonly ExtKeyUsage[] = ['clientAuth'];

/**
 * What a node's certificate or kubeconfig client certificate says whatever the cluster's
 * configuration: the identity a reader of someone else's files (the audit) can expect.
 */
export interface NodeIdentity {
  /** the catalog name: "apiserver", "etcd-server", "admin.conf"… */
  name: string;
  kind: 'certificate' | 'kubeconfig';
  /** below the cert dir without extension ("etcd/server"), or the kubeconfig's file name */
  file: string;
  /** the CN; where kubeadm writes the node name into it, what comes before and after the name */
  commonName: string | { beforeNodeName: string; afterNodeName: string };
  organization: string[];
  extKeyUsage: ExtKeyUsage[];
  /** the DNS SANs that do not depend on the configuration (the apiserver's in-cluster service names) */
  dnsNames: string[];
}

// No node name, address or domain contains it: whatever does was derived from the configuration.
const CONFIGURED = '\u0000';

/**
 * The identities of a control-plane node's catalog, read off `buildCatalog` itself with every
 * configurable value replaced by a marker, so this list cannot drift from what `init` issues.
 */
export function nodeIdentities(): NodeIdentity[] {
  const node = `${CONFIGURED}node`;
  const c: ClusterConfig = {
    clusterName: 'kubernetes',
    controlPlaneEndpoint: undefined,
    serviceSubnet: '10.96.0.0/12',
    dnsDomain: `${CONFIGURED}domain`,
    apiServerCertSANs: [],
    etcdExternal: false,
    etcdServerCertSANs: [],
    etcdPeerCertSANs: [],
    encryptionAlgorithm: 'RSA-2048',
    certificateValidityMs: 0,
    caCertificateValidityMs: 0,
    advertiseAddress: `${CONFIGURED}address`,
    bindPort: 6443,
    nodeName: node,
    nodes: [],
  };
  const cn = (s: string): NodeIdentity['commonName'] => {
    const at = s.indexOf(node);
    return at < 0 ? s : { beforeNodeName: s.slice(0, at), afterNodeName: s.slice(at + node.length) };
  };
  const fixed = (names: string[]): string[] => names.filter((n) => !n.includes(CONFIGURED));
  const catalog = buildCatalog(c);
  return [
    ...catalog.leaves.map((l): NodeIdentity => ({
      name: l.name,
      kind: 'certificate',
      file: l.baseName,
      commonName: cn(l.commonName),
      organization: [...l.organization],
      extKeyUsage: [...l.extKeyUsage],
      dnsNames: fixed(l.dnsNames),
    })),
    ...catalog.kubeconfigs.map((k): NodeIdentity => ({
      name: k.name,
      kind: 'kubeconfig',
      file: k.name,
      commonName: cn(k.clientName),
      organization: [...k.organization],
      extKeyUsage: [...KUBECONFIG_CLIENT_USAGES],
      dnsNames: [],
    })),
  ];
}
