/**
 * meta/v1 shapes shared by every type (k8s.io/apimachinery `pkg/apis/meta/v1/types.go`):
 * TypeMeta, ObjectMeta (ownerReferences merge by `uid`, finalizers merge as a set — the
 * patchStrategy tags upstream), ListMeta, DeleteOptions, Status, LabelSelector. ObjectMeta,
 * the types inside it and the selector requirements carry their protobuf numbers
 * (`generated.proto`) and Go's JSON presence as of apimachinery 0.33 (a zero
 * creationTimestamp prints as null), since protobuf bodies carry them.
 */
import {
  any,
  bool,
  int32,
  int64,
  listOf,
  mapOf,
  mergeList,
  named,
  obj,
  pb,
  str,
  time,
  type ObjectSchema,
  type Schema,
} from '../schema.js';

export const ownerReference = obj('v1.OwnerReference', {
  apiVersion: pb(5, str, 'always'),
  kind: pb(1, str, 'always'),
  name: pb(3, str, 'always'),
  uid: pb(4, str, 'always'),
  controller: pb(6, bool, 'pointer'),
  blockOwnerDeletion: pb(7, bool, 'pointer'),
});

export const managedFieldsEntry = obj('v1.ManagedFieldsEntry', {
  manager: pb(1, str),
  operation: pb(2, str),
  apiVersion: pb(3, str),
  time: pb(4, time, 'pointer'),
  fieldsType: pb(6, str),
  /** FieldsV1: its JSON form is its raw bytes, which are JSON themselves */
  fieldsV1: pb(7, any, 'pointer'),
  subresource: pb(8, str),
});

export const objectMeta = obj('v1.ObjectMeta', {
  name: pb(1, str),
  generateName: pb(2, str),
  namespace: pb(3, str),
  selfLink: pb(4, str),
  uid: pb(5, str),
  resourceVersion: pb(6, str),
  generation: pb(7, int64),
  creationTimestamp: pb(8, time, 'always'),
  deletionTimestamp: pb(9, time, 'pointer'),
  deletionGracePeriodSeconds: pb(10, int64, 'pointer'),
  labels: pb(11, mapOf(str)),
  annotations: pb(12, mapOf(str)),
  ownerReferences: pb(13, mergeList(ownerReference, 'uid')),
  finalizers: pb(14, mergeList(str)),
  managedFields: pb(17, listOf(managedFieldsEntry)),
});

export const listMeta = obj('v1.ListMeta', {
  selfLink: str,
  resourceVersion: str,
  continue: str,
  remainingItemCount: int64,
  shardInfo: any,
});

/**
 * A top-level type: TypeMeta inlined (no protobuf numbers: the envelope carries apiVersion
 * and kind), `metadata` (field 1 of every kind's message), then the type's own fields.
 */
export const topLevel = (
  goType: string,
  fields: Record<string, Schema>,
  metadata: ObjectSchema = objectMeta,
): ObjectSchema => obj(goType, { kind: str, apiVersion: str, metadata: pb(1, metadata, 'always'), ...fields });

export const deleteOptions = obj('v1.DeleteOptions', {
  kind: str,
  apiVersion: str,
  gracePeriodSeconds: int64,
  preconditions: obj('v1.Preconditions', { uid: str, resourceVersion: str }),
  orphanDependents: bool,
  propagationPolicy: named(str, 'v1.DeletionPropagation'),
  dryRun: listOf(str),
  ignoreStoreReadErrorWithClusterBreakingPotential: bool,
});

export const status = obj('v1.Status', {
  kind: str,
  apiVersion: str,
  metadata: listMeta,
  status: str,
  message: str,
  reason: str,
  details: obj('v1.StatusDetails', {
    name: str,
    group: str,
    kind: str,
    uid: str,
    causes: listOf(obj('v1.StatusCause', { reason: str, message: str, field: str })),
    retryAfterSeconds: int32,
  }),
  code: int32,
});

const selectorRequirement = (goType: string): ObjectSchema =>
  obj(goType, { key: pb(1, str, 'always'), operator: pb(2, str, 'always'), values: pb(3, listOf(str)) });

export const labelSelectorRequirement = selectorRequirement('v1.LabelSelectorRequirement');
export const fieldSelectorRequirement = selectorRequirement('v1.FieldSelectorRequirement');

export const labelSelector = obj('v1.LabelSelector', {
  matchLabels: pb(1, mapOf(str)),
  matchExpressions: pb(2, listOf(labelSelectorRequirement)),
});
