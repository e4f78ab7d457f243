/**
 * cfssljson: splits cfssl's JSON (bare, or the API envelope) into files:
 * `<base>.pem` (cert / certificate), `<base>-key.pem` (key / private_key, mode 0600),
 * `<base>.csr` (csr / certificate_request), plus the bundle and OCSP outputs cfssljson knows.
 */
import { KubetlsError } from '../errors/index.js';
import { field, isObject, jsonType, parseJson, type JsonObject } from './json.js';

export interface OutputFile {
  name: string;
  contents: Buffer;
  mode: number;
  secret: boolean;
  /** printed base64 with -stdout, as cfssljson does for binary outputs */
  binary: boolean;
}

/** Inputs can hold a whole bundle; a few MiB is far above anything cfssl prints. */
export const MAX_CFSSLJSON_INPUT = 8 * 1024 * 1024;

function str(o: JsonObject, ...names: string[]): string | undefined {
  for (const n of names) {
    if (Object.prototype.hasOwnProperty.call(o, n)) {
      const v = o[n];
      if (typeof v !== 'string')
        throw new KubetlsError('InvalidField', `input field "${n}": expected a string, got ${jsonType(v)}`);
      return v;
    }
  }
  return undefined;
}

/** The files cfssljson would write for `input`. */
export function cfssljsonOutputs(input: Buffer | string, base: string, bare: boolean): OutputFile[] {
  const doc = parseJson(input, 'cfssljson input', MAX_CFSSLJSON_INPUT);
  if (!isObject(doc))
    throw new KubetlsError('MalformedJSON', `cfssljson input: expected a JSON object, got ${jsonType(doc)}`);
  let o: JsonObject = doc;
  if (!bare) {
    if (field(doc, 'success') !== true) {
      const errs = field(doc, 'errors');
      const msgs = Array.isArray(errs)
        ? errs.map((e) => (isObject(e) && typeof e.message === 'string' ? e.message : JSON.stringify(e))).slice(0, 10)
        : [];
      throw new KubetlsError(
        'RequestFailed',
        `request failed${msgs.length ? ': ' + msgs.join('; ') : ' (no "success": true; for the output of kubetls cfssl gencert/sign use -bare)'}`,
      );
    }
    const r = field(doc, 'result');
    if (!isObject(r)) throw new KubetlsError('MalformedJSON', 'cfssljson input: "result" is not an object');
    o = r;
  }
  const out: OutputFile[] = [];
  const text = (name: string, s: string, mode: number, secret = false) =>
    out.push({ name, contents: Buffer.from(s), mode, secret, binary: false });
  const cert = str(o, 'cert', 'certificate');
  if (cert) text(`${base}.pem`, cert, 0o644);
  const key = str(o, 'key', 'private_key');
  if (key) text(`${base}-key.pem`, key, 0o600, true);
  const enc = str(o, 'encrypted_key');
  if (enc !== undefined)
    out.push({ name: `${base}-key.enc`, contents: Buffer.from(enc), mode: 0o600, secret: true, binary: true });
  const csr = str(o, 'csr', 'certificate_request');
  if (csr) text(`${base}.csr`, csr, 0o644);
  const inner = o.result;
  if (isObject(inner) && isObject(inner.bundle)) {
    const b = inner.bundle;
    if (typeof b.bundle !== 'string')
      throw new KubetlsError('MalformedJSON', 'inner bundle parsing failed: result.bundle.bundle is not a string');
    if (typeof b.root !== 'string')
      throw new KubetlsError('MalformedJSON', 'root parsing failed: result.bundle.root is not a string');
    text(`${base}-bundle.pem`, `${b.bundle}\n${b.root}`, 0o644);
    text(`${base}-root.pem`, b.root, 0o644);
  }
  const ocsp = str(o, 'ocspResponse');
  if (ocsp !== undefined) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(ocsp)) throw new KubetlsError('MalformedJSON', 'ocspResponse: not base64');
    out.push({
      name: `${base}-response.der`,
      contents: Buffer.from(ocsp, 'base64'),
      mode: 0o644,
      secret: false,
      binary: true,
    });
  }
  return out;
}
