/**
 * The body of a successful sign response — cfssl's envelope around one PEM certificate —
 * built as one string and encoded once. The bytes are exactly what
 * `goJson(envelope({ certificate: certToPem(der) }))` produces (a test holds the two equal):
 * base64 and the PEM armour need no JSON escaping beyond the newlines, which pemEncode writes
 * escaped. The signing server sends one per request, and the general route (PEM string,
 * result object, JSON.stringify, Go's escaping pass, then UTF-8 encoding) copied the
 * certificate several times.
 */
import { pemEncode } from '../pki/pem.js';

const HEAD = '{"success":true,"result":{"certificate":"';
const TAIL = '"},"errors":[],"messages":[]}';

export function certificateReply(der: Buffer): Buffer {
  return Buffer.from(HEAD + pemEncode('CERTIFICATE', der, '\\n') + TAIL, 'latin1');
}
