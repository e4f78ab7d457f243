/**
 * `audit`: static TLS audit of one node's files under a filesystem root. Reads the static
 * pods, the kubelet config and the kubeconfigs, runs the CIS TLS items and kubetls's own
 * checks on the flags, then checks every certificate and key those flags point at.
 * Absolute paths in flags resolve under the root and may not escape it. Each numbered
 * section is a module of its own under sections/; the checks are catalogued in checks.ts.
 */
import { systemClock, type Clock } from '../pki/index.js';
import { auditContext } from './context.js';
import { summarize, type Report } from './finding.js';
import { checkFlagPki } from './sections/flagpki.js';
import { checkKubeconfigs } from './sections/kubeconfigs.js';
import { checkKubeletConfig } from './sections/kubelet.js';
import { checkPkiDir } from './sections/pkidir.js';
import { checkControlPlaneFlags, readControlPlane } from './sections/staticpods.js';
import { Timings } from './timings.js';

export interface AuditOptions {
  /** filesystem root of the node (default "/") */
  root?: string;
  clock?: Clock;
  /** check root:root ownership (CIS 1.1.19/4.1.8); default: only when running as root */
  checkOwnership?: boolean;
}

export async function audit(o: AuditOptions = {}): Promise<Report> {
  const checkOwnership = o.checkOwnership ?? (typeof process.getuid === 'function' && process.getuid() === 0);
  const ctx = auditContext(o.root ?? '/', (o.clock ?? systemClock).now(), checkOwnership);
  const time = new Timings();
  // Another user cannot see whether root owns the files in a meaningful way for CIS; say so.
  if (!checkOwnership)
    ctx.f.skip({
      check: 'file.owner-unchecked',
      component: 'pki',
      evidence: 'not running as root: ownership checks skipped',
    });
  // 1. Static pods: which components run here, and their flags.
  const cp = time.sync('manifests', () => readControlPlane(ctx));
  time.sync('cis', () => checkControlPlaneFlags(ctx, cp));
  // 2. PKI referenced by the flags.
  time.sync('pki', () => checkFlagPki(ctx, cp));
  // 3. Kubelet config.
  time.sync('kubelet', () => checkKubeletConfig(ctx));
  // 4. Kubeconfigs.
  time.sync('kubeconfigs', () => checkKubeconfigs(ctx, cp));
  // 5. Every other file in the PKI directory.
  time.sync('pki-dir', () => checkPkiDir(ctx, cp));
  const findings = ctx.f.list;
  return { kind: 'audit', findings, summary: summarize(findings), timings: time.ms };
}
