/**
 * Reference encoders for tests: the straightforward nested seq()/tlv() construction the
 * fast writers replaced, with attribute OIDs written out literally (not taken from src/),
 * so they are an independent oracle for "the fast path writes the same bytes".
 */
import { directoryString, oid, seq, setOf, TAG, tlv } from '../../src/pki/der.js';
import type { DistinguishedName } from '../../src/pki/name.js';

/**
 * Go's pkix.Name order (C, ST, L, STREET, postalCode, O, OU, CN, serialNumber, emailAddress):
 * one RDN per attribute type holding all its values (a DER SET OF, so setOf sorts them), as
 * pkix.Name.ToRDNSequence writes them; emailAddress (an ExtraNames attribute in Go) one RDN per value.
 */
export const ATTRS: Array<[keyof DistinguishedName, string]> = [
  ['country', '2.5.4.6'],
  ['province', '2.5.4.8'],
  ['locality', '2.5.4.7'],
  ['streetAddress', '2.5.4.9'],
  ['postalCode', '2.5.4.17'],
  ['organization', '2.5.4.10'],
  ['organizationalUnit', '2.5.4.11'],
  ['commonName', '2.5.4.3'],
  ['serialNumber', '2.5.4.5'],
  ['emailAddress', '1.2.840.113549.1.9.1'],
];

export function refName(dn: DistinguishedName): Buffer {
  const rdns: Buffer[] = [];
  for (const [f, o] of ATTRS) {
    const v = dn[f];
    const atvs = (v === undefined ? [] : Array.isArray(v) ? v : [v]).map((s) =>
      seq(oid(o), f === 'emailAddress' ? tlv(TAG.IA5_STRING, Buffer.from(s, 'latin1')) : directoryString(s)),
    );
    if (f === 'emailAddress') rdns.push(...atvs.map((a) => setOf(a)));
    else if (atvs.length) rdns.push(setOf(...atvs));
  }
  return seq(...rdns);
}

/**
 * `dn` with each multi-valued field in the order its values come back from the certificate:
 * sorted by their AttributeTypeAndValue encodings, as in the DER SET OF (e-mails keep theirs).
 */
export function inDerOrder(dn: DistinguishedName): DistinguishedName {
  const out: Record<string, unknown> = { ...dn };
  for (const [f, o] of ATTRS) {
    const v = dn[f];
    if (!Array.isArray(v) || f === 'emailAddress') continue;
    const enc = (s: string) => seq(oid(o), directoryString(s));
    out[f] = [...v].sort((a, b) => Buffer.compare(enc(a), enc(b)));
  }
  return out;
}
