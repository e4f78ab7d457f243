/**
 * The client-certificate deny list (`--client-deny-list`): one certificate a line, named by
 * its serial number or its SHA-256 fingerprint, so an operator can refuse a certificate at
 * once, without a CA key to sign a CRL. Lines are what openssl prints, pasted as they are:
 *
 *   # alice's laptop was stolen
 *   1A:2B:3C:4D                                  serial, hex, any case, colons optional
 *   serial=1A2B3C4D                              `openssl x509 -serial`
 *   sha256 Fingerprint=AB:CD:…(32 bytes)         `openssl x509 -fingerprint -sha256`
 *   abcd…(64 hex digits)                         fingerprint without colons
 *
 * A serial has at most 20 octets (RFC 5280 §4.1.2.2), a fingerprint exactly 32, so the length
 * tells them apart. Serials are unique only per CA: a serial entry applies to the client
 * certificate itself (the leaf), a fingerprint to any certificate of its verified chain (deny
 * an intermediate CA by its fingerprint). Any bad line rejects the whole file: a list that
 * silently skipped a typo would let that certificate in.
 */
import { KubetlsError } from '../../errors/index.js';

export interface DenyList {
  /** leaf serial numbers */
  serials: Set<bigint>;
  /** lower-case hex SHA-256 of the DER certificate */
  fingerprints: Set<string>;
  /** entries, for messages */
  size: number;
}

/** 4 MiB is ~60,000 fingerprints: far above a hand-kept list, far below memory trouble. */
export const MAX_DENY_LIST_BYTES = 4 * 1024 * 1024;

const SERIAL_PREFIX = /^serial\s*=\s*/i;
const FINGERPRINT_PREFIX = /^sha-?256\s+fingerprint\s*=\s*/i;

/** Parses a deny list; a KubetlsError (InvalidConfig) naming the first bad line. */
export function parseDenyList(text: string | Buffer, source = 'deny list'): DenyList {
  const s = typeof text === 'string' ? text : text.toString('utf8');
  const out: DenyList = { serials: new Set(), fingerprints: new Set(), size: 0 };
  const lines = s.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const hash = lines[i]!.indexOf('#');
    const raw = (hash >= 0 ? lines[i]!.slice(0, hash) : lines[i]!).trim();
    if (raw === '') continue;
    const bad = (why: string): KubetlsError =>
      new KubetlsError(
        'InvalidConfig',
        `${source ? `${source} ` : ''}line ${i + 1}: ${why}`,
        'each line holds one serial number (hex) or one SHA-256 fingerprint (64 hex digits), colons optional; # starts a comment',
      );
    const kind = SERIAL_PREFIX.test(raw) ? 'serial' : FINGERPRINT_PREFIX.test(raw) ? 'fingerprint' : 'either';
    const body = raw.replace(SERIAL_PREFIX, '').replace(FINGERPRINT_PREFIX, '');
    if (body.length > 200) throw bad('entry is too long');
    if (!/^[0-9A-Fa-f:]+$/.test(body)) throw bad(`"${body}" is not hexadecimal`);
    if (body.startsWith(':') || body.endsWith(':') || body.includes('::')) throw bad(`"${body}" has misplaced colons`);
    const hex = body.replaceAll(':', '').toLowerCase();
    if (kind !== 'serial' && hex.length === 64) out.fingerprints.add(hex);
    else if (kind !== 'fingerprint' && hex.length <= 40) out.serials.add(BigInt('0x' + hex));
    else throw bad(`"${body}" has ${hex.length} hex digits: a serial has at most 40, a SHA-256 fingerprint 64`);
    out.size++;
  }
  return out;
}
