/**
 * What a controller is, for the manager: a `ControllerSpec` in src/controllers/index.ts's
 * registry. Writing one:
 *
 *   export const cleanerController: ControllerSpec = {
 *     name: 'csrcleaner',                      // the --controllers name (kube-controller-manager's where it has one)
 *     description: 'deletes finished CSRs',    // shown in --help
 *     enabledByDefault: true,
 *     flags: [{ flags: '--signer-config <file>', description: '…' }],   // optional: added to serve and controller-manager
 *     permissions: () => [{ verb: 'list', group: 'certificates.k8s.io', resource: 'certificatesigningrequests' }],
 *     start(ctx, signal) {
 *       // register informer handlers and start workers here; stop everything when signal aborts
 *       runCsrController(ctx, signal, { workers: 5, sync: async (name) => { … } });
 *     },
 *   };
 *
 * `start` runs before the informers start (so handlers see the initial list) and only while
 * this process leads; a new ctx and signal are given at each (re)start.
 */
import type { ControllerClient } from './client.js';
import type { ControllerClock } from './clock.js';
import type { EventRecorder } from './events.js';
import type { InformerFactory } from './informer.js';
import type { ControllerMetrics } from './metrics.js';
import type { WorkQueue } from './queue.js';

/** A flag a controller needs, added to `kubetls serve` and `kubetls controller-manager` alike. */
export interface ControllerFlag {
  /** commander syntax, e.g. '--cluster-signing-duration <duration>' */
  flags: string;
  description: string;
  defaultValue?: string | boolean;
}

/** One permission checked at start-up (a SelfSubjectAccessReview), named in the error when refused. */
export interface Permission {
  verb: string;
  /** '' for the core group */
  group: string;
  resource: string;
  subresource?: string;
  name?: string;
  namespace?: string;
}

export interface ControllerContext {
  /** this controller's name (its --controllers name) */
  name: string;
  client: ControllerClient;
  /** shared with every controller of the manager */
  informers: InformerFactory;
  /** events as this controller (source.component = name) */
  recorder: EventRecorder;
  metrics: ControllerMetrics;
  clock: ControllerClock;
  /** a line to the manager's log, prefixed with the controller's name */
  log: (line: string) => void;
  /**
   * Every flag's value as commander parsed it (camelCase keys: `clusterSigningCertFile`),
   * the same under serve and controller-manager.
   */
  flags: Readonly<Record<string, unknown>>;
  /** serve's PKI directory (`--dir`/pki) when embedded: where default CA files are */
  pkiDir?: string;
  /** A work queue with the default CSR rate limiter, its depth reported in the metrics. */
  newQueue(name?: string): WorkQueue;
}

export interface ControllerSpec {
  name: string;
  description: string;
  enabledByDefault: boolean;
  flags?: ControllerFlag[];
  /** what the identity must be allowed, given the flags (checked before the controllers start) */
  permissions?: (flags: Readonly<Record<string, unknown>>) => Permission[];
  /**
   * Checks the flags before anything starts (throw KubetlsError 'BadFlag' → exit 2).
   * Called once per process, not at each leadership.
   */
  validate?: (flags: Readonly<Record<string, unknown>>, pkiDir: string | undefined) => void | Promise<void>;
  start(ctx: ControllerContext, signal: AbortSignal): void | Promise<void>;
}
