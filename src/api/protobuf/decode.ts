/**
 * Decodes a protobuf message into the JSON object Go's encoding/json would print for it,
 * driven by the type's schema (../machinery/schema.ts: protobuf numbers and Go's JSON
 * presence beside the JSON types): the same object the API would have received had the
 * client sent JSON. Protobuf rules kept: unknown fields are skipped, a repeated embedded
 * message merges, the last scalar wins. Go's JSON rules kept: fields are printed by their
 * presence (omitempty, always, pointer), bytes as base64, a zero metav1.Time as null
 * (nanoseconds dropped, as apimachinery does), a metav1.MicroTime to the microsecond, a
 * resource.Quantity as its string, int64 as a number.
 *
 * Only fields with a protobuf number are read; `canDecodeProtobuf` says whether a schema has
 * them all, so a kind without them is refused instead of decoded with fields missing.
 */
import { type LeafSchema, type ListSchema, type ObjectSchema, type Schema } from '../machinery/schema.js';
import { formatTime } from '../time.js';
import { WIRE, wireName, WireReader } from './wire.js';

/** No schema nests deeper; a guard for schemas to come (the input cannot add depth: unknown fields are skipped flat). */
const MAX_DEPTH = 32;
/** Free-form JSON inside a message (managedFields' fieldsV1) nests this deep at most: JSON.stringify overflows Node's stack near 5,000. */
const MAX_JSON_DEPTH = 100;

/** Go's metav1.Time JSON range: years 0000 to 9999. */
const MIN_SECONDS = -62_167_219_200n;
const MAX_SECONDS = 253_402_300_799n;
/** Go's zero time (0001-01-01T00:00:00Z): printed as null. */
const ZERO_SECONDS = -62_135_596_800n;

/** The leaf types this decoder reads (float64 is in no numbered schema). */
const DECODABLE_LEAVES: ReadonlySet<LeafSchema['type']> = new Set([
  'string',
  'bytes',
  'time',
  'microtime',
  'quantity',
  'int32',
  'int64',
  'bool',
  'any',
]);

/** A decoded but not yet printed message: field name → value (array for repeated, Map for maps). */
type Acc = Map<string, unknown>;
/** A metav1.Time or MicroTime as read: undefined seconds for the zero time (an empty message). */
interface TimeValue {
  seconds: bigint | undefined;
  /** MicroTime only: the nanoseconds, printed to the microsecond */
  nanos: number;
  micro: boolean;
}

/** A struct's numbered fields, by number, in declaration order; cached (schemas never change). */
type Numbered = ReadonlyMap<number, readonly [string, Schema]>;
const numberedCache = new WeakMap<ObjectSchema, Numbered>();
function numbered(m: ObjectSchema): Numbered {
  let n = numberedCache.get(m);
  if (!n) {
    n = new Map(
      Object.entries(m.fields).flatMap(([name, f]) => (f.no === undefined ? [] : [[f.no, [name, f] as const]])),
    );
    numberedCache.set(m, n);
  }
  return n;
}

/** TypeMeta's fields: known in JSON, carried by the envelope in protobuf. */
const TYPE_META_FIELDS = new Set(['apiVersion', 'kind']);

/**
 * Whether protobuf bodies of this kind can be decoded: every field of every struct in it has
 * a protobuf number (TypeMeta's apart) and a type this decoder reads.
 */
export function canDecodeProtobuf(schema: ObjectSchema): boolean {
  // asked on every create and update (decodeBody picks the formats a kind accepts): the walk
  // of a CSR's schema was 0.8% of the server's CPU in bench/serve.ts's lifecycle; schemas never change
  let known = decodable.get(schema);
  if (known === undefined) decodable.set(schema, (known = walkDecodable(schema)));
  return known;
}
const decodable = new WeakMap<ObjectSchema, boolean>();

function walkDecodable(schema: ObjectSchema): boolean {
  const ok = (s: Schema, depth: number): boolean => {
    if (depth > MAX_DEPTH) return false;
    switch (s.type) {
      case 'object':
        return Object.values(s.fields).every((f) => f.no !== undefined && ok(f, depth + 1));
      case 'map':
        return ok(s.values, depth + 1);
      case 'list':
        return ok(s.items, depth + 1);
      default:
        return DECODABLE_LEAVES.has(s.type);
    }
  };
  return Object.entries(schema.fields).every(([name, f]) =>
    f.no === undefined ? TYPE_META_FIELDS.has(name) : ok(f, 1),
  );
}

const utf8 = new TextDecoder('utf-8');

/** The wire type of one value of `s`: varint for booleans and integers, length-delimited for the rest. */
const wireOf = (s: Schema): number =>
  s.type === 'bool' || s.type === 'int32' || s.type === 'int64' ? WIRE.varint : WIRE.bytes;

function expectWire(r: WireReader, name: string, got: number, want: number): void {
  if (got !== want) r.fail(`wrong wire type ${wireName(got)} for field ${name} (${wireName(want)} expected)`);
}

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

/** metav1.Time and MicroTime share one message: seconds (1) and nanos (2, int32). */
function readTime(r: WireReader, micro: boolean): TimeValue {
  if (r.done()) return { seconds: undefined, nanos: 0, micro };
  let seconds = 0n;
  let nanos = 0;
  while (!r.done()) {
    const { no, wire } = r.tag();
    if (no === 1) {
      expectWire(r, 'seconds', wire, WIRE.varint);
      seconds = BigInt.asIntN(64, r.varint());
    } else if (no === 2) {
      expectWire(r, 'nanos', wire, WIRE.varint);
      // metav1.Time keeps seconds only (the value is dropped); MicroTime keeps microseconds
      nanos = Number(BigInt.asIntN(32, r.varint()));
    } else r.skip(wire);
  }
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) r.fail(`time ${seconds}s is outside years 0000-9999`);
  if (micro && (nanos < 0 || nanos > 999_999_999)) r.fail(`nanos ${nanos} is outside 0-999999999`);
  return { seconds, nanos: micro ? nanos : 0, micro };
}

/** resource.Quantity: a message whose field 1 is its text (`100Mi`), which is also its JSON form. */
function readQuantity(r: WireReader): string {
  let text = '';
  while (!r.done()) {
    const { no, wire } = r.tag();
    if (no === 1) {
      expectWire(r, 'string', wire, WIRE.bytes);
      text = utf8.decode(r.bytes());
    } else r.skip(wire);
  }
  return text;
}

/** FieldsV1 and runtime.RawExtension: a message whose field 1 is JSON text; empty is null. */
function readRawJson(r: WireReader): unknown {
  let text = '';
  while (!r.done()) {
    const { no, wire } = r.tag();
    if (no === 1) {
      expectWire(r, 'Raw', wire, WIRE.bytes);
      text = utf8.decode(r.bytes());
    } else r.skip(wire);
  }
  if (text === '') return null;
  if (jsonDepth(text) > MAX_JSON_DEPTH) r.fail(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    return r.fail(`embedded JSON does not parse (${(e as Error).message})`);
  }
}

function readLeaf(r: WireReader, s: LeafSchema, where: string): unknown {
  switch (s.type) {
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
    case 'microtime':
      return readTime(r.sub(where), s.type === 'microtime');
    case 'quantity':
      return readQuantity(r.sub(where));
    case 'any':
      return readRawJson(r.sub(where));
    default:
      return r.fail(`${where}: no protobuf decoding for ${s.type} values`);
  }
}

/** A list that is a map value or a list element: a message whose field 1 holds the items (ExtraValue). */
function readWrappedList(r: WireReader, s: ListSchema, depth: number): unknown[] {
  const items: unknown[] = [];
  while (!r.done()) {
    const { no, wire } = r.tag();
    if (no !== 1) {
      r.skip(wire);
      continue;
    }
    expectWire(r, 'items', wire, wireOf(s.items));
    items.push(readValue(r, s.items, `${r.where}[${items.length}]`, depth));
  }
  return items;
}

/** One value of schema `s` (a whole field, or one element of a list or map); `into` merges a repeated message. */
function readValue(r: WireReader, s: Schema, where: string, depth: number, into?: Acc): unknown {
  switch (s.type) {
    case 'object':
      return readMessage(r.sub(where), s, depth + 1, into);
    case 'list':
      return readWrappedList(r.sub(where), s, depth + 1);
    case 'map':
      return r.fail(`${where}: a map inside a list or map has no protobuf form`);
    default:
      return readLeaf(r, s, where);
  }
}

function readMapEntry(r: WireReader, values: Schema, depth: number): [string, unknown] {
  let key = '';
  let value: unknown;
  while (!r.done()) {
    const { no, wire } = r.tag();
    if (no === 1) {
      expectWire(r, 'key', wire, WIRE.bytes);
      key = utf8.decode(r.bytes());
    } else if (no === 2) {
      expectWire(r, 'value', wire, wireOf(values));
      value = readValue(r, values, `${r.where}[${key}]`, depth);
    } else r.skip(wire);
  }
  return [key, value];
}

function readMessage(r: WireReader, m: ObjectSchema, depth: number, into: Acc = new Map()): Acc {
  if (depth > MAX_DEPTH) r.fail(`messages nested deeper than ${MAX_DEPTH} levels`);
  const byNo = numbered(m);
  while (!r.done()) {
    const { no, wire } = r.tag();
    const field = byNo.get(no);
    if (!field) {
      r.skip(wire);
      continue;
    }
    const [name, f] = field;
    const where = r.where ? `${r.where}.${name}` : name;
    if (f.type === 'map') {
      expectWire(r, name, wire, WIRE.bytes);
      const map = (into.get(name) as Map<string, unknown> | undefined) ?? new Map<string, unknown>();
      const [k, v] = readMapEntry(r.sub(where), f.values, depth + 1);
      map.set(k, v);
      into.set(name, map);
    } else if (f.type === 'list') {
      expectWire(r, name, wire, wireOf(f.items));
      const list = (into.get(name) as unknown[] | undefined) ?? [];
      list.push(readValue(r, f.items, `${where}[${list.length}]`, depth));
      into.set(name, list);
    } else {
      expectWire(r, name, wire, wireOf(f));
      const prev = into.get(name);
      // a second occurrence of an embedded message merges into the first (protobuf's rule)
      into.set(name, readValue(r, f, where, depth, prev instanceof Map ? (prev as Acc) : undefined));
    }
  }
  return into;
}

// ---------------------------------------------------------------- printing (Go's encoding/json)

const isZeroTime = (t: TimeValue): boolean => t.seconds === undefined || (t.seconds === ZERO_SECONDS && t.nanos === 0);

/** Time: `2026-12-05T12:00:00Z`; MicroTime: `2026-12-05T12:00:00.123456Z` (Go's RFC3339Micro, always six digits). */
function timeJson(t: TimeValue): string | null {
  if (isZeroTime(t)) return null;
  const text = formatTime(new Date(Number(t.seconds) * 1000));
  return t.micro ? `${text.slice(0, -1)}.${String(Math.floor(t.nanos / 1000)).padStart(6, '0')}Z` : text;
}

/** The JSON Go prints for a zero or missing value of this type. */
function zeroJson(s: Schema): unknown {
  switch (s.type) {
    case 'object':
      return messageJson(new Map(), s);
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'int32':
    case 'int64':
      return 0;
    case 'quantity':
      return '0'; // a zero resource.Quantity prints as "0"
    default:
      return null; // nil slices and maps, []byte, metav1.Time, RawExtension
  }
}

function isZero(v: unknown, s: Schema): boolean {
  switch (s.type) {
    case 'list':
      return (v as unknown[]).length === 0;
    case 'map':
      return (v as Map<string, unknown>).size === 0;
    case 'time':
    case 'microtime':
      return isZeroTime(v as TimeValue);
    case 'object':
      return false; // a struct is never "empty" to omitempty
    default:
      return v === '' || v === 0 || v === false || v === null;
  }
}

/** An object whose keys come from the input: own data properties only (a "__proto__" key stays a key). */
function safeObject(entries: Iterable<[string, unknown]>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries)
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

function valueJson(v: unknown, s: Schema): unknown {
  if (v === undefined) return zeroJson(s);
  switch (s.type) {
    case 'object':
      return messageJson(v as Acc, s);
    case 'list': {
      const list = v as unknown[];
      return list.length === 0 ? null : list.map((e) => valueJson(e, s.items));
    }
    case 'map':
      return safeObject([...(v as Map<string, unknown>)].map(([k, e]) => [k, valueJson(e, s.values)]));
    case 'time':
    case 'microtime':
      return timeJson(v as TimeValue);
    default:
      return v;
  }
}

function messageJson(acc: Acc, m: ObjectSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, f] of numbered(m).values()) {
    const v = acc.get(name);
    const presence = f.presence ?? 'omitempty';
    if (v === undefined) {
      if (presence === 'always') out[name] = zeroJson(f);
    } else if (presence !== 'omitempty' || !isZero(v, f)) out[name] = valueJson(v, f);
  }
  return out;
}

/** `bytes` as a message of type `m`, printed as Go's JSON of it. `where` prefixes error messages. */
export function decodeMessage(bytes: Uint8Array, m: ObjectSchema, where = ''): Record<string, unknown> {
  return messageJson(readMessage(new WireReader(bytes, 0, bytes.length, where), m, 0), m);
}
