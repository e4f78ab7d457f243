/** DER encodings of the X.509 v3 extensions kubetls writes (RFC 5280 4.2). */
import { digest } from './digest.js';
import { KubetlsError } from '../errors/index.js';
import {
  assertFilled,
  content,
  DER_TRUE,
  expectTag,
  implicitPrimitive,
  integer,
  octetString,
  oid,
  readTlv,
  seq,
  TAG,
  tlv,
  tlvSize,
  writeHeader,
} from './der.js';
import { ipToBytes } from './ip.js';
import { EKU_OID, KEY_USAGE_BITS, OID, type ExtKeyUsage, type KeyUsage } from './oid.js';

/** Extension ::= SEQUENCE { extnID, critical DEFAULT FALSE, extnValue OCTET STRING }, in one allocation. */
export function extension(id: string, critical: boolean, value: Buffer): Buffer {
  const idEnc = oid(id);
  const len = idEnc.length + (critical ? DER_TRUE.length : 0) + tlvSize(value.length);
  const out = Buffer.allocUnsafe(tlvSize(len));
  let o = writeHeader(out, 0, TAG.SEQUENCE, len);
  out.set(idEnc, o);
  o += idEnc.length;
  if (critical) {
    out.set(DER_TRUE, o);
    o += DER_TRUE.length;
  }
  o = writeHeader(out, o, TAG.OCTET_STRING, value.length);
  out.set(value, o);
  return assertFilled(out, o + value.length);
}

const kuCache = new Map<string, Buffer>();
/** keyUsage (critical): a BIT STRING with trailing zero bits trimmed, as DER requires. */
export function keyUsageExtension(usages: readonly KeyUsage[]): Buffer {
  const key = usages.join(',');
  const hit = kuCache.get(key);
  if (hit) return hit;
  let bits = 0;
  for (const u of usages) {
    const i = KEY_USAGE_BITS.indexOf(u);
    if (i < 0) throw new KubetlsError('InvalidKeyUsage', `unknown key usage "${u}"`);
    bits |= 1 << i;
  }
  let bytes: number[];
  if (bits === 0) bytes = [0];
  else {
    const nbytes = bits > 0xff ? 2 : 1;
    const width = nbytes * 8;
    // bit i of the usage set is bit (width-1-i) of the big-endian value
    let v = 0;
    for (let i = 0; i < width; i++) if (bits & (1 << i)) v |= 1 << (width - 1 - i);
    let unused = 0;
    while (unused < width && !(v & (1 << unused))) unused++;
    bytes = [unused, ...(nbytes === 2 ? [v >> 8, v & 0xff] : [v])];
  }
  const enc = extension(OID.keyUsage, true, tlv(TAG.BIT_STRING, Buffer.from(bytes)));
  kuCache.set(key, enc);
  return enc;
}

const ekuCache = new Map<string, Buffer>();
/** extKeyUsage (non-critical, as Go writes it); names from EKU_OID or dotted OIDs. */
export function extKeyUsageExtension(usages: ReadonlyArray<ExtKeyUsage | string>): Buffer {
  const key = usages.join(',');
  const hit = ekuCache.get(key);
  if (hit) return hit;
  const oids = usages.map((u) => {
    const o = (EKU_OID as Record<string, string>)[u] ?? (/^\d+(\.\d+)+$/.test(u) ? u : undefined);
    if (!o) throw new KubetlsError('InvalidExtKeyUsage', `unknown extended key usage "${u}"`);
    return oid(o);
  });
  const enc = extension(OID.extKeyUsage, false, seq(...oids));
  ekuCache.set(key, enc);
  return enc;
}

const LEAF_BC = extension(OID.basicConstraints, true, seq());
/** basicConstraints (critical). maxPathLen: undefined = unlimited, 0.. = pathLenConstraint. */
export function basicConstraintsExtension(isCA: boolean, maxPathLen?: number): Buffer {
  if (!isCA) return LEAF_BC;
  const parts: Buffer[] = [DER_TRUE];
  if (maxPathLen !== undefined && maxPathLen >= 0) parts.push(integer(maxPathLen));
  return extension(OID.basicConstraints, true, seq(...parts));
}

export interface SubjectAltNames {
  dnsNames?: readonly string[] | undefined;
  ipAddresses?: readonly string[] | undefined;
  emailAddresses?: readonly string[] | undefined;
  uris?: readonly string[] | undefined;
}

export const hasSans = (s: SubjectAltNames): boolean =>
  !!(s.dnsNames?.length || s.ipAddresses?.length || s.emailAddresses?.length || s.uris?.length);

/** GeneralNames SEQUENCE in Go's order: DNS, email, IP, URI. */
export function generalNames(s: SubjectAltNames): Buffer {
  const ips = (s.ipAddresses ?? []).map((ip) => {
    const b = ipToBytes(ip);
    if (!b) throw new KubetlsError('InvalidIP', `"${ip}" is not an IP address`);
    return b;
  });
  // Sizes first, then one write pass: this runs for every certificate with SANs. Names are
  // written as latin1 (one byte per UTF-16 unit, like Buffer.from(x, 'latin1')), so a
  // string's encoded length is its .length.
  let len = 0;
  for (const d of s.dnsNames ?? []) len += tlvSize(d.length);
  for (const e of s.emailAddresses ?? []) len += tlvSize(e.length);
  for (const b of ips) len += tlvSize(b.length);
  for (const u of s.uris ?? []) len += tlvSize(u.length);
  const out = Buffer.allocUnsafe(tlvSize(len));
  let o = writeHeader(out, 0, TAG.SEQUENCE, len);
  const text = (tag: number, v: string) => {
    o = writeHeader(out, o, tag, v.length);
    o += out.write(v, o, 'latin1');
  };
  for (const d of s.dnsNames ?? []) text(0x82, d);
  for (const e of s.emailAddresses ?? []) text(0x81, e);
  for (const b of ips) {
    o = writeHeader(out, o, 0x87, b.length);
    out.set(b, o);
    o += b.length;
  }
  for (const u of s.uris ?? []) text(0x86, u);
  return assertFilled(out, o);
}

/** subjectAltName; critical only when the subject is empty (RFC 5280 4.2.1.6). */
export function subjectAltNameExtension(s: SubjectAltNames, emptySubject: boolean): Buffer {
  return extension(OID.subjectAltName, emptySubject, generalNames(s));
}

/** SHA-1 of the subjectPublicKey bits: RFC 5280 method 1, as Go and openssl compute it. */
export function subjectKeyIdFromSpki(spki: Buffer): Buffer {
  const outer = readTlv(spki, 0);
  const alg = readTlv(spki, outer.start, outer.end);
  const bits = expectTag(readTlv(spki, alg.end, outer.end), TAG.BIT_STRING, 'subjectPublicKey');
  return digest('sha1', content(spki, bits).subarray(1));
}

export const subjectKeyIdExtension = (ski: Buffer): Buffer =>
  extension(OID.subjectKeyIdentifier, false, octetString(ski));

/**
 * The subjectKeyIdentifier extension for an SPKI, remembering the last few SPKIs: a signer
 * commonly issues several certificates for one key (serving + client, renewals), and the
 * SHA-1 plus encoding is then skipped. Entries are compared by content, so a caller that
 * reuses and overwrites its buffer cannot get a stale identifier.
 */
const SKI_CACHE_SIZE = 8;
const skiCache: Array<{ spki: Buffer; ext: Buffer }> = [];
export function subjectKeyIdExtensionForSpki(spki: Buffer): Buffer {
  for (const e of skiCache) if (e.spki.equals(spki)) return e.ext;
  const ext = subjectKeyIdExtension(subjectKeyIdFromSpki(spki));
  if (skiCache.length >= SKI_CACHE_SIZE) skiCache.pop();
  skiCache.unshift({ spki: Buffer.from(spki), ext });
  return ext;
}
export const authorityKeyIdExtension = (aki: Buffer): Buffer =>
  extension(OID.authorityKeyIdentifier, false, seq(implicitPrimitive(0, aki)));

/** GeneralName uniformResourceIdentifier: [6] IMPLICIT IA5String. */
const uriName = (uri: string): Buffer => implicitPrimitive(6, Buffer.from(uri, 'latin1'));

/**
 * authorityInfoAccess (non-critical): the OCSP responders, then the CA issuer URLs, one
 * AccessDescription { method, [6] URI } each — Go's layout for OCSPServer/IssuingCertificateURL.
 */
export function authorityInfoAccessExtension(ocspServers: readonly string[], issuerUrls: readonly string[]): Buffer {
  const ad = (method: string, uri: string) => seq(oid(method), uriName(uri));
  return extension(
    OID.authorityInfoAccess,
    false,
    seq(...ocspServers.map((u) => ad(OID.accessOcsp, u)), ...issuerUrls.map((u) => ad(OID.accessCaIssuers, u))),
  );
}

/**
 * cRLDistributionPoints (non-critical): one DistributionPoint per URL, each only a
 * distributionPoint [0] { fullName [0] { [6] URI } } — what Go writes for CRLDistributionPoints.
 */
export function crlDistributionPointsExtension(urls: readonly string[]): Buffer {
  return extension(OID.crlDistributionPoints, false, seq(...urls.map((u) => seq(tlv(0xa0, tlv(0xa0, uriName(u)))))));
}
