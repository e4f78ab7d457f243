/**
 * Field paths and field errors, in the shape of Kubernetes' apimachinery validation
 * (`spec.usages[1]: Duplicate value: "client auth"`): validators collect every error with
 * its path instead of throwing the first, so a config file, a CLI input and an API object
 * all report everything wrong at once, and the API can return the list as a 422 `Status`
 * with `details.causes`.
 */

export type FieldErrorType =
  | 'Required'
  | 'Invalid'
  | 'NotSupported'
  | 'Duplicate'
  | 'Forbidden'
  | 'TooLong'
  | 'TooMany'
  | 'TypeInvalid'
  | 'NotFound';

export interface FieldError {
  readonly type: FieldErrorType;
  /** the path as Kubernetes prints it: `spec.usages[1]`, `metadata.labels[app]` */
  readonly field: string;
  /** the offending value, when the error shows one */
  readonly value?: unknown;
  readonly detail: string;
}

/** A path into a document; immutable, each step returns a new one. */
export class FieldPath {
  private constructor(private readonly text: string) {}

  static root(name = ''): FieldPath {
    return new FieldPath(name);
  }

  /** `.name` (a struct field or a map key that is an identifier) */
  child(name: string): FieldPath {
    return new FieldPath(this.text ? `${this.text}.${name}` : name);
  }

  /** `[i]` (a list element) */
  index(i: number): FieldPath {
    return new FieldPath(`${this.text}[${i}]`);
  }

  /** `[key]` (a map entry) */
  key(k: string): FieldPath {
    return new FieldPath(`${this.text}[${k}]`);
  }

  toString(): string {
    return this.text;
  }
}

type PathLike = FieldPath | string;
const p = (path: PathLike): string => String(path);

export const fieldError = {
  required: (path: PathLike, detail = ''): FieldError => ({ type: 'Required', field: p(path), detail }),
  invalid: (path: PathLike, value: unknown, detail: string): FieldError => ({
    type: 'Invalid',
    field: p(path),
    value,
    detail,
  }),
  notSupported: (path: PathLike, value: unknown, supported: readonly string[]): FieldError => ({
    type: 'NotSupported',
    field: p(path),
    value,
    detail: supported.length ? `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}` : '',
  }),
  duplicate: (path: PathLike, value: unknown): FieldError => ({ type: 'Duplicate', field: p(path), value, detail: '' }),
  forbidden: (path: PathLike, detail: string): FieldError => ({ type: 'Forbidden', field: p(path), detail }),
  /** kube-apiserver >= 1.32 wording (`may not be more than 253 bytes`; 1.31 and older said `must have at most`) */
  tooLong: (path: PathLike, max: number, unit: 'bytes' | 'characters' = 'bytes'): FieldError => ({
    type: 'TooLong',
    field: p(path),
    detail: `may not be more than ${max} ${max === 1 ? unit.slice(0, -1) : unit}`,
  }),
  tooMany: (path: PathLike, actual: number, max: number): FieldError => ({
    type: 'TooMany',
    field: p(path),
    value: actual,
    detail: `must have at most ${max} items`,
  }),
  typeInvalid: (path: PathLike, value: unknown, detail: string): FieldError => ({
    type: 'TypeInvalid',
    field: p(path),
    value,
    detail,
  }),
  notFound: (path: PathLike, value: unknown): FieldError => ({ type: 'NotFound', field: p(path), value, detail: '' }),
};

/** The words Kubernetes prints for each type, and the `reason` of a Status cause. */
const TYPE_TEXT: Record<FieldErrorType, [text: string, reason: string]> = {
  Required: ['Required value', 'FieldValueRequired'],
  Invalid: ['Invalid value', 'FieldValueInvalid'],
  NotSupported: ['Unsupported value', 'FieldValueNotSupported'],
  Duplicate: ['Duplicate value', 'FieldValueDuplicate'],
  Forbidden: ['Forbidden', 'FieldValueForbidden'],
  TooLong: ['Too long', 'FieldValueTooLong'],
  TooMany: ['Too many', 'FieldValueTooMany'],
  TypeInvalid: ['Invalid value', 'FieldValueTypeInvalid'],
  NotFound: ['Not found', 'FieldValueNotFound'],
};

/** The types whose message never shows the value (as apimachinery's ErrorBody). */
const NO_VALUE = new Set<FieldErrorType>(['Required', 'Forbidden', 'TooLong']);

/** Strings quoted, numbers and booleans plain, other values as JSON; control characters escaped by JSON. */
function renderValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 256 ? `${v.slice(0, 256)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v === null || v === undefined) return 'null';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 256 ? `${s.slice(0, 256)}...` : s;
}

/** `Unsupported value: "x": supported values: "a", "b"` — the body without the path. */
export function fieldErrorBody(e: FieldError): string {
  const [text] = TYPE_TEXT[e.type];
  let s = text;
  if (!NO_VALUE.has(e.type) && 'value' in e) s += `: ${renderValue(e.value)}`;
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

/** `spec.usages[1]: Duplicate value: "client auth"` */
export function formatFieldError(e: FieldError): string {
  return e.field ? `${e.field}: ${fieldErrorBody(e)}` : fieldErrorBody(e);
}

/** A Kubernetes `StatusCause` for the error. */
export function statusCause(e: FieldError): { reason: string; message: string; field: string } {
  return { reason: TYPE_TEXT[e.type][1], message: fieldErrorBody(e), field: e.field };
}

/**
 * The aggregate of field errors as apimachinery prints it: one error alone, several in
 * brackets joined by ", ", identical messages once (utilerrors.NewAggregate after
 * ErrorList.ToAggregate's de-duplication).
 */
export function aggregateFieldErrors(errors: readonly FieldError[]): string {
  const seen = new Set<string>();
  const list: string[] = [];
  for (const e of errors) {
    const m = formatFieldError(e);
    if (!seen.has(m)) {
      seen.add(m);
      list.push(m);
    }
  }
  return list.length === 1 ? list[0]! : `[${list.join(', ')}]`;
}
