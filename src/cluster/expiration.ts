/**
 * `certs check-expiration`: every certificate and kubeconfig of the catalog with its expiry,
 * residual time, CA and whether the CA is external — kubeadm's two tables, JSON and YAML —
 * plus a verdict for monitoring (missing, expired or within the threshold).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../pki/clock.js';
import { formatTable } from '../util/table.js';
import type { CaName, Catalog } from './catalog.js';
import { formatExpires, residualTime } from './expiryformat.js';
import { kubeconfigPairMismatch, keyPath, pairMismatch, readCertFiles, readKubeconfigFile } from './snapshot.js';

export interface ExpirationEntry {
  name: string;
  path: string;
  expirationDate?: Date;
  residualMs?: number;
  caName?: CaName;
  externallyManaged: boolean;
  missing: boolean;
  error?: string;
  /** the key on disk (or in the kubeconfig) is not this certificate's: whatever uses the pair fails */
  keyMismatch?: string;
}

export interface ExpirationReport {
  now: Date;
  certificates: ExpirationEntry[];
  certificateAuthorities: ExpirationEntry[];
}

/**
 * `caCertDir`: where the CA keys that sign this node's certificates live (`certs renew` uses
 * the same directory). In whole-cluster mode a worker's tree holds only `ca.crt`, but its
 * certificates are renewed with the first control plane's CA key, so they are not external.
 */
export async function checkExpiration(
  catalog: Catalog,
  certDir: string,
  kubeconfigDir: string,
  clock: Clock,
  caCertDir: string = certDir,
): Promise<ExpirationReport> {
  const now = clock.now();
  const external = new Map<CaName, boolean>();
  const cas: ExpirationEntry[] = [];
  for (const ca of catalog.cas) {
    const f = readCertFiles(certDir, ca.baseName);
    // only whether the key is there: reading (and parsing) the other tree's CA files is not needed
    const keyExists = caCertDir === certDir ? f.keyExists : existsSync(keyPath(caCertDir, ca.baseName));
    const ext = f.certExists && !keyExists;
    external.set(ca.name, ext);
    cas.push(
      withMismatch(
        entry(ca.name, f.certPath, f.cert?.notAfter, undefined, ext, !f.certExists, f.error, now),
        pairMismatch(f),
      ),
    );
  }
  const certs: ExpirationEntry[] = [];
  for (const leaf of catalog.leaves) {
    const f = readCertFiles(certDir, leaf.baseName);
    certs.push(
      withMismatch(
        entry(leaf.name, f.certPath, f.cert?.notAfter, leaf.ca, !!external.get(leaf.ca), !f.certExists, f.error, now),
        pairMismatch(f),
      ),
    );
  }
  for (const kc of catalog.kubeconfigs) {
    if (kc.managedByKubelet) continue; // the kubelet rotates its own client certificate
    const k = await readKubeconfigFile(join(kubeconfigDir, kc.name));
    const err = k.error ?? (k.exists && !k.clientCert ? 'no client certificate in the current user' : undefined);
    certs.push(
      withMismatch(
        entry(kc.name, k.path, k.clientCert?.notAfter, kc.ca, !!external.get(kc.ca), !k.exists, err, now),
        kubeconfigPairMismatch(k),
      ),
    );
  }
  const byName = (a: ExpirationEntry, b: ExpirationEntry) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return { now, certificates: certs.sort(byName), certificateAuthorities: cas.sort(byName) };
}

function entry(
  name: string,
  path: string,
  notAfter: Date | undefined,
  ca: CaName | undefined,
  ext: boolean,
  missing: boolean,
  error: string | undefined,
  now: Date,
): ExpirationEntry {
  const e: ExpirationEntry = { name, path, externallyManaged: ext, missing };
  if (notAfter) {
    e.expirationDate = notAfter;
    e.residualMs = notAfter.getTime() - now.getTime();
  }
  if (ca) e.caName = ca;
  if (error) e.error = error;
  return e;
}

function withMismatch(e: ExpirationEntry, mismatch: string | undefined): ExpirationEntry {
  if (mismatch) e.keyMismatch = mismatch;
  return e;
}

const yesNo = (b: boolean) => (b ? 'yes' : 'no');
/** A row's first column: kubeadm's name, marked when the pair is broken (the reason goes to stderr with the verdict). */
const rowName = (e: ExpirationEntry) => (e.keyMismatch ? `!KEY MISMATCH! ${e.name}` : e.name);

/** kubeadm's text output: two tables separated by a blank line. */
export function renderExpirationText(r: ExpirationReport): string {
  const rows1 = [['CERTIFICATE', 'EXPIRES', 'RESIDUAL TIME', 'CERTIFICATE AUTHORITY', 'EXTERNALLY MANAGED']];
  for (const e of r.certificates) {
    if (e.missing) rows1.push([`!MISSING! ${e.name}`, '', '', '', '']);
    // the reason goes to stderr with the verdict: in the EXPIRES column it would widen every row
    else if (!e.expirationDate) rows1.push([`!ERROR! ${e.name}`, '', '', '', '']);
    else
      rows1.push([
        rowName(e),
        formatExpires(e.expirationDate),
        residualTime(e.residualMs!),
        e.caName ?? '',
        yesNo(e.externallyManaged),
      ]);
  }
  const rows2 = [['CERTIFICATE AUTHORITY', 'EXPIRES', 'RESIDUAL TIME', 'EXTERNALLY MANAGED']];
  for (const e of r.certificateAuthorities) {
    if (e.missing) rows2.push([`!MISSING! ${e.name}`, '', '', '']);
    else if (!e.expirationDate) rows2.push([`!ERROR! ${e.name}`, '', '', '']);
    else
      rows2.push([
        rowName(e),
        formatExpires(e.expirationDate),
        residualTime(e.residualMs!),
        yesNo(e.externallyManaged),
      ]);
  }
  return formatTable(rows1) + '\n' + formatTable(rows2);
}

/** The shape of kubeadm's `-o json` (output.kubeadm.k8s.io/v1alpha3 CertificateExpirationInfo); residualTime in ns. */
export function expirationObject(r: ExpirationReport): Record<string, unknown> {
  const one = (e: ExpirationEntry, withCa: boolean) => ({
    name: e.name,
    ...(e.expirationDate
      ? {
          expirationDate: e.expirationDate.toISOString().replace('.000Z', 'Z'),
          residualTime: Math.trunc(e.residualMs! * 1e6),
        }
      : {}),
    ...(withCa ? { caName: e.caName ?? '' } : {}),
    externallyManaged: e.externallyManaged,
    ...(e.missing ? { missing: true } : {}),
    ...(e.error ? { error: e.error } : {}),
    ...(e.keyMismatch ? { keyMismatch: e.keyMismatch } : {}),
    path: e.path,
  });
  return {
    kind: 'CertificateExpirationInfo',
    apiVersion: 'output.kubeadm.k8s.io/v1alpha3',
    certificates: r.certificates.map((e) => one(e, true)),
    certificateAuthorities: r.certificateAuthorities.map((e) => one(e, false)),
  };
}

export interface Verdict {
  ok: boolean;
  problems: string[];
}

/** Fails on anything missing, unreadable, expired or expiring within `thresholdMs`, and on a key that is not its certificate's. */
export function expirationVerdict(entries: ExpirationEntry[], thresholdMs: number): Verdict {
  const problems: string[] = [];
  for (const e of entries) {
    if (e.missing) problems.push(`${e.name}: missing (${e.path})`);
    else if (e.error || e.residualMs === undefined)
      problems.push(`${e.name}: unreadable: ${e.error ?? 'no certificate'}`);
    else if (e.residualMs <= 0) problems.push(`${e.name}: expired on ${e.expirationDate!.toISOString()}`);
    else if (e.residualMs < thresholdMs)
      problems.push(`${e.name}: expires in ${residualTime(e.residualMs)} (${e.expirationDate!.toISOString()})`);
    if (e.keyMismatch) problems.push(`${e.name}: key mismatch: ${e.keyMismatch}`);
  }
  return { ok: problems.length === 0, problems };
}
