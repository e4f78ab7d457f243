/**
 * Reading X.509 v1/v2 CRLs (RFC 5280 §5) with the lean DER reader: the issuer, the update
 * times, the revoked serials and the extensions that decide whether a CRL may be used at all.
 * The API server's client-certificate revocation (`--client-crl-file`) reads a CRL on every
 * change of the file, and a CA's CRL can hold hundreds of thousands of entries; @peculiar/x509
 * builds an object tree per entry (~40x slower on a 100,000-entry CRL), so CRLs go through the
 * same reader as certificates. Signature verification is left to node:crypto (signature.ts);
 * tests cross-check every field against `openssl crl` and the CRL writer (crl.ts).
 */
import { KubetlsError } from '../errors/index.js';
import { readExtensions, type RawExtension } from './certparse.js';
import { children, content, DerError, expectTag, readInteger, readOid, readTime, readTlv, TAG, whole } from './der.js';
import { formatName, readName } from './name.js';
import { OID } from './oid.js';
import { pemDecodeAll } from './pem.js';

/** RFC 5280 §5.3.1 reason codes, by the names RFC 5280 uses. */
export const CRL_REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  undefined, // 7 is not used
  'removeFromCRL',
  'privilegeWithdrawn',
  'aACompromise',
] as const;

export interface RevokedCertificate {
  serialNumber: bigint;
  revocationDate: Date;
  /** the reasonCode entry extension, when present */
  reason?: string;
}

export interface ParsedCrl {
  der: Buffer;
  tbsDer: Buffer;
  /** 1 or 2 */
  version: number;
  signatureAlgorithm: string;
  signature: Buffer;
  issuerDer: Buffer;
  issuerString: string;
  thisUpdate: Date;
  nextUpdate: Date | undefined;
  revoked: RevokedCertificate[];
  extensions: RawExtension[];
  crlNumber: bigint | undefined;
  authorityKeyId: Buffer | undefined;
}

/** Default cap on a CRL file: a 100,000-entry CRL is ~4 MB of DER. */
export const MAX_CRL_BYTES = 32 * 1024 * 1024;

const CRL_DELTA_INDICATOR = '2.5.29.27';
const CRL_ISSUING_DISTRIBUTION_POINT = '2.5.29.28';
const CRL_FRESHEST = '2.5.29.46';
const ENTRY_INVALIDITY_DATE = '2.5.29.24';
const ENTRY_CERTIFICATE_ISSUER = '2.5.29.29';

/**
 * Extensions a CRL may carry and still be read as a complete CRL of its issuer. A delta CRL
 * (deltaCRLIndicator) or a partitioned one (issuingDistributionPoint) is not a full list of
 * what its issuer revoked: both are critical by RFC 5280 and refused here.
 */
const KNOWN_CRL_EXTENSIONS = new Set<string>([
  OID.crlNumber,
  OID.authorityKeyIdentifier,
  OID.authorityInfoAccess,
  CRL_FRESHEST,
]);
/** certificateIssuer (indirect CRLs) is refused: it names another issuer for the entries. */
const KNOWN_ENTRY_EXTENSIONS = new Set<string>([OID.crlReason, ENTRY_INVALIDITY_DATE]);

/** Parses one DER CRL; a KubetlsError (MalformedCRL) for anything that is not a usable CRL. */
export function parseCrl(der: Buffer): ParsedCrl {
  try {
    return parseUnchecked(der);
  } catch (e) {
    if (e instanceof DerError || e instanceof RangeError || e instanceof TypeError) {
      throw new KubetlsError('MalformedCRL', `not a valid X.509 CRL (${e.message})`);
    }
    throw e;
  }
}

/**
 * Every CRL in a file: PEM ("X509 CRL" blocks, several allowed, one per CA) or a single DER
 * CRL. `source` names the file in errors.
 */
export function parseCrls(data: Buffer, source = '', maxBytes = MAX_CRL_BYTES): ParsedCrl[] {
  const context = (e: unknown, where = source): unknown =>
    e instanceof KubetlsError && where ? e.withContext(where) : e;
  if (data.length > maxBytes)
    throw context(new KubetlsError('TooLarge', `CRL input is ${data.length} bytes, over the ${maxBytes}-byte limit`));
  // DER starts with a SEQUENCE tag; PEM with text
  if (data[0] === TAG.SEQUENCE) {
    try {
      return [parseCrl(data)];
    } catch (e) {
      throw context(e);
    }
  }
  let blocks;
  try {
    blocks = pemDecodeAll(data, maxBytes);
  } catch (e) {
    throw context(e);
  }
  const crls = blocks.filter((b) => b.label === 'X509 CRL');
  if (crls.length === 0)
    throw context(
      new KubetlsError(
        'MalformedCRL',
        'no CRL found',
        'the file must hold a DER CRL or PEM "-----BEGIN X509 CRL-----" blocks',
      ),
    );
  return crls.map((b, i) => {
    try {
      return parseCrl(b.der);
    } catch (e) {
      throw context(e, crls.length > 1 ? `${source ? `${source}: ` : ''}CRL #${i + 1}` : source);
    }
  });
}

function isTime(tag: number | undefined): boolean {
  return tag === TAG.UTC_TIME || tag === TAG.GENERALIZED_TIME;
}

function parseUnchecked(der: Buffer): ParsedCrl {
  const top = expectTag(readTlv(der, 0), TAG.SEQUENCE, 'CertificateList');
  if (top.end !== der.length) throw new DerError('trailing data after CRL');
  const [tbsT, sigAlgT, sigT, extra] = children(der, top);
  if (extra) throw new DerError('CertificateList has more than three parts');
  const tbs = children(der, expectTag(tbsT, TAG.SEQUENCE, 'TBSCertList'));
  let i = 0;
  let version = 1;
  if (tbs[0]?.tag === TAG.INTEGER) {
    const v = readInteger(der, tbs[0]);
    if (v !== 1n) throw new DerError(`unsupported CRL version ${v + 1n}`);
    version = 2;
    i = 1;
  }
  const innerSigAlg = expectTag(tbs[i++], TAG.SEQUENCE, 'signature');
  const issuerT = expectTag(tbs[i++], TAG.SEQUENCE, 'issuer');
  const thisUpdateT = tbs[i++];
  if (!isTime(thisUpdateT?.tag)) throw new DerError('thisUpdate: expected a time');
  const thisUpdate = readTime(der, thisUpdateT!);
  let nextUpdate: Date | undefined;
  if (isTime(tbs[i]?.tag)) nextUpdate = readTime(der, tbs[i++]!);
  const revoked: RevokedCertificate[] = [];
  if (tbs[i]?.tag === TAG.SEQUENCE) {
    for (const entry of children(der, tbs[i++]!)) revoked.push(readEntry(der, entry));
  }
  let extensions: RawExtension[] = [];
  if (tbs[i]?.tag === 0xa0) {
    const wrapper = tbs[i++]!;
    extensions = readExtensions(der, readTlv(der, wrapper.start, wrapper.end));
  }
  if (i !== tbs.length) throw new DerError('unexpected field in TBSCertList');
  if (extensions.length && version !== 2) throw new DerError('a v1 CRL cannot carry extensions');

  const outerSigAlg = expectTag(sigAlgT, TAG.SEQUENCE, 'signatureAlgorithm');
  // RFC 5280 §5.1.1.2: the outer and inner algorithm identifiers must be the same
  if (!whole(der, outerSigAlg).equals(whole(der, innerSigAlg)))
    throw new DerError('signatureAlgorithm differs from the TBSCertList signature field');
  const sig = expectTag(sigT, TAG.BIT_STRING, 'signatureValue');

  let crlNumber: bigint | undefined;
  let authorityKeyId: Buffer | undefined;
  for (const e of extensions) {
    if (e.oid === OID.crlNumber) crlNumber = readInteger(e.value, readTlv(e.value, 0));
    else if (e.oid === OID.authorityKeyIdentifier) {
      const kid = children(e.value, expectTag(readTlv(e.value, 0), TAG.SEQUENCE, 'authorityKeyIdentifier')).find(
        (c) => c.tag === 0x80,
      );
      if (kid) authorityKeyId = Buffer.from(content(e.value, kid));
    } else if (e.oid === CRL_DELTA_INDICATOR) throw new DerError('delta CRLs are not supported; give a complete CRL');
    else if (e.oid === CRL_ISSUING_DISTRIBUTION_POINT)
      throw new DerError('partitioned CRLs (issuingDistributionPoint) are not supported; give a complete CRL');
    else if (e.critical && !KNOWN_CRL_EXTENSIONS.has(e.oid))
      throw new DerError(`unsupported critical CRL extension ${e.oid}`);
  }
  const issuer = readName(der, issuerT);
  return {
    der,
    tbsDer: whole(der, tbsT!),
    version,
    signatureAlgorithm: readOid(der, readTlv(der, innerSigAlg.start, innerSigAlg.end)),
    signature: content(der, sig).subarray(1),
    issuerDer: whole(der, issuerT),
    issuerString: formatName(issuer),
    thisUpdate,
    nextUpdate,
    revoked,
    extensions,
    crlNumber,
    authorityKeyId,
  };
}

function readEntry(
  der: Buffer,
  entry: { tag: number; offset: number; start: number; end: number },
): RevokedCertificate {
  const parts = children(der, expectTag(entry, TAG.SEQUENCE, 'revokedCertificate'));
  const serialNumber = readInteger(der, parts[0]!);
  const dateT = parts[1];
  if (!isTime(dateT?.tag)) throw new DerError('revocationDate: expected a time');
  const out: RevokedCertificate = { serialNumber, revocationDate: readTime(der, dateT!) };
  if (parts[2]) {
    for (const e of readExtensions(der, parts[2])) {
      if (e.oid === OID.crlReason) {
        const t = expectTag(readTlv(e.value, 0), 0x0a, 'reasonCode');
        const code = content(e.value, t)[0] ?? 0;
        out.reason = CRL_REASONS[code] ?? `reason ${code}`;
      } else if (e.oid === ENTRY_CERTIFICATE_ISSUER)
        throw new DerError('indirect CRLs (certificateIssuer entries) are not supported');
      else if (e.critical && !KNOWN_ENTRY_EXTENSIONS.has(e.oid))
        throw new DerError(`unsupported critical CRL entry extension ${e.oid}`);
    }
  }
  if (parts.length > 3) throw new DerError('revokedCertificate has more than three parts');
  return out;
}
