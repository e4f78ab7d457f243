/**
 * PKI checks on the files the flags point at: parse, chain to the CA the component is told
 * to trust, SANs covering the addresses in the flags, CN/O/EKU per kubeadm's table
 * (docs/upstream/k8s-pki.md §1/§2), key size, signature algorithm, cert/key pair, expiry windows, a leaf that
 * outlives its CA, file modes and ownership. Each file is loaded once and cached.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import {
  isSignedBy,
  isWeakSignatureAlgorithm,
  keyMatchesCertificate,
  missingSans,
  parseCertificatesPem,
  parsePrivateKeyPem,
  signatureAlgorithmName,
  type ParsedCertificate,
} from '../pki/index.js';
import { readFileBounded } from '../util/read.js';
import type { CheckName } from './checks.js';
import { expiryResult, type Findings } from './finding.js';

export interface Expect {
  cn?: string | RegExp;
  /** any of these O values must be present */
  org?: string[];
  eku?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
}

export class PkiContext {
  private certs = new Map<string, ParsedCertificate[] | Error>();
  private keys = new Map<string, KeyObject | Error>();
  private checkedFiles = new Set<string>();
  /** cert <-> key pairs already judged (by a component's flags or as siblings in the PKI directory) */
  private checkedPairs = new Set<string>();
  constructor(
    readonly f: Findings,
    readonly now: Date,
    /** absolute path under the root */
    readonly resolve: (p: string) => string,
    readonly rel: (abs: string) => string,
    readonly checkOwnership: boolean,
  ) {}

  loadCerts(path: string): ParsedCertificate[] | Error {
    return this.loadOnce(this.certs, path, (abs, text) => parseCertificatesPem(text, this.rel(abs)));
  }

  loadKey(path: string): KeyObject | Error {
    return this.loadOnce(this.keys, path, (abs, text) => parsePrivateKeyPem(text, this.rel(abs)));
  }

  /** Reads and parses a file the first time it is asked for; a failure is cached as the Error. */
  private loadOnce<T>(cache: Map<string, T | Error>, path: string, parse: (abs: string, text: Buffer) => T): T | Error {
    const abs = this.resolve(path);
    let v = cache.get(abs);
    if (v === undefined) {
      try {
        v = parse(abs, readFileBounded(abs, 1024 * 1024));
      } catch (e) {
        v = e as Error;
      }
      cache.set(abs, v);
    }
    return v;
  }

  /** Intrinsic checks of a certificate (expiry, key size, signature, mode) once per file. */
  certFile(component: string, path: string): ParsedCertificate | undefined {
    const r = this.loadCerts(path);
    const target = this.rel(this.resolve(path));
    if (r instanceof Error) {
      if (!this.checkedFiles.has(target))
        this.f.fail({ check: 'pki.cert-readable', component, evidence: r.message, target });
      this.checkedFiles.add(target);
      return undefined;
    }
    const cert = r[0]!;
    if (this.checkedFiles.has(target)) return cert;
    this.checkedFiles.add(target);
    this.intrinsic(component, cert, target);
    this.mode(component, target, 0o644, 'file.cert-mode');
    return cert;
  }

  intrinsic(component: string, cert: ParsedCertificate, target: string): void {
    const who = `"${cert.subjectString}"`;
    const ex = expiryResult(cert.notAfter, cert.notBefore, this.now);
    this.f.add({
      check: 'pki.expiry',
      component,
      result: ex.result,
      evidence: `${who} ${ex.evidence}`,
      ...(cert.isCA ? { remediation: 'plan a CA rotation (kubetls) before the CA expires' } : {}),
      target,
    });
    const pub = createPublicKey({ key: cert.spkiDer, format: 'der', type: 'spki' });
    const bits = pub.asymmetricKeyDetails?.modulusLength;
    if (pub.asymmetricKeyType === 'rsa' && (bits ?? 0) < 2048)
      this.f.fail({ check: 'pki.key-size', component, evidence: `${who} RSA ${bits} bits`, target });
    else
      this.f.pass({
        check: 'pki.key-size',
        component,
        evidence: `${pub.asymmetricKeyType}${bits ? ` ${bits}` : ''}${pub.asymmetricKeyDetails?.namedCurve ? ` ${pub.asymmetricKeyDetails.namedCurve}` : ''}`,
        target,
      });
    const sig = signatureAlgorithmName(cert.signatureAlgorithm);
    if (isWeakSignatureAlgorithm(cert.signatureAlgorithm))
      this.f.fail({ check: 'pki.signature', component, evidence: `${who} signed with ${sig}`, target });
    else this.f.pass({ check: 'pki.signature', component, evidence: sig, target });
  }

  /**
   * The file's mode must not exceed `max` (`check`); when running as root, it must also be
   * owned by root:root (`owner`: 1.1.19, or 4.1.8 for the kubelet's client CA file).
   */
  mode(component: string, target: string, max: number, check: CheckName, owner: CheckName = 'file.owner'): void {
    const abs = this.resolve('/' + target);
    let st;
    try {
      st = statSync(abs);
    } catch {
      return;
    }
    const mode = st.mode & 0o777;
    const evidence = `mode ${mode.toString(8).padStart(3, '0')}`;
    this.f.verdict((mode & ~max) === 0, {
      check,
      component,
      evidence,
      remediation: `chmod ${max.toString(8)} ${'/' + target}`,
      target,
    });
    if (!this.checkOwnership) return;
    if (st.uid === 0 && st.gid === 0) this.f.pass({ check: owner, component, evidence: `${st.uid}:${st.gid}`, target });
    else
      this.f.fail({
        check: owner,
        component,
        evidence: `owner ${st.uid}:${st.gid}`,
        remediation: `chown root:root ${'/' + target}`,
        target,
      });
  }

  keyFile(component: string, path: string): KeyObject | undefined {
    const r = this.loadKey(path);
    const target = this.rel(this.resolve(path));
    const first = !this.checkedFiles.has(target);
    this.checkedFiles.add(target);
    if (r instanceof Error) {
      if (first) this.f.fail({ check: 'pki.key-readable', component, evidence: r.message, target });
      return undefined;
    }
    if (first) this.mode(component, target, 0o600, 'file.key-mode');
    return r;
  }

  /** A CA file: must be a CA certificate. */
  caFile(component: string, path: string): ParsedCertificate | undefined {
    const cert = this.certFile(component, path);
    if (!cert) return undefined;
    const target = this.rel(this.resolve(path));
    if (cert.isCA !== true)
      this.f.fail({ check: 'pki.ca-file', component, evidence: `"${cert.subjectString}" has CA=false`, target });
    return cert;
  }

  /** A leaf + key referenced by a component, expected to chain to `caPath`. */
  pair(
    component: string,
    certPath: string,
    keyPath: string | undefined,
    caPath: string | undefined,
    expect: Expect,
  ): void {
    const cert = this.certFile(component, certPath);
    const target = this.rel(this.resolve(certPath));
    if (!cert) return;
    if (keyPath) {
      const key = this.keyFile(component, keyPath);
      const keyTarget = this.rel(this.resolve(keyPath));
      this.checkedPairs.add(`${target}\0${keyTarget}`);
      if (key) {
        if (keyMatchesCertificate(key, cert))
          this.f.pass({ check: 'pki.key-pair', component, evidence: `${target} ↔ ${keyTarget}`, target });
        else
          this.f.fail({
            check: 'pki.key-pair',
            component,
            evidence: `${keyTarget} is not the key of ${target}`,
            target,
          });
      }
    }
    if (caPath) this.chain(component, cert, target, this.loadCaList(component, caPath), this.rel(this.resolve(caPath)));
    this.expect(component, cert, target, expect);
  }

  /**
   * A certificate in the PKI directory with its key beside it (`X.crt` + `X.key`, `X.pem` +
   * `X-key.pem`): the pair must match even when no component's flags name it - a tree
   * `kubetls init` wrote before any control plane runs, or a file only an operator uses.
   */
  siblingPair(component: string, certPath: string): void {
    const keyPath = certPath.endsWith('.pem')
      ? certPath.replace(/\.pem$/, '-key.pem')
      : certPath.replace(/\.crt$/, '.key');
    if (keyPath === certPath || !existsSync(this.resolve(keyPath))) return;
    const target = this.rel(this.resolve(certPath));
    const keyTarget = this.rel(this.resolve(keyPath));
    if (this.checkedPairs.has(`${target}\0${keyTarget}`)) return;
    this.checkedPairs.add(`${target}\0${keyTarget}`);
    const certs = this.loadCerts(certPath);
    const key = this.loadKey(keyPath);
    // unreadable halves are reported by certFile/keyFile
    if (certs instanceof Error || key instanceof Error || !certs[0]) return;
    // only a mismatch is reported: a PASS row for every pair no flag names would lengthen every report
    if (!keyMatchesCertificate(key, certs[0]))
      this.f.fail({ check: 'pki.key-pair', component, evidence: `${keyTarget} is not the key of ${target}`, target });
  }

  loadCaList(component: string, caPath: string): ParsedCertificate[] {
    const cas = this.loadCerts(caPath);
    this.caFile(component, caPath);
    return cas instanceof Error ? [] : cas;
  }

  chain(component: string, cert: ParsedCertificate, target: string, cas: ParsedCertificate[], caTarget: string): void {
    const parent = cas.find((ca) => isSignedBy(cert, ca));
    if (!parent) {
      this.f.fail({
        check: 'pki.chain',
        component,
        evidence: `"${cert.subjectString}" (issuer "${cert.issuerString}") is not signed by ${caTarget}${cas.length ? ` ("${cas[0]!.subjectString}")` : ''}`,
        remediation: `reissue it from ${caTarget}, or point the CA flag at its issuer`,
        target,
      });
      return;
    }
    this.f.pass({
      check: 'pki.chain',
      component,
      evidence: `signed by "${parent.subjectString}" (${caTarget})`,
      target,
    });
    if (cert.notAfter > parent.notAfter)
      this.f.fail({
        check: 'pki.outlives',
        component,
        evidence: `leaf until ${cert.notAfter.toISOString()}, CA until ${parent.notAfter.toISOString()}`,
        target,
      });
    else
      this.f.pass({
        check: 'pki.outlives',
        component,
        evidence: `leaf ${cert.notAfter.toISOString()} ≤ CA ${parent.notAfter.toISOString()}`,
        target,
      });
  }

  expect(component: string, cert: ParsedCertificate, target: string, e: Expect): void {
    const problems: string[] = [];
    const cn = cert.subject.commonName ?? '';
    if (e.cn !== undefined && !(typeof e.cn === 'string' ? cn === e.cn : e.cn.test(cn)))
      problems.push(`CN "${cn}", want ${typeof e.cn === 'string' ? `"${e.cn}"` : e.cn.source}`);
    const orgs = cert.subject.organization ?? [];
    if (e.org && !e.org.some((o) => orgs.includes(o)))
      problems.push(`O [${orgs.join(',')}], want one of [${e.org.join(',')}]`);
    for (const u of e.eku ?? []) if (!cert.extKeyUsage.includes(u)) problems.push(`EKU lacks ${u}`);
    if (e.cn !== undefined || e.org || e.eku)
      this.f.add({
        check: 'pki.subject',
        component,
        result: problems.length ? 'FAIL' : 'PASS',
        evidence: problems.length
          ? problems.join('; ')
          : `CN "${cn}"${orgs.length ? ` O [${orgs.join(',')}]` : ''} EKU [${cert.extKeyUsage.join(',')}]`,
        target,
      });
    if (e.dnsNames?.length || e.ipAddresses?.length) {
      const missing = missingSans(cert, { dnsNames: e.dnsNames ?? [], ipAddresses: e.ipAddresses ?? [] });
      this.f.add({
        check: 'pki.sans',
        component,
        result: missing.length ? 'FAIL' : 'PASS',
        evidence: missing.length
          ? `missing ${missing.join(', ')} (has ${[...cert.dnsNames, ...cert.ipAddresses].join(', ')})`
          : [...(e.dnsNames ?? []), ...(e.ipAddresses ?? [])].join(', '),
        target,
      });
    }
  }
}
