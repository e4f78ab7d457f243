/**
 * Distinguished names: the subject/issuer model kubetls uses, its DER encoding and a
 * reader. Attribute order follows Go's pkix.Name (C, ST, L, O, OU, CN), which is what
 * kubeadm and cfssl produce; each value gets its own RDN, as openssl writes them.
 */
import { OID } from './oid.js';
import { assertFilled, children, DerError, expectTag, isPrintableString, oid, readOid, readString, TAG, tlvSize, writeHeader, type Tlv } from './der.js';

export interface DistinguishedName {
  commonName?: string;
  organization?: string[];
  organizationalUnit?: string[];
  country?: string[];
  province?: string[];
  locality?: string[];
  streetAddress?: string[];
  postalCode?: string[];
  serialNumber?: string;
  emailAddress?: string[];
}

/** Attributes in writing order with the model field they come from. */
const ORDER: Array<[keyof DistinguishedName, string]> = [
  ['country', OID.country],
  ['province', OID.province],
  ['locality', OID.locality],
  ['streetAddress', OID.streetAddress],
  ['postalCode', OID.postalCode],
  ['organization', OID.organization],
  ['organizationalUnit', OID.organizationalUnit],
  ['commonName', OID.commonName],
  ['serialNumber', OID.serialNumber],
  ['emailAddress', OID.emailAddress],
];

const FIELD_BY_OID = new Map(ORDER.map(([f, o]) => [o, f]));
const SHORT: Record<string, string> = {
  [OID.country]: 'C',
  [OID.province]: 'ST',
  [OID.locality]: 'L',
  [OID.streetAddress]: 'STREET',
  [OID.postalCode]: 'postalCode',
  [OID.organization]: 'O',
  [OID.organizationalUnit]: 'OU',
  [OID.commonName]: 'CN',
  [OID.serialNumber]: 'serialNumber',
  [OID.emailAddress]: 'emailAddress',
};

function values(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/**
 * DER Name (RDNSequence). Every value is its own single-member RDN, so no SET OF sorting
 * is needed. Sizes are computed first and everything is written into one buffer, because
 * this runs once per issued certificate (the issuer's name is pre-encoded). String types:
 * IA5String for emailAddress, PrintableString when the text allows it, else UTF8String
 * (what Go's x509 does; see directoryString in der.ts).
 */
export function encodeName(dn: DistinguishedName): Buffer {
  const attrs: Array<{ oid: Buffer; tag: number; value: string; enc: 'latin1' | 'utf8'; len: number }> = [];
  let total = 0;
  for (const [field, o] of ORDER) {
    for (const v of values(dn[field])) {
      const oidEnc = oid(o);
      let a;
      if (o === OID.emailAddress) a = { oid: oidEnc, tag: TAG.IA5_STRING, value: v, enc: 'latin1' as const, len: v.length };
      else if (isPrintableString(v)) a = { oid: oidEnc, tag: TAG.PRINTABLE_STRING, value: v, enc: 'latin1' as const, len: v.length };
      else a = { oid: oidEnc, tag: TAG.UTF8_STRING, value: v, enc: 'utf8' as const, len: Buffer.byteLength(v, 'utf8') };
      attrs.push(a);
      total += tlvSize(tlvSize(oidEnc.length + tlvSize(a.len)));
    }
  }
  const out = Buffer.allocUnsafe(tlvSize(total));
  let o = writeHeader(out, 0, TAG.SEQUENCE, total);
  for (const a of attrs) {
    const atvLen = a.oid.length + tlvSize(a.len);
    o = writeHeader(out, o, TAG.SET, tlvSize(atvLen));
    o = writeHeader(out, o, TAG.SEQUENCE, atvLen);
    out.set(a.oid, o);
    o = writeHeader(out, o + a.oid.length, a.tag, a.len);
    o += out.write(a.value, o, a.enc);
  }
  return assertFilled(out, o);
}

export interface ParsedName {
  dn: DistinguishedName;
  /** every attribute in order, including ones the model has no field for */
  attributes: Array<{ oid: string; value: string }>;
}

/** Reads a Name TLV (SEQUENCE OF SET OF AttributeTypeAndValue). */
export function readName(buf: Buffer, t: Tlv): ParsedName {
  expectTag(t, TAG.SEQUENCE, 'Name');
  const dn: DistinguishedName = {};
  const attributes: Array<{ oid: string; value: string }> = [];
  for (const rdn of children(buf, t)) {
    expectTag(rdn, TAG.SET, 'RelativeDistinguishedName');
    for (const atv of children(buf, rdn)) {
      const [typ, val] = children(buf, expectTag(atv, TAG.SEQUENCE, 'AttributeTypeAndValue'));
      if (!typ || !val) throw new DerError('AttributeTypeAndValue needs a type and a value');
      const o = readOid(buf, typ);
      const value = readString(buf, val);
      attributes.push({ oid: o, value });
      const field = FIELD_BY_OID.get(o);
      if (field === 'commonName' || field === 'serialNumber') dn[field] = value;
      else if (field) ((dn[field] as string[] | undefined) ??= []).push(value);
    }
  }
  return { dn, attributes };
}

/** One-line rendering like Go's pkix.Name.String(): most specific first, e.g. "CN=x,O=y". */
export function formatName(p: ParsedName): string {
  let out = '';
  for (let i = p.attributes.length - 1; i >= 0; i--) {
    const a = p.attributes[i]!;
    const v = NEEDS_ESCAPE.test(a.value) ? a.value.replace(ESCAPE, '\\$1') : a.value;
    out += `${out ? ',' : ''}${SHORT[a.oid] ?? a.oid}=${v}`;
  }
  return out;
}
const NEEDS_ESCAPE = /[,+"\\<>;]/;
const ESCAPE = /([,+"\\<>;])/g;
