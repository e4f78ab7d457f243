/**
 * meta/v1 shapes shared by every type (k8s.io/apimachinery `pkg/apis/meta/v1/types.go`):
 * TypeMeta, ObjectMeta (ownerReferences merge by `uid`, finalizers merge as a set — the
 * patchStrategy tags upstream), ListMeta, DeleteOptions, Status, LabelSelector.
 */
import {
  any,
  bool,
  int32,
  int64,
  listOf,
  mapOf,
  mergeList,
  obj,
  str,
  time,
  type ObjectSchema,
  type Schema,
} from '../schema.js';

export const ownerReference = obj('v1.OwnerReference', {
  apiVersion: str,
  kind: str,
  name: str,
  uid: str,
  controller: bool,
  blockOwnerDeletion: bool,
});

export const managedFieldsEntry = obj('v1.ManagedFieldsEntry', {
  manager: str,
  operation: str,
  apiVersion: str,
  time,
  fieldsType: str,
  fieldsV1: any,
  subresource: str,
});

export const objectMeta = obj('v1.ObjectMeta', {
  name: str,
  generateName: str,
  namespace: str,
  selfLink: str,
  uid: str,
  resourceVersion: str,
  generation: int64,
  creationTimestamp: time,
  deletionTimestamp: time,
  deletionGracePeriodSeconds: int64,
  labels: mapOf(str),
  annotations: mapOf(str),
  ownerReferences: mergeList(ownerReference, 'uid'),
  finalizers: mergeList(str),
  managedFields: listOf(managedFieldsEntry),
});

export const listMeta = obj('v1.ListMeta', {
  selfLink: str,
  resourceVersion: str,
  continue: str,
  remainingItemCount: int64,
  shardInfo: any,
});

/** A top-level type: TypeMeta inlined, `metadata`, then the type's own fields. */
export const topLevel = (
  goType: string,
  fields: Record<string, Schema>,
  metadata: ObjectSchema = objectMeta,
): ObjectSchema => obj(goType, { kind: str, apiVersion: str, metadata, ...fields });

export const deleteOptions = obj('v1.DeleteOptions', {
  kind: str,
  apiVersion: str,
  gracePeriodSeconds: int64,
  preconditions: obj('v1.Preconditions', { uid: str, resourceVersion: str }),
  orphanDependents: bool,
  propagationPolicy: str,
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
  obj(goType, { key: str, operator: str, values: listOf(str) });

export const labelSelector = obj('v1.LabelSelector', {
  matchLabels: mapOf(str),
  matchExpressions: listOf(selectorRequirement('v1.LabelSelectorRequirement')),
});

export const labelSelectorRequirement = selectorRequirement('v1.LabelSelectorRequirement');
export const fieldSelectorRequirement = selectorRequirement('v1.FieldSelectorRequirement');
