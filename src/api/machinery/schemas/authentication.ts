/**
 * authentication.k8s.io/v1 SelfSubjectReview (`kubectl auth whoami`, which kubectl >= 1.32
 * sends as protobuf; k8s.io/api `authentication/v1/types.go` and `generated.proto`). The
 * protobuf numbers were checked against kubectl 1.33 decoding a protobuf answer.
 */
import { listOf, mapOf, obj, pb, str } from '../schema.js';
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
