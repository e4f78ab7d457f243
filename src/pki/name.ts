/**
 * Distinguished names: the subject/issuer model kubetls uses, its DER encoding and a
 * reader. The layout follows Go's pkix.Name (C, ST, L, O, OU, CN; several values of one
 * type share one multi-valued RDN), which is what kubeadm and cfssl produce.
 */
import { OID } from './oid.js';
import {
  assertFilled,
  children,
  DerError,
  expectTag,
  isPrintableString,
  oid,
  readOid,
  readString,
  TAG,
  tlvSize,
  writeHeader,
  type Tlv,
} from './der.js';

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

/** One AttributeTypeAndValue, DER: SEQUENCE { OID, string }. */
function encodeAtv(oidEnc: Buffer, o: string, v: string): Buffer {
  let tag: number;
  let enc: 'latin1' | 'utf8';
  if (o === OID.emailAddress) [tag, enc] = [TAG.IA5_STRING, 'latin1'];
  else if (isPrintableString(v)) [tag, enc] = [TAG.PRINTABLE_STRING, 'latin1'];
  else [tag, enc] = [TAG.UTF8_STRING, 'utf8'];
  const len = enc === 'latin1' ? v.length : Buffer.byteLength(v, 'utf8');
  const atvLen = oidEnc.length + tlvSize(len);
  const out = Buffer.allocUnsafe(tlvSize(atvLen));
  let w = writeHeader(out, 0, TAG.SEQUENCE, atvLen);
  out.set(oidEnc, w);
  w = writeHeader(out, w + oidEnc.length, tag, len);
  return assertFilled(out, w + out.write(v, w, enc));
}

/**
 * DER Name (RDNSequence), laid out as Go's pkix.Name.ToRDNSequence (what kubeadm and cfssl
 * write): one RDN per attribute type in the order C, ST, L, STREET, postalCode, O, OU, CN,
 * serialNumber, and several values of one type (cfssl `names: [{O:a},{O:b}]`) go into that
 * ONE multi-valued RDN ("O = a + O = b"), not one RDN each. An RDN is a SET OF, so DER orders
 * its members by their encodings (byte-wise, as Go's encoding/asn1 does). emailAddress is not
 * a pkix.Name field (Go keeps it in ExtraNames), so each e-mail value stays its own RDN.
 * String types: IA5String for emailAddress, PrintableString when the text allows it, else
 * UTF8String (what Go's x509 does; see directoryString in der.ts).
 */
export function encodeName(dn: DistinguishedName): Buffer {
  const rdns: Buffer[][] = [];
  for (const [field, o] of ORDER) {
    const vs = values(dn[field]);
    if (vs.length === 0) continue;
    const oidEnc = oid(o);
    const atvs = vs.map((v) => encodeAtv(oidEnc, o, v));
    if (o === OID.emailAddress) for (const a of atvs) rdns.push([a]);
    else rdns.push(atvs.length > 1 ? atvs.sort(Buffer.compare) : atvs);
  }
  let total = 0;
  const setLens = rdns.map((atvs) => atvs.reduce((n, a) => n + a.length, 0));
  for (const l of setLens) total += tlvSize(l);
  const out = Buffer.allocUnsafe(tlvSize(total));
  let w = writeHeader(out, 0, TAG.SEQUENCE, total);
  rdns.forEach((atvs, i) => {
    w = writeHeader(out, w, TAG.SET, setLens[i]!);
    for (const a of atvs) {
      out.set(a, w);
      w += a.length;
    }
  });
  return assertFilled(out, w);
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
      else if (field) (dn[field] ??= []).push(value);
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
