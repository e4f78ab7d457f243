/**
 * The review resources — created and answered, never stored: authorization.k8s.io/v1
 * SubjectAccessReview (may a given user…?) and SelfSubjectAccessReview (may I…? — `kubectl
 * auth can-i`), and authentication.k8s.io/v1 SelfSubjectReview (who am I? — `kubectl auth
 * whoami`) and TokenReview (who is this bearer token? — delegated authentication). The answers
 * come from the same authorizer and token authenticators every request goes through.
 */
import type { KubeObject } from '../../object.js';
import type { ResourceDefinition, ResourceNames } from '../../resource.js';
import { noStrategy } from '../basic.js';
import {
  selfSubjectAccessReview,
  selfSubjectReview,
  subjectAccessReview,
  type ReviewResult,
} from '../../authz/review.js';
import { tokenReview } from '../../authn/tokenreview.js';
import { invalid } from '../../machinery/status.js';

const names = (group: string, kind: string, resource: string): ResourceNames => ({
  group,
  version: 'v1',
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

export const selfSubjectReviews: ResourceDefinition = {
  names: names('authentication.k8s.io', 'SelfSubjectReview', 'selfsubjectreviews'),
  strategy: noStrategy,
  review: async (_obj, ctx) => selfSubjectReview(ctx.user, ctx.now),
};

export const tokenReviews: ResourceDefinition = {
  names: names('authentication.k8s.io', 'TokenReview', 'tokenreviews'),
  strategy: noStrategy,
  review: (obj, _ctx, { tokens }) => tokenReview(obj, tokens),
};
