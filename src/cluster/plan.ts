/**
 * Plan: from a node's catalog and what is on disk, decide per file whether to generate,
 * keep, copy (whole-cluster mode) or refuse. Pure: no I/O, so `--dry-run` prints exactly
 * what `apply` would do, and every problem is reported before anything is written.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { ParsedCertificate } from '../pki/certparse.js';
import { spkiDer } from '../pki/keys.js';
import { isSignedBy, missingSans } from '../pki/verify.js';
import type { CaName, CaSpec, Catalog, KubeconfigSpec, LeafSpec } from './catalog.js';
import { problem, type Problem } from './problem.js';
import {
  kubeconfigPairMismatch,
  pairMismatch,
  type CertFiles,
  type KubeconfigFile,
  type Snapshot,
} from './snapshot.js';

/** Where a CA comes from for the whole run: an existing cert (+ key unless external) or a new one. */
export interface CaSource {
  name: CaName;
  cert?: ParsedCertificate;
  key?: KeyObject;
  /** generated in this run */
  generate: boolean;
  /** cert present without key: kubeadm's external CA mode */
  external: boolean;
  /** the CA's files are unusable (already reported): skip checks of what it signs, to report the cause once */
  broken?: boolean;
}

export interface SaSource {
  key?: KeyObject;
  generate: boolean;
}

export type Step =
  | { kind: 'ca'; spec: CaSpec; action: 'generate' | 'keep' | 'external' | 'copy' }
  | { kind: 'leaf'; spec: LeafSpec; action: 'generate' | 'keep' }
  | { kind: 'kubeconfig'; spec: KubeconfigSpec; action: 'generate' | 'keep' }
  | { kind: 'sa'; action: 'generate' | 'keep' | 'copy' | 'write-pub' };

export interface Plan {
  node: string;
  certDir: string;
  kubeconfigDir: string;
  catalog: Catalog;
  steps: Step[];
  warnings: string[];
  errors: Problem[];
}

/** The problem for a file that exists but could not be read. */
const unreadable = (f: CertFiles | KubeconfigFile | Snapshot['sa']): Problem =>
  problem(f.errorCode ?? 'ReadFailed', f.error ?? '', 'path' in f ? f.path : 'certPath' in f ? f.certPath : f.keyPath);

/** Decides each CA's source from the snapshot of the node that owns the CAs. */
export function caSourcesFrom(
  snap: Snapshot,
  catalog: Catalog,
  now: Date,
  errors: Problem[],
  warnings: string[],
): Map<CaName, CaSource> {
  const out = new Map<CaName, CaSource>();
  for (const ca of catalog.cas) {
    const f = snap.certs.get(ca.name)!;
    if (f.error) {
      errors.push(unreadable(f));
      out.set(ca.name, { name: ca.name, generate: false, external: false, broken: true });
      continue;
    }
    if (!f.certExists && f.keyExists) {
      errors.push(
        problem(
          'NotFound',
          `${f.keyPath} exists but ${f.certPath} is missing; restore the certificate or remove the key to generate a new CA`,
          f.certPath,
        ),
      );
      out.set(ca.name, { name: ca.name, generate: false, external: false, broken: true });
      continue;
    }
    if (!f.certExists) {
      out.set(ca.name, { name: ca.name, generate: true, external: false });
      continue;
    }
    const cert = f.cert!;
    const notCa = !cert.isCA;
    const mismatch = notCa ? undefined : pairMismatch(f);
    if (notCa)
      errors.push(
        problem(
          'NotACA',
          `${f.certPath} is not a CA certificate (basicConstraints CA=false); it cannot be the "${ca.name}" CA`,
          f.certPath,
        ),
      );
    if (mismatch) errors.push(problem('KeyMismatch', mismatch, f.keyPath));
    if (cert.notAfter < now)
      warnings.push(`the "${ca.name}" CA certificate ${f.certPath} expired on ${cert.notAfter.toISOString()}`);
    else if (cert.notBefore > now)
      warnings.push(`the "${ca.name}" CA certificate ${f.certPath} is not valid until ${cert.notBefore.toISOString()}`);
    const src: CaSource = {
      name: ca.name,
      cert,
      generate: false,
      external: !f.keyExists,
      ...(notCa || mismatch ? { broken: true } : {}),
    };
    if (f.key) src.key = f.key;
    out.set(ca.name, src);
  }
  return out;
}

export function saSourceFrom(snap: Snapshot, errors: Problem[]): SaSource {
  if (snap.sa.error) errors.push(unreadable(snap.sa));
  return snap.sa.key ? { key: snap.sa.key, generate: false } : { generate: !snap.sa.keyExists };
}

export interface PlanInput {
  node: string;
  catalog: Catalog;
  snapshot: Snapshot;
  cas: Map<CaName, CaSource>;
  sa: SaSource;
  /** true for the node whose files define the CAs (the single node, or the first control-plane) */
  ownsCas: boolean;
  now: Date;
  /** errors/warnings already found while deciding CA sources */
  errors?: Problem[];
  warnings?: string[];
}

/** Whether a PEM public key (sa.pub) is the public half of `key`; unreadable PEM counts as no. */
export function publicKeyPemMatches(pem: string, key: KeyObject): boolean {
  try {
    return spkiDer(createPublicKey(pem)).equals(spkiDer(key));
  } catch {
    return false;
  }
}

const sameDer = (a: ParsedCertificate | undefined, b: ParsedCertificate | undefined): boolean =>
  !!a && !!b && a.der.equals(b.der);

export function planNode(p: PlanInput): Plan {
  const { catalog, snapshot: snap, now } = p;
  const errors = [...(p.errors ?? [])];
  const warnings = [...(p.warnings ?? [])];
  const steps: Step[] = [];

  for (const ca of catalog.cas) {
    const src = p.cas.get(ca.name)!;
    const f = snap.certs.get(ca.name)!;
    if (p.ownsCas) {
      steps.push({ kind: 'ca', spec: ca, action: src.generate ? 'generate' : src.external ? 'external' : 'keep' });
      continue;
    }
    if (f.error) errors.push(unreadable(f));
    else if (f.certExists && !src.generate && !sameDer(f.cert, src.cert))
      errors.push(
        problem(
          'NotShared',
          `${f.certPath} differs from the cluster's "${ca.name}" CA; every node must share the same CAs`,
          f.certPath,
        ),
      );
    else if (f.certExists && src.generate)
      errors.push(
        problem(
          'NotShared',
          `${f.certPath} exists but the cluster's "${ca.name}" CA is being generated now; remove it or provide the CA on the first control-plane node`,
          f.certPath,
        ),
      );
    const needKey = catalog.caKeys && !src.external;
    const complete = f.certExists && (!needKey || f.keyExists);
    steps.push({ kind: 'ca', spec: ca, action: complete ? 'keep' : 'copy' });
  }

  for (const leaf of catalog.leaves) {
    const f = snap.certs.get(leaf.name)!;
    const src = p.cas.get(leaf.ca)!;
    if (src.broken) continue;
    if (f.error) {
      errors.push(unreadable(f));
      continue;
    }
    if (!f.certExists && !f.keyExists) {
      if (src.external)
        errors.push(
          problem(
            'ExternalCA',
            `the "${leaf.ca}" CA key is missing (external CA mode), so "${leaf.name}" cannot be signed: provide ${f.certPath} and ${f.keyPath}`,
            f.certPath,
          ),
        );
      steps.push({ kind: 'leaf', spec: leaf, action: 'generate' });
      continue;
    }
    if (!f.certExists || !f.keyExists) {
      const missingPath = f.certExists ? f.keyPath : f.certPath;
      errors.push(
        problem(
          'NotFound',
          `${missingPath} is missing while ${f.certExists ? f.certPath : f.keyPath} exists; restore it, or remove both to generate "${leaf.name}" again`,
          missingPath,
        ),
      );
      continue;
    }
    const cert = f.cert!;
    const mismatch = pairMismatch(f);
    if (mismatch) errors.push(problem('KeyMismatch', mismatch, f.keyPath));
    if (src.generate)
      errors.push(
        problem(
          'WrongIssuer',
          `${f.certPath} exists but its CA "${leaf.ca}" does not (it would be generated now); remove the old "${leaf.name}" files or restore the CA`,
          f.certPath,
        ),
      );
    else if (src.cert && !isSignedBy(cert, src.cert))
      errors.push(
        problem(
          'WrongIssuer',
          `${f.certPath} is not signed by the "${leaf.ca}" CA (${src.cert.subjectString})`,
          f.certPath,
        ),
      );
    const missing = missingSans(cert, leaf);
    if (missing.length)
      errors.push(
        problem(
          'MissingSANs',
          `${f.certPath} does not cover the configured SANs ${missing.join(', ')}; move ${f.certPath} and ${f.keyPath} away and run this init again to issue it with them ("certs renew" keeps a certificate's SANs, as kubeadm's does)`,
          f.certPath,
        ),
      );
    if (cert.notAfter < now)
      warnings.push(`${f.certPath} expired on ${cert.notAfter.toISOString()}; run "kubetls certs renew ${leaf.name}"`);
    steps.push({ kind: 'leaf', spec: leaf, action: 'keep' });
  }

  for (const kc of catalog.kubeconfigs) {
    const f = snap.kubeconfigs.get(kc.name)!;
    const src = p.cas.get(kc.ca)!;
    if (src.broken) continue;
    if (f.error) {
      errors.push(unreadable(f));
      continue;
    }
    if (!f.exists) {
      if (src.external)
        errors.push(
          problem(
            'ExternalCA',
            `the "ca" key is missing (external CA mode), so ${f.path} cannot be generated: provide it`,
            f.path,
          ),
        );
      steps.push({ kind: 'kubeconfig', spec: kc, action: 'generate' });
      continue;
    }
    if (src.generate || !sameDer(f.caCert, src.cert))
      errors.push(
        problem(
          'WrongIssuer',
          `${f.path} embeds a different CA than the cluster's "ca"; move it away to generate a new one`,
          f.path,
        ),
      );
    // kubeadm only compares the CA and server; a kept kubeconfig whose client pair is broken
    // would pass init and fail later in kubectl or the kubelet, so the pair is checked too
    else if (f.clientCert && src.cert && !isSignedBy(f.clientCert, src.cert))
      errors.push(
        problem(
          'WrongIssuer',
          `${f.path}: its client certificate is not signed by the cluster's "ca" (${src.cert.subjectString}); move it away to generate a new one`,
          f.path,
        ),
      );
    if (f.clientCert && f.clientCert.subject.commonName !== kc.clientName)
      warnings.push(
        `${f.path}: its client certificate is for "${f.clientCert.subject.commonName ?? ''}", not "${kc.clientName}" (kept as it is)`,
      );
    const mismatch = kubeconfigPairMismatch(f);
    if (mismatch) errors.push(problem('KeyMismatch', `${mismatch}; move it away to generate a new one`, f.path));
    if (f.parsed?.server && f.parsed.server !== kc.server)
      warnings.push(`${f.path} points at ${f.parsed.server}, not ${kc.server} (kept as it is)`);
    steps.push({ kind: 'kubeconfig', spec: kc, action: 'keep' });
  }

  if (catalog.serviceAccountKey) {
    if (snap.sa.error) errors.push(unreadable(snap.sa));
    // tokens are signed with sa.key and checked with sa.pub: a stale or foreign sa.pub makes
    // every service-account token fail while init would report nothing to do
    const saKey = snap.sa.key ?? p.sa.key;
    if (saKey && snap.sa.pubPem !== undefined && !publicKeyPemMatches(snap.sa.pubPem, saKey)) {
      errors.push(
        problem(
          'KeyMismatch',
          `${snap.sa.pubPath} is not the public half of ${snap.sa.key ? snap.sa.keyPath : "the cluster's service-account key"}; remove it to write it again from the key`,
          snap.sa.pubPath,
        ),
      );
    }
    if (p.ownsCas) {
      steps.push({ kind: 'sa', action: p.sa.generate ? 'generate' : snap.sa.pubExists ? 'keep' : 'write-pub' });
    } else {
      if (
        snap.sa.key &&
        p.sa.key &&
        !snap.sa.key.export({ format: 'der', type: 'pkcs8' }).equals(p.sa.key.export({ format: 'der', type: 'pkcs8' }))
      ) {
        errors.push(
          problem(
            'NotShared',
            `${snap.sa.keyPath} differs from the cluster's service-account key; every control-plane node must share it`,
            snap.sa.keyPath,
          ),
        );
      }
      steps.push({ kind: 'sa', action: snap.sa.keyExists && snap.sa.pubExists ? 'keep' : 'copy' });
    }
  }
  return { node: p.node, certDir: snap.certDir, kubeconfigDir: snap.kubeconfigDir, catalog, steps, warnings, errors };
}

/** One line per step, for --dry-run and logs. */
export function describePlan(plan: Plan): string[] {
  const lines: string[] = [];
  for (const s of plan.steps) {
    // a worker holds only the CA certificates; an external CA has no key on disk
    if (s.kind === 'ca')
      lines.push(
        `[certs] ${s.action.padEnd(8)} CA "${s.spec.name}" (CN=${s.spec.commonName}) ${plan.certDir}/${s.spec.baseName}.${plan.catalog.caKeys && s.action !== 'external' ? '{crt,key}' : 'crt'}`,
      );
    else if (s.kind === 'leaf') {
      const sans = [...s.spec.dnsNames.map((d) => `DNS:${d}`), ...s.spec.ipAddresses.map((i) => `IP:${i}`)];
      lines.push(
        `[certs] ${s.action.padEnd(8)} "${s.spec.name}" (CN=${s.spec.commonName}${s.spec.organization.map((o) => `, O=${o}`).join('')}; ${s.spec.extKeyUsage.join(',')}${sans.length ? `; ${sans.join(' ')}` : ''}) ${plan.certDir}/${s.spec.baseName}.{crt,key}`,
      );
    } else if (s.kind === 'kubeconfig')
      lines.push(
        `[kubeconfig] ${s.action.padEnd(8)} ${plan.kubeconfigDir}/${s.spec.name} (user ${s.spec.clientName}, server ${s.spec.server})`,
      );
    else lines.push(`[certs] ${s.action.padEnd(8)} service-account key pair ${plan.certDir}/sa.{key,pub}`);
  }
  return lines;
}
