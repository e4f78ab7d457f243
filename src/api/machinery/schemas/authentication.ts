/**
 * authentication.k8s.io/v1 and v1beta1 SelfSubjectReview (`kubectl auth whoami`, which kubectl
 * >= 1.32 sends as protobuf; kubectl 1.27 asks v1beta1) and v1 TokenReview (delegated
 * authentication: a component asks the API server who a bearer token is); k8s.io/api
 * `authentication/v1/types.go`, `authentication/v1beta1/types.go` and
 * `generated.proto`. The SelfSubjectReview numbers were checked against kubectl 1.33
 * decoding a protobuf answer. Go's JSON presence: TokenReview's spec and status and
 * status.user are structs, always printed; status.authenticated is `omitempty`, so a refused
 * token's review has no `authenticated` at all.
 */
import { bool, listOf, mapOf, obj, pb, str } from '../schema.js';
import { topLevel } from './meta.js';

export const userInfo = obj('v1.UserInfo', {
  username: pb(1, str),
  uid: pb(2, str),
  groups: pb(3, listOf(str)),
  /** map[string]ExtraValue; ExtraValue is []string */
  extra: pb(4, mapOf(listOf(str))),
});

/**
 * SelfSubjectReview in `version`. The versions differ only in their package: v1beta1's status
 * holds authentication/v1's UserInfo (upstream's v1beta1 types import it; same field numbers),
 * so both share one UserInfo schema and OpenAPI names it once, in v1.
 */
const selfSubjectReviewIn = (version: 'v1' | 'v1beta1') =>
  topLevel(`${version}.SelfSubjectReview`, {
    status: pb(2, obj(`${version}.SelfSubjectReviewStatus`, { userInfo: pb(1, userInfo, 'always') }), 'always'),
  });

export const selfSubjectReview = selfSubjectReviewIn('v1');
export const selfSubjectReviewV1beta1 = selfSubjectReviewIn('v1beta1');

export const tokenReview = topLevel('v1.TokenReview', {
  spec: pb(2, obj('v1.TokenReviewSpec', { token: pb(1, str), audiences: pb(2, listOf(str)) }), 'always'),
  status: pb(
    3,
    obj('v1.TokenReviewStatus', {
      authenticated: pb(1, bool),
      user: pb(2, userInfo, 'always'),
      audiences: pb(4, listOf(str)),
      error: pb(3, str),
    }),
    'always',
  ),
});
