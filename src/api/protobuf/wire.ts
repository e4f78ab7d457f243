/**
 * The protobuf wire format, read defensively (and, at the end, written for the OpenAPI v2
 * document): varints of at most 10 bytes, lengths checked
 * against the bytes actually left before anything is sliced, field numbers in range, groups
 * refused. Every failure is a ProtobufError (HTTP 400) naming where it happened; nothing
 * here allocates from a length the input claims, recurses, or loops without consuming
 * input, so hostile bodies cost at most a pass over their own bytes.
 *
 * Hand-rolled rather than protobufjs (with a small .proto): what kubetls needs is Go's JSON
 * of the two messages kubectl sends as protobuf (CSR approvals, SelfSubjectAccessReviews),
 * so that they join the JSON path unchanged: omitempty and pointer fields, a zero
 * metav1.Time as null, []byte as base64, int64 as a number. protobufjs would decode into
 * its own objects (Long integers, Uint8Array, its own defaults) and that conversion, driven
 * by the schema JSON decoding already has (../machinery/schema.ts), is most of decode.ts
 * anyway; the wire reading left over is this file. It also keeps out a
 * dependency whose reflection has had prototype-pollution advisories (CVE-2022-25878,
 * CVE-2023-36665); the tests feed it truncations and thousands of mutations of real bodies.
 */
import { KubetlsError } from '../../errors/index.js';

export const WIRE = { varint: 0, fixed64: 1, bytes: 2, startGroup: 3, endGroup: 4, fixed32: 5 } as const;
const WIRE_NAMES = ['varint', 'fixed64', 'length-delimited', 'start-group', 'end-group', 'fixed32', '6', '7'];
export const wireName = (w: number): string => WIRE_NAMES[w] ?? String(w);

const MAX_FIELD_NUMBER = 2 ** 29 - 1;

export class ProtobufError extends KubetlsError {
  constructor(message: string) {
    super('BadRequest', `protobuf: ${message}`);
  }
}

export interface Tag {
  no: number;
  wire: number;
}

/** A cursor over `buf[pos, end)`. */
export class WireReader {
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end: number = buf.length,
    /** where this message sits in the object, for error messages (`spec.usages[1]`) */
    readonly where = '',
  ) {
    this.pos = start;
  }

  get left(): number {
    return this.end - this.pos;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  fail(message: string): never {
    throw new ProtobufError(this.where ? `${this.where}: ${message}` : message);
  }

  /** An unsigned varint as a bigint (up to 64 bits; the 10th byte's extra bits are dropped, as Go does). */
  varint(): bigint {
    let small = 0;
    // the first four bytes fit a double exactly; most tags and lengths end there
    for (let i = 0; i < 4; i++) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const b = this.buf[this.pos++]!;
      small += (b & 0x7f) * 2 ** (7 * i);
      if (b < 0x80) return BigInt(small);
    }
    let v = BigInt(small);
    for (let i = 4; i < 10; i++) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const b = this.buf[this.pos++]!;
      v |= BigInt(b & 0x7f) << BigInt(7 * i);
      if (b < 0x80) return BigInt.asUintN(64, v);
    }
    this.fail('varint longer than 10 bytes');
  }

  tag(): Tag {
    const v = this.varint();
    if (v > BigInt(0xffffffff)) this.fail('field tag out of range');
    const n = Number(v);
    const no = Math.floor(n / 8);
    if (no === 0 || no > MAX_FIELD_NUMBER) this.fail(`illegal field number ${no}`);
    return { no, wire: n % 8 };
  }

  /** A length prefix, checked against the bytes left. */
  length(): number {
    const v = this.varint();
    if (v > BigInt(this.left)) this.fail(`length ${v} runs past the end of the data (${this.left} bytes left)`);
    return Number(v);
  }

  /** The next length-delimited field's bytes (a view, not a copy). */
  bytes(): Uint8Array {
    const n = this.length();
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A reader over the next length-delimited field (an embedded message). */
  sub(where: string): WireReader {
    const n = this.length();
    const r = new WireReader(this.buf, this.pos, this.pos + n, where);
    this.pos += n;
    return r;
  }

  private advance(n: number): void {
    if (n > this.left) this.fail(`truncated fixed-width value (${n} bytes needed, ${this.left} left)`);
    this.pos += n;
  }

  /** Skips a field this reader does not know, as every protobuf reader must. */
  skip(wire: number): void {
    switch (wire) {
      case WIRE.varint:
        this.varint();
        return;
      case WIRE.fixed64:
        this.advance(8);
        return;
      case WIRE.bytes:
        this.advance(this.length());
        return;
      case WIRE.fixed32:
        this.advance(4);
        return;
      default:
        this.fail(`wire type ${wireName(wire)} is not supported`);
    }
  }
}

/** one-byte varints, shared (most tags and lengths are below 128) */
const SMALL = Array.from({ length: 0x80 }, (_, i) => Buffer.from([i]));

/**
 * Protobuf's wire encoding, writing: just what the OpenAPI v2 document (../openapi/v2proto.ts)
 * needs — strings, bools, bytes and nested messages, proto3 (defaults are omitted).
 */
export class WireWriter {
  private readonly parts: Buffer[] = [];

  /** lengths and tags only: never negative, far below 2^53 */
  private varint(n: number): void {
    if (n < 0x80) {
      this.parts.push(SMALL[n]!);
      return;
    }
    const out: number[] = [];
    while (n > 0x7f) {
      out.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    out.push(n);
    this.parts.push(Buffer.from(out));
  }

  private tag(no: number, wire: number): void {
    this.varint(no * 8 + wire);
  }

  string(no: number, v: unknown): this {
    if (v === undefined || v === '') return this;
    if (typeof v !== 'string') throw new Error(`protobuf writer: field ${no} is not a string`);
    return this.bytes(no, Buffer.from(v, 'utf8'));
  }

  strings(no: number, v: unknown): this {
    for (const s of (v as unknown[] | undefined) ?? []) this.bytes(no, Buffer.from(String(s), 'utf8'));
    return this;
  }

  bool(no: number, v: unknown): this {
    if (v !== true) return this;
    this.tag(no, WIRE.varint);
    this.varint(1);
    return this;
  }

  bytes(no: number, b: Buffer): this {
    this.tag(no, WIRE.bytes);
    this.varint(b.length);
    this.parts.push(b);
    return this;
  }

  message(no: number, b: Buffer | undefined): this {
    return b === undefined ? this : this.bytes(no, b);
  }

  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}
