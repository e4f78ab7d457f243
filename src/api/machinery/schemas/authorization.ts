/**
 * authorization.k8s.io/v1 SubjectAccessReview and SelfSubjectAccessReview (k8s.io/api
 * `authorization/v1/types.go` and `generated.proto`), with protobuf numbers and Go's JSON
 * presence (status.allowed is always printed): `kubectl auth can-i` sends
 * SelfSubjectAccessReviews as protobuf from 1.32 on, and client-go's typed clients may send
 * SubjectAccessReviews so.
 */
import { bool, listOf, mapOf, obj, pb, str } from '../schema.js';
import { fieldSelectorRequirement, labelSelectorRequirement, topLevel } from './meta.js';

const resourceAttributes = obj('v1.ResourceAttributes', {
  namespace: pb(1, str),
  verb: pb(2, str),
  group: pb(3, str),
  version: pb(4, str),
  resource: pb(5, str),
  subresource: pb(6, str),
  name: pb(7, str),
  fieldSelector: pb(
    8,
    obj('v1.FieldSelectorAttributes', {
      rawSelector: pb(1, str),
      requirements: pb(2, listOf(fieldSelectorRequirement)),
    }),
    'pointer',
  ),
  labelSelector: pb(
    9,
    obj('v1.LabelSelectorAttributes', {
      rawSelector: pb(1, str),
      requirements: pb(2, listOf(labelSelectorRequirement)),
    }),
    'pointer',
  ),
});
const nonResourceAttributes = obj('v1.NonResourceAttributes', { path: pb(1, str), verb: pb(2, str) });
const reviewStatus = obj('v1.SubjectAccessReviewStatus', {
  allowed: pb(1, bool, 'always'),
  denied: pb(4, bool),
  reason: pb(2, str),
  evaluationError: pb(3, str),
});

export const subjectAccessReview = topLevel('v1.SubjectAccessReview', {
  spec: pb(
    2,
    obj('v1.SubjectAccessReviewSpec', {
      resourceAttributes: pb(1, resourceAttributes, 'pointer'),
      nonResourceAttributes: pb(2, nonResourceAttributes, 'pointer'),
      user: pb(3, str),
      groups: pb(4, listOf(str)),
      /** map[string]ExtraValue; ExtraValue is []string */
      extra: pb(5, mapOf(listOf(str))),
      uid: pb(6, str),
    }),
    'always',
  ),
  status: pb(3, reviewStatus, 'always'),
});

export const selfSubjectAccessReview = topLevel('v1.SelfSubjectAccessReview', {
  spec: pb(
    2,
    obj('v1.SelfSubjectAccessReviewSpec', {
      resourceAttributes: pb(1, resourceAttributes, 'pointer'),
      nonResourceAttributes: pb(2, nonResourceAttributes, 'pointer'),
    }),
    'always',
  ),
  status: pb(3, reviewStatus, 'always'),
});
