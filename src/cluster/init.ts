/**
 * `kubetls init`: plan every node's PKI (one node, or every node of a ClusterNodes config
 * sharing the same CAs and service-account key), stop on any problem before writing, then apply.
 */
import { KubetlsError } from '../errors/index.js';
import { systemClock, type Clock } from '../pki/clock.js';
import type { RandomSource } from '../pki/serial.js';
import { catalogOf, nodeTargets } from './nodes.js';
import type { ClusterConfig } from './config.js';
import { applyPlans } from './apply.js';
import { caSourcesFrom, describePlan, planNode, saSourceFrom, type Plan } from './plan.js';
import { readSnapshot, type Snapshot } from './snapshot.js';
import { keyAlgorithmOf, type KeyAlgorithm } from '../pki/keys.js';

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
  written: string[];
}

export async function initPki(o: InitOptions): Promise<InitResult> {
  const clock = o.clock ?? systemClock;
  const now = clock.now();
  const ts = nodeTargets(o.config, o);
  const errors: string[] = [];
  const warnings: string[] = [];
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
  if (errors.length) {
    const uniq = [...new Set(errors)];
    throw new KubetlsError(
      'PlanFailed',
      uniq.length === 1 ? uniq[0]! : `${uniq.length} problems, nothing was written:\n  - ${uniq.join('\n  - ')}`,
    );
  }
  if (o.dryRun)
    return {
      plans,
      lines: plans.flatMap((p) =>
        ts.length > 1 ? [`# node ${p.node} (${p.catalog.role})`, ...describePlan(p)] : describePlan(p),
      ),
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
  });
  return { plans, lines: res.events, warnings, written: res.written };
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
