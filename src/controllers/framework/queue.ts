/**
 * A rate-limited work queue of keys (object names) with client-go's workqueue semantics,
 * which the JavaScript client does not have:
 * - a key queued twice is queued once (dedup while waiting);
 * - a key is handed to one worker at a time: added while a worker holds it, it is marked
 *   dirty and queued again when that worker calls `done` (so the latest state is always
 *   processed, never concurrently);
 * - `addRateLimited` re-adds after the rate limiter's delay (per-key exponential backoff),
 *   `forget` resets the key's backoff after a success;
 * - `shutDown` wakes every waiting worker with `undefined`; later adds are ignored.
 *
 * A worker loop (see worker.ts): `key = await q.get(); try { sync(key); q.forget(key) }
 * catch { q.addRateLimited(key) } finally { q.done(key) }`.
 */
import type { ControllerClock, TimerHandle } from './clock.js';
import { defaultRateLimiter, type RateLimiter } from './ratelimit.js';

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly waiters: Array<(key: string | undefined) => void> = [];
  private readonly timers = new Map<string, { at: number; handle: TimerHandle }>();
  private shuttingDown = false;
  readonly rateLimiter: RateLimiter;

  constructor(
    readonly name: string,
    private readonly clock: ControllerClock,
    rateLimiter?: RateLimiter,
  ) {
    this.rateLimiter = rateLimiter ?? defaultRateLimiter(clock);
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.dirty.delete(key);
      this.processing.add(key);
      waiter(key);
    } else this.queue.push(key);
  }

  /** Adds the key after ms; an earlier pending add for the same key wins (as client-go's waiting heap). */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = this.clock.now().getTime() + ms;
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) return;
    existing?.handle.cancel();
    const handle = this.clock.setTimer(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    this.timers.set(key, { at, handle });
  }

  addRateLimited(key: string): void {
    this.addAfter(key, this.rateLimiter.when(key));
  }

  forget(key: string): void {
    this.rateLimiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.rateLimiter.numRequeues(key);
  }

  /** The next key (now marked processing), or undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The worker finished the key; a key added meanwhile is queued again now. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
  }

  /** keys waiting to be processed (not those being processed or delayed) */
  len(): number {
    return this.queue.length;
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const t of this.timers.values()) t.handle.cancel();
    this.timers.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}
