/**
 * `certs renew <name>|all` with kubeadm's semantics (docs/upstream/k8s-pki.md §3): same CN, O, SANs and usages,
 * a NEW private key, signed by the local CA through the `Signer` (signer/local.ts, kubeadm's
 * leaf rules), validity from now; kubeconfigs updated in
 * place (current user's cert/key and the embedded CA); old files backed up; external CAs
 * skipped; and the list of components that must restart to pick the new files up.
 * Plan, then apply, as `init`: every certificate is read and checked first (`planRenewal`,
 * no writes), then the new keys are made in parallel, then one journaled batch writes every
 * renewed file — a key and its certificate together or not at all — with backups. A
 * certificate whose files cannot be written (a read-only directory) is reported and the
 * others are still renewed.
 */
import { createPrivateKey } from 'node:crypto';
import { join } from 'node:path';
import { errorMessage, KubetlsError } from '../errors/index.js';
import type { Clock } from '../pki/clock.js';
import { createCsr } from '../pki/csr.js';
import {
  generateEncodedKey,
  keyAlgorithmOf,
  parsePrivateKeyPem,
  type EncodedKeyPair,
  type KeyAlgorithm,
} from '../pki/keys.js';
import { certToPem } from '../pki/certpem.js';
import type { RandomSource } from '../pki/serial.js';
import { CFSSL_EXT_KEY_USAGE } from '../cfssl/config.js';
import { kubeadmSigningPolicy, LocalSigner } from '../signer/local.js';
import type { Signer } from '../signer/signer.js';
import { PUBLIC_MODE, SECRET_MODE, planWrites, writeBatch, type BatchWrite } from '../util/files.js';
import type { Catalog } from './catalog.js';
import { updateKubeconfig } from './kubeconfig.js';
import { formatExpires } from './expiryformat.js';
import { problem, type Problem } from './problem.js';
import { pendingJournals, pendingWarning, recoverTree } from './recover.js';
import { catalogFiles, readCertFiles, readKubeconfigFile, type CertFiles, type KubeconfigFile } from './snapshot.js';

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
  /** say what would be renewed and which backups made; write nothing */
  dryRun?: boolean;
  /** more directories whose interrupted writes to finish first (a cluster's --dir, where init journals) */
  recoverDirs?: string[];
}

export interface RenewResult {
  lines: string[];
  renewed: string[];
  /** names whose renewal failed: a missing or unreadable file, an unusable CA, a write that failed */
  failed: string[];
  /** why each of `failed` failed */
  problems: Problem[];
  /** components to restart, in a stable order */
  restart: string[];
  warnings: string[];
}

/** Everything `renew` accepts: leaves and kubeconfigs, except kubelet.conf (the kubelet rotates it). */
export function renewableNames(c: Catalog): string[] {
  return [...c.leaves.map((l) => l.name), ...c.kubeconfigs.filter((k) => !k.managedByKubelet).map((k) => k.name)];
}

const RESTART_ORDER = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd', 'kube-proxy', 'kubelet'];

/** One certificate to renew, read and checked. */
export interface RenewItem {
  name: string;
  usedBy: string[];
  alg: KeyAlgorithm;
  /** a leaf's current files, or */
  leaf?: CertFiles;
  /** a kubeconfig's */
  kc?: KubeconfigFile;
  ca: CertFiles;
  /** the CA's signer, under kubeadm's leaf rules (the Signer every signing path goes through) */
  signer: Signer;
}

export interface RenewPlan {
  items: RenewItem[];
  /** what cannot be renewed, and why */
  problems: Array<Problem & { name: string }>;
  /** the plan's lines, in name order: skipped (external CA) and refused certificates */
  lines: string[];
  /** the one instant of the run: every renewed certificate's validity starts here */
  now: Date;
}

/** Reads and checks every named certificate and its CA; writes nothing. */
export async function planRenewal(o: RenewOptions): Promise<RenewPlan> {
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
  const plan: RenewPlan = { items: [], problems: [], lines: [], now };
  const refuse = (name: string, p: Problem) => {
    plan.problems.push({ ...p, name });
    plan.lines.push(`[renew] cannot renew ${name}: ${p.message}`);
  };
  const caFiles = new Map(o.catalog.cas.map((c) => [c.name, readCertFiles(o.caCertDir ?? o.certDir, c.baseName)]));
  // a CA whose key does not match its certificate must stop its renewals before anything is written
  const signers = new Map<string, Signer | string>();
  for (const [name, f] of caFiles) {
    if (!f.cert || !f.key) continue;
    try {
      signers.set(
        name,
        new LocalSigner(f.cert.der, f.key, kubeadmSigningPolicy(o.validityMs), {
          clock: { now: () => now },
          signatureScheme: 'kubeadm',
          ...(o.random ? { random: o.random } : {}),
        }),
      );
    } catch (e) {
      signers.set(name, errorMessage(e));
    }
  }
  for (const name of names) {
    const leafSpec = o.catalog.leaves.find((l) => l.name === name);
    const kcSpec = o.catalog.kubeconfigs.find((k) => k.name === name);
    const caName = leafSpec?.ca ?? kcSpec!.ca;
    const ca = caFiles.get(caName)!;
    if (ca.error || !ca.certExists) {
      refuse(
        name,
        problem(
          ca.error ? (ca.errorCode ?? 'ReadFailed') : 'NotFound',
          `the "${caName}" CA is ${ca.error ? `unreadable: ${ca.error}` : `missing (${ca.certPath})`}`,
          ca.certPath,
        ),
      );
      continue;
    }
    if (!ca.keyExists) {
      plan.lines.push(`[renew] Detected external ${caName}, certificate ${name} can't be renewed`);
      continue;
    }
    const signer = signers.get(caName);
    if (!signer || typeof signer === 'string') {
      refuse(
        name,
        problem('KeyMismatch', `the "${caName}" CA is unusable: ${signer ?? ca.error ?? 'unreadable key'}`, ca.keyPath),
      );
      continue;
    }
    if (leafSpec) {
      const f = readCertFiles(o.certDir, leafSpec.baseName);
      if (f.error || !f.cert) {
        refuse(
          name,
          f.error
            ? problem(f.errorCode ?? 'ReadFailed', f.error, f.certPath)
            : problem('NotFound', `${f.certPath} does not exist (run "kubetls init" to create it)`, f.certPath),
        );
        continue;
      }
      plan.items.push({
        name,
        usedBy: leafSpec.usedBy,
        alg: o.algorithm ?? (f.key ? keyAlgorithmOf(f.key) : 'RSA-2048'),
        leaf: f,
        ca,
        signer,
      });
    } else {
      const k = await readKubeconfigFile(join(o.kubeconfigDir, name));
      if (k.error || !k.clientCert || !k.parsed) {
        refuse(
          name,
          k.error
            ? problem(k.errorCode ?? 'ReadFailed', k.error, k.path)
            : k.exists
              ? problem('InvalidKubeconfig', 'its current user has no client certificate', k.path)
              : problem('NotFound', `${k.path} does not exist`, k.path),
        );
        continue;
      }
      plan.items.push({
        name,
        usedBy: kcSpec!.usedBy,
        alg: o.algorithm ?? algorithmOfPem(k.parsed.clientKeyPem),
        kc: k,
        ca,
        signer,
      });
    }
  }
  return plan;
}

/** cfssl's usage name of each extended key usage (the Signer's vocabulary), the first listed for each. */
const USAGE_NAME = new Map<string, string>(
  Object.entries(CFSSL_EXT_KEY_USAGE)
    .reverse()
    .map(([name, eku]) => [eku, name]),
);

/**
 * The files of one renewal: same identity, SANs and usages, the new key, validity from now.
 * Signed through the Signer like every other certificate kubetls issues: a CSR made with the
 * new key carries the old certificate's CN, O and SANs, the request its extended key usages.
 */
async function renewalFiles(item: RenewItem, key: EncodedKeyPair): Promise<BatchWrite[]> {
  const old = item.leaf?.cert ?? item.kc!.clientCert!;
  const usages = old.extKeyUsage.flatMap((u) => USAGE_NAME.get(u) ?? []);
  const csr = createCsr(
    {
      subject: {
        ...(old.subject.commonName ? { commonName: old.subject.commonName } : {}),
        ...(old.subject.organization ? { organization: old.subject.organization } : {}),
      },
      dnsNames: old.dnsNames,
      ipAddresses: old.ipAddresses,
    },
    createPrivateKey(key.privatePem),
  );
  const { pem: certPem } = await item.signer.sign({ csr, usages });
  // a key and its certificate are one group: written together or not at all
  const group = item.name;
  if (item.leaf)
    return [
      { path: item.leaf.keyPath, data: key.privatePem, mode: SECRET_MODE, existing: 'backup', group },
      { path: item.leaf.certPath, data: certPem, mode: PUBLIC_MODE, existing: 'backup', group },
    ];
  const text = await updateKubeconfig(item.kc!.parsed!, {
    caPem: certToPem(item.ca.cert!.der),
    clientCertPem: certPem,
    clientKeyPem: key.privatePem,
  });
  return [{ path: item.kc!.path, data: text, mode: SECRET_MODE, existing: 'backup', group }];
}

export async function renewCertificates(o: RenewOptions): Promise<RenewResult> {
  const journalDirs = [o.certDir, ...(o.recoverDirs ?? [])];
  const warnings = o.dryRun ? pendingJournals(journalDirs).map(pendingWarning) : [];
  const recovered = o.dryRun ? [] : await recoverTree(journalDirs, catalogFiles(o.catalog, o.certDir, o.kubeconfigDir));
  const plan = await planRenewal(o);
  const { now } = plan;
  const lines = [...recovered, ...plan.lines];
  const renewed: string[] = [];
  const problems: Problem[] = plan.problems.map(({ name: _, ...p }) => p);
  const failed = plan.problems.map((p) => p.name);
  const restart = new Set<string>();

  // every new key at once (the thread pool runs them on every core), each kept with its item
  const keyed = await Promise.all(plan.items.map(async (item) => ({ item, key: await generateEncodedKey(item.alg) })));
  const files = new Map<RenewItem, BatchWrite[]>();
  for (const { item, key } of keyed) files.set(item, await renewalFiles(item, key));
  const all = [...files.values()].flat();
  const nowFn = () => now;
  let backups: Map<string, string>;
  let writeFailures: Map<string, { path: string; message: string }>;
  if (o.dryRun) {
    backups = new Map(planWrites(all, { now: nowFn }).flatMap((p) => (p.backup ? [[p.file.path, p.backup]] : [])));
    writeFailures = new Map();
  } else {
    const res = await writeBatch(all, { journalDir: o.certDir, partial: true, now: nowFn });
    backups = new Map(res.backups.map((b) => [b.path, b.backup]));
    writeFailures = new Map(res.failed.map((f) => [f.group, f]));
  }
  for (const item of plan.items) {
    const wf = writeFailures.get(item.name);
    if (wf) {
      const p = problem('WriteFailed', `cannot write ${wf.path}: ${wf.message}`, wf.path);
      problems.push(p);
      failed.push(item.name);
      lines.push(`[renew] cannot renew ${item.name}: ${p.message}`);
      continue;
    }
    renewed.push(item.name);
    item.usedBy.forEach((c) => restart.add(c));
    const kept = files
      .get(item)!
      .map((f) => backups.get(f.path))
      .filter((b) => b !== undefined);
    const notAfter = new Date(Math.min(now.getTime() + o.validityMs, item.ca.cert!.notAfter.getTime()));
    lines.push(
      o.dryRun
        ? `[renew] ${item.name} would be renewed: new key, expires ${formatExpires(notAfter)}${kept.length ? `; previous files would be kept as ${kept.join(', ')}` : ''}`
        : `[renew] ${item.name} renewed: new key, expires ${formatExpires(notAfter)}${kept.length ? `; previous files kept as ${kept.join(', ')}` : ''}`,
    );
  }
  return { lines, renewed, failed, problems, restart: RESTART_ORDER.filter((c) => restart.has(c)), warnings };
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
