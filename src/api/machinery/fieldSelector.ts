/**
 * Field selectors (`?fieldSelector=`), as apimachinery `pkg/fields`: terms `f=v`, `f==v`,
 * `f!=v` joined by commas (AND), values escaped with `\` (`\,`, `\=`, `\\`). The fields a
 * resource supports are `metadata.name`, `metadata.namespace` and the ones its
 * ResourceDefinition declares (`spec.signerName` for CSRs); anything else is a 400 with the
 * message kube-apiserver gives (`field label not supported: …`, or the default conversion's
 * `"x" is not a known field selector: only "metadata.name", "metadata.namespace"`).
 */
import type { KubeObject } from '../object.js';
import type { FieldGetter } from '../resource.js';
import { badRequest } from './status.js';
import { MAX_SELECTOR_LENGTH } from './labelSelector.js';

export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

/** Terms sorted by their text (kube sorts them); empty selects everything. */
export type FieldSelector = readonly FieldRequirement[];

/** `\`, `,` and `=` escaped with a backslash (apimachinery EscapeValue). */
export const escapeFieldValue = (s: string): string => s.replace(/[\\,=]/g, (c) => `\\${c}`);

/** The inverse of escapeFieldValue; kube's errors for a bad escape or a bare `,`/`=`. */
export function unescapeFieldValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let slash = false;
  for (const c of s) {
    if (slash) {
      if (c !== '\\' && c !== ',' && c !== '=')
        throw badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      slash = false;
    } else if (c === '\\') slash = true;
    else if (c === ',' || c === '=')
      // Go prints the rune as its number (%v of a rune); kept so the message matches kube's
      throw badRequest(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    else out += c;
  }
  if (slash) throw badRequest('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** Splits on commas that are not escaped. */
function splitTerms(s: string): string[] {
  if (!s) return [];
  const terms: string[] = [];
  let start = 0;
  let slash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (slash) slash = false;
    else if (c === '\\') slash = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

/** The first operator in the term, trying `!=`, `==`, `=` at each position (kube's order). */
function splitTerm(term: string): [string, '=' | '==' | '!=', string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of ['!=', '==', '='] as const) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

/**
 * Parses a `fieldSelector` (syntax only); throws a 400 with kube's message. Empty terms are
 * skipped (`a=b,` is `a=b`).
 */
export function parseFieldSelector(text: string): FieldSelector {
  if (text.length > MAX_SELECTOR_LENGTH)
    throw badRequest(`field selector is ${text.length} characters long; at most ${MAX_SELECTOR_LENGTH} are accepted`);
  const parts = splitTerms(text).sort();
  const out: FieldRequirement[] = [];
  for (const part of parts) {
    if (!part) continue;
    const split = splitTerm(part);
    if (!split) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    const [field, op, raw] = split;
    out.push({ field, operator: op === '!=' ? '!=' : '=', value: unescapeFieldValue(raw) });
  }
  return out;
}

export const METADATA_FIELDS = ['metadata.name', 'metadata.namespace'] as const;

/**
 * Checks every field of the selector against what the resource supports (kube's field label
 * conversion, applied when the list handler reads the options). A resource that declares its
 * own fields supports `metadata.name`, `metadata.namespace` when it is namespaced, and those
 * fields, and answers `field label not supported: X` otherwise; a resource that declares none
 * supports both metadata fields, with the default conversion's message.
 */
export function checkFieldSelector(
  selector: FieldSelector,
  resource: { fields?: Record<string, FieldGetter> | undefined; namespaced: boolean },
): void {
  const declared = resource.fields ? Object.keys(resource.fields) : [];
  for (const r of selector) {
    if (!declared.length) {
      if (r.field !== 'metadata.name' && r.field !== 'metadata.namespace')
        throw badRequest(`"${r.field}" is not a known field selector: only "metadata.name", "metadata.namespace"`);
      continue;
    }
    const ok =
      r.field === 'metadata.name' ||
      (r.field === 'metadata.namespace' && resource.namespaced) ||
      declared.includes(r.field);
    if (!ok) throw badRequest(`field label not supported: ${r.field}`);
  }
}

/** The value a field has on an object ('' when absent, as kube's fields.Set.Get). */
export function fieldValue(obj: KubeObject, field: string, getters?: Record<string, FieldGetter>): string {
  if (field === 'metadata.name') return obj.metadata.name ?? '';
  if (field === 'metadata.namespace') return obj.metadata.namespace ?? '';
  const get = getters && Object.hasOwn(getters, field) ? getters[field] : undefined;
  return (get && get(obj)) ?? '';
}

/** Whether every term holds for the object. */
export function fieldsMatch(selector: FieldSelector, obj: KubeObject, getters?: Record<string, FieldGetter>): boolean {
  for (const r of selector) {
    const v = fieldValue(obj, r.field, getters);
    if (r.operator === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}

/**
 * The value the selector pins a field to, when it has an `f=v` term for it (kube's
 * RequiresExactMatch): the list handler turns `metadata.name=x` into a single-object read,
 * and authorization sees the name, as kube-apiserver's request-info resolver does.
 */
export function requiresExactMatch(selector: FieldSelector, field: string): string | undefined {
  for (const r of selector) if (r.field === field && r.operator === '=') return r.value;
  return undefined;
}

/** The selector's canonical text: `f=v` terms with escaped values, joined by commas. */
export const fieldSelectorString = (selector: FieldSelector): string =>
  selector.map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`).join(',');
