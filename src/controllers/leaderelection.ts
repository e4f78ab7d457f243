/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it,
 * so several controller managers can run and only one acts:
 * - a candidate takes the lease when it does not exist, is released (no holder), or its
 *   holder has not renewed it for `leaseDuration` — measured on the candidate's own clock from
 *   when it last saw the lease change, never by comparing the holder's timestamps with its
 *   own (clock skew between machines does not matter);
 * - the leader renews every `retryPeriod`; when no renewal has succeeded for `renewDeadline`
 *   it stops leading (its controllers are stopped before another can take over, since
 *   renewDeadline < leaseDuration);
 * - every write carries the resourceVersion read, so two candidates cannot both win: the
 *   loser's update is a 409;
 * - on a graceful stop the leader releases the lease (holder '', duration 1 s), so a
 *   successor takes over at once instead of after leaseDuration.
 * Defaults are kube-controller-manager's flags: 15 s, 10 s, 2 s.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { V1Lease } from '@kubernetes/client-node';
import { sleep, type ControllerClock } from './framework/clock.js';
import { apiError, isNotFound, type ControllerClient } from './framework/client.js';

export interface LeaderElectionConfig {
  namespace: string;
  name: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  /** this candidate's holderIdentity (default `<hostname>_<uuid>`, as kube-controller-manager) */
  identity?: string;
}

/**
 * The lease is kubetls's own, `kubetls-controller-manager`, not kube-controller-manager's: run
 * against a real cluster, kubetls's controllers must neither wait forever for nor take the
 * lease the cluster's own kube-controller-manager holds — they are different programs with
 * different controllers.
 */
export const DEFAULT_LEADER_ELECTION: LeaderElectionConfig = {
  namespace: 'kube-system',
  name: 'kubetls-controller-manager',
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

export interface LeaderCallbacks {
  /** called when this candidate becomes leader; the signal aborts when it stops leading */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  onStoppedLeading?(): void;
  onNewLeader?(identity: string): void;
}

const JITTER = 1.2;

export class LeaderElector {
  readonly identity: string;
  private observed: { holder: string; resourceVersion: string; at: number } | undefined;
  private lease: V1Lease | undefined;
  private leading = false;

  constructor(
    private readonly client: ControllerClient,
    private readonly config: LeaderElectionConfig,
    private readonly clock: ControllerClock,
    private readonly log: (line: string) => void,
    private readonly random: () => number = Math.random,
  ) {
    if (config.renewDeadlineMs >= config.leaseDurationMs)
      throw new Error('leader election: the renew deadline must be shorter than the lease duration');
    if (config.retryPeriodMs * JITTER >= config.renewDeadlineMs)
      throw new Error('leader election: the retry period (×1.2) must be shorter than the renew deadline');
    this.identity = config.identity ?? `${hostname()}_${randomUUID()}`;
  }

  isLeader(): boolean {
    return this.leading;
  }

  /**
   * Contends, leads, and after losing the lease contends again, until the signal aborts;
   * then releases the lease if held. Resolves when done.
   */
  async run(signal: AbortSignal, cb: LeaderCallbacks): Promise<void> {
    while (!signal.aborted) {
      if (!(await this.acquire(signal, cb))) break;
      const leadership = new AbortController();
      const stopLeading = () => leadership.abort();
      signal.addEventListener('abort', stopLeading, { once: true });
      this.leading = true;
      this.log(`leader election: ${this.identity} leads (lease ${this.config.namespace}/${this.config.name})`);
      let started: Promise<void> = Promise.resolve();
      try {
        started = Promise.resolve(cb.onStartedLeading(leadership.signal));
      } catch (e) {
        started = Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
      started.catch((e: unknown) => {
        this.log(`leader election: the controllers failed to start: ${apiError(e).message}`);
        leadership.abort();
      });
      await this.renewLoop(leadership.signal);
      signal.removeEventListener('abort', stopLeading);
      leadership.abort();
      this.leading = false;
      cb.onStoppedLeading?.();
      if (signal.aborted) {
        await this.release();
        break;
      }
      this.log(`leader election: ${this.identity} lost the lease`);
    }
  }

  private async acquire(signal: AbortSignal, cb: LeaderCallbacks): Promise<boolean> {
    let lastLeader = '';
    while (!signal.aborted) {
      const ok = await this.tryAcquireOrRenew().catch((e: unknown) => {
        this.log(`leader election: ${apiError(e).message}`);
        return false;
      });
      if (ok) return true;
      const holder = this.observed?.holder ?? '';
      if (holder && holder !== lastLeader) {
        lastLeader = holder;
        cb.onNewLeader?.(holder);
      }
      await sleep(this.clock, this.config.retryPeriodMs * (1 + this.random() * (JITTER - 1)), signal);
    }
    return false;
  }

  private async renewLoop(signal: AbortSignal): Promise<void> {
    let lastRenew = this.clock.now().getTime();
    while (!signal.aborted) {
      await sleep(this.clock, this.config.retryPeriodMs, signal);
      if (signal.aborted) return;
      const ok = await this.tryAcquireOrRenew().catch((e: unknown) => {
        this.log(`leader election: renewing failed: ${apiError(e).message}`);
        return false;
      });
      const now = this.clock.now().getTime();
      if (ok) lastRenew = now;
      else if (
        now - lastRenew >= this.config.renewDeadlineMs ||
        (this.observed && this.observed.holder !== this.identity)
      )
        return;
    }
  }

  /** One attempt: true when this candidate holds the lease afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name } = this.config;
    const now = this.clock.now();
    const spec = (previous: V1Lease['spec'] | undefined) => {
      const mine = previous?.holderIdentity === this.identity;
      return {
        holderIdentity: this.identity,
        leaseDurationSeconds: Math.ceil(this.config.leaseDurationMs / 1000),
        acquireTime: mine && previous?.acquireTime ? previous.acquireTime : now,
        renewTime: now,
        leaseTransitions: mine
          ? (previous?.leaseTransitions ?? 0)
          : (previous?.leaseTransitions ?? 0) + (previous?.holderIdentity ? 1 : 0),
      };
    };
    let current: V1Lease;
    try {
      current = await this.client.coordination.readNamespacedLease({ name, namespace });
    } catch (e) {
      if (!isNotFound(e)) throw e;
      const created = await this.client.coordination.createNamespacedLease({
        namespace,
        body: {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: spec(undefined),
        },
      });
      this.remember(created);
      return true;
    }
    this.remember(current);
    const holder = current.spec?.holderIdentity ?? '';
    const durationMs = (current.spec?.leaseDurationSeconds ?? 0) * 1000;
    if (holder && holder !== this.identity && this.observed!.at + durationMs > now.getTime()) return false;
    try {
      const updated = await this.client.coordination.replaceNamespacedLease({
        name,
        namespace,
        body: { ...current, spec: spec(current.spec) },
      });
      this.remember(updated);
      return true;
    } catch (e) {
      if (apiError(e).code === 409) return false;
      throw e;
    }
  }

  /** Notes when the lease record last changed, on this candidate's clock. */
  private remember(lease: V1Lease): void {
    this.lease = lease;
    const holder = lease.spec?.holderIdentity ?? '';
    const rv = lease.metadata?.resourceVersion ?? '';
    if (!this.observed || this.observed.resourceVersion !== rv || this.observed.holder !== holder)
      this.observed = { holder, resourceVersion: rv, at: this.clock.now().getTime() };
  }

  /** Gives the lease up (holder '', 1 s) when this candidate still holds it. */
  private async release(): Promise<void> {
    const lease = this.lease;
    if (!lease || lease.spec?.holderIdentity !== this.identity) return;
    try {
      const now = this.clock.now();
      await this.client.coordination.replaceNamespacedLease({
        name: this.config.name,
        namespace: this.config.namespace,
        body: {
          ...lease,
          spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now },
        },
      });
      this.log(`leader election: ${this.identity} released the lease`);
    } catch (e) {
      this.log(`leader election: releasing the lease failed: ${apiError(e).message}`);
    }
  }
}
