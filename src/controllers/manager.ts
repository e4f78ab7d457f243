/**
 * The controller manager: runs the selected controllers against one Kubernetes API, with
 * leader election when asked. While this process leads (or always, without leader
 * election) it builds a fresh set of shared informers and an event recorder, calls each
 * controller's `start(ctx, signal)` (they register informer handlers and start workers),
 * then starts the informers. Losing the lease aborts that signal: every controller, queue
 * and informer stops, and the manager contends again. `stop()` ends it all and releases the
 * lease.
 */
import { setMaxListeners } from 'node:events';
import { WorkQueue } from './framework/queue.js';
import { realClock, type ControllerClock } from './framework/clock.js';
import { apiError, type ControllerClient } from './framework/client.js';
import { EventRecorder } from './framework/events.js';
import { InformerFactory } from './framework/informer.js';
import { ControllerMetrics } from './framework/metrics.js';
import type { ControllerContext, ControllerSpec, Permission } from './framework/types.js';
import { LeaderElector, type LeaderElectionConfig } from './leaderelection.js';
import { checkPermissions, managerPermissions } from './permissions.js';

export interface ControllerManagerOptions {
  client: ControllerClient;
  /** the controllers to run (selectControllers' result) */
  controllers: readonly ControllerSpec[];
  /** every flag's value (commander's camelCase keys) */
  flags?: Readonly<Record<string, unknown>>;
  pkiDir?: string | undefined;
  /** leader election, or false to run at once (kube-controller-manager's --leader-elect=false) */
  leaderElection: LeaderElectionConfig | false;
  clock?: ControllerClock;
  metrics?: ControllerMetrics;
  log?: (line: string) => void;
  /** checked at start-up with the controllers' own (the metrics endpoint's SubjectAccessReviews) */
  extraPermissions?: Permission[];
}

export class ControllerManager {
  readonly metrics: ControllerMetrics;
  private readonly clock: ControllerClock;
  private readonly log: (line: string) => void;
  private readonly stopController = new AbortController();
  private elector: LeaderElector | undefined;
  private running: Promise<void> | undefined;
  private generation: { informers: InformerFactory; recorder: EventRecorder; done: Promise<void> } | undefined;
  private startedListeners: Array<() => void> = [];

  /** the connection the controllers use */
  get client(): ControllerClient {
    return this.o.client;
  }

  constructor(private readonly o: ControllerManagerOptions) {
    this.clock = o.clock ?? realClock;
    this.metrics = o.metrics ?? new ControllerMetrics();
    this.log = o.log ?? ((line) => process.stderr.write(`${line}\n`));
  }

  /** What the selected controllers and the manager need, as permissions to check. */
  permissions(): Permission[] {
    const flags = this.o.flags ?? {};
    const lease = this.o.leaderElection || undefined;
    return [
      ...managerPermissions(lease),
      ...(this.o.extraPermissions ?? []),
      ...this.o.controllers.flatMap((c) => c.permissions?.(flags) ?? []),
    ];
  }

  /** The start-up check: throws Forbidden naming every missing permission. */
  checkPermissions(): Promise<void> {
    return checkPermissions(this.o.client, this.permissions());
  }

  /** Begins (contending for the lease, then) running the controllers; returns at once. */
  start(): void {
    if (this.running) return;
    const signal = this.stopController.signal;
    this.metrics.leader.set(0);
    if (this.o.leaderElection === false) {
      this.metrics.leader.set(1);
      this.running = this.lead(signal);
      return;
    }
    const elector = new LeaderElector(this.o.client, this.o.leaderElection, this.clock, this.log);
    this.elector = elector;
    this.running = elector.run(signal, {
      onStartedLeading: (leading) => {
        this.metrics.leader.set(1);
        return this.lead(leading);
      },
      onStoppedLeading: () => this.metrics.leader.set(0),
      onNewLeader: (id) => this.log(`leader election: ${id} holds the lease; waiting`),
    });
  }

  /** this process's holderIdentity (undefined without leader election) */
  get identity(): string | undefined {
    return this.elector?.identity;
  }

  isLeader(): boolean {
    return this.o.leaderElection === false ? this.running !== undefined : (this.elector?.isLeader() ?? false);
  }

  /** Resolves once the controllers have been started and the informers have synced (tests). */
  whenStarted(): Promise<void> {
    if (this.generation) return this.generation.done;
    return new Promise((resolve) => this.startedListeners.push(resolve));
  }

  /** Runs every controller until the signal aborts. */
  private async lead(signal: AbortSignal): Promise<void> {
    // every controller, queue and informer of this generation listens on it: more than Node's
    // default warning threshold of 10 is by design, not a leak
    setMaxListeners(0, signal);
    const informers = new InformerFactory(this.o.client, this.clock, (line) => this.log(line));
    const recorder = new EventRecorder(
      this.o.client,
      'kubetls-controller-manager',
      this.clock,
      this.log,
      this.identity ?? '',
    );
    const started = (async () => {
      for (const spec of this.o.controllers) {
        const ctx = this.contextFor(spec, informers, recorder);
        try {
          await spec.start(ctx, signal);
        } catch (e) {
          this.log(`${spec.name}: failed to start: ${apiError(e).message}`);
        }
      }
      informers.start(signal);
      await informers.waitForSync(signal);
      if (!signal.aborted)
        this.log(`controllers started: ${this.o.controllers.map((c) => c.name).join(', ') || '(none)'}`);
    })();
    this.generation = { informers, recorder, done: started };
    for (const l of this.startedListeners.splice(0)) void started.then(l);
    await started;
    await new Promise<void>((resolve) =>
      signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    await informers.stopped();
    await recorder.flush();
    for (const spec of this.o.controllers) this.metrics.untrackQueue(spec.name);
    this.generation = undefined;
  }

  private contextFor(spec: ControllerSpec, informers: InformerFactory, recorder: EventRecorder): ControllerContext {
    const log = (line: string) => this.log(`${spec.name}: ${line}`);
    return {
      name: spec.name,
      client: this.o.client,
      informers,
      recorder: recorder.forComponent(spec.name),
      metrics: this.metrics,
      clock: this.clock,
      log,
      flags: this.o.flags ?? {},
      ...(this.o.pkiDir ? { pkiDir: this.o.pkiDir } : {}),
      newQueue: (name = spec.name) => {
        const q = new WorkQueue(name, this.clock);
        this.metrics.trackQueue(name, q);
        return q;
      },
    };
  }

  /** Stops the controllers and informers, releases the lease; resolves when all has ended. */
  async stop(): Promise<void> {
    this.stopController.abort();
    await this.running;
    this.metrics.leader.set(0);
  }
}
