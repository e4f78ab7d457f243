/**
 * `certs list`: the catalog joined with what is on disk. A file that exists is shown as it is
 * (its subject and SANs); one that does not, as `init` would issue it. Every pair is checked
 * (a key that is not its certificate's is `key-mismatch`), and — only when the configuration
 * the tree was issued with is known (saved by `init`, or given) — a certificate that lacks a
 * configured SAN is `missing-sans`. Without a known configuration nothing is compared with
 * this machine's defaults (its hostname and address say nothing about another node's tree).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../errors/index.js';
import type { ParsedCertificate } from '../pki/certparse.js';
import { parsePrivateKeyPem } from '../pki/keys.js';
import { missingSans } from '../pki/verify.js';
import { readFileBounded } from '../util/read.js';
import { formatTable } from '../util/table.js';
import type { Catalog } from './catalog.js';
import { publicKeyPemMatches } from './plan.js';
import { kubeconfigPairMismatch, pairMismatch, readCertFiles, readKubeconfigFile } from './snapshot.js';

export type ListState = 'ok' | 'missing' | 'expired' | 'external-ca' | 'error' | 'key-mismatch' | 'missing-sans';

export interface ListRow {
  name: string;
  kind: 'ca' | 'certificate' | 'kubeconfig' | 'key-pair';
  subject: string;
  sans: string[];
  usages: string[];
  signedBy: string;
  path: string;
  state: ListState;
  notAfter?: string;
  detail?: string;
}

export interface ListOptions {
  /**
   * The catalog comes from a known configuration (saved by init, a --config file or identity
   * flags): certificates are checked against its SANs. Otherwise they are shown as they are.
   */
  compareSans?: boolean;
}

const subj = (cn: string, o: readonly string[]) => [`CN=${cn}`, ...o.map((x) => `O=${x}`)].join(',');
const subjectOf = (c: ParsedCertificate) => subj(c.subject.commonName ?? '', c.subject.organization ?? []);
const sansOf = (x: { dnsNames: readonly string[]; ipAddresses: readonly string[] }) => [
  ...x.dnsNames.map((d) => `DNS:${d}`),
  ...x.ipAddresses.map((i) => `IP:${i}`),
];

const detailOf = (d: string | undefined): { detail?: string } => (d === undefined ? {} : { detail: d });

export async function listCatalog(
  c: Catalog,
  certDir: string,
  kubeconfigDir: string,
  now: Date,
  o: ListOptions = {},
): Promise<ListRow[]> {
  const rows: ListRow[] = [];
  for (const ca of c.cas) {
    const f = readCertFiles(certDir, ca.baseName);
    const mismatch = pairMismatch(f);
    rows.push({
      name: ca.name,
      kind: 'ca',
      subject: f.cert ? subjectOf(f.cert) : `CN=${ca.commonName}`,
      sans: [],
      usages: ['cert sign'],
      signedBy: 'self',
      path: f.certPath,
      state: f.error
        ? 'error'
        : !f.certExists
          ? 'missing'
          : !f.keyExists
            ? 'external-ca'
            : mismatch
              ? 'key-mismatch'
              : f.cert!.notAfter < now
                ? 'expired'
                : 'ok',
      ...(f.cert ? { notAfter: f.cert.notAfter.toISOString() } : {}),
      ...detailOf(f.error ?? mismatch),
    });
  }
  for (const l of c.leaves) {
    const f = readCertFiles(certDir, l.baseName);
    const mismatch = pairMismatch(f);
    const lacking = o.compareSans && f.cert ? missingSans(f.cert, l) : [];
    rows.push({
      name: l.name,
      kind: 'certificate',
      subject: f.cert ? subjectOf(f.cert) : subj(l.commonName, l.organization),
      sans: f.cert ? sansOf(f.cert) : sansOf(l),
      usages: l.extKeyUsage,
      signedBy: l.ca,
      path: f.certPath,
      state: f.error
        ? 'error'
        : !f.certExists || !f.keyExists
          ? 'missing'
          : mismatch
            ? 'key-mismatch'
            : f.cert!.notAfter < now
              ? 'expired'
              : lacking.length
                ? 'missing-sans'
                : 'ok',
      ...(f.cert ? { notAfter: f.cert.notAfter.toISOString() } : {}),
      ...detailOf(
        f.error ?? mismatch ?? (lacking.length ? `lacks the configured SANs ${lacking.join(', ')}` : undefined),
      ),
    });
  }
  for (const k of c.kubeconfigs) {
    const f = await readKubeconfigFile(join(kubeconfigDir, k.name));
    const mismatch = kubeconfigPairMismatch(f);
    rows.push({
      name: k.name,
      kind: 'kubeconfig',
      subject: f.clientCert ? subjectOf(f.clientCert) : subj(k.clientName, k.organization),
      sans: [],
      usages: ['clientAuth'],
      signedBy: k.ca,
      path: f.path,
      state: f.error
        ? 'error'
        : !f.exists
          ? 'missing'
          : mismatch
            ? 'key-mismatch'
            : f.clientCert && f.clientCert.notAfter < now
              ? 'expired'
              : 'ok',
      ...(f.clientCert ? { notAfter: f.clientCert.notAfter.toISOString() } : {}),
      detail:
        f.error ??
        mismatch ??
        `server ${f.parsed?.server ?? k.server}${k.managedByKubelet ? '; rotated by the kubelet' : ''}`,
    });
  }
  if (c.serviceAccountKey) rows.push(serviceAccountRow(certDir));
  return rows;
}

/** sa.key and sa.pub: present, readable, and sa.pub the public half of sa.key (tokens fail otherwise). */
function serviceAccountRow(certDir: string): ListRow {
  const keyPath = join(certDir, 'sa.key');
  const pubPath = join(certDir, 'sa.pub');
  const row: ListRow = {
    name: 'sa',
    kind: 'key-pair',
    subject: '-',
    sans: [],
    usages: ['service-account token signing'],
    signedBy: '-',
    path: keyPath,
    state: 'ok',
  };
  if (!existsSync(keyPath)) return { ...row, state: 'missing' };
  try {
    const key = parsePrivateKeyPem(readFileBounded(keyPath, 1024 * 1024), keyPath);
    if (existsSync(pubPath) && !publicKeyPemMatches(readFileBounded(pubPath, 1024 * 1024).toString('latin1'), key))
      return { ...row, state: 'key-mismatch', detail: `${pubPath} is not the public half of ${keyPath}` };
  } catch (e) {
    return { ...row, state: 'error', detail: errorMessage(e) };
  }
  return row;
}

export function renderList(rows: ListRow[]): string {
  return formatTable([
    ['NAME', 'KIND', 'SUBJECT', 'USAGES', 'SIGNED BY', 'STATE', 'PATH', 'SANS'],
    ...rows.map((r) => [r.name, r.kind, r.subject, r.usages.join(','), r.signedBy, r.state, r.path, r.sans.join(' ')]),
  ]);
}
