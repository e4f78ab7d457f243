/**
 * How long a key waits before it is retried: client-go's default controller rate limiter,
 * the larger of a per-key exponential backoff and an overall token bucket. kube-controller-
 * manager's certificate controllers use 200 ms doubling to 1000 s per key, and 10 retries a
 * second with a burst of 100 overall (docs/upstream/csr-api.md Part B §1); those are the
 * defaults here.
 */
import type { Clock } from '../../pki/clock.js';

export interface RateLimiter {
  /** the delay before the key's next retry (counts one failure) */
  when(key: string): number;
  /** the key succeeded: its backoff starts again from the base */
  forget(key: string): void;
  /** failures counted for the key since it was last forgotten */
  numRequeues(key: string): number;
}

export interface RateLimiterOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** retries per second over every key */
  qps?: number;
  burst?: number;
}

export const CSR_CONTROLLER_RATE_LIMIT: Required<RateLimiterOptions> = {
  baseDelayMs: 200,
  maxDelayMs: 1000_000,
  qps: 10,
  burst: 100,
};

/** Per key: base × 2^failures, capped at max. */
export class ItemExponentialRateLimiter implements RateLimiter {
  private failures = new Map<string, number>();
  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
  ) {}
  when(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    // 2^n overflows to Infinity long after the cap applies; min() keeps it finite
    return Math.min(this.maxMs, this.baseMs * 2 ** n);
  }
  forget(key: string): void {
    this.failures.delete(key);
  }
  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}

/** Overall: a token bucket of `burst` tokens refilled at `qps`; each retry reserves one token. */
export class BucketRateLimiter implements RateLimiter {
  private tokens: number;
  private last: number;
  constructor(
    private readonly qps: number,
    private readonly burst: number,
    private readonly clock: Clock,
  ) {
    this.tokens = burst;
    this.last = clock.now().getTime();
  }
  when(): number {
    const now = this.clock.now().getTime();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }
  forget(): void {}
  numRequeues(): number {
    return 0;
  }
}

export class MaxOfRateLimiter implements RateLimiter {
  private readonly limiters: RateLimiter[];
  constructor(...limiters: RateLimiter[]) {
    this.limiters = limiters;
  }
  when(key: string): number {
    return Math.max(...this.limiters.map((l) => l.when(key)));
  }
  forget(key: string): void {
    for (const l of this.limiters) l.forget(key);
  }
  numRequeues(key: string): number {
    return Math.max(...this.limiters.map((l) => l.numRequeues(key)));
  }
}

export function defaultRateLimiter(clock: Clock, o: RateLimiterOptions = {}): RateLimiter {
  const c = { ...CSR_CONTROLLER_RATE_LIMIT, ...o };
  return new MaxOfRateLimiter(
    new ItemExponentialRateLimiter(c.baseDelayMs, c.maxDelayMs),
    new BucketRateLimiter(c.qps, c.burst, clock),
  );
}
