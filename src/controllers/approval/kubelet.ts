/**
 * What makes a CSR a kubelet's: the shape kube-controller-manager's signers and approver
 * require of `kubernetes.io/kube-apiserver-client-kubelet` and `kubernetes.io/kubelet-serving`
 * requests (docs/upstream/csr-api.md Part B §1, checks in upstream's order, messages as
 * upstream's so a person reading an Event recognises them). Every problem is returned rather
 * than the first: an Event then says everything that is wrong at once.
 */
import type { ParsedCsr } from '../../pki/csr.js';

export const NODE_USER_PREFIX = 'system:node:';
export const NODES_GROUP = 'system:nodes';

/** The usage sets a kubelet client request may carry: with or without key encipherment (ECDSA keys omit it since 1.27). */
export const KUBELET_CLIENT_USAGES: readonly (readonly string[])[] = [
  ['digital signature', 'key encipherment', 'client auth'],
  ['digital signature', 'client auth'],
];
export const KUBELET_SERVING_USAGES: readonly (readonly string[])[] = [
  ['digital signature', 'key encipherment', 'server auth'],
  ['digital signature', 'server auth'],
];

/** Set equality with one of the allowed sets (a repeated usage counts once, as Go's sets do). */
export function usagesAllowed(usages: readonly string[], sets: readonly (readonly string[])[]): boolean {
  const have = new Set(usages);
  return sets.some((s) => s.length === have.size && s.every((u) => have.has(u)));
}

/** upstream prints the RSA set, sorted, in Go's %v form */
const usageMismatch = (sets: readonly (readonly string[])[]): string =>
  `usages did not match [${[...(sets[0] ?? [])].sort().join(' ')}]`;

const organizationIsNodes = (csr: ParsedCsr): boolean => {
  const o = csr.subject.organization ?? [];
  return o.length === 1 && o[0] === NODES_GROUP;
};

/** The node name a kubelet CN names (`system:node:<name>`), or undefined. */
export function nodeNameOf(commonName: string | undefined): string | undefined {
  return commonName?.startsWith(NODE_USER_PREFIX) ? commonName.slice(NODE_USER_PREFIX.length) : undefined;
}

/** Why this is not a kubelet client request (upstream's IsKubeletClientCSR); empty when it is one. */
export function kubeletClientProblems(csr: ParsedCsr, usages: readonly string[]): string[] {
  const out: string[] = [];
  if (!organizationIsNodes(csr)) out.push(`subject organization is not ${NODES_GROUP}`);
  if (csr.dnsNames.length) out.push('DNS subjectAltNames are not allowed');
  if (csr.emailAddresses.length) out.push('Email subjectAltNames are not allowed');
  if (csr.ipAddresses.length) out.push('IP subjectAltNames are not allowed');
  if (csr.uris.length) out.push('URI subjectAltNames are not allowed');
  if (nodeNameOf(csr.subject.commonName) === undefined)
    out.push(`subject common name does not begin with ${NODE_USER_PREFIX}`);
  if (!usagesAllowed(usages, KUBELET_CLIENT_USAGES)) out.push(usageMismatch(KUBELET_CLIENT_USAGES));
  return out;
}

/** Why this is not a kubelet serving request (upstream's IsKubeletServingCSR); empty when it is one. */
export function kubeletServingProblems(csr: ParsedCsr, usages: readonly string[]): string[] {
  const out: string[] = [];
  if (!organizationIsNodes(csr)) out.push(`subject organization is not ${NODES_GROUP}`);
  if (!csr.dnsNames.length && !csr.ipAddresses.length) out.push('DNS or IP subjectAltName is required');
  if (csr.emailAddresses.length) out.push('Email subjectAltNames are not allowed');
  if (csr.uris.length) out.push('URI subjectAltNames are not allowed');
  if (!usagesAllowed(usages, KUBELET_SERVING_USAGES)) out.push(usageMismatch(KUBELET_SERVING_USAGES));
  if (nodeNameOf(csr.subject.commonName) === undefined)
    out.push(`subject common name does not begin with ${NODE_USER_PREFIX}`);
  return out;
}
