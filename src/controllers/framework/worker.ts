/**
 * The reconcile loop: `workers` concurrent loops take a key from the queue and call
 * `sync(key)`. Success forgets the key's backoff; a thrown error requeues it with backoff
 * (and is logged); `{ requeueAfter: ms }` checks it again later without counting a failure.
 * `runCsrController` is the usual shape: a queue fed with the names of CSRs the informer
 * adds or updates (optionally filtered), synced by name from the cache.
 *
 *   runCsrController(ctx, signal, {
 *     workers: 5,
 *     filter: (csr) => csr.spec.signerName === 'example.com/serving',
 *     sync: async (name) => {
 *       const csr = ctx.informers.csrs().get(name);
 *       if (!csr) return;                      // deleted
 *       ...
 *     },
 *   });
 */
import type { V1CertificateSigningRequest } from '@kubernetes/client-node';
import { apiError } from './client.js';
import type { WorkQueue } from './queue.js';
import type { ControllerContext } from './types.js';

export type SyncResult = void | { requeueAfter: number };
export type SyncFn = (key: string) => Promise<SyncResult>;

/** Runs the workers until the signal aborts (then shuts the queue down); resolves when all have ended. */
export function runWorkers(
  queue: WorkQueue,
  o: { workers: number; sync: SyncFn; signal: AbortSignal; log: (line: string) => void },
): Promise<void> {
  const onAbort = () => queue.shutDown();
  if (o.signal.aborted) queue.shutDown();
  else o.signal.addEventListener('abort', onAbort, { once: true });
  const loop = async () => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        const r = await o.sync(key);
        queue.forget(key);
        if (r && r.requeueAfter > 0) queue.addAfter(key, r.requeueAfter);
      } catch (e) {
        if (!queue.isShuttingDown()) {
          o.log(`${key}: ${apiError(e).message} (retry ${queue.numRequeues(key) + 1})`);
          queue.addRateLimited(key);
        }
      } finally {
        queue.done(key);
      }
    }
  };
  return Promise.all(Array.from({ length: Math.max(1, o.workers) }, loop)).then(() => undefined);
}

export interface CsrControllerOptions {
  /** concurrent syncs (kube-controller-manager runs 5 for signing and approving, 1 for cleaning) */
  workers: number;
  /** only CSRs this returns true for are queued (all when absent) */
  filter?: (csr: V1CertificateSigningRequest) => boolean;
  sync: SyncFn;
  /** a queue name other than the controller's */
  queueName?: string;
}

/** Queues CSR names from the shared informer (adds and updates) and runs the workers on them. */
export function runCsrController(
  ctx: ControllerContext,
  signal: AbortSignal,
  o: CsrControllerOptions,
): { queue: WorkQueue; done: Promise<void> } {
  const queue = ctx.newQueue(o.queueName);
  // the informer's cache keeps spec.request for the CSRs this controller works on (csrcache.ts)
  ctx.informers.readsRequests(o.filter ?? (() => true));
  ctx.informers.csrs().onChange((csr, type) => {
    if (type === 'delete' || signal.aborted) return;
    if (o.filter && !o.filter(csr)) return;
    const name = csr.metadata?.name;
    if (name) queue.add(name);
  });
  const done = runWorkers(queue, { workers: o.workers, sync: o.sync, signal, log: ctx.log });
  return { queue, done };
}
