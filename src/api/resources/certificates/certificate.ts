/**
 * The rules for `status.certificate` (what a signer uploads through /status): base64 (JSON)
 * of PEM text with at least one block, every block a `CERTIFICATE` without RFC 1421 headers,
 * every block parsing as X.509 (a block may hold several DER certificates back to back, as
 * Go's ParseCertificates reads them). Messages are kube-apiserver's.
 */
import { isKubetlsError } from '../../../errors/index.js';
import { parseCertificate } from '../../../pki/certparse.js';
import { readTlv } from '../../../pki/der.js';
import { pemDecodeAll } from '../../../pki/pem.js';

/** Every DER certificate of one block; throws a KubetlsError for bytes that are not certificates. */
function parseCertificates(der: Buffer): number {
  let n = 0;
  for (let o = 0; o < der.length; n++) {
    const t = readTlv(der, o);
    parseCertificate(der.subarray(o, t.end));
    o = t.end;
  }
  return n;
}

/** Why `status.certificate` (base64 text) is not acceptable, or undefined when it is (an empty value is). */
export function certificateProblem(certificateBase64: string | null | undefined): string | undefined {
  const pem = certificateBytes(certificateBase64) ?? Buffer.alloc(0);
  if (pem.length === 0) return undefined;
  try {
    const blocks = pemDecodeAll(pem);
    for (const b of blocks) {
      if (b.label !== 'CERTIFICATE') return `only CERTIFICATE PEM blocks are allowed, found ${JSON.stringify(b.label)}`;
      if (b.hasHeaders) return 'no PEM block headers are permitted';
      if (parseCertificates(b.der) === 0) return 'found CERTIFICATE PEM block containing 0 certificates';
    }
    if (blocks.length === 0) return 'must contain at least one CERTIFICATE PEM block';
  } catch (e) {
    if (isKubetlsError(e)) return e.message;
    throw e;
  }
  return undefined;
}

/**
 * The last certificate text decoded and its bytes: a /status upload is read four times in its
 * request (validation's tolerances, its certificate rule and its update rule, the
 * CertificateSigning admission check), one decode serves them all. Callers only read the bytes.
 */
let lastDecoded: { text: string; bytes: Buffer } | undefined;

/** The certificate bytes for comparisons: null when absent (Go's nil), the decoded bytes otherwise. */
export function certificateBytes(certificateBase64: string | null | undefined): Buffer | null {
  if (certificateBase64 === null || certificateBase64 === undefined) return null;
  if (lastDecoded?.text === certificateBase64) return lastDecoded.bytes;
  const bytes = Buffer.from(certificateBase64, 'base64');
  lastDecoded = { text: certificateBase64, bytes };
  return bytes;
}

/** bytes.Equal: absent and empty are the same content. */
export function sameCertificate(a: string | null | undefined, b: string | null | undefined): boolean {
  // the same text is the same bytes: an update that leaves the certificate alone decodes nothing
  if (typeof a === 'string' && a === b) return true;
  return (certificateBytes(a) ?? Buffer.alloc(0)).equals(certificateBytes(b) ?? Buffer.alloc(0));
}
