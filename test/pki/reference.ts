/**
 * Reference encoders for tests: the straightforward nested seq()/tlv() construction the
 * fast writers replaced, with attribute OIDs written out literally (not taken from src/),
 * so they are an independent oracle for "the fast path writes the same bytes".
 */
import { directoryString, oid, seq, TAG, tlv } from '../../src/pki/der.js';
import type { DistinguishedName } from '../../src/pki/name.js';

/** Go's pkix.Name order (C, ST, L, STREET, postalCode, O, OU, CN, serialNumber, emailAddress), one RDN per value. */
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
    for (const s of v === undefined ? [] : Array.isArray(v) ? v : [v]) {
      const val = f === 'emailAddress' ? tlv(TAG.IA5_STRING, Buffer.from(s, 'latin1')) : directoryString(s);
      rdns.push(tlv(TAG.SET, seq(oid(o), val)));
    }
  }
  return seq(...rdns);
}
