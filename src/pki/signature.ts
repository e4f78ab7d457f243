/** Verifying signatures over DER structures (certificates, CSRs, CRLs) with node:crypto. */
import { verify, type KeyObject } from 'node:crypto';
import { digest } from './digest.js';
import { nativeEcdsa } from './ecdsanative.js';
import { decodeSpki, publicKeyFromSpki } from './spkikey.js';
import { OID } from './oid.js';

const HASH_BY_SIG_OID: Record<string, string | null> = {
  [OID.sha1WithRSA]: 'sha1',
  [OID.sha256WithRSA]: 'sha256',
  [OID.sha384WithRSA]: 'sha384',
  [OID.sha512WithRSA]: 'sha512',
  [OID.ecdsaWithSHA1]: 'sha1',
  [OID.ecdsaWithSHA256]: 'sha256',
  [OID.ecdsaWithSHA384]: 'sha384',
  [OID.ecdsaWithSHA512]: 'sha512',
  [OID.ed25519]: null,
};

const ECDSA_SIGS = new Set<string>([OID.ecdsaWithSHA1, OID.ecdsaWithSHA256, OID.ecdsaWithSHA384, OID.ecdsaWithSHA512]);

/** Human name of a signature algorithm OID (for audit evidence). */
export function signatureAlgorithmName(oid: string): string {
  const names: Record<string, string> = {
    [OID.sha1WithRSA]: 'SHA1-RSA',
    [OID.sha256WithRSA]: 'SHA256-RSA',
    [OID.sha384WithRSA]: 'SHA384-RSA',
    [OID.sha512WithRSA]: 'SHA512-RSA',
    [OID.md5WithRSA]: 'MD5-RSA',
    [OID.rsaPss]: 'RSA-PSS',
    [OID.ecdsaWithSHA1]: 'ECDSA-SHA1',
    [OID.ecdsaWithSHA256]: 'ECDSA-SHA256',
    [OID.ecdsaWithSHA384]: 'ECDSA-SHA384',
    [OID.ecdsaWithSHA512]: 'ECDSA-SHA512',
    [OID.ed25519]: 'Ed25519',
  };
  return names[oid] ?? oid;
}

export const isWeakSignatureAlgorithm = (oid: string): boolean =>
  oid === OID.sha1WithRSA || oid === OID.ecdsaWithSHA1 || oid === OID.md5WithRSA;

/**
 * True when `signature` over `data` verifies with `publicKey` under the algorithm `sigOid`.
 * Unsupported algorithms (RSA-PSS with parameters, MD5) return false rather than throw.
 */
export function verifySignature(
  sigOid: string,
  data: Buffer,
  signature: Buffer,
  publicKey: KeyObject | Buffer,
): boolean {
  if (!(sigOid in HASH_BY_SIG_OID)) return false;
  // a fresh EC key given as SPKI: the native verifier skips node:crypto's key import
  // (see ecdsanative.ts); KeyObjects, RSA and Ed25519 stay with node:crypto
  if (Buffer.isBuffer(publicKey) && ECDSA_SIGS.has(sigOid)) {
    const addon = nativeEcdsa();
    const key = addon && decodeSpki(publicKey);
    if (addon && key?.kind === 'EC') {
      return addon.verify(key.curveIndex, key.point, digest(HASH_BY_SIG_OID[sigOid]!, data), signature) === 1;
    }
  }
  try {
    const key = Buffer.isBuffer(publicKey) ? publicKeyFromSpki(publicKey) : publicKey;
    return verify(HASH_BY_SIG_OID[sigOid] ?? null, data, key, signature);
  } catch {
    return false;
  }
}
