/**
 * The client CRLs (`--client-crl-file`), checked against the client CA bundle when loaded:
 * each CRL must be signed by one of the client CAs, or the whole file is refused (a CRL from
 * an unrelated CA would revoke nothing while looking like protection). A CRL covers the
 * certificates its CA issued; certificates of a CA without a CRL in the file are not checked.
 *
 * The CA is not required to have the cRLSign key usage: kubeadm's CA (and so `kubetls init`'s)
 * carries only digitalSignature, keyEncipherment and keyCertSign, and `openssl ca -gencrl`
 * signs with it regardless; the signature is what proves the CA's key issued the list.
 */
import { KubetlsError } from '../../errors/index.js';
import type { ParsedCertificate } from '../../pki/certparse.js';
import { parseCrls, type RevokedCertificate } from '../../pki/crlparse.js';
import { verifySignature } from '../../pki/signature.js';

/** One CA's revocations (several CRLs of one CA in the file are merged). */
export interface CaRevocations {
  ca: ParsedCertificate;
  revoked: Map<bigint, RevokedCertificate>;
  thisUpdate: Date;
  nextUpdate: Date;
  crlNumber: bigint | undefined;
}

export interface CrlSet {
  /** by caKey(issuing CA) */
  byCa: Map<string, CaRevocations>;
}

/** A CRL may be dated a little ahead of this server's clock (the CA's clock runs ahead). */
export const CRL_CLOCK_SKEW_MS = 5 * 60_000;

const caKeys = new WeakMap<object, string>();

/**
 * Identifies a CA by name and key, so a rotated CA with the same name has its own list.
 * Memoised per certificate object: the verified chains the authenticator caches ask for it on
 * every request.
 */
export function caKey(ca: Pick<ParsedCertificate, 'subjectDer' | 'spkiDer'>): string {
  let k = caKeys.get(ca);
  if (k === undefined) {
    k = ca.subjectDer.toString('base64') + '|' + ca.spkiDer.toString('base64');
    caKeys.set(ca, k);
  }
  return k;
}

/**
 * Parses a CRL file (PEM with one or more CRLs, or DER) and verifies each CRL against the
 * client CAs. Throws (UntrustedCRL, MalformedCRL) when any CRL cannot be used; a CRL whose
 * nextUpdate has passed still loads (it is the newest list there is); the authenticator
 * decides what a stale list means.
 */
export function loadClientCrls(data: Buffer, cas: readonly ParsedCertificate[], now: Date, source = ''): CrlSet {
  const crls = parseCrls(data, source);
  const byCa = new Map<string, CaRevocations>();
  crls.forEach((crl, i) => {
    const name = `${source ? `${source}: ` : ''}${crls.length > 1 ? `CRL #${i + 1}` : 'CRL'}`;
    const issuer = cas.find(
      (ca) =>
        ca.subjectDer.equals(crl.issuerDer) &&
        (!crl.authorityKeyId || !ca.subjectKeyId || crl.authorityKeyId.equals(ca.subjectKeyId)) &&
        verifySignature(crl.signatureAlgorithm, crl.tbsDer, crl.signature, ca.spkiDer),
    );
    if (!issuer)
      throw new KubetlsError(
        'UntrustedCRL',
        `${name}: the CRL issued by "${crl.issuerString}" is not signed by any client CA`,
        'give the CRL of the CA in --client-ca-file (openssl ca -gencrl with that CA)',
      );
    if (!crl.nextUpdate)
      throw new KubetlsError(
        'UntrustedCRL',
        `${name}: the CRL has no nextUpdate, so it can never be known to be stale`,
        'RFC 5280 requires nextUpdate; openssl ca -gencrl and kubetls cfssl gencrl write one',
      );
    if (crl.thisUpdate.getTime() > now.getTime() + CRL_CLOCK_SKEW_MS)
      throw new KubetlsError(
        'UntrustedCRL',
        `${name}: thisUpdate ${crl.thisUpdate.toISOString()} is in the future`,
        "check this machine's clock and the CA's",
      );
    const key = caKey(issuer);
    const have = byCa.get(key);
    const revoked = have?.revoked ?? new Map<bigint, RevokedCertificate>();
    for (const r of crl.revoked) if (!revoked.has(r.serialNumber)) revoked.set(r.serialNumber, r);
    const newest = !have || crl.thisUpdate > have.thisUpdate;
    byCa.set(key, {
      ca: issuer,
      revoked,
      thisUpdate: newest ? crl.thisUpdate : have.thisUpdate,
      nextUpdate: have && have.nextUpdate > crl.nextUpdate ? have.nextUpdate : crl.nextUpdate,
      crlNumber: newest ? crl.crlNumber : have.crlNumber,
    });
  });
  return { byCa };
}
