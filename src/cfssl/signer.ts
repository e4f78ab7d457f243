/**
 * The local signer (cfssl's signer/local): signs PKCS#10 requests with a CA under a signing
 * policy. The hot path is the serve endpoint, so everything constant per CA is prepared
 * once (createIssuer: the CA's subject DER, AKI, KeyObject), the CSR is read with the lean
 * DER reader and the certificate written with the lean DER writer — one verify and one
 * sign of real cryptography per request.
 */
import type { KeyObject } from 'node:crypto';
import { KubetlsError } from '../errors/index.js';
import {
  certToPem,
  createIssuer,
  decodeExtensions,
  issueCertificate,
  OID,
  parseCertificate,
  parseCsr,
  pemDecodeOne,
  randomSerialBytes,
  spkiDer,
  systemClock,
  type CertificateTemplate,
  type Clock,
  type DistinguishedName,
  type Issuer,
  type ParsedCertificate,
  type ParsedCsr,
} from '../pki/index.js';
import { selectProfile, type SigningPolicy, type SigningProfile } from './config.js';
import { splitHosts, type SplitHosts } from './csrjson.js';

export interface SignRequest {
  /** PEM (or DER) PKCS#10 request */
  csr: string | Buffer;
  /** replaces the CSR's SANs when present (cfssl: an empty list removes them) */
  hosts?: string[] | undefined;
  /** fields present here replace the CSR's subject fields */
  subject?: DistinguishedName | undefined;
  profile?: string | undefined;
  label?: string | undefined;
}

export interface SignResult {
  der: Buffer;
  pem: string;
  /** e.g. "the certificate outlives its CA"; the CLI prints these, the server logs them */
  warnings: string[];
}

/** What cfssl's signer.Signer offers the CLI and the server. */
export interface Signer {
  readonly policy: SigningPolicy;
  sign(req: SignRequest): SignResult;
  /** the CA certificate in PEM (the `info` endpoint) */
  certificatePem(): string;
}

/** 20 random bytes with the top bit clear, as cfssl makes serials (a positive 159-bit integer). */
export const CFSSL_SERIAL_BITS = 159;

/** cfssl's notBefore: now rounded to the minute (Go's Round: halves up), minus the backdate. */
export function cfsslNotBefore(now: Date, backdateMs: number): Date {
  const t = now.getTime();
  const rounded = Math.floor((t + 30_000) / 60_000) * 60_000;
  return new Date(rounded - backdateMs);
}

/** Validity for a profile: explicit not_before/not_after win, else backdated now + expiry. */
export function profileValidity(
  profile: SigningProfile,
  fallbackExpiryMs: number,
  now: Date,
): { notBefore: Date; notAfter: Date } {
  const notBefore = profile.notBefore ?? cfsslNotBefore(now, profile.backdateMs);
  const notAfter = profile.notAfter ?? new Date(notBefore.getTime() + (profile.expiryMs || fallbackExpiryMs));
  return { notBefore, notAfter };
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

function mergeSubject(csr: DistinguishedName, override: DistinguishedName | undefined): DistinguishedName {
  if (!override) return csr;
  // cfssl's PopulateSubjectFromCSR: each field of the request's subject wins when set.
  const out: DistinguishedName = { ...csr };
  for (const [k, v] of Object.entries(override) as Array<[keyof DistinguishedName, string | string[] | undefined]>) {
    if (v !== undefined && (!Array.isArray(v) || v.length)) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

function checkWhitelist(re: RegExp, subject: DistinguishedName, sans: SplitHosts): void {
  const names = [
    ...(subject.commonName ? [subject.commonName] : []),
    ...sans.dnsNames,
    ...sans.emailAddresses,
    ...sans.ipAddresses,
    ...sans.uris,
  ];
  for (const n of names) {
    re.lastIndex = 0;
    if (!re.test(n))
      throw new KubetlsError('UnmatchedWhitelist', `"${n.slice(0, 80)}" does not match the profile's name_whitelist`);
  }
}

/**
 * A signed certificate with its PEM made on demand: the server writes its reply from the DER
 * (signreply.ts). A class, not an object literal with a getter: a literal allocates a fresh
 * accessor closure per certificate, which made V8 grow the workers' heaps by ~30 MB.
 */
class Issued implements SignResult {
  constructor(
    readonly der: Buffer,
    readonly warnings: string[],
  ) {}

  get pem(): string {
    return certToPem(this.der);
  }
}

export interface LocalSignerOptions {
  clock?: Clock;
}

export class LocalSigner implements Signer {
  readonly policy: SigningPolicy;
  readonly issuer: Issuer;
  readonly ca: ParsedCertificate;
  private readonly caSpki: Buffer;
  private readonly clock: Clock;
  private readonly caPem: string;

  constructor(caCertDer: Buffer, caKey: KeyObject, policy: SigningPolicy, o: LocalSignerOptions = {}) {
    this.issuer = createIssuer(caCertDer, caKey, 'cfssl');
    this.ca = parseCertificate(caCertDer);
    if (this.ca.isCA === false)
      throw new KubetlsError(
        'NotACA',
        `-ca: "${this.ca.subjectString}" is not a CA certificate (basicConstraints CA:FALSE)`,
      );
    this.caSpki = spkiDer(caKey);
    this.policy = policy;
    this.clock = o.clock ?? systemClock;
    this.caPem = certToPem(caCertDer);
  }

  certificatePem(): string {
    return this.caPem;
  }

  /** Resolves the profile; unknown names fall back to the default as in cfssl, with a warning. */
  profileFor(name: string | undefined, warnings: string[]): SigningProfile {
    const { profile, known } = selectProfile(this.policy, name);
    if (!known)
      warnings.push(`profile "${name}" is not in the signing config; using the default profile (as cfssl does)`);
    return profile;
  }

  sign(req: SignRequest, profileOverride?: SigningProfile): SignResult {
    const warnings: string[] = [];
    const csr = readCsr(req.csr);
    if (csr.spkiDer.equals(this.caSpki))
      throw new KubetlsError('InvalidRequest', "certificate_request: the CSR's public key is the CA's own key");
    const profile = profileOverride ?? this.profileFor(req.profile, warnings);
    return this.signParsed(csr, req, profile, warnings);
  }

  signParsed(
    csr: ParsedCsr,
    req: Pick<SignRequest, 'hosts' | 'subject'>,
    profile: SigningProfile,
    warnings: string[] = [],
  ): SignResult {
    if (profile.keyUsage.length === 0 && profile.extKeyUsage.length === 0) {
      throw new KubetlsError(
        'NoKeyUsages',
        `profile "${profile.name}" has no usages (cfssl: "Invalid policy: no key usage available")`,
      );
    }
    const subject = mergeSubject(csr.subject, req.subject);
    const sans: SplitHosts = req.hosts
      ? splitHosts(req.hosts)
      : { dnsNames: csr.dnsNames, ipAddresses: csr.ipAddresses, emailAddresses: csr.emailAddresses, uris: csr.uris };
    if (profile.nameWhitelist) checkWhitelist(profile.nameWhitelist, subject, sans);

    const cc = profile.caConstraint;
    if (
      !cc.isCA &&
      csr.extensions.some((e) => e.oid === OID.basicConstraints) &&
      decodeExtensions(csr.extensions).isCA
    ) {
      throw new KubetlsError(
        'InvalidRequest',
        `the CSR asks for a CA certificate but profile "${profile.name}" has no ca_constraint.is_ca (cfssl: "local signer policy disallows issuing CA certificate")`,
      );
    }
    let maxPathLen: number | undefined;
    if (cc.isCA) {
      maxPathLen = cc.maxPathLen > 0 || cc.maxPathLenZero ? cc.maxPathLen : undefined;
      const caLen = this.ca.maxPathLen;
      if (caLen !== undefined && (caLen === 0 || maxPathLen === undefined || maxPathLen >= caLen)) {
        throw new KubetlsError(
          'InvalidRequest',
          `the CA's path length limit (${caLen}) does not allow this intermediate (max_path_len ${maxPathLen ?? 'unlimited'})`,
        );
      }
    }
    const { notBefore, notAfter } = profileValidity(profile, this.policy.default.expiryMs, this.clock.now());
    if (notAfter > this.issuer.notAfter) {
      warnings.push(
        `the certificate expires ${notAfter.toISOString()}, after its CA (${this.issuer.notAfter.toISOString()}); cfssl allows this, but clients will reject the chain after the CA expires`,
      );
    }
    const t: CertificateTemplate = {
      subject,
      serialNumber: randomSerialBytes(CFSSL_SERIAL_BITS),
      notBefore,
      notAfter,
      isCA: cc.isCA,
      keyUsage: profile.keyUsage,
      extKeyUsage: profile.extKeyUsage,
      // cfssl drops DNS, e-mail and URI SANs from CA certificates (IP SANs stay)
      dnsNames: cc.isCA ? [] : sans.dnsNames,
      emailAddresses: cc.isCA ? [] : sans.emailAddresses,
      ipAddresses: sans.ipAddresses,
      uris: cc.isCA ? [] : sans.uris,
    };
    if (maxPathLen !== undefined) t.maxPathLen = maxPathLen;
    if (profile.ocspUrl) t.ocspServers = [profile.ocspUrl];
    if (profile.issuerUrls.length) t.issuingCertificateUrls = profile.issuerUrls;
    if (profile.crlUrl) t.crlDistributionPoints = [profile.crlUrl];
    const der = issueCertificate(t, { publicKey: csr.spkiDer, issuer: this.issuer });
    return new Issued(der, warnings);
  }
}
