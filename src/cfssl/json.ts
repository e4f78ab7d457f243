/**
 * JSON helpers shared by every cfssl-format parser: a size-capped parse that names the
 * source on failure, Go-style case-insensitive field lookup (encoding/json matches struct
 * fields case-insensitively, and cfssl users rely on it: "cn" works as well as "CN"), and
 * compact output escaped the way Go's json.Marshal escapes (<, >, & and U+2028/2029), so
 * tools that diff cfssl output see the same bytes.
 */
import { KubetlsError } from '../errors/index.js';

export type JsonObject = Record<string, unknown>;

/** Cap for JSON files and request bodies: CSR JSONs and configs are a few KiB. */
export const MAX_JSON_BYTES = 1024 * 1024;

/** Parses JSON text; a one-line KubetlsError naming `source` when it is too big or invalid. */
export function parseJson(text: string | Buffer, source: string, maxBytes = MAX_JSON_BYTES): unknown {
  if (text.length > maxBytes)
    throw new KubetlsError('TooLarge', `${source}: ${text.length} bytes, over the ${maxBytes}-byte limit`);
  const s = typeof text === 'string' ? text : text.toString('utf8');
  try {
    return JSON.parse(s);
  } catch (e) {
    throw new KubetlsError('MalformedJSON', `${source}: invalid JSON (${(e as Error).message})`);
  }
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Requires a JSON object; `what` names it in the error. */
export function asObject(v: unknown, what: string): JsonObject {
  if (!isObject(v)) throw new KubetlsError('InvalidField', `${what}: expected a JSON object, got ${jsonType(v)}`);
  return v;
}

export function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/**
 * Field lookup like Go's encoding/json: an exact key wins, otherwise the first key equal
 * ignoring case. Own properties only, so "__proto__" and friends never leak in.
 */
export function field(o: JsonObject, name: string): unknown {
  if (Object.prototype.hasOwnProperty.call(o, name)) return o[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(o)) if (k.toLowerCase() === lower) return o[k];
  return undefined;
}

export function optString(o: JsonObject, name: string, where: string): string | undefined {
  const v = field(o, name);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string')
    throw new KubetlsError('InvalidField', `${where}${name}: expected a string, got ${jsonType(v)}`);
  return v;
}

export function optBool(o: JsonObject, name: string, where: string): boolean | undefined {
  const v = field(o, name);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean')
    throw new KubetlsError('InvalidField', `${where}${name}: expected true or false, got ${jsonType(v)}`);
  return v;
}

export function optInt(o: JsonObject, name: string, where: string, min: number, max: number): number | undefined {
  const v = field(o, name);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new KubetlsError('InvalidField', `${where}${name}: expected an integer, got ${jsonType(v)}`);
  if (v < min || v > max)
    throw new KubetlsError('InvalidField', `${where}${name}: ${v} is out of range ${min}..${max}`);
  return v;
}

/** An optional array of strings, with a count cap so hostile files cannot balloon work. */
export function optStringArray(o: JsonObject, name: string, where: string, maxItems = 1000): string[] | undefined {
  const v = field(o, name);
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v))
    throw new KubetlsError('InvalidField', `${where}${name}: expected an array of strings, got ${jsonType(v)}`);
  if (v.length > maxItems)
    throw new KubetlsError('InvalidField', `${where}${name}: ${v.length} entries, over the limit of ${maxItems}`);
  return v.map((x, i) => {
    if (typeof x !== 'string')
      throw new KubetlsError('InvalidField', `${where}${name}[${i}]: expected a string, got ${jsonType(x)}`);
    return x;
  });
}

const GO_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/** Compact JSON with Go's HTML-safe escaping (what cfssl prints). */
export function goJson(v: unknown): string {
  return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c]!);
}

/** Indented JSON as Go's json.MarshalIndent(v, "", "  ") writes it. */
export function goJsonIndent(v: unknown, indent = '  '): string {
  return JSON.stringify(v, null, indent).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c]!);
}
