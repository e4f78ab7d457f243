/** DER encodings of the X.509 v3 extensions kubetls writes (RFC 5280 4.2). */
import { createHash } from 'node:crypto';
import { KubetlsError } from '../errors.js';
import { content, DER_TRUE, expectTag, implicitPrimitive, integer, octetString, oid, readTlv, seq, TAG, tlv } from './der.js';
import { ipToBytes } from './ip.js';
import { EKU_OID, KEY_USAGE_BITS, OID, type ExtKeyUsage, type KeyUsage } from './oid.js';

export function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), DER_TRUE, octetString(value)) : seq(oid(id), octetString(value));
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
  dnsNames?: readonly string[];
  ipAddresses?: readonly string[];
  emailAddresses?: readonly string[];
  uris?: readonly string[];
}

export const hasSans = (s: SubjectAltNames): boolean =>
  !!(s.dnsNames?.length || s.ipAddresses?.length || s.emailAddresses?.length || s.uris?.length);

/** GeneralNames SEQUENCE in Go's order: DNS, email, IP, URI. */
export function generalNames(s: SubjectAltNames): Buffer {
  const names: Buffer[] = [];
  for (const d of s.dnsNames ?? []) names.push(implicitPrimitive(2, Buffer.from(d, 'latin1')));
  for (const e of s.emailAddresses ?? []) names.push(implicitPrimitive(1, Buffer.from(e, 'latin1')));
  for (const ip of s.ipAddresses ?? []) {
    const b = ipToBytes(ip);
    if (!b) throw new KubetlsError('InvalidIP', `"${ip}" is not an IP address`);
    names.push(implicitPrimitive(7, b));
  }
  for (const u of s.uris ?? []) names.push(implicitPrimitive(6, Buffer.from(u, 'latin1')));
  return seq(...names);
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
  return createHash('sha1').update(content(spki, bits).subarray(1)).digest();
}

export const subjectKeyIdExtension = (ski: Buffer): Buffer => extension(OID.subjectKeyIdentifier, false, octetString(ski));
export const authorityKeyIdExtension = (aki: Buffer): Buffer => extension(OID.authorityKeyIdentifier, false, seq(implicitPrimitive(0, aki)));

