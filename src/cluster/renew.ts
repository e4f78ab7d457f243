/**
 * `certs renew <name>|all` with kubeadm's semantics (SPEC §3): same CN, O, SANs and usages,
 * a NEW private key, signed by the local CA, validity from now; kubeconfigs updated in
 * place (current user's cert/key and the embedded CA); old files backed up; external CAs
 * skipped; and the list of components that must restart to pick the new files up.
 */
import { join } from 'node:path';
import { errorMessage, KubetlsError } from '../errors/index.js';
import { createIssuer, type Issuer } from '../pki/certificate.js';
import type { Clock } from '../pki/clock.js';
import { generateEncodedKey, keyAlgorithmOf, parsePrivateKeyPem, type KeyAlgorithm } from '../pki/keys.js';
import { certToPem } from '../pki/load.js';
import type { ExtKeyUsage } from '../pki/oid.js';
import { EKU_OID } from '../pki/oid.js';
import type { RandomSource } from '../pki/serial.js';
import { PUBLIC_MODE, SECRET_MODE, writeFileAtomic } from '../util/files.js';
import type { Catalog } from './catalog.js';
import { updateKubeconfig } from './kubeconfig.js';
import { formatExpires } from './residual.js';
import { readCertFiles, readKubeconfigFile, type CertFiles, type KubeconfigFile } from './snapshot.js';
import { signedLeaf } from './templates.js';

export interface RenewOptions {
  catalog: Catalog;
  certDir: string;
  kubeconfigDir: string;
  /** where the signing CAs are read from (default certDir): a worker's tree holds only ca.crt */
  caCertDir?: string;
  /** names from `renewableNames`, or ['all'] */
  names: string[];
  validityMs: number;
  /** key algorithm for new keys; default: the algorithm of the key being replaced */
  algorithm?: KeyAlgorithm;
  clock: Clock;
  random?: RandomSource;
}

export interface RenewResult {
  lines: string[];
  renewed: string[];
  /** renewal refused for a reason the user must act on (missing file, unreadable) */
  failed: string[];
  /** components to restart, in a stable order */
  restart: string[];
}

/** Everything `renew` accepts: leaves and kubeconfigs, except kubelet.conf (the kubelet rotates it). */
export function renewableNames(c: Catalog): string[] {
  return [...c.leaves.map((l) => l.name), ...c.kubeconfigs.filter((k) => !k.managedByKubelet).map((k) => k.name)];
}

const RESTART_ORDER = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd', 'kube-proxy', 'kubelet'];

export async function renewCertificates(o: RenewOptions): Promise<RenewResult> {
  const valid = renewableNames(o.catalog);
  const names = o.names.includes('all') ? valid : o.names;
  for (const n of names) {
    if (!valid.includes(n))
      throw new KubetlsError(
        'UnknownCertificate',
        `unknown certificate "${n}"`,
        `use one of: all, ${valid.join(', ')}`,
      );
  }
  const now = o.clock.now();
  const lines: string[] = [];
  const failed: string[] = [];
  const renewed: string[] = [];
  const restart = new Set<string>();

  // Read and check everything first; then generate all new keys in parallel; then sign and write.
  type Job = {
    name: string;
    usedBy: string[];
    alg: KeyAlgorithm;
    leaf?: CertFiles;
    kc?: KubeconfigFile;
    ca: CertFiles;
    issuer: Issuer;
  };
  const jobs: Job[] = [];
  const caFiles = new Map(o.catalog.cas.map((c) => [c.name, readCertFiles(o.caCertDir ?? o.certDir, c.baseName)]));
  // a CA whose key does not match its certificate must stop its renewals before anything is written
  const issuers = new Map<string, Issuer | string>();
  for (const [name, f] of caFiles) {
    if (!f.cert || !f.key) continue;
    try {
      issuers.set(name, createIssuer(f.cert.der, f.key));
    } catch (e) {
      issuers.set(name, errorMessage(e));
    }
  }
  for (const name of names) {
    const leafSpec = o.catalog.leaves.find((l) => l.name === name);
    const kcSpec = o.catalog.kubeconfigs.find((k) => k.name === name);
    const caName = leafSpec?.ca ?? kcSpec!.ca;
    const ca = caFiles.get(caName)!;
    if (ca.error || !ca.certExists) {
      failed.push(name);
      lines.push(
        `[renew] cannot renew ${name}: the "${caName}" CA is ${ca.error ? `unreadable: ${ca.error}` : `missing (${ca.certPath})`}`,
      );
      continue;
    }
    if (!ca.keyExists) {
      lines.push(`[renew] Detected external ${caName}, certificate ${name} can't be renewed`);
      continue;
    }
    const issuer = issuers.get(caName);
    if (!issuer || typeof issuer === 'string') {
      failed.push(name);
      lines.push(
        `[renew] cannot renew ${name}: the "${caName}" CA is unusable: ${issuer ?? ca.error ?? 'unreadable key'}`,
      );
      continue;
    }
    if (leafSpec) {
      const f = readCertFiles(o.certDir, leafSpec.baseName);
      if (f.error || !f.cert) {
        failed.push(name);
        lines.push(
          `[renew] cannot renew ${name}: ${f.error ?? `${f.certPath} does not exist (run "kubetls init" to create it)`}`,
        );
        continue;
      }
      jobs.push({
        name,
        usedBy: leafSpec.usedBy,
        alg: o.algorithm ?? (f.key ? keyAlgorithmOf(f.key) : 'RSA-2048'),
        leaf: f,
        ca,
        issuer,
      });
    } else {
      const k = await readKubeconfigFile(join(o.kubeconfigDir, name));
      if (k.error || !k.clientCert || !k.parsed) {
        failed.push(name);
        lines.push(
          `[renew] cannot renew ${name}: ${k.error ?? (k.exists ? 'its current user has no client certificate' : `${k.path} does not exist`)}`,
        );
        continue;
      }
      jobs.push({
        name,
        usedBy: kcSpec!.usedBy,
        alg: o.algorithm ?? algorithmOfPem(k.parsed.clientKeyPem),
        kc: k,
        ca,
        issuer,
      });
    }
  }
  const keys = await Promise.all(jobs.map((j) => generateEncodedKey(j.alg)));
  for (const [i, j] of jobs.entries()) {
    const old = j.leaf?.cert ?? j.kc!.clientCert!;
    const ekus = old.extKeyUsage.filter((u): u is ExtKeyUsage => u in EKU_OID);
    const der = signedLeaf(
      {
        commonName: old.subject.commonName ?? '',
        organization: old.subject.organization ?? [],
        extKeyUsage: ekus,
        dnsNames: old.dnsNames,
        ipAddresses: old.ipAddresses,
      },
      keys[i]!.spki,
      j.issuer,
      now,
      o.validityMs,
      o.random,
    );
    const certPem = certToPem(der);
    const keyPem = keys[i]!.privatePem;
    const backups: string[] = [];
    const nowFn = () => now;
    if (j.leaf) {
      for (const [path, data, mode] of [
        [j.leaf.keyPath, keyPem, SECRET_MODE],
        [j.leaf.certPath, certPem, PUBLIC_MODE],
      ] as const) {
        const r = writeFileAtomic(path, data, { mode, existing: 'backup', now: nowFn });
        if (r.backup) backups.push(r.backup);
      }
    } else {
      const text = await updateKubeconfig(j.kc!.parsed!, {
        caPem: certToPem(j.ca.cert!.der),
        clientCertPem: certPem,
        clientKeyPem: keyPem,
      });
      const r = writeFileAtomic(j.kc!.path, text, { mode: SECRET_MODE, existing: 'backup', now: nowFn });
      if (r.backup) backups.push(r.backup);
    }
    renewed.push(j.name);
    j.usedBy.forEach((c) => restart.add(c));
    const notAfter = new Date(Math.min(now.getTime() + o.validityMs, j.ca.cert!.notAfter.getTime()));
    lines.push(
      `[renew] ${j.name} renewed: new key, expires ${formatExpires(notAfter)}${backups.length ? `; previous files kept as ${backups.join(', ')}` : ''}`,
    );
  }
  return { lines, renewed, failed, restart: RESTART_ORDER.filter((c) => restart.has(c)) };
}

/** The algorithm of the key being replaced, so renewal keeps an ECDSA PKI ECDSA; RSA-2048 when unknown. */
function algorithmOfPem(pem: string | undefined): KeyAlgorithm {
  if (!pem) return 'RSA-2048';
  try {
    return keyAlgorithmOf(parsePrivateKeyPem(pem));
  } catch {
    return 'RSA-2048';
  }
}
