/**
 * Preconditions of a write and the resourceVersion a write stamps, shared by every backend
 * so they answer in the same words (kube-apiserver's).
 */
import type { KubeObject } from '../api/object.js';
import { KubetlsError } from '../errors/index.js';
import { conflict } from './keys.js';
import type { Preconditions } from './store.js';

/**
 * Conflict when `current` fails `pre`. For an update a stale resourceVersion gets the
 * message clients know ("the object has been modified; …"); delete preconditions and uids
 * get kube's "Precondition failed: …" wording.
 */
export function checkPreconditions(
  key: string,
  pre: Preconditions | undefined,
  current: KubeObject,
  verb: 'update' | 'delete',
): void {
  if (!pre) return;
  const meta = current.metadata;
  if (pre.uid !== undefined && pre.uid !== meta.uid)
    throw conflict(key, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid ?? ''}`);
  if (pre.resourceVersion !== undefined && pre.resourceVersion !== meta.resourceVersion)
    throw verb === 'update'
      ? conflict(key)
      : conflict(
          key,
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion ?? ''}`,
        );
}

/** `obj` with `metadata.resourceVersion` set (a shallow copy: obj itself is not changed). */
export function withResourceVersion(obj: KubeObject, revision: number): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(revision) } };
}

/** InternalError unless `obj` is a JSON object with a metadata object (what every write needs). */
export function checkObject(obj: unknown, what: string): asserts obj is KubeObject {
  const o = obj as KubeObject | null;
  if (typeof o !== 'object' || o === null || Array.isArray(o) || typeof o.metadata !== 'object' || o.metadata === null)
    throw new KubetlsError('InternalError', `${what}: not an object with metadata`);
}

/** etcd's default request limit (1.5 MiB): kube-apiserver objects cannot be larger either */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;

export function checkSize(key: string, json: string): void {
  // a character is at most 3 UTF-8 bytes: count them only when the length alone does not settle it
  if (json.length * 3 > MAX_OBJECT_BYTES && Buffer.byteLength(json) > MAX_OBJECT_BYTES)
    throw new KubetlsError(
      'TooLarge',
      `${key}: the object is ${Buffer.byteLength(json)} bytes, over the store's limit of ${MAX_OBJECT_BYTES}`,
    );
}
