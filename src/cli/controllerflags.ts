/**
 * The flags `kubetls serve` and `kubetls controller-manager` share for the CSR controllers:
 * `--controllers` (kube-controller-manager's syntax; the names listed in --help), leader
 * election with kube-controller-manager's flag names and defaults, and every flag a
 * controller declares in its ControllerSpec. Parsing only: the controllers are loaded when a
 * command runs them (src/controllers/run.ts).
 */
import type { Command } from 'commander';
import { KubetlsError } from '../errors/index.js';
import { CONTROLLERS, controllerHelp } from '../controllers/index.js';
import type { ControllerSpec } from '../controllers/framework/types.js';
import { DEFAULT_LEADER_ELECTION, type LeaderElectionConfig } from '../controllers/leaderelection.js';
import { parseControllersFlag, selectControllers } from '../controllers/selection.js';
import { parseGoDuration } from '../util/duration.js';

/** kube's boolean flags: `--x`, `--x=true`, `--x=false` (Go's ParseBool spellings). */
export function boolFlag(name: string) {
  return (v: string | undefined): boolean => {
    if (v === undefined) return true;
    if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
    if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
    throw new KubetlsError('BadFlag', `--${name}: "${v}" is not a boolean (true or false)`);
  };
}

export interface ControllerFlagValues {
  controllers: string;
  leaderElect: boolean;
  leaderElectLeaseDuration: string;
  leaderElectRenewDeadline: string;
  leaderElectRetryPeriod: string;
  leaderElectResourceNamespace: string;
  leaderElectResourceName: string;
}

export function addControllerFlags(cmd: Command, o: { leaderElect: boolean; leaderElectHelp?: string }): Command {
  const d = DEFAULT_LEADER_ELECTION;
  cmd
    .option(
      '--controllers <names>',
      `controllers to run, comma-separated: * runs those on by default, foo runs foo, -foo does not; known: ${controllerHelp()}`,
      '*',
    )
    .option(
      '--leader-elect [bool]',
      o.leaderElectHelp ?? 'run the controllers only while holding the lease (several replicas, one active)',
      boolFlag('leader-elect'),
      o.leaderElect,
    )
    .option('--leader-elect-lease-duration <duration>', 'how long a lease not renewed keeps others waiting', `${d.leaseDurationMs / 1000}s`)
    .option('--leader-elect-renew-deadline <duration>', 'the leader stops when it could not renew for this long', `${d.renewDeadlineMs / 1000}s`)
    .option('--leader-elect-retry-period <duration>', 'how often to try to take or renew the lease', `${d.retryPeriodMs / 1000}s`)
    .option('--leader-elect-resource-namespace <ns>', 'namespace of the lease', d.namespace)
    .option('--leader-elect-resource-name <name>', 'name of the lease (kubetls\'s own: it never contends with kube-controller-manager)', d.name); // prettier-ignore
  const seen = new Set<string>();
  for (const spec of CONTROLLERS)
    for (const f of spec.flags ?? []) {
      if (seen.has(f.flags)) continue; // two controllers may share a flag (the signer's CA for an approver)
      seen.add(f.flags);
      if (f.defaultValue === undefined) cmd.option(f.flags, f.description);
      else cmd.option(f.flags, f.description, f.defaultValue);
    }
  return cmd;
}

const duration = (flag: string, v: string): number => {
  const ms = parseGoDuration(v, `--${flag}`);
  if (ms <= 0) throw new KubetlsError('BadFlag', `--${flag}: must be greater than zero, not "${v}"`);
  return ms;
};

/** The controllers --controllers selects, and the leader election the flags describe (exit 2 on a bad value). */
export function controllerSelection(f: ControllerFlagValues): {
  specs: ControllerSpec[];
  leaderElection: LeaderElectionConfig | false;
} {
  const specs = selectControllers(CONTROLLERS, parseControllersFlag(f.controllers));
  if (!f.leaderElect) return { specs, leaderElection: false };
  const le: LeaderElectionConfig = {
    namespace: f.leaderElectResourceNamespace,
    name: f.leaderElectResourceName,
    leaseDurationMs: duration('leader-elect-lease-duration', f.leaderElectLeaseDuration),
    renewDeadlineMs: duration('leader-elect-renew-deadline', f.leaderElectRenewDeadline),
    retryPeriodMs: duration('leader-elect-retry-period', f.leaderElectRetryPeriod),
  };
  // kube-controller-manager's validation of the same three
  if (le.renewDeadlineMs >= le.leaseDurationMs)
    throw new KubetlsError('BadFlag', '--leader-elect-renew-deadline must be less than --leader-elect-lease-duration');
  if (le.retryPeriodMs * 1.2 >= le.renewDeadlineMs)
    throw new KubetlsError(
      'BadFlag',
      '--leader-elect-retry-period (×1.2) must be less than --leader-elect-renew-deadline',
    );
  return { specs, leaderElection: le };
}
