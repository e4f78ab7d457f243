/**
 * The `csrapproving` decision, as kube-controller-manager makes it
 * (docs/upstream/k8s-pki.md §5, docs/upstream/csr-api.md Part B §2):
 *
 * 1. leave alone a CSR that has a certificate or is already Approved or Denied, and any CSR
 *    for another signer than `kubernetes.io/kube-apiserver-client-kubelet`;
 * 2. recognise a kubelet client request (O exactly `[system:nodes]`, CN `system:node:<name>`,
 *    no SAN of any kind, usages exactly one of the two allowed sets); anything else is left
 *    for a person;
 * 3. when the requester is the node the CN names (a kubelet renewing its own certificate),
 *    ask a SubjectAccessReview for `create certificatesigningrequests/selfnodeclient`, and
 *    only that one (upstream's current order: a self request does not fall through to the
 *    `nodeclient` review);
 * 4. otherwise (a bootstrap token asking for a node) ask for `…/nodeclient`.
 *
 * Allowed: Approved with reason `AutoApproved` and upstream's message. Not allowed: pending,
 * retried with the queue's backoff (RBAC may change; upstream returns an ignorable error and
 * requeues). This approver never denies: a request it does not recognise, or whose requester
 * RBAC does not allow, waits for manual approval, exactly as upstream.
 */
import { goQuote } from '../../api/goquote.js';
import type { CertificateSigningRequest } from '../../api/resources/certificates/types.js';
import { SIGNERS } from '../../api/resources/certificates/types.js';
import { alreadyDecided, csrView, parseRequest } from './csrview.js';
import { approve, pending, skip, type ApprovalDecision } from './decision.js';
import { builtinProblem } from '../signing/builtin.js';
import { csrReview, type Authorize } from './review.js';

export const AUTO_APPROVED = 'AutoApproved';
export const SELF_NODE_CLIENT_MESSAGE = 'Auto approving self kubelet client certificate after SubjectAccessReview.';
export const NODE_CLIENT_MESSAGE = 'Auto approving kubelet client certificate after SubjectAccessReview.';

/** The two recognisers, in the order upstream tries them. */
const RECOGNISERS = [
  { subresource: 'selfnodeclient', name: 'selfNodeClientCert', message: SELF_NODE_CLIENT_MESSAGE },
  { subresource: 'nodeclient', name: 'nodeClientCert', message: NODE_CLIENT_MESSAGE },
] as const;

export async function decideNodeClient(
  csr: CertificateSigningRequest,
  authorize: Authorize,
): Promise<ApprovalDecision> {
  const v = csrView(csr);
  const decided = alreadyDecided(v);
  if (decided) return skip('AlreadyDecided', decided);
  if (v.signerName !== SIGNERS.kubeAPIServerClientKubelet) return skip('OtherSigner', `signerName is ${v.signerName}`);
  const parsed = parseRequest(csr);
  // the server validated spec.request on create and it is immutable: this cannot change by retrying
  if (!parsed.ok) return skip('UnparseableRequest', `unable to parse csr ${goQuote(v.name)}: ${parsed.reason}`);
  const problem = builtinProblem(SIGNERS.kubeAPIServerClientKubelet, parsed.csr, v.usages);
  if (problem) return skip('NotKubeletClient', `not a kubelet client certificate request: ${problem}`);

  const self = v.username === parsed.csr.subject.commonName;
  const r = self ? RECOGNISERS[0] : RECOGNISERS[1];
  if (await authorize(csrReview(v, r.subresource))) return approve(AUTO_APPROVED, r.message);
  return pending(
    'SubjectAccessReviewNotAllowed',
    `recognized csr ${goQuote(v.name)} as ${r.name} but subject access review was not approved`,
  );
}
