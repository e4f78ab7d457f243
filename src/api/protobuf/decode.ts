/**
 * Decodes a protobuf message into the JSON object Go's encoding/json would print for it,
 * driven by the type's schema (../schema/message.ts): the same object the API would have
 * received had the client sent JSON. Protobuf rules kept: unknown fields are skipped, a
 * repeated embedded message merges, the last scalar wins. Go's JSON rules kept: fields are
 * printed by their presence (omitempty, always, pointer), bytes as base64, a zero
 * metav1.Time as null (nanoseconds dropped, as apimachinery does), int64 as a number.
 */
import type { FieldSchema, MessageSchema, ScalarType } from '../schema/message.js';
import { ProtobufError, WIRE, wireName, WireReader } from './wire.js';

/** No schema nests deeper; a guard for schemas to come (the input cannot add depth: unknown fields are skipped flat). */
const MAX_DEPTH = 32;
/** Free-form JSON inside a message (managedFields' fieldsV1) nests this deep at most: JSON.stringify overflows Node's stack near 5,000. */
const MAX_JSON_DEPTH = 100;

/** Go's metav1.Time JSON range: years 0000 to 9999. */
const MIN_SECONDS = -62_167_219_200n;
const MAX_SECONDS = 253_402_300_799n;
/** Go's zero time (0001-01-01T00:00:00Z): printed as null. */
const ZERO_SECONDS = -62_135_596_800n;

/** A decoded but not yet printed message: field name → value (list for repeated, Map for maps). */
type Acc = Map<string, unknown>;
/** A metav1.Time as read: undefined seconds for the zero time (an empty message). */
interface TimeValue {
  seconds: bigint | undefined;
}

const utf8 = new TextDecoder('utf-8');

function expectWire(r: WireReader, f: FieldSchema, got: number, want: number): void {
  if (got !== want) r.fail(`wrong wire type ${wireName(got)} for field ${f.name} (${wireName(want)} expected)`);
}

const wireOf = (t: ScalarType | MessageSchema): number =>
  t === 'bool' || t === 'int32' || t === 'int64' ? WIRE.varint : WIRE.bytes;

/** Deepest bracket nesting of JSON text, counted outside strings. */
function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') max = Math.max(max, ++depth);
    else if (c === '}' || c === ']') depth--;
  }
  return max;
}

function readTime(r: WireReader): TimeValue {
  if (r.done()) return { seconds: undefined };
  let seconds = 0n;
  while (!r.done()) {
    const { no, wire } = r.tag();
    if (no === 1) {
      if (wire !== WIRE.varint) r.fail(`wrong wire type ${wireName(wire)} for field seconds (varint expected)`);
      seconds = BigInt.asIntN(64, r.varint());
    } else if (no === 2) {
      if (wire !== WIRE.varint) r.fail(`wrong wire type ${wireName(wire)} for field nanos (varint expected)`);
      r.varint(); // dropped: metav1.Time keeps seconds only
    } else r.skip(wire);
  }
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) r.fail(`time ${seconds}s is outside years 0000-9999`);
  return { seconds };
}

function readScalar(r: WireReader, t: ScalarType, where: string): unknown {
  switch (t) {
    case 'bool':
      return r.varint() !== 0n;
    case 'int32':
      return Number(BigInt.asIntN(32, r.varint()));
    case 'int64': {
      const v = BigInt.asIntN(64, r.varint());
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER))
        r.fail(`integer ${v} is beyond the range kept exactly (±2^53)`);
      return Number(v);
    }
    case 'string':
      return utf8.decode(r.bytes());
    case 'bytes':
      return Buffer.from(r.bytes()).toString('base64');
    case 'time':
      return readTime(r.sub(where));
    case 'json': {
      const text = utf8.decode(r.bytes());
      if (text === '') return null;
      if (jsonDepth(text) > MAX_JSON_DEPTH) r.fail(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
      try {
        return JSON.parse(text) as unknown;
      } catch (e) {
        return r.fail(`embedded JSON does not parse (${(e as Error).message})`);
      }
    }
  }
}

/** One value of field `f` (an element, for lists and maps). */
function readValue(r: WireReader, f: FieldSchema, where: string, depth: number, into?: Acc): unknown {
  if (typeof f.type === 'string') return readScalar(r, f.type, where);
  return readMessage(r.sub(where), f.type, depth + 1, into);
}

function readMapEntry(r: WireReader, f: FieldSchema, depth: number): [string, unknown] {
  let key = '';
  let value: unknown;
  while (!r.done()) {
    const { no, wire } = r.tag();
    if (no === 1) {
      expectWire(r, f, wire, WIRE.bytes);
      key = utf8.decode(r.bytes());
    } else if (no === 2) {
      expectWire(r, f, wire, wireOf(f.type));
      value = readValue(r, f, `${r.where}[${key}]`, depth);
    } else r.skip(wire);
  }
  return [key, value];
}

function readMessage(r: WireReader, m: MessageSchema, depth: number, into: Acc = new Map()): Acc {
  if (depth > MAX_DEPTH) r.fail(`messages nested deeper than ${MAX_DEPTH} levels`);
  const byNo = new Map(m.fields.map((f) => [f.no, f]));
  while (!r.done()) {
    const { no, wire } = r.tag();
    const f = byNo.get(no);
    if (!f) {
      r.skip(wire);
      continue;
    }
    const where = r.where ? `${r.where}.${f.name}` : f.name;
    if (f.map) {
      expectWire(r, f, wire, WIRE.bytes);
      const map = (into.get(f.name) as Map<string, unknown> | undefined) ?? new Map<string, unknown>();
      const [k, v] = readMapEntry(r.sub(where), f, depth + 1);
      map.set(k, v);
      into.set(f.name, map);
    } else if (f.list) {
      expectWire(r, f, wire, wireOf(f.type));
      const list = (into.get(f.name) as unknown[] | undefined) ?? [];
      list.push(readValue(r, f, `${where}[${list.length}]`, depth));
      into.set(f.name, list);
    } else {
      expectWire(r, f, wire, wireOf(f.type));
      const prev = into.get(f.name);
      // a second occurrence of an embedded message merges into the first (protobuf's rule)
      into.set(f.name, readValue(r, f, where, depth, prev instanceof Map ? (prev as Acc) : undefined));
    }
  }
  return into;
}

// ---------------------------------------------------------------- printing (Go's encoding/json)

function timeJson(t: TimeValue): string | null {
  if (t.seconds === undefined || t.seconds === ZERO_SECONDS) return null;
  return new Date(Number(t.seconds) * 1000).toISOString().replace(/\.000Z$/, 'Z');
}

/** The JSON of a value as Go prints a zero or missing one of this type. */
function zeroJson(f: FieldSchema): unknown {
  if (f.list || f.map) return null;
  if (typeof f.type !== 'string') return messageJson(new Map(), f.type);
  return { string: '', bool: false, int32: 0, int64: 0, bytes: null, time: null, json: null }[f.type];
}

const isZero = (v: unknown, f: FieldSchema): boolean => {
  if (f.list) return (v as unknown[]).length === 0;
  if (f.map) return (v as Map<string, unknown>).size === 0;
  if (f.type === 'time') return (v as TimeValue).seconds === undefined || (v as TimeValue).seconds === ZERO_SECONDS;
  if (typeof f.type !== 'string') return false; // a struct is never "empty" to omitempty
  return v === '' || v === 0 || v === false || v === null;
};

function valueJson(v: unknown, f: FieldSchema): unknown {
  if (v === undefined) return zeroJson({ ...f, list: false, map: false });
  if (typeof f.type !== 'string') return messageJson(v as Acc, f.type);
  if (f.type === 'time') return timeJson(v as TimeValue);
  return v;
}

/** An object whose keys come from the input: own data properties only (a "__proto__" key stays a key). */
function safeObject(entries: Iterable<[string, unknown]>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries)
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

function fieldJson(v: unknown, f: FieldSchema): unknown {
  if (f.list) return (v as unknown[]).map((e) => valueJson(e, f));
  if (f.map) return safeObject([...(v as Map<string, unknown>)].map(([k, e]) => [k, valueJson(e, f)]));
  return valueJson(v, f);
}

function messageJson(acc: Acc, m: MessageSchema): unknown {
  if (m.unwrap !== undefined) {
    const f = m.fields.find((x) => x.name === m.unwrap)!;
    const v = acc.get(f.name);
    return v === undefined ? zeroJson(f) : fieldJson(v, f);
  }
  const out: Record<string, unknown> = {};
  for (const f of m.fields) {
    const v = acc.get(f.name);
    const presence = f.presence ?? 'omitempty';
    if (v === undefined) {
      if (presence === 'always') out[f.name] = zeroJson(f);
    } else if (presence !== 'omitempty' || !isZero(v, f)) out[f.name] = fieldJson(v, f);
  }
  return out;
}

/** `bytes` as a message of type `m`, printed as Go's JSON of it. `where` prefixes error messages. */
export function decodeMessage(bytes: Uint8Array, m: MessageSchema, where = ''): Record<string, unknown> {
  const json = messageJson(readMessage(new WireReader(bytes, 0, bytes.length, where), m, 0), m);
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new ProtobufError(`${m.name} does not print as a JSON object`);
  return json as Record<string, unknown>;
}
