/**
 * Shared informers: one list+watch per resource for every controller in the process, with a
 * cache (`get(name)`, `list()`), on @kubernetes/client-node's `makeInformer` (which relists
 * on 410 Gone by itself, calling the delete handlers for what the new list lacks). What it
 * adds: a restart with backoff when the list or the watch fails (the client's informer stops
 * on any other error) that keeps the cache and resumes from its resourceVersion, so objects
 * deleted while the watch was down reach the handlers as deletes; `hasSynced()` after the
 * first list; and handler registration before the start, so no initial ADD is missed.
 *
 * A controller registers its handlers in its `start` (`ctx.informers.csrs().onChange(...)`),
 * then the manager starts the informers and waits for their first list.
 */
import type {
  KubernetesObject,
  V1CertificateSigningRequest,
  V1CertificateSigningRequestList,
  V1Node,
  Informer,
  ObjectCache,
} from '@kubernetes/client-node';
import { sleep, type ControllerClock } from './clock.js';
import { apiError, type ControllerClient } from './client.js';
import { compactCsr, RequestReaders } from './csrcache.js';
import { JsonLister } from './listjson.js';
import { StringPool } from './intern.js';

export type InformerEvent = 'add' | 'update' | 'delete';
export type Handler<T> = (obj: T, type: InformerEvent) => void;

const RESTART_MIN_MS = 1000;
const RESTART_MAX_MS = 30_000;

export class SharedInformer<T extends KubernetesObject> {
  private informer: (Informer<T> & ObjectCache<T>) | undefined;
  private readonly handlers: Array<Handler<T>> = [];
  private synced = false;
  private stopped = false;
  private running: Promise<void> | undefined;
  private syncWaiters: Array<() => void> = [];

  constructor(
    readonly resource: string,
    /** makes the client's informer; its list function calls `listed` once its items are in hand */
    private readonly make: (listed: () => void) => Informer<T> & ObjectCache<T>,
    private readonly clock: ControllerClock,
    private readonly log: (line: string) => void,
    /** shrinks an object, in place, before it stays in the cache (the listed ones too: each is an add) */
    private readonly compact?: (obj: T) => void,
  ) {}

  /** Calls handler for every add, update and delete (register before the factory starts). */
  onChange(handler: Handler<T>): void {
    this.handlers.push(handler);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.informer?.get(name, namespace);
  }

  list(namespace?: string): T[] {
    return this.informer ? [...this.informer.list(namespace)] : [];
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves after the first complete list (or when the signal aborts). */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      this.syncWaiters.push(resolve);
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  /** Starts list+watch; restarts it after failures until the signal aborts. */
  start(signal: AbortSignal): void {
    if (this.running) return;
    this.running = this.run(signal);
  }

  private async run(signal: AbortSignal): Promise<void> {
    // One client informer for the whole run, restarted in place: its cache and resourceVersion
    // survive a failed watch, so a restart resumes from that resourceVersion (the deletions
    // of the gap arrive as DELETED events) or, when the server has compacted past it (410),
    // relists, and the client's relist calls the delete handlers for every cached object the
    // new list lacks. A fresh informer per restart would start from an empty cache: objects
    // deleted during the gap would never reach a handler, and the cache would be empty until
    // the relist came back.
    // Synced once the first list's items are in the cache: the client adds them right after the
    // list resolves, so one macrotask later (not when the watch opens: a server may hold back
    // a watch's headers until its first event).
    const informer = this.make(() => setImmediate(() => this.markSynced()));
    this.informer = informer;
    // the client's cache holds the very object it calls back with
    const compact = this.compact;
    for (const verb of ['add', 'update', 'delete'] as const)
      informer.on(verb, (obj: T) => {
        if (compact && verb !== 'delete') compact(obj);
        for (const h of this.handlers) h(obj, verb);
      });
    let failed: (e: unknown) => void = () => {};
    informer.on('error', (e?: unknown) => failed(e));
    const onAbort = () => void informer.stop();
    signal.addEventListener('abort', onAbort, { once: true });
    const aborted = new Promise((r) => signal.addEventListener('abort', r, { once: true }));
    let delay = RESTART_MIN_MS;
    while (!signal.aborted) {
      const failure = new Promise<unknown>((resolve) => (failed = resolve));
      try {
        await informer.start();
      } catch (e) {
        failed(e);
      }
      // start() resolves once the list is in the cache (when one was needed) and the watch is
      // open, or after a failure
      const early = await Promise.race([failure, Promise.resolve(undefined).then(() => 'ok' as const)]);
      if (early === 'ok' && !signal.aborted) {
        this.markSynced();
        delay = RESTART_MIN_MS;
        const e = await Promise.race([failure, aborted]);
        if (signal.aborted) break;
        this.log(`informer ${this.resource}: watch failed (${apiError(e).message}); restarting`);
      } else if (!signal.aborted) {
        this.log(
          `informer ${this.resource}: list or watch failed (${apiError(early).message}); retrying in ${delay} ms`,
        );
      }
      await informer.stop().catch(() => undefined);
      await sleep(this.clock, delay, signal);
      delay = Math.min(RESTART_MAX_MS, delay * 2);
    }
    signal.removeEventListener('abort', onAbort);
    await informer.stop().catch(() => undefined);
    this.stopped = true;
  }

  private markSynced(): void {
    this.synced = true;
    for (const w of this.syncWaiters.splice(0)) w();
  }

  /** Resolves once the run loop has ended (after the start signal aborted). */
  async whenStopped(): Promise<void> {
    await this.running;
  }

  isStopped(): boolean {
    return this.stopped;
  }
}

/**
 * The informers' list, in pages of 500 as client-go's reflector lists: one unpaged list of
 * 100,000 CSRs is a ~240 MB response the client holds as bytes, text and objects at once
 * (bench/RESULTS.md, "controller-memory"). Every page belongs to the first page's snapshot
 * (its resourceVersion); an expired continue token fails the list, and the informer relists.
 */
export async function listInPages<L extends { items: unknown[]; metadata?: { _continue?: string } }>(
  page: (o: { limit: number; _continue?: string }) => Promise<L>,
  limit = 500,
): Promise<L> {
  const first = await page({ limit });
  for (let cont = first.metadata?._continue; cont;) {
    const next = await page({ limit, _continue: cont });
    for (const item of next.items) first.items.push(item);
    cont = next.metadata?._continue;
  }
  if (first.metadata) delete first.metadata._continue;
  return first;
}

const CSR_PATH = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
const NODE_PATH = '/api/v1/nodes';

/** One informer per resource for the whole manager (created on first use). */
export class InformerFactory {
  private csrInformer: SharedInformer<V1CertificateSigningRequest> | undefined;
  /** whose spec.request the CSR cache keeps (csrcache.ts) */
  private readonly requestReaders = new RequestReaders();
  private nodeInformer: SharedInformer<V1Node> | undefined;
  private readonly all: Array<{
    start(s: AbortSignal): void;
    waitForSync(s?: AbortSignal): Promise<void>;
    whenStopped(): Promise<void>;
  }> = [];

  constructor(
    private readonly client: ControllerClient,
    private readonly clock: ControllerClock,
    private readonly log: (line: string) => void,
  ) {}

  csrs(): SharedInformer<V1CertificateSigningRequest> {
    if (!this.csrInformer) {
      const pool = new StringPool();
      const compact = (csr: V1CertificateSigningRequest) => compactCsr(csr, this.requestReaders.reads(csr), pool);
      this.csrInformer = new SharedInformer(
        'certificatesigningrequests',
        (listed) =>
          this.client.lib.makeInformer(this.client.kubeConfig, CSR_PATH, () =>
            listInPages((o) =>
              // plain JSON objects, not client-node's models (listjson.ts), each page compacted
              // as it arrives: a list of 100,000 would otherwise hold every page's objects at
              // once, and the heap (and RSS) grows to that peak
              this.lister()
                .page<V1CertificateSigningRequest>(CSR_PATH, o)
                .then((l) => (l.items.forEach(compact), l)),
            ).then((l) => (listed(), l) as unknown as V1CertificateSigningRequestList),
          ),
        this.clock,
        this.log,
        compact,
      );
      this.all.push(this.csrInformer);
    }
    return this.csrInformer;
  }

  /**
   * Declares that a controller reads `spec.request` of the CSRs `filter` accepts (while they
   * are unfinished); the cache drops every other CSR's request. Call it before the informers
   * start (in the controller's `start`), as handlers are registered.
   */
  readsRequests(filter: (csr: V1CertificateSigningRequest) => boolean): void {
    this.requestReaders.add(filter);
  }

  nodes(): SharedInformer<V1Node> {
    if (!this.nodeInformer) {
      const api = this.client.core;
      this.nodeInformer = new SharedInformer(
        'nodes',
        (listed) =>
          this.client.lib.makeInformer(this.client.kubeConfig, NODE_PATH, () =>
            listInPages((o) => api.listNode(o)).then((l) => (listed(), l)),
          ),
        this.clock,
        this.log,
      );
      this.all.push(this.nodeInformer);
    }
    return this.nodeInformer;
  }

  private jsonLister: JsonLister | undefined;

  private lister(): JsonLister {
    this.jsonLister ??= new JsonLister(this.client.kubeConfig, this.client.server);
    return this.jsonLister;
  }

  /** Starts every informer asked for so far. */
  start(signal: AbortSignal): void {
    for (const i of this.all) i.start(signal);
  }

  async waitForSync(signal?: AbortSignal): Promise<void> {
    await Promise.all(this.all.map((i) => i.waitForSync(signal)));
  }

  /** After the start signal aborted: resolves when every informer's loop has ended. */
  async stopped(): Promise<void> {
    await Promise.all(this.all.map((i) => i.whenStopped()));
    this.jsonLister?.close();
  }
}
