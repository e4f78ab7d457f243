/**
 * Client-certificate path validation against the client CA bundle (`--client-ca-file`),
 * done here rather than by the TLS layer: the listener requests a certificate without
 * requiring one (`requestCert: true, rejectUnauthorized: false`, because tokens and anonymous
 * requests must reach their authenticators), hands over the chain the client presented, and
 * this module decides. Doing it here keeps the clock injectable (expiry tests need no
 * waiting), lets the CA bundle and revocation change without rebuilding a TLS context, and
 * gives each refusal a reason the API can log and audit.
 *
 * The checks follow what kube-apiserver's x509 authenticator gets from Go's
 * Certificate.Verify with the client CAs as roots, the rest of the presented chain as
 * intermediates and the clientAuth usage:
 * - a path from the leaf through presented intermediates (CA certificates, keyCertSign when
 *   they have a key usage, within their pathLen) to a CA of the bundle, every signature
 *   verified; a CA of the bundle that is presented as the client certificate is its own path;
 * - every certificate of the path valid at the injected `now` (the CA too);
 * - extended key usage: every certificate of the path that has one allows clientAuth (or any);
 * - no critical extension this module does not understand (nameConstraints included: Go
 *   enforces those, this module does not, so it refuses rather than ignores them).
 */
import { parseCertificate, type ParsedCertificate } from '../../pki/certparse.js';
import { errorMessage } from '../../errors/index.js';
import { OID } from '../../pki/oid.js';
import { verifySignature } from '../../pki/signature.js';

export type ChainResult = { ok: true; chain: ParsedCertificate[] } | { ok: false; reason: string };

/** Longest path accepted (leaf, intermediates, CA); Go's default is effectively unbounded, real ones are 2–3. */
export const MAX_CHAIN_LENGTH = 8;
/** Certificates a client may present; more is an attack on the verifier, not a PKI. */
export const MAX_PRESENTED_CERTIFICATES = 16;

const UNDERSTOOD_CRITICAL = new Set<string>([
  OID.basicConstraints,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.subjectAltName,
  OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier,
  OID.authorityInfoAccess,
  OID.crlDistributionPoints,
  '2.5.29.32', // certificatePolicies: Go accepts any policy when none is required
]);

/** A one-line description of a certificate for messages: its subject and serial. */
export function describeCertificate(c: ParsedCertificate): string {
  const serial = c.serialNumber < 0n ? '-0x' + (-c.serialNumber).toString(16) : '0x' + c.serialNumber.toString(16);
  return `"${c.subjectString}" (serial ${serial})`;
}

/** The client CA bundle, indexed by subject for path building. */
export class ClientCAs {
  private readonly bySubject = new Map<string, ParsedCertificate[]>();

  constructor(readonly certificates: readonly ParsedCertificate[]) {
    for (const ca of certificates) {
      const k = ca.subjectDer.toString('base64');
      const list = this.bySubject.get(k);
      if (list) list.push(ca);
      else this.bySubject.set(k, [ca]);
    }
  }

  /** CAs of the bundle whose subject is `issuerDer` (several during a CA rotation). */
  named(issuerDer: Buffer): readonly ParsedCertificate[] {
    return this.bySubject.get(issuerDer.toString('base64')) ?? [];
  }

  has(c: ParsedCertificate): boolean {
    return this.named(c.subjectDer).some((ca) => ca.der.equals(c.der));
  }
}

function signedBy(child: ParsedCertificate, parent: ParsedCertificate): boolean {
  if (!child.issuerDer.equals(parent.subjectDer)) return false;
  if (child.authorityKeyId && parent.subjectKeyId && !child.authorityKeyId.equals(parent.subjectKeyId)) return false;
  return verifySignature(child.signatureAlgorithm, child.tbsDer, child.signature, parent.spkiDer);
}

/**
 * Builds and checks the path of a presented chain (leaf first, DER) against the bundle, time
 * excluded (see checkValidity): the signatures and the shape of a path do not change, so a
 * verified path can be cached while validity is checked on every request.
 */
export function buildClientPath(presented: readonly Buffer[], cas: ClientCAs): ChainResult {
  if (presented.length === 0) return { ok: false, reason: 'no client certificate' };
  if (presented.length > MAX_PRESENTED_CERTIFICATES)
    return {
      ok: false,
      reason: `the client presented ${presented.length} certificates (at most ${MAX_PRESENTED_CERTIFICATES})`,
    };
  let parsed: ParsedCertificate[];
  try {
    parsed = presented.map((d) => parseCertificate(d));
  } catch (e) {
    return { ok: false, reason: `client certificate cannot be parsed: ${errorMessage(e)}` };
  }
  const leaf = parsed[0]!;
  const chain: ParsedCertificate[] = [leaf];
  if (!cas.has(leaf)) {
    const pool = parsed.slice(1);
    for (;;) {
      const current = chain[chain.length - 1]!;
      const anchor = cas.named(current.issuerDer).find((ca) => signedBy(current, ca));
      if (anchor) {
        chain.push(anchor);
        break;
      }
      if (chain.length + 1 >= MAX_CHAIN_LENGTH)
        return {
          ok: false,
          reason: `client certificate ${describeCertificate(leaf)}: chain longer than ${MAX_CHAIN_LENGTH}`,
        };
      const next = pool.find((p) => !chain.includes(p) && p.isCA === true && signedBy(current, p));
      if (!next)
        return {
          ok: false,
          reason: `client certificate ${describeCertificate(leaf)} is signed by unknown authority "${current.issuerString}"`,
        };
      chain.push(next);
    }
  }
  for (let i = 0; i < chain.length; i++) {
    const c = chain[i]!;
    const what = i === 0 ? `client certificate ${describeCertificate(c)}` : `CA "${c.subjectString}"`;
    const critical = c.extensions.find((e) => e.critical && !UNDERSTOOD_CRITICAL.has(e.oid));
    if (critical) return { ok: false, reason: `${what} has an unsupported critical extension ${critical.oid}` };
    if (c.extKeyUsage.length && !c.extKeyUsage.includes('clientAuth') && !c.extKeyUsage.includes('any'))
      return { ok: false, reason: `${what} is not valid for client authentication (extended key usage)` };
    if (i > 0 && i < chain.length - 1) {
      // an intermediate: must be a CA allowed to sign certificates
      if (c.keyUsage.length && !c.keyUsage.includes('keyCertSign'))
        return { ok: false, reason: `${what} may not sign certificates (key usage)` };
    }
    // pathLenConstraint: intermediates below this CA (the leaf and this CA excluded)
    if (i > 0 && c.maxPathLen !== undefined && c.maxPathLen >= 0 && i - 1 > c.maxPathLen)
      return { ok: false, reason: `${what} allows ${c.maxPathLen} intermediate CAs below it, the chain has ${i - 1}` };
  }
  return { ok: true, chain };
}

/** undefined when every certificate of the path is valid at `now`, else why not. */
export function checkValidity(chain: readonly ParsedCertificate[], now: Date): string | undefined {
  const t = now.getTime();
  for (let i = 0; i < chain.length; i++) {
    const c = chain[i]!;
    const what = i === 0 ? `client certificate ${describeCertificate(c)}` : `CA "${c.subjectString}"`;
    if (t > c.notAfter.getTime()) return `${what} expired at ${c.notAfter.toISOString()}`;
    if (t < c.notBefore.getTime()) return `${what} is not valid before ${c.notBefore.toISOString()}`;
  }
  return undefined;
}
