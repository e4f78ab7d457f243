/** Addresses the audit reads out of flags: the apiserver's service IP and the hosts of URL lists. */
import { isIpLiteral } from '../pki/ip.js';

/** `10.96.0.0/12` → `10.96.0.1` (first host of the first IPv4 range; kubeadm's apiserver SAN). */
export function firstServiceIp(range: string | undefined): string | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec((range ?? '').split(',')[0]!.trim());
  if (!m) return undefined;
  const n = m.slice(1, 5).reduce((a, o) => a * 256 + Number(o), 0);
  const bits = Number(m[5]);
  if (bits > 30 || m.slice(1, 5).some((o) => Number(o) > 255)) return undefined;
  const base = n - (n % 2 ** (32 - bits)) + 1;
  return [24, 16, 8, 0].map((s) => Math.floor(base / 2 ** s) % 256).join('.');
}

/** The hosts of comma-separated URL flags, split into DNS names and IPs (wildcard listens skipped). */
export function urlHosts(...values: (string | undefined)[]): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames = new Set<string>();
  const ipAddresses = new Set<string>();
  for (const v of values) {
    for (const u of (v ?? '').split(',').slice(0, 32)) {
      let host: string;
      try {
        host = new URL(u.trim()).hostname.replace(/^\[|\]$/g, '');
      } catch {
        continue;
      }
      if (!host || host === '0.0.0.0' || host === '::') continue;
      if (isIpLiteral(host)) ipAddresses.add(host);
      else dnsNames.add(host);
    }
  }
  return { dnsNames: [...dnsNames], ipAddresses: [...ipAddresses] };
}
