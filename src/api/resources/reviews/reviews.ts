/**
 * The review resources — created and answered, never stored: authorization.k8s.io/v1
 * SubjectAccessReview (may a given user…?) and SelfSubjectAccessReview (may I…? — `kubectl
 * auth can-i`), and authentication.k8s.io/v1 SelfSubjectReview (who am I? — `kubectl auth
 * whoami`) and TokenReview (who is this bearer token? — delegated authentication). The answers
 * come from the same authorizer and token authenticators every request goes through.
 *
 * SelfSubjectReview is also served in v1beta1, because kubectl 1.27 asks only v1beta1 (then
 * v1alpha1) while kubectl >= 1.28 asks v1 first. kube-apiserver 1.27-1.32 served v1beta1 only
 * when started with `--runtime-config=authentication.k8s.io/v1beta1=true` (KEP-3136: beta APIs
 * off by default) and deprecated it in 1.30; kubetls serves it always, as such a 1.32 server
 * does: same answer, apiVersion v1beta1, 1.32's deprecation warning. v1 stays the preferred
 * version (it is listed first). No kubectl here needs v1alpha1 (1.27 tries it only after a
 * v1beta1 404), so it is not served.
 */
import type { KubeObject } from '../../object.js';
import type { Deprecation, ResourceDefinition, ResourceNames } from '../../resource.js';
import { noStrategy } from '../basic.js';
import {
  selfSubjectAccessReview,
  selfSubjectReview,
  subjectAccessReview,
  type ReviewResult,
} from '../../authz/review.js';
import { tokenReview } from '../../authn/tokenreview.js';
import { invalid } from '../../machinery/status.js';

const names = (group: string, kind: string, resource: string, version = 'v1'): ResourceNames => ({
  group,
  version,
  resource,
  singular: kind.toLowerCase(),
  kind,
  listKind: `${kind}List`,
  namespaced: false,
  verbs: ['create'],
});

function answer(r: ReviewResult, kind: string, group: string): KubeObject {
  if (!r.ok) throw invalid({ group, kind }, '', r.errors);
  return r.object;
}

export const subjectAccessReviews: ResourceDefinition = {
  names: names('authorization.k8s.io', 'SubjectAccessReview', 'subjectaccessreviews'),
  strategy: noStrategy,
  review: async (obj, _ctx, { authorizer }) =>
    answer(await subjectAccessReview(obj, authorizer), 'SubjectAccessReview', 'authorization.k8s.io'),
};

export const selfSubjectAccessReviews: ResourceDefinition = {
  names: names('authorization.k8s.io', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews'),
  strategy: noStrategy,
  review: async (obj, ctx, { authorizer }) =>
    answer(await selfSubjectAccessReview(obj, ctx.user, authorizer), 'SelfSubjectAccessReview', 'authorization.k8s.io'),
};

/** SelfSubjectReview in one version: the same answer, in the version the request named. */
function selfSubjectReviewsIn(version: string, deprecation?: Deprecation): ResourceDefinition {
  const n = names('authentication.k8s.io', 'SelfSubjectReview', 'selfsubjectreviews', version);
  return {
    names: n,
    strategy: noStrategy,
    review: async (_obj, ctx) => selfSubjectReview(ctx.user, ctx.now, `${n.group}/${n.version}`),
    ...(deprecation ? { deprecation } : {}),
  };
}

export const selfSubjectReviews = selfSubjectReviewsIn('v1');
/** k8s.io/api authentication/v1beta1: introduced 1.27, deprecated 1.30, removed 1.33, no replacement named */
export const selfSubjectReviewsV1beta1 = selfSubjectReviewsIn('v1beta1', { deprecated: '1.30', removed: '1.33' });

export const tokenReviews: ResourceDefinition = {
  names: names('authentication.k8s.io', 'TokenReview', 'tokenreviews'),
  strategy: noStrategy,
  review: (obj, _ctx, { tokens }) => tokenReview(obj, tokens),
};
