/**
 * JSON merge patch (RFC 7386, `application/merge-patch+json`): objects merge key by key, a
 * null deletes, anything else replaces (lists are replaced whole). The inputs are never
 * mutated; own properties only are read and written, so `__proto__`, `constructor` and
 * `prototype` keys are plain data keys that end up as unknown fields, never on a prototype.
 *
 * Hand-written (twenty lines): the npm packages for it either mutate their input or assign
 * keys with `obj[key] =`, which is the prototype-pollution hole this file must not have.
 */
import { badRequest } from './status.js';
import { isPlainObject } from '../object.js';
import { defineOwn } from './schema.js';

/** RFC 7386 MergePatch(target, patch); recursion depth is the patch's, which the body scan bounds. */
export function mergePatchValue(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const out: Record<string, unknown> = {};
  if (isPlainObject(target)) for (const [k, v] of Object.entries(target)) defineOwn(out, k, v);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else defineOwn(out, k, mergePatchValue(Object.hasOwn(out, k) ? out[k] : undefined, v));
  }
  return out;
}

/**
 * Applies a merge patch to an object. The patch must itself be an object: kube-apiserver
 * would otherwise replace the whole object with it and then fail to decode the result.
 */
export function applyMergePatch(current: Record<string, unknown>, patch: unknown): Record<string, unknown> {
  if (!isPlainObject(patch)) throw badRequest('invalid merge patch: the patch must be a JSON object');
  return mergePatchValue(current, patch) as Record<string, unknown>;
}
