/**
 * Issuing X.509 v3 certificates: the signing hot path. The TBSCertificate is assembled
 * from pre-encoded pieces (issuer name, algorithm identifiers, cached extensions) with the
 * lean DER writer and signed with `crypto.sign` on a cached KeyObject.
 */
import { sign, type KeyObject } from 'node:crypto';
import { KubetlsError } from '../errors/index.js';
import { assertFilled, explicit, integer, TAG, time, tlvSize, writeHeader, writeParts } from './der.js';
import {
  authorityInfoAccessExtension,
  authorityKeyIdExtension,
  crlDistributionPointsExtension,
  basicConstraintsExtension,
  extKeyUsageExtension,
  hasSans,
  keyUsageExtension,
  subjectAltNameExtension,
  subjectKeyIdExtensionForSpki,
  type SubjectAltNames,
} from './extensions.js';
import { spkiDer, signatureAlgorithmFor, type SignatureAlgorithm, type SignatureScheme } from './keys.js';
import { encodeName, type DistinguishedName } from './name.js';
import type { ExtKeyUsage, KeyUsage } from './oid.js';
import { randomSerialBytes, type RandomSource } from './serial.js';
import { parseCertificate } from './certparse.js';

export interface CertificateTemplate extends SubjectAltNames {
  subject: DistinguishedName;
  /**
   * A bigint, or the unsigned big-endian bytes of one (what randomSerialBytes returns: the
   * signing server writes those directly, without a bigint and hex text); a random 63-bit
   * serial when absent.
   */
  serialNumber?: bigint | Buffer;
  notBefore: Date;
  notAfter: Date;
  isCA?: boolean;
  /** CA only: pathLenConstraint; undefined = no limit */
  maxPathLen?: number;
  keyUsage?: readonly KeyUsage[];
  extKeyUsage?: ReadonlyArray<ExtKeyUsage | string>;
  /** authorityInfoAccess: OCSP responder URLs (cfssl's ocsp_url) */
  ocspServers?: readonly string[];
  /** authorityInfoAccess: CA issuer URLs (cfssl's issuer_urls) */
  issuingCertificateUrls?: readonly string[];
  /** cRLDistributionPoints URLs (cfssl's crl_url) */
  crlDistributionPoints?: readonly string[];
  /** pre-encoded extra extensions (already wrapped as Extension SEQUENCEs) */
  extraExtensions?: readonly Buffer[];
  /** no subjectKeyIdentifier (kube-controller-manager's leaves have none, as Go writes none for non-CA templates) */
  omitSubjectKeyId?: boolean;
}

/** A CA ready to sign: everything that does not change per certificate is computed once. */
export interface Issuer {
  /** DER of the CA's subject, written verbatim as each leaf's issuer */
  subjectDer: Buffer;
  privateKey: KeyObject;
  signatureAlgorithm: SignatureAlgorithm;
  /** written as authorityKeyIdentifier when the CA has one */
  subjectKeyId: Buffer | undefined;
  notAfter: Date;
  notBefore: Date;
  certificateDer: Buffer;
  /**
   * The authorityKeyIdentifier extension every leaf gets, encoded once by createIssuer.
   * Optional so hand-built Issuer objects keep working; issueCertificate encodes it from
   * `subjectKeyId` when absent. Set it together with `subjectKeyId` (or leave it out).
   */
  authorityKeyIdExtension?: Buffer | undefined;
}

/**
 * Prepares a CA certificate + key for signing; fails when the key does not belong to the
 * certificate. `scheme` picks the signature algorithm (kubeadm's by default; the cfssl
 * commands pass 'cfssl').
 */
export function createIssuer(caCertDer: Buffer, caKey: KeyObject, scheme: SignatureScheme = 'kubeadm'): Issuer {
  const ca = parseCertificate(caCertDer);
  if (!spkiDer(caKey).equals(ca.spkiDer)) {
    throw new KubetlsError('KeyMismatch', `the CA private key does not match the CA certificate "${ca.subjectString}"`);
  }
  return {
    subjectDer: ca.subjectDer,
    privateKey: caKey,
    signatureAlgorithm: signatureAlgorithmFor(caKey, scheme),
    subjectKeyId: ca.subjectKeyId,
    notAfter: ca.notAfter,
    notBefore: ca.notBefore,
    certificateDer: Buffer.from(caCertDer),
    authorityKeyIdExtension: ca.subjectKeyId ? authorityKeyIdExtension(ca.subjectKeyId) : undefined,
  };
}

export interface IssueOptions {
  /** the subject's public key: a KeyObject or SPKI DER (e.g. straight out of a CSR) */
  publicKey: KeyObject | Buffer;
  /** the signing CA; omit together with `selfSignKey` for a self-signed certificate */
  issuer?: Issuer;
  selfSignKey?: KeyObject;
  /** self-signed only: whose rules pick the signature algorithm (an issuer carries its own) */
  signatureScheme?: SignatureScheme;
  random?: RandomSource;
}

/** version [0] EXPLICIT INTEGER 2 (v3): the same bytes in every certificate. */
const VERSION_3 = explicit(0, integer(2));

/** Issues one certificate and returns its DER. */
export function issueCertificate(t: CertificateTemplate, o: IssueOptions): Buffer {
  const spki = Buffer.isBuffer(o.publicKey) ? o.publicKey : spkiDer(o.publicKey);
  const subjectDer = encodeName(t.subject);
  let issuerDer: Buffer;
  let key: KeyObject;
  let alg: SignatureAlgorithm;
  let akiExt: Buffer | undefined;
  if (o.issuer) {
    issuerDer = o.issuer.subjectDer;
    key = o.issuer.privateKey;
    alg = o.issuer.signatureAlgorithm;
    const ski = o.issuer.subjectKeyId;
    akiExt = o.issuer.authorityKeyIdExtension ?? (ski ? authorityKeyIdExtension(ski) : undefined);
  } else if (o.selfSignKey) {
    issuerDer = subjectDer;
    key = o.selfSignKey;
    alg = signatureAlgorithmFor(key, o.signatureScheme);
  } else throw new KubetlsError('NoIssuer', 'issueCertificate needs an issuer or a self-sign key');
  if (!(t.notAfter > t.notBefore)) throw new KubetlsError('InvalidValidity', 'notAfter must be later than notBefore');

  const exts: Buffer[] = [];
  if (t.keyUsage?.length) exts.push(keyUsageExtension(t.keyUsage));
  if (t.extKeyUsage?.length) exts.push(extKeyUsageExtension(t.extKeyUsage));
  exts.push(basicConstraintsExtension(!!t.isCA, t.maxPathLen));
  if (!t.omitSubjectKeyId) exts.push(subjectKeyIdExtensionForSpki(spki));
  if (akiExt && !o.selfSignKey) exts.push(akiExt);
  // Go's extension order (what cfssl writes): … AKI, AIA, SAN, CRL distribution points
  if (t.ocspServers?.length || t.issuingCertificateUrls?.length)
    exts.push(authorityInfoAccessExtension(t.ocspServers ?? [], t.issuingCertificateUrls ?? []));
  if (hasSans(t)) exts.push(subjectAltNameExtension(t, subjectDer.length <= 2));
  if (t.crlDistributionPoints?.length) exts.push(crlDistributionPointsExtension(t.crlDistributionPoints));
  if (t.extraExtensions) exts.push(...t.extraExtensions);

  const serial = t.serialNumber !== undefined ? integer(t.serialNumber) : integer(randomSerialBytes(63, o.random));
  const notBefore = time(t.notBefore);
  const notAfter = time(t.notAfter);

  // The TBSCertificate is written into one buffer: sizes of the nested headers
  // (validity, [3] { extensions }) are computed first, then every pre-encoded piece is
  // copied once. Nested seq()/explicit() calls would copy each level again.
  const validityLen = notBefore.length + notAfter.length;
  let extsLen = 0;
  for (const e of exts) extsLen += e.length;
  const tbsLen =
    VERSION_3.length +
    serial.length +
    alg.algorithmIdentifier.length +
    issuerDer.length +
    tlvSize(validityLen) +
    subjectDer.length +
    spki.length +
    tlvSize(tlvSize(extsLen));
  const tbs = Buffer.allocUnsafe(tlvSize(tbsLen));
  let w = writeHeader(tbs, 0, TAG.SEQUENCE, tbsLen);
  w = writeParts(tbs, w, [VERSION_3, serial, alg.algorithmIdentifier, issuerDer]);
  w = writeParts(tbs, writeHeader(tbs, w, TAG.SEQUENCE, validityLen), [notBefore, notAfter]);
  w = writeParts(tbs, w, [subjectDer, spki]);
  w = writeHeader(tbs, w, 0xa3, tlvSize(extsLen));
  assertFilled(tbs, writeParts(tbs, writeHeader(tbs, w, TAG.SEQUENCE, extsLen), exts));

  const signature = sign(alg.hash, tbs, key);
  // Certificate ::= SEQUENCE { tbs, signatureAlgorithm, BIT STRING (0 unused bits) signature }
  const sigBitsLen = 1 + signature.length;
  const certLen = tbs.length + alg.algorithmIdentifier.length + tlvSize(sigBitsLen);
  const cert = Buffer.allocUnsafe(tlvSize(certLen));
  w = writeParts(cert, writeHeader(cert, 0, TAG.SEQUENCE, certLen), [tbs, alg.algorithmIdentifier]);
  w = writeHeader(cert, w, TAG.BIT_STRING, sigBitsLen);
  cert[w++] = 0;
  cert.set(signature, w);
  return assertFilled(cert, w + signature.length);
}
