/**
 * The schema of every type `kubetls serve` decodes, by group, version and kind. A
 * ResourceDefinition's handler looks its type up here for fieldValidation and strategic
 * merge patch; DeleteOptions and Status are here for request bodies and for clients' tests.
 */
import type { ObjectSchema } from '../schema.js';
import { certificateSigningRequest } from './certificates.js';
import { configMap, event, namespace, node, secret } from './core.js';
import { eventsV1Event } from './events.js';
import { lease } from './coordination.js';
import { clusterRole, clusterRoleBinding, role, roleBinding } from './rbac.js';
import { selfSubjectAccessReview, subjectAccessReview } from './authorization.js';
import { selfSubjectReview, selfSubjectReviewV1beta1, tokenReview } from './authentication.js';
import { customResourceDefinition } from './apiextensions.js';
import { deleteOptions, status } from './meta.js';

export * from './meta.js';
export * from './certificates.js';
export * from './core.js';
export * from './events.js';
export * from './coordination.js';
export * from './rbac.js';
export * from './authorization.js';
export * from './authentication.js';
export * from './apiextensions.js';

const SCHEMAS: Record<string, ObjectSchema> = {
  'certificates.k8s.io/v1/CertificateSigningRequest': certificateSigningRequest,
  'v1/Secret': secret,
  'v1/ConfigMap': configMap,
  'v1/Namespace': namespace,
  'v1/Node': node,
  'v1/Event': event,
  'events.k8s.io/v1/Event': eventsV1Event,
  'coordination.k8s.io/v1/Lease': lease,
  'rbac.authorization.k8s.io/v1/Role': role,
  'rbac.authorization.k8s.io/v1/ClusterRole': clusterRole,
  'rbac.authorization.k8s.io/v1/RoleBinding': roleBinding,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': clusterRoleBinding,
  'authorization.k8s.io/v1/SubjectAccessReview': subjectAccessReview,
  'authorization.k8s.io/v1/SelfSubjectAccessReview': selfSubjectAccessReview,
  'authentication.k8s.io/v1/SelfSubjectReview': selfSubjectReview,
  'authentication.k8s.io/v1/TokenReview': tokenReview,
  'authentication.k8s.io/v1beta1/SelfSubjectReview': selfSubjectReviewV1beta1,
  'apiextensions.k8s.io/v1/CustomResourceDefinition': customResourceDefinition,
  'v1/DeleteOptions': deleteOptions,
  'meta.k8s.io/v1/DeleteOptions': deleteOptions,
  'v1/Status': status,
};

/** The schema of `group/version` `kind` ('' group for core), or undefined. */
export function schemaFor(gvk: { group: string; version: string; kind: string }): ObjectSchema | undefined {
  const key = `${gvk.group ? `${gvk.group}/` : ''}${gvk.version}/${gvk.kind}`;
  return Object.hasOwn(SCHEMAS, key) ? SCHEMAS[key] : undefined;
}

/** Every registered group/version/kind (tests check each against upstream field lists). */
export const schemaKeys = (): string[] => Object.keys(SCHEMAS);
