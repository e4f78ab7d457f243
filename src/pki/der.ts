/**
 * A small DER writer and reader.
 *
 * Why hand-written: issuing certificates through a general JS ASN.1 library (asn1js /
 * @peculiar/asn1-schema, as @peculiar/x509 does) runs ~60x below what `crypto.sign` can
 * sign, because building and serialising the object tree dominates. kubetls only needs to
 * *write* the handful of structures it issues (certificates, CSRs, CRLs) and to *read*
 * certificates and CSRs; both are a few dozen lines of TLV handling. Tests cross-check
 * everything produced here against @peculiar/x509 and `openssl`.
 */
import { KubetlsError } from '../errors/index.js';

// ---------------------------------------------------------------- writer

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  BMP_STRING: 0x1e,
  UNIVERSAL_STRING: 0x1c,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Number of length octets DER uses for a content of `len` bytes (definite, minimal form). */
export function lengthSize(len: number): number {
  return len < 0x80 ? 1 : len < 0x100 ? 2 : len < 0x10000 ? 3 : len < 0x1000000 ? 4 : 5;
}

/** Encoded size of a TLV whose content is `len` bytes. */
export const tlvSize = (len: number): number => 1 + lengthSize(len) + len;

/**
 * Writes a tag and a DER length at `o` and returns the offset where the content goes.
 * Writing headers in place (instead of allocating a small Buffer for the length octets)
 * is what lets the issuing path build a certificate in one or two allocations.
 */
export function writeHeader(out: Buffer, o: number, tag: number, len: number): number {
  out[o++] = tag;
  if (len < 0x80) {
    out[o++] = len;
    return o;
  }
  const n = lengthSize(len) - 1;
  out[o++] = 0x80 | n;
  for (let i = n - 1; i >= 0; i--) out[o++] = Math.floor(len / 2 ** (8 * i)) & 0xff;
  return o;
}

/** Copies each part into `out` from `o` on; returns the offset after the last one. */
export function writeParts(out: Buffer, o: number, parts: readonly Buffer[]): number {
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return o;
}

/**
 * Guards the size-first writers: their buffers come from Buffer.allocUnsafe, so a size
 * computed wrong would put stale heap bytes into a signed certificate. An exact end
 * offset proves every byte was written.
 */
export function assertFilled(out: Buffer, end: number): Buffer {
  if (end !== out.length) throw new Error(`internal error: DER writer filled ${end} of ${out.length} bytes`);
  return out;
}

/** Encodes one TLV from a tag byte and the concatenation of `parts`: sizes first, one allocation. */
export function tlv(tag: number, ...parts: Buffer[]): Buffer {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = Buffer.allocUnsafe(tlvSize(len));
  return assertFilled(out, writeParts(out, writeHeader(out, 0, tag, len), parts));
}

export const seq = (...parts: Buffer[]): Buffer => tlv(TAG.SEQUENCE, ...parts);

/** DER SET OF: members sorted by their encodings, as X.690 11.6 requires. */
export function setOf(...parts: Buffer[]): Buffer {
  return tlv(TAG.SET, ...[...parts].sort(Buffer.compare));
}

/** Context-specific explicit tag [n] (constructed). */
export const explicit = (n: number, ...parts: Buffer[]): Buffer => tlv(0xa0 | n, ...parts);
/** Context-specific implicit tag [n] on primitive content. */
export const implicitPrimitive = (n: number, content: Buffer): Buffer => tlv(0x80 | n, content);

export const DER_NULL = Buffer.from([0x05, 0x00]);
export const DER_TRUE = Buffer.from([0x01, 0x01, 0xff]);

/**
 * INTEGER from a non-negative bigint, a small number, or unsigned big-endian bytes.
 * Leading zero bytes are dropped and one 0x00 is added when the high bit is set, so the
 * value stays positive (X.690 8.3.2 minimal two's complement).
 */
export function integer(v: bigint | number | Buffer): Buffer {
  let bytes: Buffer;
  if (Buffer.isBuffer(v)) {
    let i = 0;
    while (i < v.length - 1 && v[i] === 0) i++;
    bytes = v.subarray(i);
    if (bytes.length === 0) bytes = Buffer.from([0]);
  } else {
    const n = BigInt(v);
    if (n < 0n) throw new RangeError('negative INTEGER not supported');
    let hex = n.toString(16);
    if (hex.length % 2) hex = '0' + hex;
    bytes = Buffer.from(hex, 'hex');
  }
  const pad = bytes[0]! & 0x80 ? 1 : 0;
  const len = pad + bytes.length;
  const out = Buffer.allocUnsafe(tlvSize(len));
  let o = writeHeader(out, 0, TAG.INTEGER, len);
  if (pad) out[o++] = 0;
  out.set(bytes, o);
  return assertFilled(out, o + bytes.length);
}

const oidCache = new Map<string, Buffer>();
/** OBJECT IDENTIFIER from dotted form; encodings are cached since the same few repeat. */
export function oid(dotted: string): Buffer {
  const hit = oidCache.get(dotted);
  if (hit) return hit;
  const arcs = dotted.split('.').map((s) => {
    if (!/^\d+$/.test(s)) throw new KubetlsError('InvalidOID', `invalid OID "${dotted}"`);
    return BigInt(s);
  });
  if (arcs.length < 2) throw new KubetlsError('InvalidOID', `invalid OID "${dotted}"`);
  const bytes: number[] = [];
  const first = arcs[0]! * 40n + arcs[1]!;
  for (const arc of [first, ...arcs.slice(2)]) {
    const chunk: number[] = [];
    let a = arc;
    do {
      chunk.unshift(Number(a & 0x7fn));
      a >>= 7n;
    } while (a > 0n);
    for (let i = 0; i < chunk.length - 1; i++) chunk[i]! |= 0x80;
    bytes.push(...chunk);
  }
  const enc = tlv(TAG.OID, Buffer.from(bytes));
  oidCache.set(dotted, enc);
  return enc;
}

export const octetString = (b: Buffer): Buffer => tlv(TAG.OCTET_STRING, b);
/** BIT STRING with no unused bits (keys, signatures). */
export const bitString = (b: Buffer): Buffer => tlv(TAG.BIT_STRING, Buffer.from([0]), b);
export const utf8String = (s: string): Buffer => tlv(TAG.UTF8_STRING, Buffer.from(s, 'utf8'));
export const ia5String = (s: string): Buffer => tlv(TAG.IA5_STRING, Buffer.from(s, 'latin1'));

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
/** Whether `s` fits PrintableString's character set (X.680 41.4). */
export const isPrintableString = (s: string): boolean => PRINTABLE.test(s);
/** PrintableString when the text allows it, else UTF8String (what Go's x509 does). */
export function directoryString(s: string): Buffer {
  return PRINTABLE.test(s) ? tlv(TAG.PRINTABLE_STRING, Buffer.from(s, 'latin1')) : utf8String(s);
}

/** Writes `n` (0..99) as two ASCII digits. */
function put2(out: Buffer, o: number, n: number): number {
  out[o] = 0x30 + ((n / 10) | 0);
  out[o + 1] = 0x30 + (n % 10);
  return o + 2;
}

/**
 * Validity times: UTCTime up to 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5), always
 * with seconds and "Z". Digits are written directly into the 15/17-byte result: two of these
 * are encoded per certificate, and string building showed up in profiles.
 */
export function time(d: Date): Buffer {
  const y = d.getUTCFullYear();
  if (!Number.isFinite(d.getTime())) throw new KubetlsError('InvalidTime', 'invalid date');
  const utc = y >= 1950 && y < 2050;
  if (!utc && (y < 0 || y > 9999)) throw new KubetlsError('InvalidTime', `year ${y} cannot be encoded`);
  const out = Buffer.allocUnsafe(utc ? 15 : 17);
  out[0] = utc ? TAG.UTC_TIME : TAG.GENERALIZED_TIME;
  out[1] = utc ? 13 : 15;
  let o = 2;
  if (!utc) o = put2(out, o, (y / 100) | 0);
  o = put2(out, o, y % 100);
  o = put2(out, o, d.getUTCMonth() + 1);
  o = put2(out, o, d.getUTCDate());
  o = put2(out, o, d.getUTCHours());
  o = put2(out, o, d.getUTCMinutes());
  o = put2(out, o, d.getUTCSeconds());
  out[o] = 0x5a; // 'Z'
  return assertFilled(out, o + 1);
}

// ---------------------------------------------------------------- reader

/** One parsed TLV: `start` is where its content begins, `end` where it ends (exclusive). */
export interface Tlv {
  tag: number;
  /** offset of the tag byte */
  offset: number;
  /** offset of the first content byte */
  start: number;
  /** offset just past the content */
  end: number;
}

export class DerError extends KubetlsError {
  constructor(message: string) {
    super('MalformedDER', `malformed DER: ${message}`);
  }
}

/** Reads the TLV at `offset`, bounded by `limit`; rejects indefinite and non-minimal lengths. */
export function readTlv(buf: Buffer, offset: number, limit: number = buf.length): Tlv {
  if (offset + 2 > limit) throw new DerError('truncated header');
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not supported');
  let len = buf[offset + 1]!;
  let start = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0) throw new DerError('indefinite length');
    if (n > 4) throw new DerError('length too large');
    if (start + n > limit) throw new DerError('truncated length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[start + i]!;
    if (len < 0x80 || (n > 1 && buf[start] === 0)) throw new DerError('non-minimal length');
    start += n;
  }
  const end = start + len;
  if (end > limit) throw new DerError('content runs past its container');
  return { tag, offset, start, end };
}

/** The TLVs directly inside a constructed TLV. */
export function children(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let o = parent.start;
  while (o < parent.end) {
    const t = readTlv(buf, o, parent.end);
    out.push(t);
    o = t.end;
  }
  return out;
}

export function expectTag(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t) throw new DerError(`missing ${what}`);
  if (t.tag !== tag) throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, got 0x${t.tag.toString(16)}`);
  return t;
}

export const content = (buf: Buffer, t: Tlv): Buffer => buf.subarray(t.start, t.end);
export const whole = (buf: Buffer, t: Tlv): Buffer => buf.subarray(t.offset, t.end);

export function readOid(buf: Buffer, t: Tlv): string {
  expectTag(t, TAG.OID, 'OBJECT IDENTIFIER');
  const b = content(buf, t);
  if (b.length === 0) throw new DerError('empty OID');
  // Arcs are summed as plain numbers (a CSR holds ~10 OIDs per signing request, and BigInt
  // arithmetic costs ~4x more); an arc that could pass 2^53 continues as a BigInt.
  let out = '';
  let v = 0;
  let big: bigint | undefined;
  for (let i = 0; i < b.length; i++) {
    const d = b[i]! & 0x7f;
    if (big !== undefined) big = (big << 7n) | BigInt(d);
    else if (v < 2 ** 45) v = v * 128 + d;
    else big = (BigInt(v) << 7n) | BigInt(d);
    if (b[i]! & 0x80) {
      if (i === b.length - 1) throw new DerError('truncated OID');
      continue;
    }
    if (out === '') {
      // the first subidentifier packs two arcs: 40 * a0 + a1, where a0 is 0, 1 or 2
      if (big === undefined) {
        const a0 = v < 80 ? Math.floor(v / 40) : 2;
        out = `${a0}.${v - a0 * 40}`;
      } else out = `2.${big - 80n}`;
    } else out += `.${big ?? v}`;
    v = 0;
    big = undefined;
  }
  return out;
}

export function readInteger(buf: Buffer, t: Tlv): bigint {
  expectTag(t, TAG.INTEGER, 'INTEGER');
  const b = content(buf, t);
  if (b.length === 0) throw new DerError('empty INTEGER');
  let v = BigInt('0x' + b.toString('hex'));
  if (b[0]! & 0x80) v -= 1n << BigInt(b.length * 8);
  return v;
}

/** Decodes any of the X.500 string types to a JS string. */
export function readString(buf: Buffer, t: Tlv): string {
  const b = content(buf, t);
  switch (t.tag) {
    case TAG.UTF8_STRING:
      return b.toString('utf8');
    case TAG.PRINTABLE_STRING:
    case TAG.IA5_STRING:
    case TAG.T61_STRING:
      return b.toString('latin1');
    case TAG.BMP_STRING: {
      if (b.length % 2) throw new DerError('odd BMPString length');
      const sw = Buffer.from(b);
      sw.swap16();
      return sw.toString('utf16le');
    }
    case TAG.UNIVERSAL_STRING: {
      let s = '';
      for (let i = 0; i + 3 < b.length; i += 4) s += String.fromCodePoint(b.readUInt32BE(i));
      return s;
    }
    default:
      throw new DerError(`unsupported string tag 0x${t.tag.toString(16)}`);
  }
}

export function readTime(buf: Buffer, t: Tlv): Date {
  const s = content(buf, t).toString('latin1');
  let m: RegExpMatchArray | null;
  let year: number;
  if (t.tag === TAG.UTC_TIME) {
    m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s);
    if (!m) throw new DerError(`bad UTCTime "${s}"`);
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (t.tag === TAG.GENERALIZED_TIME) {
    m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s);
    if (!m) throw new DerError(`bad GeneralizedTime "${s}"`);
    year = Number(m[1]);
  } else throw new DerError('expected a time');
  // Date.UTC maps years 0..99 to 1900..1999; setUTCFullYear takes the year as written
  const d = new Date(0);
  d.setUTCFullYear(year, Number(m[2]) - 1, Number(m[3]));
  d.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), 0);
  if (Number.isNaN(d.getTime())) throw new DerError(`bad time "${s}"`);
  return d;
}
