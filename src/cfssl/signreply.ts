/**
 * The body of a successful sign response — cfssl's envelope around one PEM certificate —
 * written from the certificate's DER straight into one buffer. The bytes are exactly what
 * `goJson(envelope({ certificate: certToPem(der) }))` produces (a test holds the two equal):
 * base64 and the PEM armour need no JSON escaping beyond the newlines. The signing server
 * sends one per request, and the general route (PEM string, result object, JSON.stringify,
 * Go's escaping pass, then UTF-8 encoding) allocated several copies of the certificate each
 * time.
 */
import { assertFilled } from '../pki/der.js';

const HEAD = Buffer.from('{"success":true,"result":{"certificate":"-----BEGIN CERTIFICATE-----\\n', 'latin1');
const TAIL = Buffer.from('-----END CERTIFICATE-----\\n"},"errors":[],"messages":[]}', 'latin1');
/** PEM body lines are 64 base64 characters (RFC 7468), each followed by JSON's `\n`. */
const LINE = 64;

export function certificateReply(der: Buffer): Buffer {
  const b64 = der.toString('base64');
  const lines = Math.ceil(b64.length / LINE);
  const out = Buffer.allocUnsafe(HEAD.length + b64.length + 2 * lines + TAIL.length);
  let o = HEAD.copy(out, 0);
  for (let i = 0; i < b64.length; i += LINE) {
    o += out.write(b64.slice(i, i + LINE), o, 'latin1');
    out[o++] = 0x5c; // '\'
    out[o++] = 0x6e; // 'n'
  }
  o += TAIL.copy(out, o);
  return assertFilled(out, o);
}
