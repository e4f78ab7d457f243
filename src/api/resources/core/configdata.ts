/**
 * The rules Secrets and ConfigMaps share (apimachinery's IsConfigMapKey and the 1 MiB size
 * limit): keys of `[-._a-zA-Z0-9]+`, at most 253 characters, not `.` or `..`; the whole
 * payload at most 1 MiB; an object marked `immutable: true` keeps its data and stays immutable.
 */
import { fieldError, FieldPath, type FieldError } from '../../../errors/index.js';
import type { KubeObject } from '../../object.js';

/** kube-apiserver's limit on a Secret's or ConfigMap's total data size (bytes). */
export const MAX_DATA_BYTES = 1024 * 1024;

const KEY = /^[-._a-zA-Z0-9]+$/;

export function configKeyErrors(key: string): string[] {
  const out: string[] = [];
  if (key.length > 253) out.push('must be no more than 253 characters');
  if (!KEY.test(key)) out.push("a valid config key must consist of alphanumeric characters, '-', '_' or '.'");
  if (key === '.') out.push("must not be '.'");
  else if (key === '..') out.push("must not be '..'");
  else if (key.startsWith('..')) out.push("must not start with '..'");
  return out;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Keys valid, values strings (base64 where `base64` says so), total size under the limit.
 * Returns the errors and the payload size in bytes (decoded, for base64 maps).
 */
export function dataMapErrors(
  v: unknown,
  path: FieldPath,
  base64: boolean,
): { errors: FieldError[]; size: number; keys: string[] } {
  if (v === undefined || v === null) return { errors: [], size: 0, keys: [] };
  if (!isRecord(v)) return { errors: [fieldError.invalid(path, v, 'must be a map of strings')], size: 0, keys: [] };
  const errors: FieldError[] = [];
  let size = 0;
  for (const [k, val] of Object.entries(v)) {
    for (const msg of configKeyErrors(k)) errors.push(fieldError.invalid(path, k, msg));
    if (typeof val !== 'string') {
      errors.push(fieldError.invalid(path.key(k), val, 'must be a string'));
      continue;
    }
    if (base64) {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(val) || val.length % 4 !== 0)
        errors.push(fieldError.invalid(path.key(k), '<value omitted>', 'must be base64'));
      else size += Buffer.from(val, 'base64').length;
    } else size += Buffer.byteLength(val);
  }
  return { errors, size, keys: Object.keys(v) };
}

export function immutableErrors(obj: KubeObject, old: KubeObject, fields: readonly string[]): FieldError[] {
  const errors: FieldError[] = [];
  if (old.immutable === true) {
    if (obj.immutable !== true)
      errors.push(fieldError.forbidden('immutable', 'field is immutable when `immutable` is set'));
    for (const f of fields)
      if (JSON.stringify(obj[f] ?? null) !== JSON.stringify(old[f] ?? null))
        errors.push(fieldError.forbidden(f, 'field is immutable when `immutable` is set'));
  }
  return errors;
}

export const root = (name: string): FieldPath => FieldPath.root(name);
