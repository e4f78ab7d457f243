/**
 * Cipher-suite policy, stricter than CIS 1.2.29 / 4.2.12: only ECDHE key exchange with an
 * AEAD (AES-GCM or ChaCha20-Poly1305), plus the TLS 1.3 suites. Names are Go crypto/tls
 * names, as Kubernetes components and etcd take them; Go accepts the ChaCha20 names with
 * and without the `_SHA256` suffix, so both are allowed here.
 */
export const STRONG_SUITES: ReadonlySet<string> = new Set([
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305',
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
  'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305',
  'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
]);

/** Suites Go knows but the policy rejects (static RSA key exchange, CBC, RC4, 3DES). */
export const WEAK_SUITES: ReadonlySet<string> = new Set([
  'TLS_RSA_WITH_RC4_128_SHA',
  'TLS_RSA_WITH_3DES_EDE_CBC_SHA',
  'TLS_RSA_WITH_AES_128_CBC_SHA',
  'TLS_RSA_WITH_AES_256_CBC_SHA',
  'TLS_RSA_WITH_AES_128_CBC_SHA256',
  'TLS_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_ECDSA_WITH_RC4_128_SHA',
  'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA',
  'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA',
  'TLS_ECDHE_RSA_WITH_RC4_128_SHA',
  'TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA',
  'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA',
  'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA',
  'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256',
]);

export interface CipherVerdict {
  ok: boolean;
  weak: string[];
  unknown: string[];
  suites: string[];
}

/** Splits a comma list (flag value) or takes a YAML list, and classifies each suite. */
export function judgeCipherSuites(value: string | readonly string[]): CipherVerdict {
  const suites = (typeof value === 'string' ? value.split(',') : [...value])
    .map((s) => String(s).trim())
    .filter((s) => s.length > 0);
  const weak = suites.filter((s) => WEAK_SUITES.has(s));
  const unknown = suites.filter((s) => !STRONG_SUITES.has(s) && !WEAK_SUITES.has(s));
  return { ok: suites.length > 0 && weak.length === 0 && unknown.length === 0, weak, unknown, suites };
}

/** A suggested value for remediation texts. */
export const RECOMMENDED_SUITES = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
].join(',');

/**
 * Minimum TLS version of a component: Go names (`VersionTLS12`, Kubernetes) and etcd's
 * (`TLS1.2`). Unset means TLS 1.2, Go's default for servers. Returns the minor number
 * (0..3 for 1.0..1.3) or null when unparsable.
 */
export function tlsMinorOf(value: string | undefined): number | null {
  if (value === undefined || value === '') return 2;
  const m = /^(?:VersionTLS1([0-3])|TLS1\.([0-3]))$/.exec(value.trim());
  if (!m) return null;
  return Number(m[1] ?? m[2]);
}
