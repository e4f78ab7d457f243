/** authorization.k8s.io/v1 SubjectAccessReview and SelfSubjectAccessReview (k8s.io/api `authorization/v1/types.go`). */
import { bool, listOf, mapOf, obj, str } from '../schema.js';
import { fieldSelectorRequirement, labelSelectorRequirement, topLevel } from './meta.js';

const resourceAttributes = obj('v1.ResourceAttributes', {
  namespace: str,
  verb: str,
  group: str,
  version: str,
  resource: str,
  subresource: str,
  name: str,
  fieldSelector: obj('v1.FieldSelectorAttributes', {
    rawSelector: str,
    requirements: listOf(fieldSelectorRequirement),
  }),
  labelSelector: obj('v1.LabelSelectorAttributes', {
    rawSelector: str,
    requirements: listOf(labelSelectorRequirement),
  }),
});
const nonResourceAttributes = obj('v1.NonResourceAttributes', { path: str, verb: str });
const reviewStatus = obj('v1.SubjectAccessReviewStatus', {
  allowed: bool,
  denied: bool,
  reason: str,
  evaluationError: str,
});

export const subjectAccessReview = topLevel('v1.SubjectAccessReview', {
  spec: obj('v1.SubjectAccessReviewSpec', {
    resourceAttributes,
    nonResourceAttributes,
    user: str,
    groups: listOf(str),
    extra: mapOf(listOf(str)),
    uid: str,
  }),
  status: reviewStatus,
});

export const selfSubjectAccessReview = topLevel('v1.SelfSubjectAccessReview', {
  spec: obj('v1.SelfSubjectAccessReviewSpec', { resourceAttributes, nonResourceAttributes }),
  status: reviewStatus,
});
