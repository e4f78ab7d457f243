/**
 * `kubetls init`: plan every node's PKI (one node, or every node of a ClusterNodes config
 * sharing the same CAs and service-account key), stop on any problem before writing, then apply.
 */
import { systemClock, type Clock } from '../pki/clock.js';
import type { RandomSource } from '../pki/serial.js';
import { catalogOf, nodeTargets } from './nodes.js';
import type { ClusterConfig } from './config.js';
import { applyPlans } from './apply.js';
import { caSourcesFrom, describePlan, planNode, saSourceFrom, type Plan } from './plan.js';
import { catalogFiles, readSnapshot, type Snapshot } from './snapshot.js';
import { keyAlgorithmOf, type KeyAlgorithm } from '../pki/keys.js';
import { PUBLIC_MODE, planWrites, type BatchWrite } from '../util/files.js';
import { PlanError, type Problem } from './problem.js';
import { pendingJournals, pendingWarning, recoverTree } from './recover.js';
import { renderSavedConfig, savedConfigDir, savedConfigPath } from './savedconfig.js';

export interface InitOptions {
  config: ClusterConfig;
  /** single-node mode: where certificates and kubeconfigs go */
  certDir: string;
  kubeconfigDir: string;
  /** whole-cluster mode: <outDir>/<node>/pki and <outDir>/<node>/*.conf */
  outDir?: string;
  dryRun?: boolean;
  clock?: Clock;
  random?: RandomSource;
  onProgress?: (done: number, total: number) => void;
}

export interface InitResult {
  plans: Plan[];
  /** kubeadm-style progress lines ("[certs] Generating …") or, on dry-run, the plan */
  lines: string[];
  warnings: string[];
  /** the certificates, keys and kubeconfigs written (the saved configuration is `savedConfig`) */
  written: string[];
  /** where the configuration used was saved by this run (see savedconfig.ts) */
  savedConfig?: string;
}

/**
 * `init` in three steps: recover (finish or undo an interrupted run, remove its temp files),
 * plan every node against what is on disk, and only when no node has a problem, apply — one
 * journaled batch for every file of every node and the saved configuration, so a run killed
 * at any point is completed by running it again.
 */

export async function initPki(o: InitOptions): Promise<InitResult> {
  const clock = o.clock ?? systemClock;
  const now = clock.now();
  const ts = nodeTargets(o.config, o);
  // one node: its certificate directory; a cluster: the --dir holding every node's tree
  const batchDir = savedConfigDir(o.config, o.certDir, o.outDir ?? o.kubeconfigDir);
  // renew journals in each node's certificate directory too: any interrupted write to these trees
  const journalDirs = [batchDir, ...ts.map((t) => t.certDir)];
  const configPath = savedConfigPath(batchDir);
  const errors: Problem[] = [];
  const warnings: string[] = [];
  const recovered = o.dryRun
    ? []
    : await recoverTree(journalDirs, [
        configPath,
        ...ts.flatMap((t) => catalogFiles(catalogOf(t), t.certDir, t.kubeconfigDir)),
      ]);
  if (o.dryRun) warnings.push(...pendingJournals(journalDirs).map(pendingWarning));
  const plans: Plan[] = [];
  let cas: ReturnType<typeof caSourcesFrom> | undefined;
  let sa: ReturnType<typeof saSourceFrom> | undefined;
  for (const [i, t] of ts.entries()) {
    const catalog = catalogOf(t);
    const snapshot = await readSnapshot(catalog, t.certDir, t.kubeconfigDir);
    if (i === 0) {
      cas = caSourcesFrom(snapshot, catalog, now, errors, warnings);
      sa = saSourceFrom(snapshot, errors);
      const mixed = existingKeyAlgorithms(snapshot).filter((a) => a !== t.config.encryptionAlgorithm);
      if (mixed.length) {
        warnings.push(
          `existing keys use ${[...new Set(mixed)].join(', ')}; encryptionAlgorithm ${t.config.encryptionAlgorithm} applies to new keys only (kept files are not re-keyed; "kubetls certs renew all --encryption-algorithm ${t.config.encryptionAlgorithm}" re-keys the leaves)`,
        );
      }
    }
    const plan = planNode({ node: t.node, catalog, snapshot, cas: cas!, sa: sa!, ownsCas: i === 0, now });
    plans.push(plan);
    errors.push(...plan.errors);
    warnings.push(...plan.warnings.map((w) => (ts.length > 1 ? `[${t.node}] ${w}` : w)));
  }
  if (errors.length) throw new PlanError(errors);
  // the configuration is saved with the files it produced, or on its own when none is saved
  // yet; a run that keeps every file leaves a saved one as it is (it still describes them)
  const configFile: BatchWrite = {
    path: configPath,
    data: renderSavedConfig(o.config),
    mode: PUBLIC_MODE,
    existing: 'replace',
  };
  const configAction = planWrites([configFile])[0]!.action;
  const writesFiles = plans.some((p) => p.steps.some((s) => s.action !== 'keep' && s.action !== 'external'));
  const saveConfig = configAction === 'create' || (configAction === 'replace' && writesFiles);
  if (o.dryRun)
    return {
      plans,
      lines: [
        ...plans.flatMap((p) =>
          ts.length > 1 ? [`# node ${p.node} (${p.catalog.role})`, ...describePlan(p)] : describePlan(p),
        ),
        `[config] ${(saveConfig ? (configAction === 'create' ? 'generate' : 'replace') : 'keep').padEnd(8)} the configuration used, ${configPath}`,
      ],
      warnings,
      written: [],
    };
  const c = o.config;
  const res = await applyPlans(plans, cas!, sa!, {
    algorithm: c.encryptionAlgorithm,
    certificateValidityMs: c.certificateValidityMs,
    caCertificateValidityMs: c.caCertificateValidityMs,
    clusterName: c.clusterName,
    clock,
    ...(o.random ? { random: o.random } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    extraFiles: saveConfig ? [configFile] : [],
    journalDir: batchDir,
  });
  return {
    plans,
    lines: [
      ...recovered,
      ...res.events,
      ...(saveConfig ? [`[config] Storing the configuration used in "${configPath}"`] : []),
    ],
    warnings,
    written: res.written,
    ...(saveConfig ? { savedConfig: configPath } : {}),
  };
}

/** Algorithms of the private keys already on disk (CAs, leaves, sa), for the mixed-algorithm warning. */
function existingKeyAlgorithms(snap: Snapshot): KeyAlgorithm[] {
  const keys = [...[...snap.certs.values()].map((f) => f.key), snap.sa.key].filter((k) => k !== undefined);
  const out: KeyAlgorithm[] = [];
  for (const k of keys) {
    try {
      out.push(keyAlgorithmOf(k));
    } catch {
      /* an unsupported key is reported elsewhere */
    }
  }
  return out;
}
