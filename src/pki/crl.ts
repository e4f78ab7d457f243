/**
 * X.509 v2 CRLs (RFC 5280 §5) written with the lean DER writer: the issuer's name and key
 * identifier, thisUpdate/nextUpdate, revoked serials with their revocation time, and a CRL
 * number (RFC 5280 requires one in conforming CRLs). Used by `kubetls cfssl gencrl`.
 */
import { sign } from 'node:crypto';
import { KubetlsError } from '../errors/index.js';
import { bitString, explicit, integer, seq, time } from './der.js';
import { authorityKeyIdExtension, extension } from './extensions.js';
import { OID } from './oid.js';
import type { Issuer } from './certificate.js';

export interface RevokedEntry {
  serialNumber: bigint;
  revocationDate: Date;
}

export interface CrlTemplate {
  thisUpdate: Date;
  nextUpdate: Date;
  revoked: readonly RevokedEntry[];
  /** monotonically increasing CRL number */
  crlNumber: bigint;
}

/** Signs a CRL with the issuer's key; returns DER. */
export function createCrl(t: CrlTemplate, issuer: Issuer): Buffer {
  if (!(t.nextUpdate > t.thisUpdate))
    throw new KubetlsError('InvalidValidity', 'nextUpdate must be later than thisUpdate');
  const exts: Buffer[] = [];
  if (issuer.subjectKeyId) exts.push(authorityKeyIdExtension(issuer.subjectKeyId));
  exts.push(extension(OID.crlNumber, false, integer(t.crlNumber)));
  const parts: Buffer[] = [
    integer(1),
    issuer.signatureAlgorithm.algorithmIdentifier,
    issuer.subjectDer,
    time(t.thisUpdate),
    time(t.nextUpdate),
  ];
  if (t.revoked.length) parts.push(seq(...t.revoked.map((r) => seq(integer(r.serialNumber), time(r.revocationDate)))));
  parts.push(explicit(0, seq(...exts)));
  const tbs = seq(...parts);
  const sig = sign(issuer.signatureAlgorithm.hash, tbs, issuer.privateKey);
  return seq(tbs, issuer.signatureAlgorithm.algorithmIdentifier, bitString(sig));
}
