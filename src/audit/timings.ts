/** Milliseconds spent per check (or audit section), summed over calls: the benchmarks and `--timings` read them. */
export class Timings {
  readonly ms: Record<string, number> = {};

  private record(id: string, t0: number): void {
    this.ms[id] = (this.ms[id] ?? 0) + (performance.now() - t0);
  }

  sync<T>(id: string, fn: () => T): T {
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      this.record(id, t0);
    }
  }

  async async<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.record(id, t0);
    }
  }
}
