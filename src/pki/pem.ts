/** PEM encoding and decoding (RFC 7468), with a size limit and typed errors. */
import { KubetlsError } from '../errors/index.js';

export interface PemBlock {
  label: string;
  der: Buffer;
  /** true when the block carried RFC 1421 headers (e.g. Proc-Type), which kubetls never writes */
  hasHeaders: boolean;
}

/** Default cap on PEM input: far above any certificate bundle kubetls handles, far below memory trouble. */
export const MAX_PEM_BYTES = 4 * 1024 * 1024;

/**
 * PEM text: 64-character base64 lines. `newline` is "\n" except where the PEM goes straight
 * into a JSON string, which takes the escaped form "\\n" (the cfssl sign reply).
 */
export function pemEncode(label: string, der: Buffer, newline = '\n'): string {
  const b64 = der.toString('base64');
  let out = `-----BEGIN ${label}-----${newline}`;
  for (let i = 0; i < b64.length; i += 64) out += b64.slice(i, i + 64) + newline;
  return out + `-----END ${label}-----${newline}`;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]{1,64})-----\r?\n([\s\S]*?)-----END ([A-Z0-9 ]{1,64})-----/g;

/** Every PEM block in `text`, in order. Text between blocks is ignored (as openssl does). */
export function pemDecodeAll(text: string | Buffer, maxBytes = MAX_PEM_BYTES): PemBlock[] {
  if (text.length > maxBytes) {
    throw new KubetlsError('TooLarge', `PEM input is ${text.length} bytes, over the ${maxBytes}-byte limit`);
  }
  const s = typeof text === 'string' ? text : text.toString('latin1');
  const out: PemBlock[] = [];
  for (const m of s.matchAll(BLOCK)) {
    const [, begin, body, end] = m;
    if (begin !== end) throw new KubetlsError('MalformedPEM', `PEM block "BEGIN ${begin}" ends with "END ${end}"`);
    let hasHeaders = false;
    let joined: string;
    // the usual body (plain base64 lines, "\n" endings) needs no per-line work: the signing
    // server decodes a CSR per request
    if (!body!.includes(':') && !/[ \t\r]/.test(body!)) joined = body!.replaceAll('\n', '');
    else {
      const b64: string[] = [];
      for (const line of body!.split(/\r?\n/)) {
        if (/^[A-Za-z-]+:/.test(line)) hasHeaders = true;
        else if (line.trim() !== '') b64.push(line.trim());
      }
      joined = b64.join('');
    }
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(joined) || joined.length % 4 !== 0) {
      throw new KubetlsError('MalformedPEM', `PEM block "${begin}" has invalid base64`);
    }
    const der = Buffer.from(joined, 'base64');
    if (der.length === 0) throw new KubetlsError('MalformedPEM', `PEM block "${begin}" is empty`);
    out.push({ label: begin!, der, hasHeaders });
  }
  return out;
}

/** The first block whose label is one of `labels`; a clear error naming what was found otherwise. */
export function pemDecodeOne(text: string | Buffer, labels: string[], what = labels[0]!.toLowerCase()): PemBlock {
  const blocks = pemDecodeAll(text);
  if (blocks.length === 0)
    throw new KubetlsError(
      'MalformedPEM',
      `no PEM data found, expected a ${what}`,
      'the file must contain "-----BEGIN ' + labels[0] + '-----"',
    );
  const hit = blocks.find((b) => labels.includes(b.label));
  if (!hit)
    throw new KubetlsError(
      'MalformedPEM',
      `expected a ${what} (${labels.join(' or ')}), found ${blocks.map((b) => b.label).join(', ')}`,
    );
  return hit;
}
