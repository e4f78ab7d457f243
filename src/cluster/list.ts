/** `certs list`: the catalog joined with what is on disk. */
import { join } from 'node:path';
import { formatTable } from '../util/table.js';
import type { Catalog } from './catalog.js';
import { readCertFiles, readKubeconfigFile } from './snapshot.js';

export interface ListRow {
  name: string;
  kind: 'ca' | 'certificate' | 'kubeconfig' | 'key-pair';
  subject: string;
  sans: string[];
  usages: string[];
  signedBy: string;
  path: string;
  state: 'ok' | 'missing' | 'expired' | 'external-ca' | 'error';
  notAfter?: string;
  detail?: string;
}

export async function listCatalog(c: Catalog, certDir: string, kubeconfigDir: string, now: Date): Promise<ListRow[]> {
  const rows: ListRow[] = [];
  const subj = (cn: string, o: string[]) => [`CN=${cn}`, ...o.map((x) => `O=${x}`)].join(',');
  for (const ca of c.cas) {
    const f = readCertFiles(certDir, ca.baseName);
    rows.push({
      name: ca.name,
      kind: 'ca',
      subject: `CN=${ca.commonName}`,
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
            : f.cert!.notAfter < now
              ? 'expired'
              : 'ok',
      ...(f.cert ? { notAfter: f.cert.notAfter.toISOString() } : {}),
      ...(f.error ? { detail: f.error } : {}),
    });
  }
  for (const l of c.leaves) {
    const f = readCertFiles(certDir, l.baseName);
    rows.push({
      name: l.name,
      kind: 'certificate',
      subject: subj(l.commonName, l.organization),
      sans: [...l.dnsNames.map((d) => `DNS:${d}`), ...l.ipAddresses.map((i) => `IP:${i}`)],
      usages: l.extKeyUsage,
      signedBy: l.ca,
      path: f.certPath,
      state: f.error ? 'error' : !f.certExists || !f.keyExists ? 'missing' : f.cert!.notAfter < now ? 'expired' : 'ok',
      ...(f.cert ? { notAfter: f.cert.notAfter.toISOString() } : {}),
      ...(f.error ? { detail: f.error } : {}),
    });
  }
  for (const k of c.kubeconfigs) {
    const f = await readKubeconfigFile(join(kubeconfigDir, k.name));
    rows.push({
      name: k.name,
      kind: 'kubeconfig',
      subject: subj(k.clientName, k.organization),
      sans: [],
      usages: ['clientAuth'],
      signedBy: k.ca,
      path: f.path,
      state: f.error ? 'error' : !f.exists ? 'missing' : f.clientCert && f.clientCert.notAfter < now ? 'expired' : 'ok',
      ...(f.clientCert ? { notAfter: f.clientCert.notAfter.toISOString() } : {}),
      detail: f.error ?? `server ${k.server}${k.managedByKubelet ? '; rotated by the kubelet' : ''}`,
    });
  }
  if (c.serviceAccountKey) {
    const f = readCertFiles(certDir, 'sa');
    rows.push({
      name: 'sa',
      kind: 'key-pair',
      subject: '-',
      sans: [],
      usages: ['service-account token signing'],
      signedBy: '-',
      path: join(certDir, 'sa.key'),
      state: f.error ? 'error' : f.keyExists ? 'ok' : 'missing',
      ...(f.error ? { detail: f.error } : {}),
    });
  }
  return rows;
}

export function renderList(rows: ListRow[]): string {
  return formatTable([
    ['NAME', 'KIND', 'SUBJECT', 'USAGES', 'SIGNED BY', 'STATE', 'PATH', 'SANS'],
    ...rows.map((r) => [r.name, r.kind, r.subject, r.usages.join(','), r.signedBy, r.state, r.path, r.sans.join(' ')]),
  ]);
}
