/**
 * `certs generate-csr`: the external-CA flow. For every leaf and kubeconfig of the catalog,
 * write a private key and a CSR (CN, O, SANs) for an outside CA to sign; kubeconfigs get a
 * `<name>.conf` holding the key (certificate to be added) and `<name>.conf.csr`.
 * Existing keys are reused, never replaced.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createCsr, csrToPem } from '../pki/csr.js';
import { generateEncodedKey, parsePrivateKeyPem, type KeyAlgorithm } from '../pki/keys.js';
import { PUBLIC_MODE, SECRET_MODE, writeFileAtomic } from '../util/files.js';
import { readFileBounded } from '../util/read.js';
import type { Catalog } from './catalog.js';
import { renderKubeconfig } from './kubeconfig.js';
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

export async function generateCsrs(
  c: Catalog,
  certDir: string,
  kubeconfigDir: string,
  algorithm: KeyAlgorithm,
  clusterName: string,
): Promise<string[]> {
  const reqs = csrRequests(c, certDir, kubeconfigDir);
  const lines: string[] = [];
  const keys = await Promise.all(
    reqs.map(async (r) => (existsSync(r.keyFile) ? null : await generateEncodedKey(algorithm))),
  );
  for (const [i, r] of reqs.entries()) {
    const isKubeconfig = r.keyFile.endsWith('.conf');
    let privateKey;
    // a new key signs its CSR as a KeyObject loaded from its PEM (see generateEncodedKey)
    if (keys[i]) privateKey = parsePrivateKeyPem(keys[i].privatePem, r.keyFile);
    else if (isKubeconfig) {
      const { parseKubeconfig } = await import('./kubeconfig.js');
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
    if (keys[i]) {
      const keyPem = keys[i].privatePem;
      const spec = c.kubeconfigs.find((k) => k.name === r.name);
      const data = isKubeconfig
        ? renderKubeconfig({
            clusterName,
            server: spec!.server,
            caPem: '',
            userName: r.commonName,
            clientCertPem: '',
            clientKeyPem: keyPem,
          })
        : keyPem;
      writeFileAtomic(r.keyFile, data, { mode: SECRET_MODE, existing: 'error' });
    }
    writeFileAtomic(r.csrFile, csrToPem(csr), { mode: PUBLIC_MODE, existing: 'backup' });
    lines.push(`[certs] ${keys[i] ? 'Wrote new key' : 'Reused existing key'} ${r.keyFile} and CSR ${r.csrFile}`);
  }
  return lines;
}
