/** A minimal protobuf writer for building test (and hostile) inputs by hand. */
export function varint(v: number | bigint): Buffer {
  let n = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  do {
    const b = Number(n & 0x7fn);
    n >>= 7n;
    out.push(n ? b | 0x80 : b);
  } while (n);
  return Buffer.from(out);
}

export const tag = (no: number, wire: number): Buffer => varint(no * 8 + wire);

/** A length-delimited field (string, bytes or embedded message). */
export const bytesField = (no: number, payload: Buffer | string): Buffer => {
  const p = Buffer.from(payload);
  return Buffer.concat([tag(no, 2), varint(p.length), p]);
};

export const varintField = (no: number, v: number | bigint | boolean): Buffer =>
  Buffer.concat([tag(no, 0), varint(typeof v === 'boolean' ? (v ? 1 : 0) : v)]);

export const message = (...fields: Buffer[]): Buffer => Buffer.concat(fields);

export const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export function envelope(
  raw: Buffer,
  apiVersion = 'certificates.k8s.io/v1',
  kind = 'CertificateSigningRequest',
): Buffer {
  return Buffer.concat([
    MAGIC,
    bytesField(1, message(bytesField(1, apiVersion), bytesField(2, kind))),
    bytesField(2, raw),
  ]);
}
