/** IP address text ↔ the 4/16 bytes an X.509 iPAddress SAN holds. */
import { isIP } from 'node:net';

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Bytes of an IPv4/IPv6 address, or null when `s` is not an IP literal. */
export function ipToBytes(s: string): Buffer | null {
  // IPv4 without node's isIP: its IPv6-capable matcher showed up in whole-cluster profiles
  if (!s.includes(':')) {
    if (!IPV4.test(s)) return null;
    // parsing digits in place avoids split/map/from, which showed up in issuing profiles
    const out = Buffer.allocUnsafe(4);
    let k = 0;
    let part = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x2e) {
        out[k++] = part;
        part = 0;
      } else part = part * 10 + (c - 0x30);
    }
    out[k] = part;
    return out;
  }
  if (isIP(s) !== 6) return null;
  let text = s;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tail = text.slice(lastColon + 1).split('.').map(Number);
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const r = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const groups = rest === undefined ? h : [...h, ...Array(8 - h.length - r.length).fill('0'), ...r];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  if (tail.length) Buffer.from(tail).copy(out, 12);
  return out;
}

/** Canonical text of 4/16 address bytes (IPv6 compressed as RFC 5952). */
export function bytesToIp(b: Buffer): string {
  if (b.length === 4) return [...b].join('.');
  if (b.length !== 16) return `<${b.length}-byte address ${b.toString('hex')}>`;
  if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return `::ffff:${[...b.subarray(12)].join('.')}`;
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push(b.readUInt16BE(i));
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return hex.slice(0, best).join(':') + '::' + hex.slice(best + bestLen).join(':');
}

/** Normalises an IP literal (e.g. "::0001" → "::1"); null when not an IP. */
export function canonicalIp(s: string): string | null {
  const b = ipToBytes(s);
  return b ? bytesToIp(b) : null;
}
