/**
 * What every signer offers (cfssl's signer.Signer, in kubetls's terms): sign a PKCS#10
 * request, and say which CA it signs with. Two implementations, as cfssl's signer/local
 * and signer/remote: `LocalSigner` (./local.ts) holds the CA key; `RemoteSigner`
 * (./remote.ts) asks a cfssl-compatible server (`kubetls cfssl serve`, `cfssl serve`).
 * Callers — `cfssl sign`/`gencert`/`serve`, `kubeconfig user`, `certs renew`, the CSR signer controller —
 * depend on this interface only, so a signer's CA can move to another host without
 * changing them.
 */
import { KubetlsError } from '../errors/index.js';
import { certToPem, parseCsr, pemDecodeOne, type DistinguishedName, type ParsedCsr } from '../pki/index.js';

export interface SignRequest {
  /** the PKCS#10 request, PEM or DER; its self-signature is checked */
  csr: string | Buffer;
  /** cfssl: replaces the CSR's SANs when present (an empty list removes them) */
  hosts?: string[] | undefined;
  /** cfssl: fields present here replace the CSR's subject fields */
  subject?: DistinguishedName | undefined;
  /** cfssl: the signing profile (unknown names fall back to the default, as in cfssl) */
  profile?: string | undefined;
  /** cfssl: the key label on the remote server (accepted and passed on; PKCS#11 labels are not used locally) */
  label?: string | undefined;
  /**
   * The Kubernetes CSR API's `spec.usages` (the same vocabulary as cfssl's usages), for
   * profiles whose usages come from the request (the `kubernetes` and `kubeadm`
   * templates). A cfssl profile fixes its usages itself and refuses a request that sets this.
   */
  usages?: readonly string[] | undefined;
  /** the requested lifetime (`spec.expirationSeconds` × 1000); same rule as `usages` */
  durationMs?: number | undefined;
}

export interface SignResult {
  der: Buffer;
  pem: string;
  /** e.g. "the certificate outlives its CA"; the CLI prints these, the server logs them */
  warnings: string[];
}

/** What cfssl's `info` endpoint answers. */
export interface SignerInfo {
  /** the signing CA's certificate, PEM */
  certificatePem: string;
  usages: string[];
  /** the profile's expiry as written in the configuration (a Go duration) */
  expiry: string;
}

export interface Signer {
  sign(req: SignRequest): Promise<SignResult>;
  /** the CA and the named profile's usages and expiry */
  info(profile?: string): Promise<SignerInfo>;
}

/**
 * A signed certificate with its PEM made on demand: the server writes its reply from the DER
 * (cfssl/signreply.ts). A class, not an object literal with a getter: a literal allocates a
 * fresh accessor closure per certificate, which made V8 grow the workers' heaps by ~30 MB.
 */
export class Issued implements SignResult {
  constructor(
    readonly der: Buffer,
    readonly warnings: string[],
  ) {}

  get pem(): string {
    return certToPem(this.der);
  }
}

/** Reads a PEM or DER CSR, checking its self-signature (cfssl: CheckSignature). */
export function readCsr(csr: string | Buffer): ParsedCsr {
  let der: Buffer;
  if (Buffer.isBuffer(csr) && csr[0] === 0x30) der = csr;
  else der = pemDecodeOne(csr, ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'], 'certificate request').der;
  const parsed = parseCsr(der);
  if (!parsed.signatureValid)
    throw new KubetlsError(
      'CSRSignature',
      'certificate_request: the CSR signature does not verify with its own public key',
    );
  return parsed;
}
