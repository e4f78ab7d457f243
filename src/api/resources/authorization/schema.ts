/**
 * authorization.k8s.io/v1 SelfSubjectAccessReview (`kubectl auth can-i`), as k8s.io/api
 * declares it: JSON names and types, protobuf numbers (kubectl ≥ 1.32 sends it as protobuf)
 * and Go's JSON presence (status.allowed is always printed).
 */
import type { MessageSchema } from '../../schema/message.js';
import { OBJECT_META } from '../../schema/objectmeta.js';

const selectorRequirement = (name: string): MessageSchema => ({
  name,
  fields: [
    { name: 'key', no: 1, type: 'string', presence: 'always' },
    { name: 'operator', no: 2, type: 'string', presence: 'always' },
    { name: 'values', no: 3, type: 'string', list: true },
  ],
});

const selectorAttributes = (name: string, requirement: MessageSchema): MessageSchema => ({
  name,
  fields: [
    { name: 'rawSelector', no: 1, type: 'string' },
    { name: 'requirements', no: 2, type: requirement, list: true },
  ],
});

export const FIELD_SELECTOR_ATTRIBUTES = selectorAttributes(
  'FieldSelectorAttributes',
  selectorRequirement('FieldSelectorRequirement'),
);
export const LABEL_SELECTOR_ATTRIBUTES = selectorAttributes(
  'LabelSelectorAttributes',
  selectorRequirement('LabelSelectorRequirement'),
);

export const RESOURCE_ATTRIBUTES: MessageSchema = {
  name: 'ResourceAttributes',
  fields: [
    { name: 'namespace', no: 1, type: 'string' },
    { name: 'verb', no: 2, type: 'string' },
    { name: 'group', no: 3, type: 'string' },
    { name: 'version', no: 4, type: 'string' },
    { name: 'resource', no: 5, type: 'string' },
    { name: 'subresource', no: 6, type: 'string' },
    { name: 'name', no: 7, type: 'string' },
    { name: 'fieldSelector', no: 8, type: FIELD_SELECTOR_ATTRIBUTES, presence: 'pointer' },
    { name: 'labelSelector', no: 9, type: LABEL_SELECTOR_ATTRIBUTES, presence: 'pointer' },
  ],
};

export const NON_RESOURCE_ATTRIBUTES: MessageSchema = {
  name: 'NonResourceAttributes',
  fields: [
    { name: 'path', no: 1, type: 'string' },
    { name: 'verb', no: 2, type: 'string' },
  ],
};

export const SUBJECT_ACCESS_REVIEW_STATUS: MessageSchema = {
  name: 'SubjectAccessReviewStatus',
  fields: [
    { name: 'allowed', no: 1, type: 'bool', presence: 'always' },
    { name: 'denied', no: 4, type: 'bool' },
    { name: 'reason', no: 2, type: 'string' },
    { name: 'evaluationError', no: 3, type: 'string' },
  ],
};

export const SELF_SUBJECT_ACCESS_REVIEW_SCHEMA: MessageSchema = {
  name: 'SelfSubjectAccessReview',
  typeMeta: true,
  fields: [
    { name: 'metadata', no: 1, type: OBJECT_META, presence: 'always' },
    {
      name: 'spec',
      no: 2,
      presence: 'always',
      type: {
        name: 'SelfSubjectAccessReviewSpec',
        fields: [
          { name: 'resourceAttributes', no: 1, type: RESOURCE_ATTRIBUTES, presence: 'pointer' },
          { name: 'nonResourceAttributes', no: 2, type: NON_RESOURCE_ATTRIBUTES, presence: 'pointer' },
        ],
      },
    },
    { name: 'status', no: 3, type: SUBJECT_ACCESS_REVIEW_STATUS, presence: 'always' },
  ],
};
