/**
 * The kubelet-serving approver: approves a `kubernetes.io/kubelet-serving` CSR only when the
 * node asking owns every name and address in it. Upstream never approves serving
 * certificates automatically (docs/upstream/k8s-pki.md §5), and the approvers people install
 * instead match names against patterns, which lets one node obtain a certificate for
 * another's address (docs/upstream/csr-api.md Part B §7). kubetls approves by default because
 * it checks ownership against the Nodes' `status.addresses`, which a node cannot change
 * (kubetls serve grants Node /status to no node).
 *
 * In order, for a CSR not yet decided and for this signer:
 * 1. the requester must be a node (`system:node:<name>`): otherwise it is left for a person,
 *    with an Event saying why;
 * 2. the request must have a kubelet serving request's shape (O exactly `system:nodes`, CN
 *    `system:node:<name>`, a DNS or IP SAN, no email or URI SAN, usages one of the two allowed
 *    sets: the built-in signer's rule): otherwise Denied with the signer's message (it would
 *    refuse the request anyway);
 * 3. the CN must name the requester: a node asking for another node's certificate is left
 *    for a person, with an Event saying so;
 * 4. the optional extra policy (servingpolicy.ts): a violation is Denied, naming the value;
 * 5. Node X must exist: until it does the CSR waits (an Event names the node; the controller
 *    looks again when Node X appears) and is Denied once the wait has lasted 15 minutes;
 * 6. every DNS name and IP must be one of Node X's addresses (any type) and listed by no
 *    other Node: a foreign or contested SAN is Denied, naming the SAN.
 * Then Approved, reason `AutoApproved`.
 */
import type { CertificateSigningRequest } from '../../api/resources/certificates/types.js';
import { SIGNERS } from '../../api/resources/certificates/types.js';
import { goQuote as quote } from '../../api/goquote.js';
import { formatTime } from '../../api/time.js';
import { formatGoDuration } from '../../util/duration.js';
import { alreadyDecided, csrView, parseRequest } from './csrview.js';
import { approve, deny, listProblems, pending, skip, warning, type ApprovalDecision } from './decision.js';
import { builtinProblem } from '../signing/builtin.js';
import { nodeNameOf, NODE_USER_PREFIX } from './kubelet.js';
import { dnsKey, ipKey, type NodeAddressLookup } from './nodeaddresses.js';
import { AUTO_APPROVED } from './nodeclient.js';
import { servingPolicyViolations, type KubeletServingPolicy } from './servingpolicy.js';

/** How long a CSR waits for its Node to be registered before it is denied. */
export const NODE_WAIT_MS = 15 * 60 * 1000;

export const REASONS = {
  /** Event: the requester is not a node, or not the node the certificate names */
  requesterNotNode: 'RequesterNotNode',
  /** Denied: not a kubelet serving request */
  invalidRequest: 'InvalidKubeletServingRequest',
  /** Denied: outside the extra policy */
  policyViolation: 'KubeletServingPolicyViolation',
  /** Event while waiting, Denied after the wait */
  nodeNotFound: 'NodeNotFound',
  /** Denied: a SAN is not the node's, or is another node's too */
  sanNotOwned: 'SubjectAltNameNotOwned',
} as const;

export interface KubeletServingContext {
  nodes: NodeAddressLookup;
  now: Date;
  policy?: KubeletServingPolicy;
  /** default NODE_WAIT_MS */
  nodeWaitMs?: number;
}

/** Nodes as upstream prints a list in a message: `Node "a"`, `Nodes "a", "b"`. */
const nodesList = (names: readonly string[]): string =>
  `${names.length === 1 ? 'Node' : 'Nodes'} ${[...names]
    .sort()
    .map((n) => quote(n))
    .join(', ')}`;

/** Why each SAN is not node X's alone; empty when every SAN is. */
export function ownershipProblems(
  node: string,
  sans: { dnsNames: readonly string[]; ipAddresses: readonly string[] },
  nodes: NodeAddressLookup,
): string[] {
  const own = nodes.addressesOf(node) ?? new Set<string>();
  const out: string[] = [];
  const check = (what: string, key: string): void => {
    if (!own.has(key)) {
      out.push(`${what} is not an address of Node ${quote(node)}`);
      return;
    }
    const others = nodes.ownersOf(key).filter((n) => n !== node);
    if (others.length) out.push(`${what} is also an address of ${nodesList(others)}`);
  };
  for (const d of sans.dnsNames) check(`DNS name ${quote(d)}`, dnsKey(d));
  // an IP SAN always parses (the CSR reader wrote it from 4 or 16 bytes); a key that does not is never owned
  for (const ip of sans.ipAddresses) check(`IP address ${ip}`, ipKey(ip) ?? `invalid:${ip}`);
  return out;
}

export function decideKubeletServing(csr: CertificateSigningRequest, ctx: KubeletServingContext): ApprovalDecision {
  const v = csrView(csr);
  const decided = alreadyDecided(v);
  if (decided) return skip('AlreadyDecided', decided);
  if (v.signerName !== SIGNERS.kubeletServing) return skip('OtherSigner', `signerName is ${v.signerName}`);

  const requesterNode = nodeNameOf(v.username);
  if (requesterNode === undefined) {
    const msg = `requester ${quote(v.username)} is not a node (${NODE_USER_PREFIX}<name>); only a node's own serving certificate is approved automatically, this one is left for manual approval`;
    return skip(REASONS.requesterNotNode, msg, [warning(REASONS.requesterNotNode, msg)]);
  }
  const parsed = parseRequest(csr);
  // validated on create and immutable since: retrying cannot help, and the signer will refuse it
  if (!parsed.ok) return skip('UnparseableRequest', `unable to parse csr ${quote(v.name)}: ${parsed.reason}`);
  const req = parsed.csr;

  const shape = builtinProblem(SIGNERS.kubeletServing, req, v.usages);
  if (shape) return deny(REASONS.invalidRequest, `not a kubelet serving certificate request: ${shape}`);

  const cn = req.subject.commonName ?? '';
  if (cn !== v.username) {
    const msg = `requester ${quote(v.username)} is not the node the certificate names (${quote(cn)}); left for manual approval`;
    return skip(REASONS.requesterNotNode, msg, [warning(REASONS.requesterNotNode, msg)]);
  }

  if (ctx.policy) {
    const violations = servingPolicyViolations(req, v.expirationSeconds, ctx.policy);
    if (violations.length) return deny(REASONS.policyViolation, listProblems(violations));
  }

  const wait = ctx.nodeWaitMs ?? NODE_WAIT_MS;
  if (ctx.nodes.addressesOf(requesterNode) === undefined) {
    const created = v.createdAt ?? ctx.now.getTime();
    const deadline = new Date(created + wait);
    if (ctx.now.getTime() >= deadline.getTime())
      return deny(
        REASONS.nodeNotFound,
        `Node ${quote(requesterNode)} was not registered within ${formatGoDuration(wait)} of the request`,
      );
    const msg = `waiting for Node ${quote(requesterNode)} to be registered; the request is denied if it is not by ${formatTime(deadline)}`;
    return pending(REASONS.nodeNotFound, msg, [warning(REASONS.nodeNotFound, msg)], deadline);
  }

  const owned = ownershipProblems(requesterNode, req, ctx.nodes);
  if (owned.length) return deny(REASONS.sanNotOwned, listProblems(owned));

  return approve(
    AUTO_APPROVED,
    `Auto approving kubelet serving certificate: every subjectAltName is an address of Node ${quote(requesterNode)} and of no other Node.`,
  );
}
