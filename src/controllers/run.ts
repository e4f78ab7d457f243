/**
 * Running the controllers, for both commands: embedded in `kubetls serve` (which connects over
 * its own HTTPS port with D/controller-manager.conf, as system:kube-controller-manager) and
 * `kubetls controller-manager --kubeconfig K` against any cluster. In order: the controllers'
 * flags are checked (a bad one stops start-up, exit 2), the client connects, the server is
 * asked whether the identity has every permission the selected controllers need (each
 * missing one named), then the manager starts (contending for the lease when electing).
 */
import { realClock, type ControllerClock } from './framework/clock.js';
import { connect, type KubeconfigSource } from './framework/client.js';
import { ControllerMetrics } from './framework/metrics.js';
import type { ControllerSpec, Permission } from './framework/types.js';
import type { LeaderElectionConfig } from './leaderelection.js';
import { ControllerManager } from './manager.js';

export interface RunControllersOptions {
  kubeconfig: KubeconfigSource;
  specs: readonly ControllerSpec[];
  leaderElection: LeaderElectionConfig | false;
  flags: Readonly<Record<string, unknown>>;
  pkiDir?: string | undefined;
  metrics?: ControllerMetrics;
  clock?: ControllerClock;
  log: (line: string) => void;
  extraPermissions?: Permission[];
}

/** Checks the selected controllers' flags (before anything listens). */
export async function validateControllerFlags(
  specs: readonly ControllerSpec[],
  flags: Readonly<Record<string, unknown>>,
  pkiDir: string | undefined,
): Promise<void> {
  for (const s of specs) await s.validate?.(flags, pkiDir);
}

export async function runControllers(o: RunControllersOptions): Promise<ControllerManager> {
  const client = await connect(o.kubeconfig);
  const manager = new ControllerManager({
    client,
    controllers: o.specs,
    flags: o.flags,
    pkiDir: o.pkiDir,
    leaderElection: o.leaderElection,
    clock: o.clock ?? realClock,
    metrics: o.metrics ?? new ControllerMetrics(),
    log: o.log,
    ...(o.extraPermissions ? { extraPermissions: o.extraPermissions } : {}),
  });
  await manager.checkPermissions();
  manager.start();
  return manager;
}
