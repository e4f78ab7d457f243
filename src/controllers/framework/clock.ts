/**
 * The controllers' time source: `now()` (as pki/clock's Clock) plus timers, so a queue's
 * backoff, the cleaner's period and leader election run on a fake clock in tests. Controllers
 * never call `setTimeout` or `Date.now()` themselves: they use `ctx.clock`.
 *
 * `FakeClock` moves only when a test calls `advance(ms)`, which fires every timer that falls
 * due, in order of due time, awaiting a macrotask between them so the async work a timer
 * starts can run before the next one.
 */
import type { Clock } from '../../pki/clock.js';

export interface TimerHandle {
  cancel(): void;
}

export interface ControllerClock extends Clock {
  /** runs fn once after ms (clamped to ≥ 0) */
  setTimer(fn: () => void, ms: number): TimerHandle;
}

/** Resolves after ms on the clock, or at once (with no error) when the signal aborts. */
export function sleep(clock: ControllerClock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      timer.cancel();
      resolve();
    };
    const timer = clock.setTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export const realClock: ControllerClock = {
  now: () => new Date(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(t) };
  },
};

interface FakeTimer {
  due: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

export class FakeClock implements ControllerClock {
  private ms: number;
  private seq = 0;
  private timers: FakeTimer[] = [];

  constructor(start: Date | string = '2026-01-01T00:00:00Z') {
    this.ms = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.ms);
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const t: FakeTimer = { due: this.ms + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.timers.push(t);
    return { cancel: () => void (t.cancelled = true) };
  }

  /** timers not yet fired nor cancelled */
  pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward, firing due timers in order (a macrotask between each). */
  async advance(ms: number): Promise<void> {
    const end = this.ms + ms;
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      const next = this.timers.filter((t) => t.due <= end).sort((a, b) => a.due - b.due || a.seq - b.seq)[0];
      if (!next) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      this.ms = Math.max(this.ms, next.due);
      next.fn();
      await new Promise((r) => setImmediate(r));
    }
    this.ms = end;
    await new Promise((r) => setImmediate(r));
  }
}
