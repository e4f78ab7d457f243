/**
 * How much history the store keeps (the policy; backends do the deleting): every revision of
 * the last `windowMs`, and at most the last `maxRevisions` revisions. kube-apiserver asks
 * etcd to compact every 5 minutes, and its watch cache keeps 75 s to 5 min of events, at
 * most ~100k: a client that was disconnected for a minute resumes its watch instead of
 * relisting, while a write-heavy burst cannot grow the history without bound.
 */
export interface HistoryOptions {
  windowMs: number;
  maxRevisions: number;
}

export const DEFAULT_HISTORY: HistoryOptions = { windowMs: 5 * 60_000, maxRevisions: 100_000 };

interface Sample {
  at: number;
  revision: number;
}

/** Remembers which revision was newest when (one sample per call) to map the window to a revision. */
export class HistoryWindow {
  private samples: Sample[] = [];

  constructor(
    private readonly o: HistoryOptions,
    private readonly now: () => number,
  ) {}

  /**
   * Records that `revision` is the newest now, and returns the revision the history may be
   * compacted to: the newest revision at least `windowMs` old, or `revision - maxRevisions`
   * when that is newer (0: keep everything).
   */
  target(revision: number): number {
    const t = this.now();
    this.samples.push({ at: t, revision });
    const cutoff = t - this.o.windowMs;
    // keep one sample at or before the cutoff (the answer) and the ones after it
    while (this.samples.length > 1 && this.samples[1]!.at <= cutoff) this.samples.shift();
    const first = this.samples[0]!;
    const byTime = first.at <= cutoff ? first.revision : 0;
    return Math.max(byTime, revision - this.o.maxRevisions, 0);
  }
}
