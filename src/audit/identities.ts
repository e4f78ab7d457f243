/**
 * The identities the audit expects of the certificates the flags and kubeconfigs point at.
 * They come from the certificate catalog (src/cluster/catalog.ts), so the audit cannot
 * disagree with what `kubetls init` issues; the few places where the audit accepts more
 * than kubetls issues are listed here, each with its reason.
 */
import { nodeIdentities, type NodeIdentity } from '../cluster/catalog.js';
import type { ExtKeyUsage } from '../pki/oid.js';
import type { Expect } from './pkicheck.js';

const IDENTITIES = new Map(nodeIdentities().map((i) => [i.name, i]));

// kubeadm before 1.29 issued these with O=system:masters; upgraded clusters keep such
// certificates until they are renewed, and they still work.
const ALSO_ACCEPTED_ORGANIZATIONS: Readonly<Record<string, readonly string[]>> = {
  'apiserver-kubelet-client': ['system:masters'],
  'admin.conf': ['system:masters'],
};

// etcd's client-facing certificate must be able to serve; kubeadm also gives it clientAuth,
// which etcd does not need to serve clients, so other installers' certificates may lack it.
const REQUIRED_USAGES: Readonly<Record<string, readonly ExtKeyUsage[]>> = { 'etcd-server': ['serverAuth'] };

/** The kubeconfigs under etc/kubernetes the audit reads, in the order it reports them. */
export const AUDITED_KUBECONFIGS: readonly string[] = [
  'admin.conf',
  'super-admin.conf',
  'controller-manager.conf',
  'scheduler.conf',
  'kubelet.conf',
  'kube-proxy.conf',
];

function identity(name: string): NodeIdentity {
  const id = IDENTITIES.get(name);
  // A programming error (a name the catalog does not have), caught by the tests.
  if (!id) throw new Error(`the certificate catalog has no "${name}"`);
  return id;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * CN, O (any of) and usages of catalog entry `name`. Where the CN holds the node name, it is
 * checked against `nodeName` when the audit knows it (etcd's --name), else as a pattern; a CN
 * that is nothing but an unknown node name is not checked.
 */
export function expectedIdentity(name: string, nodeName?: string): Expect {
  const id = identity(name);
  const e: Expect = {};
  if (typeof id.commonName === 'string') e.cn = id.commonName;
  else {
    const { beforeNodeName: before, afterNodeName: after } = id.commonName;
    if (nodeName) e.cn = before + nodeName + after;
    else if (before || after) e.cn = new RegExp(`^${escapeRegExp(before)}.+${escapeRegExp(after)}$`);
  }
  const org = [...id.organization, ...(ALSO_ACCEPTED_ORGANIZATIONS[name] ?? [])];
  if (org.length) e.org = org;
  e.eku = [...(REQUIRED_USAGES[name] ?? id.extKeyUsage)];
  return e;
}

/** The SANs of catalog entry `name` that every cluster's certificate carries (the apiserver's service names). */
export const fixedDnsNames = (name: string): string[] => [...identity(name).dnsNames];
