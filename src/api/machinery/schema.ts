/**
 * The one description of each served type — the fields Go's structs in k8s.io/api declare,
 * their JSON types, the strategic-merge metadata of their lists (patchStrategy and
 * patchMergeKey struct tags) and, for the types kubectl sends as protobuf, each field's
 * protobuf number and how Go's encoding/json prints it when it is zero — and the decoding
 * check kube-apiserver's strict JSON decoder performs with it:
 *
 * - unknown fields (`unknown field "spec.foo"`) and repeated fields (`duplicate field
 *   "metadata.name"`), reported as `strict decoding error: …` for fieldValidation=Strict and
 *   as `Warning` headers for Warn (apiserver `handlers/create.go`, `handlers/rest.go`
 *   addStrictDecodingWarnings; wording from sigs.k8s.io/json's strict errors);
 * - type errors (a number where a string belongs), always fatal, in Go's
 *   `json: cannot unmarshal number into Go struct field X.spec.f of type string` form;
 * - the decoded object with unknown fields dropped (Go drops them when it decodes into the
 *   struct) and null struct fields removed (a null is the field's zero value, which Go's
 *   encoder omits), so stored objects never carry what kube would not store.
 *
 * Three readers share it, so they cannot drift apart: this check (JSON bodies and patched
 * objects), strategic merge patch (./strategicMergePatch.ts: the list merge keys) and the
 * protobuf decoder (../protobuf/decode.ts: field numbers and presence).
 */
import { fieldError } from '../../errors/index.js';
import { parseTime } from '../time.js';
import { badRequest, invalid } from './status.js';
import { formatJsonPath, type JsonPath } from './jsonBody.js';
import type { FieldValidation } from './queryOptions.js';

export type LeafType =
  | 'string'
  /** []byte: a base64 string */
  | 'bytes'
  /** metav1.Time: an RFC 3339 string (or null) */
  | 'time'
  /** metav1.MicroTime */
  | 'microtime'
  | 'int32'
  | 'int64'
  | 'bool'
  | 'float64'
  /** resource.Quantity: a string or a number */
  | 'quantity'
  /**
   * anything (runtime.RawExtension, FieldsV1, interface{}); in protobuf (RawExtension,
   * FieldsV1) a message whose field 1 holds the JSON text
   */
  | 'any';

/**
 * How Go's encoding/json prints a struct field holding its zero value: `omitempty` (not at
 * all; the default), `always` (no omitempty tag, or a struct value, which omitempty never
 * hides: printed as "", 0, false, {…} or null), `pointer` (a pointer or optional field:
 * printed exactly when it was set, zero or not). The protobuf decoder needs it to print the
 * JSON Go would have printed for the same message.
 */
export type Presence = 'omitempty' | 'always' | 'pointer';

/**
 * What a struct field adds to its type. `no` is the protobuf field number (k8s.io/api
 * generated.proto); it is set for the types kubectl sends as protobuf and absent elsewhere,
 * and never on TypeMeta's apiVersion and kind, which travel in the protobuf envelope.
 */
interface FieldFacts {
  readonly no?: number;
  readonly presence?: Presence;
}

export interface LeafSchema extends FieldFacts {
  type: LeafType;
  /** the Go type in error messages, when it differs from the JSON one (`v1.KeyUsage`) */
  goType?: string;
}

export interface ObjectSchema extends FieldFacts {
  type: 'object';
  /** `v1.CertificateSigningRequestSpec` */
  goType: string;
  fields: Readonly<Record<string, Schema>>;
}

/**
 * A JSON object with string keys (Go map[string]T; protobuf map<string, T>). A list value
 * (user.Info extra: map[string][]string) travels in protobuf as a message whose field 1 holds
 * the items (ExtraValue), as Go's generator wraps it.
 */
export interface MapSchema extends FieldFacts {
  type: 'map';
  values: Schema;
}

export interface ListSchema extends FieldFacts {
  type: 'list';
  items: Schema;
  /**
   * strategic merge: 'merge' merges the list (by patchMergeKey for lists of objects, as a set
   * for lists of scalars); absent means the list is replaced whole (atomic), as for every
   * list without the patchStrategy tag upstream
   */
  patchStrategy?: 'merge';
  patchMergeKey?: string;
}

export type Schema = LeafSchema | ObjectSchema | MapSchema | ListSchema;

// ---- builders, so the per-type files read like the Go structs

export const str: LeafSchema = { type: 'string' };
export const bytes: LeafSchema = { type: 'bytes' };
export const time: LeafSchema = { type: 'time' };
export const microTime: LeafSchema = { type: 'microtime' };
export const int32: LeafSchema = { type: 'int32' };
export const int64: LeafSchema = { type: 'int64' };
export const bool: LeafSchema = { type: 'bool' };
export const float64: LeafSchema = { type: 'float64' };
export const quantity: LeafSchema = { type: 'quantity' };
export const any: LeafSchema = { type: 'any' };
export const named = (leaf: LeafSchema, goType: string): LeafSchema => ({ ...leaf, goType });
export const obj = (goType: string, fields: Record<string, Schema>): ObjectSchema => ({
  type: 'object',
  goType,
  fields,
});
export const mapOf = (values: Schema): MapSchema => ({ type: 'map', values });
/** an atomic list (replaced whole by a strategic merge patch) */
export const listOf = (items: Schema): ListSchema => ({ type: 'list', items });
/** a list merged by a strategic merge patch: by `mergeKey` for objects, as a set for scalars */
export const mergeList = (items: Schema, mergeKey?: string): ListSchema =>
  mergeKey
    ? { type: 'list', items, patchStrategy: 'merge', patchMergeKey: mergeKey }
    : { type: 'list', items, patchStrategy: 'merge' };

/**
 * A struct field with its protobuf number, and Go's JSON presence when it is not omitempty:
 * `signerName: pb(7, str, 'always')`.
 */
export const pb = <S extends Schema>(no: number, s: S, presence?: Presence): S =>
  presence ? { ...s, no, presence } : { ...s, no };

/** Go's reflect name for the type, as its JSON decoder prints it. */
export function goTypeName(s: Schema): string {
  switch (s.type) {
    case 'object':
      return s.goType;
    case 'map':
      return `map[string]${goTypeName(s.values)}`;
    case 'list':
      return `[]${goTypeName(s.items)}`;
    default:
      if (s.goType) return s.goType;
      return {
        string: 'string',
        bytes: '[]uint8',
        time: 'string',
        microtime: 'string',
        int32: 'int32',
        int64: 'int64',
        bool: 'bool',
        float64: 'float64',
        quantity: 'resource.Quantity',
        any: 'interface {}',
      }[s.type];
  }
}

/** The JSON kind Go's decoder names in a type error: string, number, bool, array, object. */
export function jsonKind(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return 'object';
}

// ---- the check

export interface DecodeReport {
  /** the object with unknown fields and null struct fields removed */
  object: Record<string, unknown>;
  /** `unknown field "spec.foo"` / `duplicate field "x"`, in document order, at most 100 */
  strictErrors: string[];
  /** Go's type errors; any one makes the body undecodable */
  typeErrors: string[];
}

/** kube's strict decoder keeps at most this many errors */
const MAX_STRICT_ERRORS = 100;

/**
 * the alphabet with at most two `=` at the end; the length is checked apart (a grouped regex
 * was far slower on a CSR: bench/RESULTS.md, "Measurements behind code comments")
 */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Where Go's base64 decoder would stop: the first illegal byte (CR and LF are skipped, as Go does). */
function base64ErrorOffset(s: string): number | undefined {
  const clean = s.includes('\n') || s.includes('\r') ? s.replace(/[\r\n]/g, '') : s;
  if (clean.length % 4 === 0 && BASE64.test(clean)) return undefined;
  for (let i = 0; i < clean.length; i++) if (!/[A-Za-z0-9+/=]/.test(clean[i]!)) return i;
  const pad = clean.indexOf('=');
  return pad >= 0 && pad < clean.length - 2 ? pad : Math.max(0, clean.length - (clean.length % 4 || 4));
}

const INT_RANGE = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
} as const;

/**
 * Walks a parsed document against its schema. `duplicates` are the repeated keys the body
 * scan found (./jsonBody.ts); those under an unknown field are not reported (Go skips
 * unknown values without looking inside).
 */
/**
 * A path kept as a chain of links, turned into text only for an error message: the walk of
 * an object that has no error allocates one link per field, not one array copy per level
 * (measured: the array copies made decoding a CSR body about ten times slower than JSON.parse).
 */
interface Link {
  readonly up: Link | undefined;
  readonly seg: string | number;
}
const linkToPath = (l: Link | undefined): JsonPath => {
  const out: Array<string | number> = [];
  for (let c = l; c; c = c.up) out.push(c.seg);
  return out.reverse();
};

/** The struct name Go prints (`CertificateSigningRequestSpec` of `v1.CertificateSigningRequestSpec`). */
const structNames = new WeakMap<ObjectSchema, string>();
export const structName = (s: ObjectSchema): string => {
  let n = structNames.get(s);
  if (n === undefined) structNames.set(s, (n = s.goType.slice(s.goType.lastIndexOf('.') + 1)));
  return n;
};

export function checkFields(doc: unknown, schema: ObjectSchema, duplicates: readonly JsonPath[] = []): DecodeReport {
  const strictErrors: string[] = [];
  const typeErrors: string[] = [];
  const unknownPaths: string[] = [];
  /** `stack`: the struct field names leading here (Go's FieldStack has no map keys or indices) */
  const typeError = (v: unknown, s: Schema, struct: string, stack: Link | undefined): void => {
    const value = typeof v === 'number' ? `number ${String(v)}` : jsonKind(v);
    typeErrors.push(
      struct
        ? `json: cannot unmarshal ${value} into Go struct field ${struct}.${linkToPath(stack).join('.')} of type ${goTypeName(s)}`
        : `json: cannot unmarshal ${value} into Go value of type ${goTypeName(s)}`,
    );
  };

  const walk = (v: unknown, s: Schema, path: Link | undefined, stack: Link | undefined, struct: string): unknown => {
    if (v === null) return elementZero(s);
    switch (s.type) {
      case 'object': {
        if (typeof v !== 'object' || Array.isArray(v)) {
          typeError(v, s, struct, stack);
          return v;
        }
        const out: Record<string, unknown> = {};
        const name = structName(s);
        const o = v as Record<string, unknown>;
        for (const k of Object.keys(o)) {
          const fs = Object.hasOwn(s.fields, k) ? s.fields[k] : undefined;
          if (!fs) {
            const p = formatJsonPath([...linkToPath(path), k]);
            unknownPaths.push(p);
            if (strictErrors.length < MAX_STRICT_ERRORS) strictErrors.push(`unknown field ${JSON.stringify(p)}`);
            continue;
          }
          const child = o[k];
          if (child === null) continue;
          defineOwn(out, k, walk(child, fs, { up: path, seg: k }, { up: stack, seg: k }, name));
        }
        return out;
      }
      case 'map': {
        if (typeof v !== 'object' || Array.isArray(v)) {
          typeError(v, s, struct, stack);
          return v;
        }
        const out: Record<string, unknown> = {};
        const o = v as Record<string, unknown>;
        for (const k of Object.keys(o)) defineOwn(out, k, walk(o[k], s.values, { up: path, seg: k }, stack, struct));
        return out;
      }
      case 'list': {
        if (!Array.isArray(v)) {
          typeError(v, s, struct, stack);
          return v;
        }
        const out = new Array<unknown>(v.length);
        for (let i = 0; i < v.length; i++) out[i] = walk(v[i], s.items, { up: path, seg: i }, stack, struct);
        return out;
      }
      default:
        checkLeaf(v, s, stack, struct);
        return v;
    }
  };

  const checkLeaf = (v: unknown, s: LeafSchema, stack: Link | undefined, struct: string): void => {
    switch (s.type) {
      case 'any':
        return;
      case 'string':
        if (typeof v !== 'string') typeError(v, s, struct, stack);
        return;
      case 'bytes': {
        if (typeof v !== 'string') return typeError(v, s, struct, stack);
        const at = base64ErrorOffset(v);
        if (at !== undefined) typeErrors.push(`illegal base64 data at input byte ${at}`);
        return;
      }
      case 'time':
      case 'microtime':
        if (typeof v !== 'string') return typeError(v, { type: 'string' }, struct, stack);
        // time.Parse(time.RFC3339) as Go runs it: real dates, offsets below 24h, upper-case T and Z
        if (parseTime(v) === undefined)
          typeErrors.push(`parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05Z07:00": not an RFC 3339 time`);
        return;
      case 'int32':
      case 'int64': {
        const [lo, hi] = INT_RANGE[s.type];
        if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) typeError(v, s, struct, stack);
        return;
      }
      case 'bool':
        if (typeof v !== 'boolean') typeError(v, s, struct, stack);
        return;
      case 'float64':
        if (typeof v !== 'number') typeError(v, s, struct, stack);
        return;
      case 'quantity':
        if (typeof v !== 'string' && typeof v !== 'number') typeError(v, s, struct, stack);
        return;
    }
  };

  let object: Record<string, unknown> = {};
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) typeError(doc, schema, '', undefined);
  else object = walk(doc, schema, undefined, undefined, '') as Record<string, unknown>;

  for (const d of duplicates) {
    const p = formatJsonPath(d);
    if (unknownPaths.some((u) => p.startsWith(`${u}.`) || p.startsWith(`${u}[`))) continue;
    if (strictErrors.length < MAX_STRICT_ERRORS) strictErrors.push(`duplicate field ${JSON.stringify(p)}`);
  }
  return { object, strictErrors, typeErrors };
}

/**
 * What Go's decoder leaves for a JSON null where a list element or map value belongs: the
 * element type's zero value (`{"a": null}` in labels is the label a="", a null in usages is
 * ""), so validators never meet a null where Go has a string. Struct fields that are null are
 * dropped instead (the walk skips them), which is what Go's encoder prints for them.
 */
function elementZero(s: Schema): unknown {
  switch (s.type) {
    case 'string':
      return '';
    case 'int32':
    case 'int64':
    case 'float64':
      return 0;
    case 'bool':
      return false;
    case 'object':
      return {};
    default:
      return null; // nil slices, maps and []byte, the zero metav1.Time, an empty RawExtension
  }
}

/** Sets an own property, even `__proto__`, without touching the prototype chain. */
export function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** `strict decoding error: unknown field "spec.foo", duplicate field "x"` */
export const strictDecodingMessage = (errors: readonly string[]): string =>
  `strict decoding error: ${errors.join(', ')}`;

/** The kind a body was decoded as, for kube's `X in version "v1" cannot be handled as a X` prefix. */
export interface DecodeTarget {
  kind: string;
  version: string;
}

export interface DecodeOutcome {
  object: Record<string, unknown>;
  /** the `Warning` header texts (fieldValidation=Warn) */
  warnings: string[];
}

/**
 * The decoding step of create and update (apiserver `handlers/create.go`, `update.go`):
 * type errors are a 400 whatever the directive; unknown and duplicate fields are a 400
 * `strict decoding error` under Strict, warnings under Warn, silently dropped under Ignore.
 */
export function applyFieldValidation(
  doc: unknown,
  schema: ObjectSchema,
  directive: FieldValidation,
  target: DecodeTarget,
  duplicates: readonly JsonPath[] = [],
): DecodeOutcome {
  const r = checkFields(doc, schema, directive === 'Ignore' ? [] : duplicates);
  const prefix = `${target.kind} in version ${JSON.stringify(target.version)} cannot be handled as a ${target.kind}: `;
  if (r.typeErrors.length) throw badRequest(prefix + r.typeErrors[0]!);
  if (directive === 'Strict' && r.strictErrors.length) throw badRequest(prefix + strictDecodingMessage(r.strictErrors));
  return { object: r.object, warnings: directive === 'Warn' ? r.strictErrors : [] };
}

/**
 * The same check after a patch (apiserver `handlers/patch.go`): the patched object's unknown
 * fields plus the patch's own repeated keys. Under Strict a 422 Invalid with an empty kind,
 * as kube answers (`"" is invalid: patch: Invalid value: …: strict decoding error: …`); the
 * value shown is the patch, not the patched object, so an error never echoes stored data.
 */
export function applyPatchFieldValidation(
  patched: unknown,
  schema: ObjectSchema,
  directive: FieldValidation,
  patchText: string,
  patchDuplicates: readonly JsonPath[] = [],
): DecodeOutcome {
  const r = checkFields(patched, schema);
  if (r.typeErrors.length)
    throw invalid({ group: '', kind: '' }, '', [fieldError.invalid('patch', patchText, r.typeErrors[0]!)]);
  const strict =
    directive === 'Ignore'
      ? []
      : [...patchDuplicates.map((d) => `duplicate field ${JSON.stringify(formatJsonPath(d))}`), ...r.strictErrors];
  if (directive === 'Strict' && strict.length)
    throw invalid({ group: '', kind: '' }, '', [fieldError.invalid('patch', patchText, strictDecodingMessage(strict))]);
  return { object: r.object, warnings: directive === 'Warn' ? strict : [] };
}

/**
 * A `Warning` response header value: `299 - "text"` (apimachinery NewWarningHeader), with
 * `"` and `\` escaped. Node writes header strings as Latin-1, so the UTF-8 bytes are passed
 * through one character each, which puts exactly Go's bytes on the wire; control characters,
 * which kube refuses in warnings, are replaced by U+FFFD's bytes rather than dropping the warning.
 */
export function warningHeader(text: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\ufffd');
  const quoted = `"${clean.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  return `299 - ${Buffer.from(quoted, 'utf8').toString('latin1')}`;
}
