/**
 * The messages between `kubetls serve` and its embedded controllers' thread (thread.ts starts
 * it, threadmain.ts runs in it). Plain data only: they cross a worker_threads port by
 * structured clone.
 */
import type { KubeconfigSource } from './framework/client.js';
import type { LeaderElectionConfig } from './leaderelection.js';

/** what the thread needs to run the controllers (workerData) */
export interface ControllerThreadData {
  kubeconfig: KubeconfigSource;
  /** ControllerSpec names, in CONTROLLERS' order (the thread looks the specs up again) */
  controllers: string[];
  leaderElection: LeaderElectionConfig | false;
  /** every flag's value (commander's camelCase keys): strings, booleans, string arrays */
  flags: Record<string, unknown>;
  pkiDir?: string | undefined;
}

/** serve → thread */
export type ToControllerThread = { type: 'metrics'; id: number } | { type: 'stop' };

/** thread → serve */
export type FromControllerThread =
  | { type: 'log'; line: string }
  /** the permission check passed and the manager runs (contending for the lease when electing) */
  | { type: 'running' }
  /** the controllers could not start (their credentials lack a permission, the API refused…): said once, not retried */
  | { type: 'failed'; message: string }
  | { type: 'metrics'; id: number; body: string }
  /** after a stop: the lease is released and the events flushed */
  | { type: 'stopped' };
