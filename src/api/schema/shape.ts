/**
 * The shape check: every known field of a JSON body has the JSON type its schema declares
 * (strings are strings, `spec.usages` is an array of strings, `spec.request` is base64, a
 * time is RFC 3339…). kube-apiserver learns this while decoding into Go structs; kubetls
 * keeps objects as plain JSON, so validators run this first and can then trust the types.
 * `null` is accepted everywhere, as Go's decoder reads it as the zero value. Unknown fields
 * are not this check's business (fieldValidation decides about them).
 */
import { fieldError, FieldPath, type FieldError } from '../../errors/index.js';
import { parseTime } from '../time.js';
import type { FieldSchema, MessageSchema, ScalarType } from './message.js';

const INT32 = [-2_147_483_648, 2_147_483_647] as const;

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Base64 as Go's encoding/json reads []byte: standard alphabet, padded; CR and LF ignored. */
export function isBase64(s: string): boolean {
  const t = s.includes('\n') || s.includes('\r') ? s.replace(/[\r\n]/g, '') : s;
  return t.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(t);
}

function scalarProblem(t: ScalarType, v: unknown): string | undefined {
  switch (t) {
    case 'string':
      return typeof v === 'string' ? undefined : 'must be a string';
    case 'bool':
      return typeof v === 'boolean' ? undefined : 'must be a boolean';
    case 'int32':
      if (!Number.isInteger(v)) return 'must be an integer';
      return (v as number) < INT32[0] || (v as number) > INT32[1] ? 'must fit in a 32-bit integer' : undefined;
    case 'int64':
      return Number.isSafeInteger(v) ? undefined : 'must be an integer';
    case 'bytes':
      return typeof v === 'string' && isBase64(v) ? undefined : 'must be base64-encoded data';
    case 'time':
      return typeof v === 'string' && (v === '' || parseTime(v) !== undefined)
        ? undefined
        : 'must be an RFC 3339 time (e.g. "2026-12-05T12:00:00Z")';
    case 'json':
      return undefined;
  }
}

function valueErrors(v: unknown, f: FieldSchema, path: FieldPath, out: FieldError[]): void {
  if (v === null || v === undefined) return;
  if (typeof f.type === 'string') {
    const problem = scalarProblem(f.type, v);
    if (problem) out.push(fieldError.typeInvalid(path, v, problem));
    return;
  }
  messageErrors(v, f.type, path, out);
}

function messageErrors(v: unknown, m: MessageSchema, path: FieldPath, out: FieldError[]): void {
  if (m.unwrap !== undefined) {
    const inner = m.fields.find((f) => f.name === m.unwrap)!;
    fieldErrors(v, inner, path, out);
    return;
  }
  if (!isPlainObject(v)) {
    out.push(fieldError.typeInvalid(path, v, 'must be an object'));
    return;
  }
  for (const f of m.fields) if (Object.hasOwn(v, f.name)) fieldErrors(v[f.name], f, path.child(f.name), out);
}

function fieldErrors(v: unknown, f: FieldSchema, path: FieldPath, out: FieldError[]): void {
  if (v === null || v === undefined) return;
  if (f.list) {
    if (!Array.isArray(v)) out.push(fieldError.typeInvalid(path, v, 'must be an array'));
    else v.forEach((e, i) => valueErrors(e, f, path.index(i), out));
  } else if (f.map) {
    if (!isPlainObject(v)) out.push(fieldError.typeInvalid(path, v, 'must be an object'));
    else for (const [k, e] of Object.entries(v)) valueErrors(e, f, path.key(k), out);
  } else valueErrors(v, f, path, out);
}

/** Every field whose JSON type does not match `schema`, with its path (`spec.usages[0]`). */
export function shapeErrors(obj: unknown, schema: MessageSchema, path: FieldPath = FieldPath.root()): FieldError[] {
  const out: FieldError[] = [];
  messageErrors(obj, schema, path, out);
  if (schema.typeMeta && isPlainObject(obj))
    for (const k of ['apiVersion', 'kind'])
      if (obj[k] !== undefined && obj[k] !== null && typeof obj[k] !== 'string')
        out.push(fieldError.typeInvalid(path.child(k), obj[k], 'must be a string'));
  return out;
}
