/**
 * Audit section 1, the static pods: which control-plane components run on the node (by their
 * manifests), then the CIS and kubetls checks on each component's flags.
 */
import { checkApiserver, checkControllerManager, checkEtcd, checkScheduler } from '../cis.js';
import type { AuditContext, ControlPlane } from '../context.js';
import { readStaticPods, type Component } from '../manifest.js';

export const MANIFESTS_DIR = 'etc/kubernetes/manifests';

/** Reads the manifests; a file that does not parse is a finding, not an error. */
export function readControlPlane(ctx: AuditContext): ControlPlane {
  const { pods, problems } = readStaticPods(ctx.under(MANIFESTS_DIR), ctx.rel);
  for (const p of problems)
    ctx.f.fail({
      check: 'manifest.readable',
      component: 'manifests',
      evidence: `${p.file}: ${p.message}`,
      remediation: p.remediation,
      target: p.file,
    });
  const pod = (c: Component) => pods.find((p) => p.component === c);
  return {
    apiserver: pod('kube-apiserver'),
    controllerManager: pod('kube-controller-manager'),
    scheduler: pod('kube-scheduler'),
    etcd: pod('etcd'),
  };
}

/** The flag checks of every component present; an absent one is a SKIP (worker node, external etcd). */
export function checkControlPlaneFlags(ctx: AuditContext, cp: ControlPlane): void {
  const absent = (component: Component): void =>
    ctx.f.skip({
      check: 'manifest.component-present',
      component,
      evidence: `no ${component} manifest under ${MANIFESTS_DIR} (worker node or external component)`,
    });
  if (cp.apiserver) checkApiserver(ctx.f, cp.apiserver);
  else absent('kube-apiserver');
  if (cp.controllerManager) checkControllerManager(ctx.f, cp.controllerManager);
  else absent('kube-controller-manager');
  if (cp.scheduler) checkScheduler(ctx.f, cp.scheduler);
  else absent('kube-scheduler');
  if (cp.etcd) checkEtcd(ctx.f, cp.etcd, cp.apiserver?.flags.get('client-ca-file'));
  else absent('etcd');
}
