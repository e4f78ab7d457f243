/** IP address text ↔ the 4/16 bytes an X.509 iPAddress SAN holds. */
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Bytes of an IPv4/IPv6 address, or null when `s` is not an IP literal. */
export function ipToBytes(s: string): Buffer | null {
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
  return parseIpv6(s);
}

const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

/**
 * Strict IPv6 text → 16 bytes (RFC 4291 2.2: hex groups, one "::", an optional dotted IPv4
 * tail), or null. Written out because node's isIP compiles a very large regular expression on
 * first use (a twentieth of `init`: bench/RESULTS.md, "Measurements behind code comments"), and '::1' is in every etcd certificate.
 * Zone IDs ("fe80::1%eth0") are not addresses a certificate can hold, so they are refused.
 */
function parseIpv6(s: string): Buffer | null {
  if (s.length > 45) return null;
  let text = s;
  let tail: Buffer | null = null;
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.', lastColon) > 0) {
    tail = ipToBytes(text.slice(lastColon + 1));
    if (!tail || tail.length !== 4) return null;
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groupsOf = (h: string): string[] | null => {
    if (h === '') return [];
    const g = h.split(':');
    return g.every((x) => HEX_GROUP.test(x)) ? g : null;
  };
  const head = groupsOf(halves[0]!);
  const rest = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (!head || !rest) return null;
  const count = head.length + rest.length;
  if (halves.length === 2 ? count > 7 : count !== 8) return null;
  const groups = [...head, ...Array<string>(8 - count).fill('0'), ...rest];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  if (tail) tail.copy(out, 12);
  return out;
}

/** Canonical text of 4/16 address bytes (IPv6 compressed as RFC 5952). */
export function bytesToIp(b: Buffer): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (b.length !== 16) return `<${b.length}-byte address ${b.toString('hex')}>`;
  if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff)
    return `::ffff:${[...b.subarray(12)].join('.')}`;
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push(b.readUInt16BE(i));
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
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

/** True for an IPv4 or IPv6 literal (what node's isIP accepts, without its slow first call). */
export const isIpLiteral = (s: string): boolean => ipToBytes(s) !== null;
