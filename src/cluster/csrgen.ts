/**
 * `certs generate-csr`: the external-CA flow. For every leaf and kubeconfig of the catalog,
 * write a private key and a CSR (CN, O, SANs) for an outside CA to sign; kubeconfigs get a
 * `<name>.conf` holding the key (certificate to be added) and `<name>.conf.csr`.
 * Existing keys are reused, never replaced; an existing CSR is kept as a backup.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createCsr, csrToPem } from '../pki/csr.js';
import { generateEncodedKey, parsePrivateKeyPem, type KeyAlgorithm } from '../pki/keys.js';
import { PUBLIC_MODE, SECRET_MODE, planWrites, writeBatch, type BatchWrite } from '../util/files.js';
import { readFileBounded } from '../util/read.js';
import type { Catalog } from './catalog.js';
import { parseKubeconfig, renderKubeconfig } from './kubeconfig.js';
import { recoverTree } from './recover.js';
import { keyPath } from './snapshot.js';

export interface CsrRequest {
  name: string;
  keyFile: string;
  csrFile: string;
  commonName: string;
  organization: string[];
  dnsNames: string[];
  ipAddresses: string[];
}

export function csrRequests(c: Catalog, certDir: string, kubeconfigDir: string): CsrRequest[] {
  const leaves = c.leaves.map((l) => ({
    name: l.name,
    keyFile: keyPath(certDir, l.baseName),
    csrFile: join(certDir, `${l.baseName}.csr`),
    commonName: l.commonName,
    organization: l.organization,
    dnsNames: l.dnsNames,
    ipAddresses: l.ipAddresses,
  }));
  const kcs = c.kubeconfigs.map((k) => ({
    name: k.name,
    keyFile: join(kubeconfigDir, k.name),
    csrFile: join(kubeconfigDir, `${k.name}.csr`),
    commonName: k.clientName,
    organization: k.organization,
    dnsNames: [],
    ipAddresses: [],
  }));
  return [...leaves, ...kcs];
}

export interface GenerateCsrOptions {
  /** say what would be written; write nothing */
  dryRun?: boolean;
}

/**
 * Keys (new ones only) and CSRs for every request, written as one journaled batch (a new key
 * and its CSR together): an interrupted run is finished or undone by the next.
 */
export async function generateCsrs(
  c: Catalog,
  certDir: string,
  kubeconfigDir: string,
  algorithm: KeyAlgorithm,
  clusterName: string,
  o: GenerateCsrOptions = {},
): Promise<string[]> {
  const reqs = csrRequests(c, certDir, kubeconfigDir);
  const lines = o.dryRun
    ? []
    : await recoverTree(
        [certDir],
        reqs.flatMap((r) => [r.keyFile, r.csrFile]),
      );
  // a new key only where there is none (all at once, on every core), kept with its request
  const keyed = await Promise.all(
    reqs.map(async (r) => ({ r, key: existsSync(r.keyFile) ? null : await generateEncodedKey(algorithm) })),
  );
  const writes: BatchWrite[] = [];
  for (const { r, key } of keyed) {
    const isKubeconfig = r.keyFile.endsWith('.conf');
    let privateKey;
    // a new key signs its CSR as a KeyObject loaded from its PEM (see generateEncodedKey)
    if (key) privateKey = parsePrivateKeyPem(key.privatePem, r.keyFile);
    else if (isKubeconfig) {
      const k = await parseKubeconfig(readFileBounded(r.keyFile).toString('utf8'), r.keyFile);
      privateKey = parsePrivateKeyPem(k.clientKeyPem ?? '', `${r.keyFile} client-key-data`);
    } else privateKey = parsePrivateKeyPem(readFileBounded(r.keyFile), r.keyFile);
    const csr = createCsr(
      {
        subject: { commonName: r.commonName, organization: r.organization },
        dnsNames: r.dnsNames,
        ipAddresses: r.ipAddresses,
      },
      privateKey,
    );
    if (key) {
      const spec = c.kubeconfigs.find((k) => k.name === r.name);
      const data = isKubeconfig
        ? renderKubeconfig({
            clusterName,
            server: spec!.server,
            caPem: '',
            userName: r.commonName,
            clientCertPem: '',
            clientKeyPem: key.privatePem,
          })
        : key.privatePem;
      writes.push({ path: r.keyFile, data, mode: SECRET_MODE, existing: 'refuse', group: r.name });
    }
    writes.push({ path: r.csrFile, data: csrToPem(csr), mode: PUBLIC_MODE, existing: 'backup', group: r.name });
  }
  if (o.dryRun) {
    const backups = new Map(planWrites(writes).flatMap((p) => (p.backup ? [[p.file.path, p.backup]] : [])));
    for (const { r, key } of keyed) {
      const kept = backups.get(r.csrFile);
      lines.push(
        `[certs] Would ${key ? 'write a new key' : 'reuse the existing key'} ${r.keyFile} and write CSR ${r.csrFile}${kept ? ` (the current one kept as ${kept})` : ''}`,
      );
    }
    return lines;
  }
  await writeBatch(writes, { journalDir: certDir });
  for (const { r, key } of keyed)
    lines.push(`[certs] ${key ? 'Wrote new key' : 'Reused existing key'} ${r.keyFile} and CSR ${r.csrFile}`);
  return lines;
}
