/** authentication.k8s.io/v1 SelfSubjectReview (`kubectl auth whoami`; k8s.io/api `authentication/v1/types.go`). */
import { listOf, mapOf, obj, str } from '../schema.js';
import { topLevel } from './meta.js';

export const selfSubjectReview = topLevel('v1.SelfSubjectReview', {
  status: obj('v1.SelfSubjectReviewStatus', {
    userInfo: obj('v1.UserInfo', { username: str, uid: str, groups: listOf(str), extra: mapOf(listOf(str)) }),
  }),
});
