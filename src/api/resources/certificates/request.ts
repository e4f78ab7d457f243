/**
 * Reading `spec.request`: base64 (JSON) of PEM text whose first block must be a
 * `CERTIFICATE REQUEST` (kube-apiserver's ParseCSR: "PEM block type must be CERTIFICATE
 * REQUEST"), holding a PKCS#10 request that parses with the project's CSR reader and whose
 * self-signature verifies. Validation needs the signature; the subject-restriction
 * admission check only needs the subject.
 */
import { isKubetlsError } from '../../../errors/index.js';
import { parseCsr, type ParsedCsr } from '../../../pki/csr.js';
import { OID } from '../../../pki/oid.js';
import { pemDecodeAll } from '../../../pki/pem.js';

export type RequestResult = { ok: true; csr: ParsedCsr } | { ok: false; reason: string };

const NOT_A_REQUEST = 'PEM block type must be CERTIFICATE REQUEST';

const RSA_SIGNATURES = new Set<string>([OID.sha1WithRSA, OID.sha256WithRSA, OID.sha384WithRSA, OID.sha512WithRSA]);
const ECDSA_SIGNATURES = new Set<string>([
  OID.ecdsaWithSHA1,
  OID.ecdsaWithSHA256,
  OID.ecdsaWithSHA384,
  OID.ecdsaWithSHA512,
]);

/** Go's CheckSignature errors, by algorithm, so clients see what kube-apiserver would have said. */
function signatureFailure(sigOid: string): string {
  if (RSA_SIGNATURES.has(sigOid)) return 'crypto/rsa: verification error';
  if (ECDSA_SIGNATURES.has(sigOid)) return 'x509: ECDSA verification failure';
  if (sigOid === OID.ed25519) return 'x509: Ed25519 verification failure';
  if (sigOid === OID.md5WithRSA) return 'x509: cannot verify signature: insecure algorithm MD5-RSA';
  if (sigOid === OID.rsaPss) return 'x509: cannot verify signature: RSA-PSS is not supported by kubetls';
  return `x509: cannot verify signature: algorithm unimplemented (${sigOid})`;
}

/**
 * Decodes and checks `spec.request` (base64 text, as in JSON). `verify: false` skips the
 * signature check (admission only reads the subject, as upstream's parse-only path does).
 */
export function readRequest(requestBase64: string | null | undefined, verify = true): RequestResult {
  const r = typeof requestBase64 === 'string' ? readCached(requestBase64) : parse(requestBase64);
  if (verify && r.ok && !r.csr.signatureValid) return { ok: false, reason: signatureFailure(r.csr.signatureAlgorithm) };
  return r;
}

/**
 * Outcomes of the last requests read, by their exact base64 text. A CSR's request is read and
 * its signature checked on create, on every /approval and /status write (the whole object is
 * validated, as upstream) and by admission, always the same immutable bytes: in bench/serve.ts's
 * profile the ECDSA verification alone was the largest cost of a lifecycle after TLS (5.9% of
 * the main thread). The outcome depends on the bytes only, so the cached one is the same answer;
 * callers only read the ParsedCsr. Oldest inserted out first; 1,024 requests of ~1.5 KB each.
 */
const RECENT_REQUESTS = 1024;
const recent = new Map<string, RequestResult>();

function readCached(requestBase64: string): RequestResult {
  const hit = recent.get(requestBase64);
  if (hit) return hit;
  const r = parse(requestBase64);
  if (recent.size >= RECENT_REQUESTS) recent.delete(recent.keys().next().value!);
  recent.set(requestBase64, r);
  return r;
}

/** The request parsed (parseCsr checks the signature too: `signatureValid`). */
function parse(requestBase64: string | null | undefined): RequestResult {
  const pem = Buffer.from(requestBase64 ?? '', 'base64');
  let first;
  try {
    first = pemDecodeAll(pem)[0];
  } catch (e) {
    // Go's PEM reader skips a broken block; the outcome is the same refusal, with the cause kept
    if (isKubetlsError(e)) return { ok: false, reason: `${NOT_A_REQUEST} (${e.message})` };
    throw e;
  }
  if (first?.label !== 'CERTIFICATE REQUEST') return { ok: false, reason: NOT_A_REQUEST };
  let csr: ParsedCsr;
  try {
    csr = parseCsr(first.der);
  } catch (e) {
    if (isKubetlsError(e)) return { ok: false, reason: e.message };
    throw e;
  }
  return { ok: true, csr };
}
