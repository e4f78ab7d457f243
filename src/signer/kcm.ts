/**
 * kube-controller-manager's certificate template for the CSR API's built-in signers
 * (`kubernetes.io/kube-apiserver-client`, `…-client-kubelet`, `kubelet-serving`; fact sheet
 * docs/upstream/csr-api.md Part B §1): the CSR's subject and SANs copied, key usages
 * and extended key usages from `spec.usages`, every other extension dropped, no subject key
 * identifier, a 128-bit random serial, NotBefore backdated 5 minutes, NotAfter cut to the
 * CA's. Pure: the caller passes the time and the randomness.
 */
import { KubetlsError } from '../errors/index.js';
import type { CertificateTemplate, ExtKeyUsage, KeyUsage, ParsedCsr, RandomSource } from '../pki/index.js';
import { randomSerialBytes } from '../pki/index.js';
import { CFSSL_EXT_KEY_USAGE, CFSSL_KEY_USAGE } from '../cfssl/config.js';

export const KCM_BACKDATE_MS = 5 * 60_000;
/** a lifetime under this is "short": NotAfter is not shortened by the backdate */
export const KCM_SHORT_TTL_MS = 8 * 3_600_000;
/** the smallest lifetime the signer issues (requests below it get it) */
export const KCM_MIN_TTL_MS = 10 * 60_000;
/** kube-controller-manager's --cluster-signing-duration default, 8760h */
export const KCM_DEFAULT_MAX_TTL_MS = 8760 * 3_600_000;

/** Go's x509.ExtKeyUsage enum order: the signer writes extended key usages sorted by it. */
const GO_EKU_ORDER: readonly ExtKeyUsage[] = [
  'any',
  'serverAuth',
  'clientAuth',
  'codeSigning',
  'emailProtection',
  'ipsecEndSystem',
  'ipsecTunnel',
  'ipsecUser',
  'timeStamping',
  'ocspSigning',
  'microsoftSGC',
  'netscapeSGC',
];

/** The lifetime for a requested duration: none → the maximum; capped at it; at least 10 minutes. */
export function kcmTtl(requestedMs: number | undefined, maxMs: number): number {
  if (requestedMs === undefined || requestedMs > maxMs) return maxMs;
  return Math.max(requestedMs, KCM_MIN_TTL_MS);
}

/** Maps `spec.usages`: key usages OR-ed, extended key usages de-duplicated in Go's enum order. */
export function kcmUsages(usages: readonly string[]): { keyUsage: KeyUsage[]; extKeyUsage: ExtKeyUsage[] } {
  const ku = new Set<KeyUsage>();
  const eku = new Set<ExtKeyUsage>();
  const unknown: string[] = [];
  for (const u of usages) {
    const k = Object.hasOwn(CFSSL_KEY_USAGE, u) ? CFSSL_KEY_USAGE[u] : undefined;
    const e = Object.hasOwn(CFSSL_EXT_KEY_USAGE, u) ? CFSSL_EXT_KEY_USAGE[u] : undefined;
    // kube-controller-manager knows "content commitment" only in its correct spelling
    if (k && u !== 'content committment') ku.add(k);
    else if (e) eku.add(e);
    else unknown.push(u);
  }
  if (unknown.length)
    throw new KubetlsError(
      'InvalidUsage',
      `unrecognized usage values: [${unknown.map((u) => JSON.stringify(u.slice(0, 60))).join(' ')}]`,
    );
  return { keyUsage: [...ku], extKeyUsage: GO_EKU_ORDER.filter((x) => eku.has(x)) };
}

export interface KcmTemplateInput {
  csr: ParsedCsr;
  usages: readonly string[];
  /** the requested lifetime (spec.expirationSeconds), if any */
  durationMs: number | undefined;
  /** --cluster-signing-duration */
  maxTtlMs: number;
  caNotAfter: Date;
  now: Date;
  random?: RandomSource | undefined;
}

export function kcmTemplate(i: KcmTemplateInput): CertificateTemplate {
  if (i.now > i.caNotAfter)
    throw new KubetlsError('CAExpired', `the signer has expired: NotAfter=${i.caNotAfter.toISOString()}`);
  const ttl = kcmTtl(i.durationMs, i.maxTtlMs);
  const now = i.now.getTime();
  const notAfter = Math.min(ttl < KCM_SHORT_TTL_MS ? now + ttl : now + ttl - KCM_BACKDATE_MS, i.caNotAfter.getTime());
  const { keyUsage, extKeyUsage } = kcmUsages(i.usages);
  return {
    subject: i.csr.subject,
    serialNumber: randomSerialBytes(128, i.random),
    notBefore: new Date(now - KCM_BACKDATE_MS),
    notAfter: new Date(notAfter),
    isCA: false,
    keyUsage,
    extKeyUsage,
    dnsNames: i.csr.dnsNames,
    ipAddresses: i.csr.ipAddresses,
    emailAddresses: i.csr.emailAddresses,
    uris: i.csr.uris,
    omitSubjectKeyId: true,
  };
}
