/**
 * The local signer (cfssl's signer/local): signs PKCS#10 requests with a CA it holds, under
 * a signing policy whose profiles say which rules apply (`SigningProfile.template`): cfssl's
 * (cfssl sign/gencert/serve), kube-controller-manager's (the CSR API's signers, ./kcm.ts) or
 * kubeadm's (`kubeconfig user`). The hot path is `cfssl serve`, so everything constant per
 * CA is prepared once (createIssuer: the CA's subject DER, AKI, KeyObject), the CSR is read
 * with the lean DER reader and the certificate written with the lean DER writer — one verify
 * and one sign of real cryptography per request. `issue` is the synchronous core the server
 * and the CLI call; `sign` is the same behind the `Signer` interface.
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
  randomSerialBytes,
  spkiDer,
  systemClock,
  type CertificateTemplate,
  type Clock,
  type DistinguishedName,
  type Issuer,
  type ParsedCertificate,
  type ParsedCsr,
  type RandomSource,
  type SignatureScheme,
} from '../pki/index.js';
import { defaultProfile, mapUsages, selectProfile, type SigningPolicy, type SigningProfile } from '../cfssl/config.js';
import { splitHosts, type SplitHosts } from '../cfssl/csrjson.js';
import { CFSSL_SERIAL_BITS, profileValidity } from '../cfssl/validity.js';
import { signedLeaf } from '../cluster/templates.js';
import type { Pattern } from '../util/pattern.js';
import { kcmTemplate, KCM_DEFAULT_MAX_TTL_MS } from './kcm.js';
import { Issued, readCsr, type Signer, type SignerInfo, type SignRequest, type SignResult } from './signer.js';

export interface LocalSignerOptions {
  clock?: Clock;
  random?: RandomSource;
  /**
   * whose rules pick the signature algorithm from the CA key: cfssl's (default: SHA-384/512
   * for large RSA and P-384/P-521 keys) or kubeadm's (SHA-256 for every RSA size)
   */
  signatureScheme?: SignatureScheme;
}

/**
 * A policy for one of the CSR API's built-in signers: kube-controller-manager's template,
 * usages and lifetime from each request, lifetimes capped at `maxTtlMs`
 * (--cluster-signing-duration, 8760h by default).
 */
export function kubernetesSigningPolicy(maxTtlMs = KCM_DEFAULT_MAX_TTL_MS): SigningPolicy {
  return { default: requestDrivenProfile('kubernetes', maxTtlMs), profiles: new Map() };
}

/** kubeadm's leaf template (`kubeconfig user`): extended key usages from the request, `validityMs` unless it asks for another. */
export function kubeadmSigningPolicy(validityMs: number): SigningPolicy {
  return { default: requestDrivenProfile('kubeadm', validityMs), profiles: new Map() };
}

function requestDrivenProfile(template: 'kubernetes' | 'kubeadm', expiryMs: number): SigningProfile {
  return {
    ...defaultProfile(),
    name: template,
    template,
    usages: [],
    keyUsage: [],
    extKeyUsage: [],
    expiryMs,
    expiryString: `${expiryMs / 3_600_000}h`,
  };
}

/**
 * cfssl's name_whitelist: the pattern must be found (unanchored) in the CN, when there is
 * one, and in every DNS name, e-mail address and URI SAN. IP SANs are not checked, as in
 * cfssl (checked with its binary: a whitelist of names lets any IP SAN through).
 */
function checkWhitelist(re: Pattern, subject: DistinguishedName, sans: SplitHosts): void {
  const names = [
    ...(subject.commonName ? [subject.commonName] : []),
    ...sans.dnsNames,
    ...sans.emailAddresses,
    ...sans.uris,
  ];
  for (const n of names) {
    if (!re.search(n))
      throw new KubetlsError('UnmatchedWhitelist', `"${n.slice(0, 80)}" does not match the profile's name_whitelist`);
  }
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

export class LocalSigner implements Signer {
  readonly policy: SigningPolicy;
  readonly issuer: Issuer;
  readonly ca: ParsedCertificate;
  private readonly caSpki: Buffer;
  private readonly clock: Clock;
  private readonly random: RandomSource | undefined;
  private readonly caPem: string;

  constructor(caCertDer: Buffer, caKey: KeyObject, policy: SigningPolicy, o: LocalSignerOptions = {}) {
    this.issuer = createIssuer(caCertDer, caKey, o.signatureScheme ?? 'cfssl');
    this.ca = parseCertificate(caCertDer);
    if (this.ca.isCA === false)
      throw new KubetlsError(
        'NotACA',
        `-ca: "${this.ca.subjectString}" is not a CA certificate (basicConstraints CA:FALSE)`,
      );
    this.caSpki = spkiDer(caKey);
    this.policy = policy;
    this.clock = o.clock ?? systemClock;
    this.random = o.random;
    this.caPem = certToPem(caCertDer);
  }

  certificatePem(): string {
    return this.caPem;
  }

  info(profile?: string): Promise<SignerInfo> {
    const p = selectProfile(this.policy, profile).profile;
    return Promise.resolve({ certificatePem: this.caPem, usages: p.usages, expiry: p.expiryString });
  }

  /** Resolves the profile; unknown names fall back to the default as in cfssl, with a warning. */
  profileFor(name: string | undefined, warnings: string[]): SigningProfile {
    const { profile, known } = selectProfile(this.policy, name);
    if (!known)
      warnings.push(`profile "${name}" is not in the signing config; using the default profile (as cfssl does)`);
    return profile;
  }

  /** The Signer interface over `issue`: a refusal becomes a rejected promise. */
  async sign(req: SignRequest): Promise<SignResult> {
    return this.issue(req);
  }

  /** Signs synchronously (the server's hot path, the CLI); `profileOverride` skips the lookup by name. */
  issue(req: SignRequest, profileOverride?: SigningProfile): SignResult {
    const warnings: string[] = [];
    const csr = readCsr(req.csr);
    if (csr.spkiDer.equals(this.caSpki))
      throw new KubetlsError('InvalidRequest', "certificate_request: the CSR's public key is the CA's own key");
    const profile = profileOverride ?? this.profileFor(req.profile, warnings);
    return this.signParsed(csr, req, profile, warnings);
  }

  signParsed(csr: ParsedCsr, req: SignRequest, profile: SigningProfile, warnings: string[] = []): SignResult {
    if (profile.template === 'kubernetes') {
      const t = kcmTemplate({
        csr,
        usages: req.usages ?? [],
        durationMs: req.durationMs,
        maxTtlMs: profile.expiryMs,
        caNotAfter: this.issuer.notAfter,
        now: this.clock.now(),
        random: this.random,
      });
      return new Issued(this.issueTemplate(t, csr), warnings);
    }
    if (profile.template === 'kubeadm') return new Issued(this.kubeadmLeaf(csr, req, profile), warnings);
    if (req.usages !== undefined || req.durationMs !== undefined)
      throw new KubetlsError(
        'InvalidRequest',
        `profile "${profile.name}" sets usages and expiry itself; a request cannot choose them`,
      );
    return new Issued(this.issueTemplate(this.cfsslTemplate(csr, req, profile, warnings), csr), warnings);
  }

  private issueTemplate(t: CertificateTemplate, csr: ParsedCsr): Buffer {
    return issueCertificate(t, { publicKey: csr.spkiDer, issuer: this.issuer });
  }

  private kubeadmLeaf(csr: ParsedCsr, req: SignRequest, profile: SigningProfile): Buffer {
    const { extKeyUsage } = mapUsages(req.usages ?? ['client auth'], 'usages');
    return signedLeaf(
      {
        commonName: csr.subject.commonName ?? '',
        organization: csr.subject.organization ?? [],
        extKeyUsage,
        dnsNames: csr.dnsNames,
        ipAddresses: csr.ipAddresses,
      },
      csr.spkiDer,
      this.issuer,
      this.clock.now(),
      req.durationMs ?? profile.expiryMs,
      this.random,
    );
  }

  private cfsslTemplate(
    csr: ParsedCsr,
    req: SignRequest,
    profile: SigningProfile,
    warnings: string[],
  ): CertificateTemplate {
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
      serialNumber: randomSerialBytes(CFSSL_SERIAL_BITS, this.random),
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
    return t;
  }
}
