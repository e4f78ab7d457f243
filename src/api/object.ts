/**
 * The shape every stored Kubernetes object shares: `apiVersion`, `kind`, `metadata` and the
 * resource's own fields. The API server, the store and the strategies pass these plain JSON
 * objects around; resource-specific types (CertificateSigningRequest, …) refine them.
 */

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  /** set by the store on every write: a decimal integer, monotonic across restarts */
  resourceVersion?: string;
  generation?: number;
  /** RFC 3339, seconds precision, UTC (`2026-12-05T12:00:00Z`) */
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** The identity a request was authenticated as (k8s.io/apiserver user.Info). */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** What is being asked, for authorization and admission (k8s.io/apiserver authorizer.Attributes). */
export interface RequestAttributes {
  user: UserInfo;
  /** get, list, watch, create, update, patch, delete, deletecollection; or a custom verb (approve, sign) */
  verb: string;
  /** true for /api and /apis paths that name a resource; false for /healthz, /version, … */
  resourceRequest: boolean;
  /** resource requests */
  apiGroup?: string;
  apiVersion?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** non-resource requests: the URL path */
  path?: string;
}

/** A JSON object (not null, not an array): what a struct or map field holds once decoded. */
export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
