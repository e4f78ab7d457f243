/**
 * PKCS#10 certificate signing requests (RFC 2986): writing them for key+CSR generation
 * and reading/verifying them on the signing path. Node has no CSR parser, and the CSR
 * reader sits on the signer's hot path, so both use the lean DER code; tests check them
 * against openssl and @peculiar/x509.
 */
import { sign, type KeyObject } from 'node:crypto';
import { KubetlsError } from '../errors/index.js';
import {
  bitString,
  children,
  content,
  DerError,
  expectTag,
  integer,
  oid,
  readInteger,
  readOid,
  readTlv,
  seq,
  setOf,
  TAG,
  tlv,
  whole,
} from './der.js';
import { hasSans, subjectAltNameExtension, type SubjectAltNames } from './extensions.js';
import { signatureAlgorithmFor, spkiDer, type SignatureScheme } from './keys.js';
import { encodeName, formatName, readName, type DistinguishedName } from './name.js';
import { OID } from './oid.js';
import { pemDecodeOne, pemEncode } from './pem.js';
import { decodeExtensions, readExtensions, spkiAlgorithm, type GeneralNames, type RawExtension } from './certparse.js';
import { verifySignature } from './signature.js';

export interface CsrTemplate extends SubjectAltNames {
  subject: DistinguishedName;
  /** extra pre-encoded Extension SEQUENCEs for the extensionRequest attribute */
  extraExtensions?: readonly Buffer[];
}

/** Builds and signs a CSR with the subject's own private key; returns DER. `scheme` picks the signature algorithm. */
export function createCsr(t: CsrTemplate, privateKey: KeyObject, scheme: SignatureScheme = 'kubeadm'): Buffer {
  const subjectDer = encodeName(t.subject);
  const exts: Buffer[] = [];
  if (hasSans(t)) exts.push(subjectAltNameExtension(t, subjectDer.length <= 2));
  if (t.extraExtensions) exts.push(...t.extraExtensions);
  const attrs = exts.length ? [seq(oid(OID.extensionRequest), setOf(seq(...exts)))] : [];
  const info = seq(integer(0), subjectDer, spkiDer(privateKey), tlv(0xa0, ...attrs));
  const alg = signatureAlgorithmFor(privateKey, scheme);
  return seq(info, alg.algorithmIdentifier, bitString(sign(alg.hash, info, privateKey)));
}

export const csrToPem = (der: Buffer): string => pemEncode('CERTIFICATE REQUEST', der);

export interface ParsedCsr extends GeneralNames {
  der: Buffer;
  subject: DistinguishedName;
  subjectDer: Buffer;
  subjectString: string;
  spkiDer: Buffer;
  publicKeyAlgorithm: string;
  signatureAlgorithm: string;
  /** extensions from the PKCS#9 extensionRequest attribute */
  extensions: RawExtension[];
  extKeyUsage: string[];
  /** whether the self-signature verifies with the enclosed public key */
  signatureValid: boolean;
}

/** Upper bound on a CSR: real ones are < 8 KiB; the bound keeps hostile input cheap. */
export const MAX_CSR_BYTES = 64 * 1024;

/** Parses a DER CSR and checks its self-signature. Errors are KubetlsError("MalformedCSR"). */
export function parseCsr(der: Buffer): ParsedCsr {
  if (der.length > MAX_CSR_BYTES)
    throw new KubetlsError(
      'MalformedCSR',
      `certificate request is ${der.length} bytes, over the ${MAX_CSR_BYTES}-byte limit`,
    );
  try {
    return parseUnchecked(der);
  } catch (e) {
    if (e instanceof DerError || e instanceof RangeError || e instanceof TypeError) {
      throw new KubetlsError('MalformedCSR', `not a valid PKCS#10 certificate request (${e.message})`);
    }
    throw e;
  }
}

/** Parses the first "CERTIFICATE REQUEST" PEM block (also the legacy "NEW CERTIFICATE REQUEST"). */
export function parseCsrPem(pem: string | Buffer): ParsedCsr {
  return parseCsr(pemDecodeOne(pem, ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'], 'certificate request').der);
}

function parseUnchecked(der: Buffer): ParsedCsr {
  const top = expectTag(readTlv(der, 0), TAG.SEQUENCE, 'CertificationRequest');
  if (top.end !== der.length) throw new DerError('trailing data after certificate request');
  const [infoT, algT, sigT] = children(der, top);
  const info = children(der, expectTag(infoT, TAG.SEQUENCE, 'CertificationRequestInfo'));
  const version = readInteger(der, info[0]!);
  if (version !== 0n) throw new DerError(`unsupported CSR version ${version}`);
  const subjectT = info[1]!;
  const spkiT = expectTag(info[2], TAG.SEQUENCE, 'SubjectPublicKeyInfo');
  let exts: RawExtension[] = [];
  const attrsT = info[3];
  if (attrsT) {
    if (attrsT.tag !== 0xa0) throw new DerError('attributes must be [0]');
    for (const a of children(der, attrsT)) {
      const [typ, vals] = children(der, expectTag(a, TAG.SEQUENCE, 'Attribute'));
      if (readOid(der, typ!) !== OID.extensionRequest) continue;
      const first = children(der, expectTag(vals, TAG.SET, 'attribute values'))[0];
      if (first) exts = readExtensions(der, first);
    }
  }
  const name = readName(der, subjectT);
  const sigAlg = readOid(der, readTlv(der, expectTag(algT, TAG.SEQUENCE, 'signatureAlgorithm').start, algT!.end));
  const sig = content(der, expectTag(sigT, TAG.BIT_STRING, 'signature')).subarray(1);
  const spki = whole(der, spkiT);
  const decoded = decodeExtensions(exts);
  return {
    der,
    subject: name.dn,
    subjectDer: whole(der, subjectT),
    subjectString: formatName(name),
    spkiDer: spki,
    publicKeyAlgorithm: spkiAlgorithm(der, spkiT),
    signatureAlgorithm: sigAlg,
    extensions: exts,
    dnsNames: decoded.dnsNames,
    ipAddresses: decoded.ipAddresses,
    emailAddresses: decoded.emailAddresses,
    uris: decoded.uris,
    extKeyUsage: decoded.extKeyUsage,
    signatureValid: verifySignature(sigAlg, whole(der, infoT!), sig, spki),
  };
}
