/**
 * Extra policy the kubelet-serving approver can apply on top of Node ownership, as
 * kubelet-csr-approver's flags do (docs/upstream/csr-api.md Part B §7): every DNS name must
 * match an RE2 pattern (whole value, linear time: src/util/pattern.ts), every IP must lie in
 * one of some CIDR ranges, and `spec.expirationSeconds` may not exceed a maximum. Absent
 * settings check nothing; ownership is always checked. Flags:
 * `--kubelet-serving-dns-pattern`, `--kubelet-serving-ip-ranges` (comma-separated CIDRs),
 * `--kubelet-serving-max-expiration` (a Go duration such as 8760h).
 */
import { BlockList } from 'node:net';
import { goQuote } from '../../api/goquote.js';
import { KubetlsError } from '../../errors/index.js';
import type { ParsedCsr } from '../../pki/csr.js';
import { ipToBytes } from '../../pki/ip.js';
import { formatGoDuration, parseGoDuration } from '../../util/duration.js';
import { compilePattern, type Pattern } from '../../util/pattern.js';

export interface KubeletServingPolicy {
  dnsNamePattern?: Pattern;
  ipRanges?: IpRanges;
  maxExpirationSeconds?: number;
}

export interface KubeletServingPolicyFlags {
  dnsPattern?: string | undefined;
  ipRanges?: string | undefined;
  maxExpiration?: string | undefined;
}

/** A set of CIDR ranges, as written and as node's BlockList (which matches by bytes). */
export interface IpRanges {
  readonly source: readonly string[];
  contains(ip: string): boolean;
}

/** IPv4-mapped IPv6 as IPv4, so `::ffff:10.0.0.1` lies in 10.0.0.0/8 as Go's IPNet.Contains says. */
function family(ip: string): { text: string; type: 'ipv4' | 'ipv6' } | undefined {
  const b = ipToBytes(ip);
  if (!b) return undefined;
  if (b.length === 16 && b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff)
    return { text: [...b.subarray(12)].join('.'), type: 'ipv4' };
  return { text: ip, type: b.length === 4 ? 'ipv4' : 'ipv6' };
}

export function parseIpRanges(list: string, where: string): IpRanges {
  const source = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!source.length) throw new KubetlsError('InvalidCIDR', `${where}: no CIDR given`, 'e.g. 10.0.0.0/8,fd00::/8');
  const blocks = new BlockList();
  for (const cidr of source) {
    const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr);
    const f = m ? family(m[1]!) : undefined;
    const prefix = m ? Number(m[2]) : NaN;
    if (!m || !f || prefix > (f.type === 'ipv4' ? 32 : 128))
      throw new KubetlsError(
        'InvalidCIDR',
        `${where}: ${goQuote(cidr)} is not a valid CIDR`,
        'e.g. 10.0.0.0/8,fd00::/8',
      );
    blocks.addSubnet(f.text, prefix, f.type);
  }
  return {
    source,
    contains(ip: string): boolean {
      const f = family(ip);
      return f !== undefined && blocks.check(f.text, f.type);
    },
  };
}

/** The policy the flags describe; a bad value is a usage error (exit 2) naming the flag. */
export function parseKubeletServingPolicy(flags: KubeletServingPolicyFlags): KubeletServingPolicy {
  const p: KubeletServingPolicy = {};
  if (flags.dnsPattern !== undefined)
    p.dnsNamePattern = compilePattern(flags.dnsPattern, { where: '--kubelet-serving-dns-pattern' });
  if (flags.ipRanges !== undefined) p.ipRanges = parseIpRanges(flags.ipRanges, '--kubelet-serving-ip-ranges');
  if (flags.maxExpiration !== undefined) {
    const ms = parseGoDuration(flags.maxExpiration, '--kubelet-serving-max-expiration');
    if (ms < 600_000)
      throw new KubetlsError(
        'InvalidDuration',
        `--kubelet-serving-max-expiration: ${flags.maxExpiration} is less than 10m, the shortest certificate a signer issues`,
      );
    p.maxExpirationSeconds = Math.floor(ms / 1000);
  }
  return p;
}

/** What in the request the policy refuses, one message per value; empty when it complies. */
export function servingPolicyViolations(
  csr: ParsedCsr,
  expirationSeconds: number | undefined,
  p: KubeletServingPolicy,
): string[] {
  const out: string[] = [];
  if (p.dnsNamePattern)
    for (const d of csr.dnsNames)
      if (!p.dnsNamePattern.fullMatch(d)) out.push(`DNS name ${goQuote(d)} does not match ${p.dnsNamePattern.source}`);
  if (p.ipRanges)
    for (const ip of csr.ipAddresses)
      if (!p.ipRanges.contains(ip)) out.push(`IP address ${ip} is not in ${p.ipRanges.source.join(',')}`);
  // a request without expirationSeconds gets the signer's duration, which the policy cannot see: allowed
  if (
    p.maxExpirationSeconds !== undefined &&
    expirationSeconds !== undefined &&
    expirationSeconds > p.maxExpirationSeconds
  )
    out.push(
      `expirationSeconds ${expirationSeconds} exceeds the maximum ${p.maxExpirationSeconds} (${formatGoDuration(p.maxExpirationSeconds * 1000)})`,
    );
  return out;
}
