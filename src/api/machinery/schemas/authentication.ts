/**
 * authentication.k8s.io/v1 SelfSubjectReview (`kubectl auth whoami`, which kubectl >= 1.32
 * sends as protobuf) and TokenReview (delegated authentication: a component asks the API
 * server who a bearer token is); k8s.io/api `authentication/v1/types.go` and
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

export const selfSubjectReview = topLevel('v1.SelfSubjectReview', {
  status: pb(2, obj('v1.SelfSubjectReviewStatus', { userInfo: pb(1, userInfo, 'always') }), 'always'),
});

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
