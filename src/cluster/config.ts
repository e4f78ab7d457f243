/**
 * The cluster configuration kubetls works from: kubeadm's v1beta3/v1beta4
 * ClusterConfiguration + InitConfiguration fields that matter for certificates, a kubetls
 * `ClusterNodes` document for whole-cluster mode, and kubeadm-like flags on top.
 * Everything is validated here, so later stages can trust it.
 */
import { hostname } from 'node:os';
import { KubetlsError } from '../errors/index.js';
import { canonicalIp } from '../pki/ip.js';
import { parseKeyAlgorithm, type KeyAlgorithm } from '../pki/keys.js';
import { parseGoDuration } from '../util/duration.js';
import {
  CLUSTER_CONFIGURATION_FIELDS,
  CLUSTER_NODES_FIELDS,
  INIT_CONFIGURATION_FIELDS,
  unknownFields,
} from './knownfields.js';
import {
  detectAdvertiseAddress,
  isDns1123Subdomain,
  isWildcardDns,
  parseEndpoint,
  validateServiceSubnet,
} from './network.js';

export const DEFAULT_CERT_VALIDITY_MS = 8760 * 3_600_000; // one year, kubeadm's default
export const DEFAULT_CA_VALIDITY_MS = 87600 * 3_600_000; // ten years
export const DEFAULT_BIND_PORT = 6443;

export type NodeRole = 'control-plane' | 'worker';

export interface NodeSpec {
  name: string;
  role: NodeRole;
  /** the node's IP: the apiserver/etcd advertise address on control-plane nodes */
  address: string;
  /** extra SANs for this node's apiserver certificate */
  certSANs: string[];
}

export interface ClusterConfig {
  clusterName: string;
  controlPlaneEndpoint: string | undefined;
  serviceSubnet: string;
  dnsDomain: string;
  apiServerCertSANs: string[];
  etcdExternal: boolean;
  etcdServerCertSANs: string[];
  etcdPeerCertSANs: string[];
  encryptionAlgorithm: KeyAlgorithm;
  certificateValidityMs: number;
  caCertificateValidityMs: number;
  advertiseAddress: string;
  bindPort: number;
  nodeName: string;
  /** whole-cluster mode when non-empty */
  nodes: NodeSpec[];
}

/** Flags as the CLI passes them (all optional; a config file fills the rest). */
export interface ConfigFlags {
  apiserverAdvertiseAddress?: string;
  /** a number, or the flag's text (validated here) */
  apiserverBindPort?: number | string;
  apiserverCertExtraSans?: string[];
  controlPlaneEndpoint?: string;
  serviceCidr?: string;
  serviceDnsDomain?: string;
  nodeName?: string;
  encryptionAlgorithm?: string;
  clusterName?: string;
  certificateValidityPeriod?: string;
  caCertificateValidityPeriod?: string;
}

export interface LoadedConfig {
  config: ClusterConfig;
  warnings: string[];
  /** certificatesDir from the config file, if it set one */
  certificatesDir: string | undefined;
}

type Doc = Record<string, unknown>;

const MAX_CONFIG_BYTES = 1024 * 1024;

function obj(v: unknown, field: string): Doc {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new KubetlsError('InvalidConfig', `${field} must be a mapping`);
  return v as Doc;
}
function str(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' && typeof v !== 'number')
    throw new KubetlsError('InvalidConfig', `${field} must be a string`);
  return String(v);
}
function strList(v: unknown, field: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new KubetlsError('InvalidConfig', `${field} must be a list of strings`);
  return v.map((x, i) => {
    const s = str(x, `${field}[${i}]`);
    if (s === undefined) throw new KubetlsError('InvalidConfig', `${field}[${i}] is empty`);
    return s;
  });
}

/** Parses the YAML documents of a kubeadm (or kubetls) config file into raw sections. */
export async function parseConfigFile(
  text: string,
  source = 'config',
): Promise<{ cluster: Doc; init: Doc; nodes: Doc | undefined; warnings: string[] }> {
  if (text.length > MAX_CONFIG_BYTES) throw new KubetlsError('TooLarge', `${source}: over ${MAX_CONFIG_BYTES} bytes`);
  const { parseYamlDocuments } = await import('../util/yaml.js');
  const docs = parseYamlDocuments(text, source, { code: 'InvalidConfig' });
  let cluster: Doc = {};
  let init: Doc = {};
  let nodes: Doc | undefined;
  for (const [i, d] of docs.entries()) {
    const doc = obj(d, `${source} document ${i + 1}`);
    const kind = str(doc.kind, 'kind');
    const api = str(doc.apiVersion, 'apiVersion') ?? '';
    if (kind === 'ClusterConfiguration' || kind === 'InitConfiguration') {
      if (!/^kubeadm\.k8s\.io\/v1beta[34]$/.test(api)) {
        throw new KubetlsError(
          'InvalidConfig',
          `${source}: ${kind} apiVersion "${api}" is not supported`,
          'use kubeadm.k8s.io/v1beta4 (or v1beta3)',
        );
      }
      if (kind === 'ClusterConfiguration') cluster = doc;
      else init = doc;
    } else if (kind === 'ClusterNodes') {
      if (api !== 'kubetls.io/v1alpha1')
        throw new KubetlsError('InvalidConfig', `${source}: ClusterNodes apiVersion must be kubetls.io/v1alpha1`);
      nodes = doc;
    } else if (
      kind === 'JoinConfiguration' ||
      kind === 'KubeletConfiguration' ||
      kind === 'KubeProxyConfiguration' ||
      kind === 'ResetConfiguration' ||
      kind === 'UpgradeConfiguration'
    ) {
      continue; // valid in a kubeadm file, irrelevant to certificates
    } else {
      throw new KubetlsError(
        'InvalidConfig',
        `${source}: unknown document kind "${kind ?? '(none)'}"`,
        'expected ClusterConfiguration, InitConfiguration or ClusterNodes',
      );
    }
  }
  const warnings = [
    ...unknownFields(cluster, 'ClusterConfiguration', CLUSTER_CONFIGURATION_FIELDS),
    ...unknownFields(init, 'InitConfiguration', INIT_CONFIGURATION_FIELDS),
    ...(nodes ? unknownFields(nodes, 'ClusterNodes', CLUSTER_NODES_FIELDS) : []),
  ];
  return { cluster, init, nodes, warnings };
}

/**
 * At most this many entries in one SAN list (apiServer.certSANs with
 * --apiserver-cert-extra-sans, etcd.local.serverCertSANs and peerCertSANs, ClusterNodes
 * nodes[].certSANs). Real clusters list a handful to a few dozen (load balancers, VIPs,
 * every control-plane address), and public CAs stop at 100 names per certificate; 256
 * leaves room for the largest while keeping the certificate a few KiB, where a mistake
 * (a generated list, a loop in a template) would make one too big for TLS stacks that cap
 * a handshake message (tens of KiB), and every SAN costs on every handshake.
 */
export const MAX_SANS_PER_LIST = 256;

function checkSanCount(count: number, field: string, detail?: string): void {
  if (count > MAX_SANS_PER_LIST)
    throw new KubetlsError(
      'InvalidConfig',
      `${field}: Too many: ${count}: ${detail ?? `must have at most ${MAX_SANS_PER_LIST} items`}`,
    );
}

/** A validated, canonical SAN list, at most MAX_SANS_PER_LIST long (checked before any entry is parsed). */
function sanList(v: unknown, field: string): string[] {
  const list = strList(v, field);
  checkSanCount(list.length, field);
  return list.map((s, i) => validateSan(s, `${field}[${i}]`));
}

function validateSan(s: string, field: string): string {
  const ip = canonicalIp(s);
  if (ip) return ip;
  const lower = s.toLowerCase();
  if (isDns1123Subdomain(lower) || isWildcardDns(lower)) return lower;
  // kubeadm drops such SANs with a warning; kubetls refuses, since a silently missing SAN surfaces later as a TLS failure
  throw new KubetlsError('InvalidSAN', `${field}: "${s}" is neither an IP address nor a valid DNS name`);
}

/** apiServer.certSANs and --apiserver-cert-extra-sans: one list in the certificate, so one cap for both. */
function apiServerSanList(fromConfig: unknown, fromFlags: string[]): string[] {
  const config = strList(fromConfig, 'apiServer.certSANs');
  checkSanCount(config.length, 'apiServer.certSANs');
  checkSanCount(fromFlags.length, '--apiserver-cert-extra-sans');
  checkSanCount(
    config.length + fromFlags.length,
    'apiServer.certSANs',
    `with --apiserver-cert-extra-sans, must have at most ${MAX_SANS_PER_LIST} items`,
  );
  return [...config, ...fromFlags].map((s, i) => validateSan(s, `apiServer.certSANs[${i}]`));
}

const isNodeRole = (r: string): r is NodeRole => r === 'control-plane' || r === 'worker';

function parseNodes(doc: Doc): NodeSpec[] {
  const list = doc.nodes;
  if (!Array.isArray(list) || list.length === 0)
    throw new KubetlsError('InvalidConfig', 'ClusterNodes.nodes must be a non-empty list');
  if (list.length > 5000) throw new KubetlsError('InvalidConfig', 'ClusterNodes.nodes: more than 5000 nodes');
  const seen = new Set<string>();
  const nodes = list.map((raw, i) => {
    const n = obj(raw, `nodes[${i}]`);
    const name = str(n.name, `nodes[${i}].name`)?.toLowerCase();
    if (!name || !isDns1123Subdomain(name))
      throw new KubetlsError('InvalidConfig', `nodes[${i}].name: "${String(n.name ?? '')}" is not a valid node name`);
    if (seen.has(name)) throw new KubetlsError('InvalidConfig', `nodes[${i}].name: duplicate node "${name}"`);
    seen.add(name);
    const role = str(n.role, `nodes[${i}].role`) ?? 'worker';
    if (!isNodeRole(role))
      throw new KubetlsError('InvalidConfig', `nodes[${i}].role: must be control-plane or worker, got "${role}"`);
    const addr = str(n.address, `nodes[${i}].address`);
    const ip = addr ? canonicalIp(addr) : null;
    if (!ip) throw new KubetlsError('InvalidConfig', `nodes[${i}].address: "${addr ?? ''}" is not an IP address`);
    return {
      name,
      role,
      address: ip,
      certSANs: sanList(n.certSANs, `nodes[${i}].certSANs`),
    };
  });
  if (!nodes.some((n) => n.role === 'control-plane'))
    throw new KubetlsError('InvalidConfig', 'ClusterNodes: at least one node must have role control-plane');
  return nodes;
}

/** Builds the validated configuration from an optional config file text and flags (flags win). */
export interface LoadOptions {
  /** the machine's advertise address when none is configured; injectable for tests */
  detectAddress?: () => string | null;
  /** the node name when none is configured (default: the hostname); commands that do not use it pass a placeholder */
  detectNodeName?: () => string;
}

export async function loadConfig(
  flags: ConfigFlags,
  fileText?: string,
  source?: string,
  o: LoadOptions = {},
): Promise<LoadedConfig> {
  const { cluster, init, nodes, warnings } =
    fileText !== undefined
      ? await parseConfigFile(fileText, source)
      : { cluster: {}, init: {}, nodes: undefined, warnings: [] as string[] };
  const networking = obj(cluster.networking, 'networking');
  const apiServer = obj(cluster.apiServer, 'apiServer');
  const etcd = obj(cluster.etcd, 'etcd');
  const etcdLocal = obj(etcd.local, 'etcd.local');
  // kubeadm's schema: external is a mapping (endpoints, caFile…), exclusive with local; a
  // scalar ("yes", true) is a mistake, not a request for external etcd
  const etcdExternal = etcd.external !== undefined && etcd.external !== null;
  if (etcdExternal) {
    obj(etcd.external, 'etcd.external');
    if (etcd.local !== undefined && etcd.local !== null)
      throw new KubetlsError('InvalidConfig', 'etcd: local and external are mutually exclusive; set one of them');
  }
  const localApi = obj(init.localAPIEndpoint, 'localAPIEndpoint');
  const nodeReg = obj(init.nodeRegistration, 'nodeRegistration');

  const alg = flags.encryptionAlgorithm ?? str(cluster.encryptionAlgorithm, 'encryptionAlgorithm') ?? 'RSA-2048';
  const certValidity =
    flags.certificateValidityPeriod ?? str(cluster.certificateValidityPeriod, 'certificateValidityPeriod');
  const caValidity =
    flags.caCertificateValidityPeriod ?? str(cluster.caCertificateValidityPeriod, 'caCertificateValidityPeriod');

  const serviceSubnet =
    flags.serviceCidr ?? str(networking.serviceSubnet, 'networking.serviceSubnet') ?? '10.96.0.0/12';
  validateServiceSubnet(serviceSubnet, flags.serviceCidr !== undefined ? 'serviceSubnet' : 'networking.serviceSubnet');
  const dnsDomain = (
    flags.serviceDnsDomain ??
    str(networking.dnsDomain, 'networking.dnsDomain') ??
    'cluster.local'
  ).toLowerCase();
  if (!isDns1123Subdomain(dnsDomain))
    throw new KubetlsError('InvalidConfig', `networking.dnsDomain: "${dnsDomain}" is not a valid DNS name`);

  const controlPlaneEndpoint = flags.controlPlaneEndpoint ?? str(cluster.controlPlaneEndpoint, 'controlPlaneEndpoint');
  if (controlPlaneEndpoint) parseEndpoint(controlPlaneEndpoint);

  const parsedNodes = nodes ? parseNodes(nodes) : [];
  const cps = parsedNodes.filter((n) => n.role === 'control-plane');
  if (cps.length > 1 && !controlPlaneEndpoint) {
    // kubeadm will not join a second control plane without a stable endpoint; here the
    // certificates would still be issued, with every worker pinned to the first one
    warnings.push(
      `${cps.length} control-plane nodes but no controlPlaneEndpoint: kubeconfigs point at ${cps[0]!.name} (${cps[0]!.address}) only, so the cluster goes down with it; set controlPlaneEndpoint to a load balancer or DNS name in front of all of them`,
    );
  }
  // Whole-cluster mode: init takes every node's name and address from ClusterNodes, so this
  // machine's address and hostname are irrelevant there; looking them up only produced a
  // misleading warning on build boxes without a network. The first control-plane node
  // stands in for the single-node fields unless they are given.
  const firstCp = parsedNodes.find((n) => n.role === 'control-plane');
  let advertiseAddress =
    flags.apiserverAdvertiseAddress ??
    str(localApi.advertiseAddress, 'localAPIEndpoint.advertiseAddress') ??
    firstCp?.address;
  if (advertiseAddress) {
    const ip = canonicalIp(advertiseAddress);
    if (!ip) throw new KubetlsError('InvalidConfig', `advertise address "${advertiseAddress}" is not an IP address`);
    advertiseAddress = ip;
  } else {
    const detected = (o.detectAddress ?? detectAdvertiseAddress)();
    if (detected) advertiseAddress = detected;
    else {
      advertiseAddress = '127.0.0.1';
      warnings.push(
        'no advertise address given and none detected; using 127.0.0.1 (set --apiserver-advertise-address)',
      );
    }
  }
  const bindPortRaw = flags.apiserverBindPort ?? localApi.bindPort ?? DEFAULT_BIND_PORT;
  const bindPort = Number(bindPortRaw);
  if (!Number.isInteger(bindPort) || bindPort < 1 || bindPort > 65535)
    throw new KubetlsError('InvalidConfig', `bindPort: ${String(bindPortRaw)} is not a valid port`);

  const nodeName = (
    flags.nodeName ??
    str(nodeReg.name, 'nodeRegistration.name') ??
    firstCp?.name ??
    (o.detectNodeName ?? hostname)()
  ).toLowerCase();
  if (!isDns1123Subdomain(nodeName))
    throw new KubetlsError(
      'InvalidConfig',
      `node name "${nodeName}" is not a valid DNS-1123 subdomain`,
      'set --node-name',
    );

  const clusterName = flags.clusterName ?? str(cluster.clusterName, 'clusterName') ?? 'kubernetes';
  if (!/^[A-Za-z0-9][-A-Za-z0-9_.]{0,252}$/.test(clusterName))
    throw new KubetlsError('InvalidConfig', `clusterName: "${clusterName}" is not a valid name`);

  const config: ClusterConfig = {
    clusterName,
    controlPlaneEndpoint,
    serviceSubnet,
    dnsDomain,
    apiServerCertSANs: apiServerSanList(apiServer.certSANs, flags.apiserverCertExtraSans ?? []),
    etcdExternal,
    etcdServerCertSANs: sanList(etcdLocal.serverCertSANs, 'etcd.local.serverCertSANs'),
    etcdPeerCertSANs: sanList(etcdLocal.peerCertSANs, 'etcd.local.peerCertSANs'),
    encryptionAlgorithm: parseKeyAlgorithm(alg),
    certificateValidityMs: certValidity
      ? parseGoDuration(certValidity, 'certificateValidityPeriod')
      : DEFAULT_CERT_VALIDITY_MS,
    caCertificateValidityMs: caValidity
      ? parseGoDuration(caValidity, 'caCertificateValidityPeriod')
      : DEFAULT_CA_VALIDITY_MS,
    advertiseAddress,
    bindPort,
    nodeName,
    nodes: parsedNodes,
  };
  if (config.certificateValidityMs <= 0 || config.caCertificateValidityMs <= 0)
    throw new KubetlsError('InvalidConfig', 'validity periods must be positive');
  if (config.certificateValidityMs > config.caCertificateValidityMs) {
    warnings.push(
      "certificateValidityPeriod is longer than caCertificateValidityPeriod: leaf certificates will be cut to their CA's expiry",
    );
  }
  return { config, warnings, certificatesDir: str(cluster.certificatesDir, 'certificatesDir') };
}
