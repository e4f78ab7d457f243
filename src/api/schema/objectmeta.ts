/**
 * meta.k8s.io/v1 ObjectMeta and the types inside it, as k8s.io/apimachinery declares them
 * (JSON names, protobuf numbers, Go JSON presence as of apimachinery 0.33: a zero
 * creationTimestamp prints as null). Every kind's schema starts with `metadata` of this type.
 */
import type { MessageSchema } from './message.js';

export const OWNER_REFERENCE: MessageSchema = {
  name: 'OwnerReference',
  fields: [
    { name: 'apiVersion', no: 5, type: 'string', presence: 'always' },
    { name: 'kind', no: 1, type: 'string', presence: 'always' },
    { name: 'name', no: 3, type: 'string', presence: 'always' },
    { name: 'uid', no: 4, type: 'string', presence: 'always' },
    { name: 'controller', no: 6, type: 'bool', presence: 'pointer' },
    { name: 'blockOwnerDeletion', no: 7, type: 'bool', presence: 'pointer' },
  ],
};

/** FieldsV1's JSON form is its raw bytes, which are JSON themselves. */
export const FIELDS_V1: MessageSchema = {
  name: 'FieldsV1',
  fields: [{ name: 'Raw', no: 1, type: 'json' }],
  unwrap: 'Raw',
};

export const MANAGED_FIELDS_ENTRY: MessageSchema = {
  name: 'ManagedFieldsEntry',
  fields: [
    { name: 'manager', no: 1, type: 'string' },
    { name: 'operation', no: 2, type: 'string' },
    { name: 'apiVersion', no: 3, type: 'string' },
    { name: 'time', no: 4, type: 'time', presence: 'pointer' },
    { name: 'fieldsType', no: 6, type: 'string' },
    { name: 'fieldsV1', no: 7, type: FIELDS_V1, presence: 'pointer' },
    { name: 'subresource', no: 8, type: 'string' },
  ],
};

export const OBJECT_META: MessageSchema = {
  name: 'ObjectMeta',
  fields: [
    { name: 'name', no: 1, type: 'string' },
    { name: 'generateName', no: 2, type: 'string' },
    { name: 'namespace', no: 3, type: 'string' },
    { name: 'selfLink', no: 4, type: 'string' },
    { name: 'uid', no: 5, type: 'string' },
    { name: 'resourceVersion', no: 6, type: 'string' },
    { name: 'generation', no: 7, type: 'int64' },
    { name: 'creationTimestamp', no: 8, type: 'time', presence: 'always' },
    { name: 'deletionTimestamp', no: 9, type: 'time', presence: 'pointer' },
    { name: 'deletionGracePeriodSeconds', no: 10, type: 'int64', presence: 'pointer' },
    { name: 'labels', no: 11, type: 'string', map: true },
    { name: 'annotations', no: 12, type: 'string', map: true },
    { name: 'ownerReferences', no: 13, type: OWNER_REFERENCE, list: true },
    { name: 'finalizers', no: 14, type: 'string', list: true },
    { name: 'managedFields', no: 17, type: MANAGED_FIELDS_ENTRY, list: true },
  ],
};
