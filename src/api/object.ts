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

/** what JSON.stringify leaves out of an object (and prints as null in an array) */
const unprinted = (v: unknown): boolean => v === undefined || typeof v === 'function' || typeof v === 'symbol';

/** a value as JSON.stringify prints it: NaN and Infinity as null, -0 as 0, undefined (in an array) as null */
function printed(v: unknown): unknown {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  return unprinted(v) ? null : v;
}

const printedKeys = (o: Record<string, unknown>): string[] => Object.keys(o).filter((k) => !unprinted(o[k]));

/**
 * `JSON.stringify(a) === JSON.stringify(b)` for JSON data (no toJSON methods), without building
 * the two texts: key order matters, keys whose value is undefined do not. The store's no-op
 * check of an update was this comparison of texts; the update handler now makes it itself
 * (bench/RESULTS.md, 2026-12-05 22:30), so that the store compares revisions only.
 */
export function sameJsonText(x: unknown, y: unknown): boolean {
  const a = printed(x);
  const b = printed(y);
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const arr = Array.isArray(a);
  if (arr !== Array.isArray(b)) return false;
  if (arr) {
    const p = a as unknown[];
    const q = b as unknown[];
    if (p.length !== q.length) return false;
    for (let i = 0; i < p.length; i++) if (!sameJsonText(p[i], q[i])) return false;
    return true;
  }
  const p = a as Record<string, unknown>;
  const q = b as Record<string, unknown>;
  const pk = printedKeys(p);
  const qk = printedKeys(q);
  if (pk.length !== qk.length) return false;
  for (let i = 0; i < pk.length; i++) {
    const k = pk[i]!;
    if (k !== qk[i] || !sameJsonText(p[k], q[k])) return false;
  }
  return true;
}

/**
 * Deep equality of two JSON documents (plain objects, arrays, strings, numbers, booleans,
 * null), with util.isDeepStrictEqual's answer for them: key order does not matter, a key whose
 * value is undefined is still a key, numbers compare with Object.is. Hand-written because
 * isDeepStrictEqual handles every JavaScript type (prototypes, Maps, typed arrays, cycles) and
 * cost 0.9% of the server's CPU in bench/serve.ts's lifecycle as the no-op check of updates.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return a !== 0 || Object.is(a, b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Object.is(a, b);
  const arr = Array.isArray(a);
  if (arr !== Array.isArray(b)) return false;
  if (arr) {
    const x = a as unknown[];
    const y = b as unknown[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!jsonEqual(x[i], y[i])) return false;
    return true;
  }
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  if (keys.length !== Object.keys(y).length) return false;
  for (const k of keys) if (!Object.hasOwn(y, k) || !jsonEqual(x[k], y[k])) return false;
  return true;
}
