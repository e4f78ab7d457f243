/** Address helpers: service CIDRs, endpoints, DNS-1123 names, and detecting the advertise address. */
import { networkInterfaces } from 'node:os';
import { KubetlsError } from '../errors/index.js';
import { bytesToIp, canonicalIp, ipToBytes } from '../pki/ip.js';

/** The first usable address of a CIDR (network + 1): the kubernetes Service VIP of a service subnet. */
export function firstIpOfCidr(cidr: string, field = 'serviceSubnet'): string {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr.trim());
  const bytes = m ? ipToBytes(m[1]!) : null;
  const prefix = m ? Number(m[2]) : NaN;
  if (!m || !bytes || prefix > bytes.length * 8) {
    throw new KubetlsError('InvalidCIDR', `${field}: "${cidr}" is not a valid CIDR`, 'e.g. 10.96.0.0/12');
  }
  // mask to the network address, then add one
  const net = Buffer.from(bytes);
  for (let i = 0; i < net.length; i++) {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    net[i]! &= (0xff << (8 - keep)) & 0xff;
  }
  if (prefix >= net.length * 8)
    throw new KubetlsError('InvalidCIDR', `${field}: "${cidr}" has no room for a service IP`);
  for (let i = net.length - 1; i >= 0; i--) {
    if (net[i]! < 255) {
      net[i]!++;
      break;
    }
    net[i] = 0;
  }
  return bytesToIp(net);
}

/**
 * The smallest prefix length kube-apiserver takes for --service-cluster-ip-range: its
 * allocator keeps a bitmap of the range, so it caps a range at 2^20 addresses (IPv4 /12,
 * IPv6 /108). A larger subnet would give certificates a service IP the cluster refuses.
 */
const MIN_SERVICE_PREFIX = { 4: 12, 16: 108 } as const;

/** Validates a service subnet ("cidr" or dual-stack "v4cidr,v6cidr") as kube-apiserver would; returns the primary VIP. */
export function validateServiceSubnet(serviceSubnet: string, field = 'serviceSubnet'): string {
  const parts = serviceSubnet.split(',').map((s) => s.trim());
  for (const p of parts) {
    firstIpOfCidr(p, field); // well-formed, with room for a service IP
    const [addr, len] = p.split('/');
    const bytes = ipToBytes(addr!)!;
    const min = MIN_SERVICE_PREFIX[bytes.length as 4 | 16];
    if (Number(len) < min)
      throw new KubetlsError(
        'InvalidCIDR',
        `${field}: "${p}" is too large; for ${bytes.length * 8}-bit addresses, the mask must be >= ${min}`,
        `kube-apiserver takes at most 2^20 service IPs (e.g. 10.96.0.0/12${bytes.length === 16 ? ', fd00:10:96::/108' : ''})`,
      );
  }
  return firstIpOfCidr(parts[0]!, field);
}

/** The primary service subnet's VIP; dual-stack "v4cidr,v6cidr" uses the first, as kubeadm does. */
export function apiServerServiceIp(serviceSubnet: string): string {
  const parts = serviceSubnet.split(',').map((s) => s.trim());
  parts.forEach((p) => firstIpOfCidr(p));
  return firstIpOfCidr(parts[0]!);
}

const LABEL = '[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?';
const SUBDOMAIN = new RegExp(`^${LABEL}(\\.${LABEL})*$`);
const WILDCARD = new RegExp(`^\\*\\.${LABEL}(\\.${LABEL})*$`);

export const isDns1123Subdomain = (s: string): boolean => s.length <= 253 && SUBDOMAIN.test(s);
export const isWildcardDns = (s: string): boolean => s.length <= 253 && WILDCARD.test(s);

export interface HostPort {
  host: string;
  port: number | undefined;
  isIp: boolean;
}

/** Parses a controlPlaneEndpoint ("host", "host:port", "[v6]:port", "v6"); an error for anything else. */
export function parseEndpoint(s: string, field = 'controlPlaneEndpoint'): HostPort {
  const text = s.trim();
  let host = text;
  let port: number | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6) {
    host = v6[1]!;
    port = v6[2] ? Number(v6[2]) : undefined;
  } else if (canonicalIp(text)) {
    host = text;
  } else {
    const m = /^([^:]+)(?::(\d+))?$/.exec(text);
    if (!m)
      throw new KubetlsError('InvalidEndpoint', `${field}: cannot parse "${s}"`, 'use host, host:port or [ipv6]:port');
    host = m[1]!;
    port = m[2] ? Number(m[2]) : undefined;
  }
  if (port !== undefined && (port < 1 || port > 65535))
    throw new KubetlsError('InvalidEndpoint', `${field}: port ${port} out of range`);
  const ip = canonicalIp(host);
  if (ip) return { host: ip, port, isIp: true };
  const lower = host.toLowerCase();
  if (!isDns1123Subdomain(lower))
    throw new KubetlsError('InvalidEndpoint', `${field}: "${host}" is neither an IP address nor a valid DNS name`);
  return { host: lower, port, isIp: false };
}

/** "https://host:port" with IPv6 bracketed. */
export const httpsUrl = (host: string, port: number): string =>
  `https://${host.includes(':') ? `[${host}]` : host}:${port}`;

/**
 * The address kubeadm would advertise: the first non-internal IPv4 of this machine
 * (kubeadm follows the default route; without routing tables at hand, the first global
 * IPv4 is the usual answer). null when there is none.
 */
export function detectAdvertiseAddress(ifaces = networkInterfaces()): string | null {
  for (const list of Object.values(ifaces)) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return null;
}
