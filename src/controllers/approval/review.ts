/**
 * The SubjectAccessReview an approver asks before approving on a requester's behalf: "may
 * the user who created this CSR create `certificatesigningrequests/<subresource>`?". The
 * subresources are not served; they exist only as RBAC permissions (kubeadm binds its
 * bootstrap-token group to `nodeclient` and `system:nodes` to `selfnodeclient`).
 * Attributes as kube-controller-manager's csrapproving controller sends them
 * (docs/upstream/csr-api.md Part B §2): the requester's user, uid, groups and extra from
 * the CSR spec, verb `create`, version `*`, no namespace and no name.
 */
import { GROUP, RESOURCE } from '../../api/resources/certificates/types.js';
import type { CsrView } from './csrview.js';

/** authorization.k8s.io/v1 SubjectAccessReview `spec`, as it travels in JSON. */
export interface SubjectAccessReviewSpec {
  user: string;
  uid: string;
  groups: string[];
  extra: Record<string, string[]>;
  resourceAttributes: {
    group: string;
    resource: string;
    subresource: string;
    verb: string;
    version: string;
  };
}

/**
 * Asks the API server (or, in tests, a table) whether the review is allowed. Rejects when
 * the review could not be made; the controller retries the CSR with backoff then.
 */
export type Authorize = (spec: SubjectAccessReviewSpec) => Promise<boolean>;

export function csrReview(v: CsrView, subresource: string): SubjectAccessReviewSpec {
  const extra: Record<string, string[]> = {};
  for (const [k, vals] of Object.entries(v.extra)) extra[k] = [...vals];
  return {
    user: v.username,
    uid: v.uid,
    groups: [...v.groups],
    extra,
    resourceAttributes: { group: GROUP, resource: RESOURCE, subresource, verb: 'create', version: '*' },
  };
}
