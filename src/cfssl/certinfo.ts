/**
 * `cfssl certinfo` output (certinfo.Certificate): subject/issuer with cfssl's field names,
 * decimal serial, SANs (DNS then IP, as cfssl lists them), RFC 3339 times, Go's signature
 * algorithm names, key IDs in Go's "%X" per byte (no zero padding: "BD:9:F7"), and the PEM.
 */
import {
  certToPem,
  csrToPem,
  OID,
  signatureAlgorithmName,
  type DistinguishedName,
  type ParsedCertificate,
  type ParsedCsr,
} from '../pki/index.js';

export interface CertinfoName {
  common_name?: string;
  serial_number?: string;
  country?: string;
  organization?: string;
  organizational_unit?: string;
  locality?: string;
  province?: string;
  street_address?: string;
  postal_code?: string;
  names: string[];
}

function name(dn: DistinguishedName): CertinfoName {
  // cfssl's certinfo.Name joins every value of a type with "," (strings.Join)
  const joined = (v: string[] | undefined) => v?.join(',');
  const out = {} as CertinfoName;
  const set = (k: keyof Omit<CertinfoName, 'names'>, v: string | undefined) => {
    if (v) out[k] = v;
  };
  set('common_name', dn.commonName);
  set('serial_number', dn.serialNumber);
  set('country', joined(dn.country));
  set('organization', joined(dn.organization));
  set('organizational_unit', joined(dn.organizationalUnit));
  set('locality', joined(dn.locality));
  set('province', joined(dn.province));
  set('street_address', joined(dn.streetAddress));
  set('postal_code', joined(dn.postalCode));
  // cfssl lists every value in RDN order: C, ST, L, O, OU, CN as Go writes them
  out.names = [
    ...(dn.country ?? []),
    ...(dn.province ?? []),
    ...(dn.locality ?? []),
    ...(dn.streetAddress ?? []),
    ...(dn.postalCode ?? []),
    ...(dn.organization ?? []),
    ...(dn.organizationalUnit ?? []),
    ...(dn.commonName ? [dn.commonName] : []),
    ...(dn.serialNumber ? [dn.serialNumber] : []),
  ];
  return out;
}

/** Go's signature algorithm String() names (x509.SignatureAlgorithm). */
const GO_SIGALG: Record<string, string> = {
  [OID.sha256WithRSA]: 'SHA256WithRSA',
  [OID.sha384WithRSA]: 'SHA384WithRSA',
  [OID.sha512WithRSA]: 'SHA512WithRSA',
  [OID.sha1WithRSA]: 'SHA1WithRSA',
  [OID.ecdsaWithSHA256]: 'ECDSAWithSHA256',
  [OID.ecdsaWithSHA384]: 'ECDSAWithSHA384',
  [OID.ecdsaWithSHA512]: 'ECDSAWithSHA512',
  [OID.ecdsaWithSHA1]: 'ECDSAWithSHA1',
  [OID.ed25519]: 'Ed25519',
};

const keyId = (b: Buffer | undefined): string => (b ? [...b].map((x) => x.toString(16).toUpperCase()).join(':') : '');
const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function certinfo(c: ParsedCertificate): Record<string, unknown> {
  const sans = [...c.dnsNames, ...c.ipAddresses];
  return {
    subject: name(c.subject),
    issuer: name(c.issuer),
    serial_number: c.serialNumber.toString(10),
    // cfssl's field is `json:"sans,omitempty"`: a certificate without SANs has no "sans" at all
    ...(sans.length ? { sans } : {}),
    not_before: rfc3339(c.notBefore),
    not_after: rfc3339(c.notAfter),
    sigalg: GO_SIGALG[c.signatureAlgorithm] ?? signatureAlgorithmName(c.signatureAlgorithm),
    authority_key_id: keyId(c.authorityKeyId),
    subject_key_id: keyId(c.subjectKeyId),
    pem: certToPem(c.der),
  };
}

/**
 * certinfo -csr. cfssl dumps Go's whole x509.CertificateRequest struct here; kubetls prints
 * the same fields as for a certificate instead (documented difference).
 */
export function csrinfo(c: ParsedCsr): Record<string, unknown> {
  return {
    subject: name(c.subject),
    sans: [...c.dnsNames, ...c.ipAddresses],
    emails: c.emailAddresses,
    uris: c.uris,
    public_key_algorithm: c.publicKeyAlgorithm,
    sigalg: GO_SIGALG[c.signatureAlgorithm] ?? signatureAlgorithmName(c.signatureAlgorithm),
    signature_valid: c.signatureValid,
    pem: csrToPem(c.der),
  };
}
