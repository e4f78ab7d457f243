/** Chain and key-pair checks used by init (existing files), audit and renew. */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { ParsedCertificate } from './certparse.js';
import { spkiDer } from './keys.js';
import { verifySignature } from './signature.js';

/** True when `child` names `parent` as issuer and `parent`'s key verifies its signature. */
export function isSignedBy(child: ParsedCertificate, parent: ParsedCertificate): boolean {
  if (!child.issuerDer.equals(parent.subjectDer)) return false;
  return verifySignature(child.signatureAlgorithm, child.tbsDer, child.signature, parent.spkiDer);
}

/** True when the private key belongs to the certificate's public key. */
export function keyMatchesCertificate(key: KeyObject, cert: ParsedCertificate): boolean {
  const k = key.type === 'private' ? key : createPrivateKey(key.export({ format: 'pem', type: 'pkcs8' }));
  return spkiDer(k).equals(cert.spkiDer);
}

export interface ValidityState {
  state: 'valid' | 'expired' | 'not-yet-valid';
  /** milliseconds until notAfter (negative when expired) */
  remainingMs: number;
}

export function validityAt(cert: Pick<ParsedCertificate, 'notBefore' | 'notAfter'>, now: Date): ValidityState {
  const remainingMs = cert.notAfter.getTime() - now.getTime();
  if (remainingMs < 0) return { state: 'expired', remainingMs };
  if (now < cert.notBefore) return { state: 'not-yet-valid', remainingMs };
  return { state: 'valid', remainingMs };
}

/** Whether every SAN in `want` is in the certificate (IPs compared canonically). */
export function missingSans(
  cert: ParsedCertificate,
  want: { dnsNames: readonly string[]; ipAddresses: readonly string[] },
): string[] {
  const dns = new Set(cert.dnsNames.map((d) => d.toLowerCase()));
  const ips = new Set(cert.ipAddresses);
  return [
    ...want.dnsNames.filter((d) => !dns.has(d.toLowerCase())).map((d) => `DNS:${d}`),
    ...want.ipAddresses.filter((i) => !ips.has(i)).map((i) => `IP:${i}`),
  ];
}
