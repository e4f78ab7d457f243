/**
 * A fast certificate reader on the lean DER reader: what kubetls needs to sign with a CA,
 * inventory thousands of certificates (`certs scan`) and check a PKI, without going
 * through a general ASN.1 library. Signature verification is left to node:crypto
 * (see verify.ts); tests cross-check every field against @peculiar/x509 and openssl.
 */
import { KubetlsError } from '../errors/index.js';
import {
  children,
  content,
  DerError,
  expectTag,
  readInteger,
  readOid,
  readTime,
  readTlv,
  TAG,
  whole,
  type Tlv,
} from './der.js';
import { bytesToIp } from './ip.js';
import { formatName, readName, type DistinguishedName } from './name.js';
import { ekuName, KEY_USAGE_BITS, OID, type KeyUsage } from './oid.js';

export interface RawExtension {
  oid: string;
  critical: boolean;
  value: Buffer;
}

export interface GeneralNames {
  dnsNames: string[];
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
}

export interface ParsedCertificate extends GeneralNames {
  der: Buffer;
  tbsDer: Buffer;
  version: number;
  serialNumber: bigint;
  signatureAlgorithm: string;
  issuerDer: Buffer;
  issuer: DistinguishedName;
  issuerString: string;
  subjectDer: Buffer;
  subject: DistinguishedName;
  subjectString: string;
  notBefore: Date;
  notAfter: Date;
  spkiDer: Buffer;
  publicKeyAlgorithm: string;
  extensions: RawExtension[];
  /** undefined when there is no basicConstraints extension */
  isCA: boolean | undefined;
  maxPathLen: number | undefined;
  keyUsage: KeyUsage[];
  /** EKU names ("serverAuth") or dotted OIDs for unknown ones */
  extKeyUsage: string[];
  subjectKeyId: Buffer | undefined;
  authorityKeyId: Buffer | undefined;
  signature: Buffer;
}

/** Reads the GeneralNames SEQUENCE of a subjectAltName. */
export function readGeneralNames(buf: Buffer, t: Tlv): GeneralNames {
  expectTag(t, TAG.SEQUENCE, 'GeneralNames');
  const out: GeneralNames = { dnsNames: [], ipAddresses: [], emailAddresses: [], uris: [] };
  for (const n of children(buf, t)) {
    const v = content(buf, n);
    switch (n.tag) {
      case 0x82:
        out.dnsNames.push(v.toString('latin1'));
        break;
      case 0x81:
        out.emailAddresses.push(v.toString('latin1'));
        break;
      case 0x87:
        out.ipAddresses.push(bytesToIp(v));
        break;
      case 0x86:
        out.uris.push(v.toString('latin1'));
        break;
      default:
        break; // otherName, directoryName, …: not used by Kubernetes
    }
  }
  return out;
}

export function readExtensions(buf: Buffer, t: Tlv): RawExtension[] {
  const out: RawExtension[] = [];
  for (const e of children(buf, expectTag(t, TAG.SEQUENCE, 'Extensions'))) {
    const parts = children(buf, expectTag(e, TAG.SEQUENCE, 'Extension'));
    const id = readOid(buf, parts[0]!);
    let critical = false;
    let valueT = parts[1];
    if (valueT?.tag === TAG.BOOLEAN) {
      critical = content(buf, valueT)[0] !== 0;
      valueT = parts[2];
    }
    out.push({ oid: id, critical, value: content(buf, expectTag(valueT, TAG.OCTET_STRING, 'extnValue')) });
  }
  return out;
}

function readKeyUsage(v: Buffer): KeyUsage[] {
  const t = expectTag(readTlv(v, 0), TAG.BIT_STRING, 'keyUsage');
  const b = content(v, t).subarray(1);
  const out: KeyUsage[] = [];
  KEY_USAGE_BITS.forEach((name, i) => {
    const byte = b[i >> 3];
    if (byte !== undefined && byte & (0x80 >> (i & 7))) out.push(name);
  });
  return out;
}

function readBasicConstraints(v: Buffer): { isCA: boolean; maxPathLen: number | undefined } {
  const t = readTlv(v, 0);
  let isCA = false;
  let maxPathLen: number | undefined;
  for (const c of children(v, expectTag(t, TAG.SEQUENCE, 'basicConstraints'))) {
    if (c.tag === TAG.BOOLEAN) isCA = content(v, c)[0] !== 0;
    else if (c.tag === TAG.INTEGER) maxPathLen = Number(readInteger(v, c));
  }
  return { isCA, maxPathLen };
}

/** Algorithm of an SPKI: "rsa", "ec", "ed25519" or the OID. */
export function spkiAlgorithm(spki: Buffer, t: Tlv = readTlv(spki, 0)): string {
  const alg = readTlv(spki, t.start, t.end);
  const id = readOid(spki, readTlv(spki, alg.start, alg.end));
  if (id === OID.rsaEncryption) return 'rsa';
  if (id === OID.ecPublicKey) return 'ec';
  if (id === OID.ed25519) return 'ed25519';
  return id;
}

/** Applies the extensions kubetls understands onto a parsed certificate or CSR view. */
export function decodeExtensions(
  exts: RawExtension[],
): Pick<ParsedCertificate, 'isCA' | 'maxPathLen' | 'keyUsage' | 'extKeyUsage' | 'subjectKeyId' | 'authorityKeyId'> &
  GeneralNames {
  const out = {
    isCA: undefined as boolean | undefined,
    maxPathLen: undefined as number | undefined,
    keyUsage: [] as KeyUsage[],
    extKeyUsage: [] as string[],
    subjectKeyId: undefined as Buffer | undefined,
    authorityKeyId: undefined as Buffer | undefined,
    dnsNames: [] as string[],
    ipAddresses: [] as string[],
    emailAddresses: [] as string[],
    uris: [] as string[],
  };
  for (const e of exts) {
    const v = e.value;
    switch (e.oid) {
      case OID.basicConstraints:
        Object.assign(out, readBasicConstraints(v));
        break;
      case OID.keyUsage:
        out.keyUsage = readKeyUsage(v);
        break;
      case OID.extKeyUsage:
        out.extKeyUsage = children(v, expectTag(readTlv(v, 0), TAG.SEQUENCE, 'extKeyUsage')).map((o) =>
          ekuName(readOid(v, o)),
        );
        break;
      case OID.subjectAltName:
        Object.assign(out, readGeneralNames(v, readTlv(v, 0)));
        break;
      case OID.subjectKeyIdentifier:
        out.subjectKeyId = Buffer.from(content(v, expectTag(readTlv(v, 0), TAG.OCTET_STRING, 'subjectKeyIdentifier')));
        break;
      case OID.authorityKeyIdentifier: {
        const kid = children(v, readTlv(v, 0)).find((c) => c.tag === 0x80);
        if (kid) out.authorityKeyId = Buffer.from(content(v, kid));
        break;
      }
    }
  }
  return out;
}

/** Parses one DER certificate; a KubetlsError (MalformedCertificate) for anything that is not one. */
export function parseCertificate(der: Buffer): ParsedCertificate {
  try {
    return parseUnchecked(der);
  } catch (e) {
    if (e instanceof DerError || e instanceof RangeError || e instanceof TypeError) {
      throw new KubetlsError('MalformedCertificate', `not a valid X.509 certificate (${e.message})`);
    }
    throw e;
  }
}

function parseUnchecked(der: Buffer): ParsedCertificate {
  const top = expectTag(readTlv(der, 0), TAG.SEQUENCE, 'Certificate');
  if (top.end !== der.length) throw new DerError('trailing data after certificate');
  const [tbsT, sigAlgT, sigT] = children(der, top);
  const tbs = children(der, expectTag(tbsT, TAG.SEQUENCE, 'TBSCertificate'));
  let i = 0;
  let version = 1;
  if (tbs[0]?.tag === 0xa0) {
    version = Number(readInteger(der, readTlv(der, tbs[0].start, tbs[0].end))) + 1;
    i = 1;
  }
  const serialNumber = readInteger(der, tbs[i++]!);
  const sigAlg = expectTag(tbs[i++], TAG.SEQUENCE, 'signature');
  const issuerT = tbs[i++]!;
  const validity = children(der, expectTag(tbs[i++], TAG.SEQUENCE, 'Validity'));
  const subjectT = tbs[i++]!;
  const spkiT = expectTag(tbs[i++], TAG.SEQUENCE, 'SubjectPublicKeyInfo');
  let exts: RawExtension[] = [];
  for (; i < tbs.length; i++) {
    const t = tbs[i]!;
    if (t.tag === 0xa3) exts = readExtensions(der, readTlv(der, t.start, t.end));
  }
  const issuer = readName(der, issuerT);
  const subject = readName(der, subjectT);
  expectTag(sigAlgT, TAG.SEQUENCE, 'signatureAlgorithm');
  const sig = expectTag(sigT, TAG.BIT_STRING, 'signatureValue');
  const spkiDer = whole(der, spkiT);
  return {
    der,
    tbsDer: whole(der, tbsT!),
    version,
    serialNumber,
    signatureAlgorithm: readOid(der, readTlv(der, sigAlg.start, sigAlg.end)),
    issuerDer: whole(der, issuerT),
    issuer: issuer.dn,
    issuerString: formatName(issuer),
    subjectDer: whole(der, subjectT),
    subject: subject.dn,
    subjectString: formatName(subject),
    notBefore: readTime(der, validity[0]!),
    notAfter: readTime(der, validity[1]!),
    spkiDer,
    publicKeyAlgorithm: spkiAlgorithm(der, spkiT),
    extensions: exts,
    ...decodeExtensions(exts),
    signature: content(der, sig).subarray(1),
  };
}
