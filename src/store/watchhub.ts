/**
 * Watches fanned out in memory from the single writer, as kube-apiserver's watch cache fans
 * one etcd watch out to its clients: the backend publishes each committed change once, in
 * revision order, and every watcher whose prefix (or key) selects it gets it. A watcher that
 * starts from an older revision first replays the stored history (read from the backend page
 * by page, as fast as the consumer takes it) while new changes queue behind the replay.
 *
 * Memory is bounded per watcher: a consumer that returns a promise holds the next event back
 * until it settles (backpressure from its socket); events queue meanwhile, and a watcher with
 * more than `bufferSize` queued events is closed with a reason — the API ends the stream and
 * the client watches again from its last resourceVersion, or relists. Event objects are shared
 * by every watcher, never copied per watcher.
 */
import type { KubeObject } from '../api/object.js';
import { KubetlsError } from '../errors/index.js';
import { selection, type Selection } from './keys.js';
import type { Watch, WatchEvent, WatchOptions } from './store.js';

/** A committed change as the backend saw it: the event, and the object before it (for filters). */
export interface Change {
  key: string;
  event: WatchEvent;
  /** the object before an update (undefined for a create; a delete's event already holds it) */
  prev?: KubeObject | undefined;
}

/** Stored changes after `after`, up to `upTo`, selected by `sel`, in revision order, at most `limit`. */
export type ReplaySource = (sel: Selection, after: number, upTo: number, limit: number, withPrev: boolean) => Change[];

export interface WatchHubOptions {
  /** events a watcher may have queued before it is closed as too slow */
  bufferSize: number;
  replay: ReplaySource;
  /** the oldest revision still in the history */
  compacted: () => number;
  /** the newest revision published */
  revision: () => number;
}

export const DEFAULT_WATCH_BUFFER = 1000;
/** replay reads this many stored changes at a time */
const REPLAY_PAGE = 256;
/** a pump delivers at most this many events before yielding to the event loop */
const PUMP_SLICE = 1000;

/**
 * The event a filtered watcher sees for a change, with kube-apiserver's watch-cache rules:
 * an object that starts to match is ADDED, one that stops matching is DELETED (its last
 * matching state, with the change's resourceVersion), a deletion is seen only if the deleted
 * object matched; nothing when it matched neither before nor after.
 */
export function filterChange(c: Change, filter: ((o: KubeObject) => boolean) | undefined): WatchEvent | undefined {
  const e = c.event;
  if (!filter) return e;
  if (e.type === 'DELETED') return filter(e.object) ? e : undefined;
  const now = filter(e.object);
  const before = c.prev !== undefined && filter(c.prev);
  if (now) return before || e.type === 'ADDED' ? e : { type: 'ADDED', object: e.object, revision: e.revision };
  if (!before || c.prev === undefined) return undefined;
  const gone = { ...c.prev, metadata: { ...c.prev.metadata, resourceVersion: String(e.revision) } };
  return { type: 'DELETED', object: gone, revision: e.revision };
}

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';

class Watcher implements Watch {
  private queue: (WatchEvent | undefined)[] = [];
  private head = 0;
  private busy = false;
  private closed = false;
  private scheduled = false;
  /** replaying stored changes in (after, upTo] */
  private replay: { after: number; upTo: number; page: WatchEvent[]; pos: number } | undefined;

  constructor(
    private readonly hub: WatchHub,
    readonly id: string,
    readonly sel: Selection,
    private readonly onEvent: (e: WatchEvent) => void | Promise<void>,
    readonly filter: ((o: KubeObject) => boolean) | undefined,
    private readonly onClose: ((reason: string, error?: KubetlsError) => void) | undefined,
    /** live events at or before this revision are not delivered (a start in the future) */
    private readonly from: number,
    replayUpTo: number,
  ) {
    if (replayUpTo > from) this.replay = { after: from, upTo: replayUpTo, page: [], pos: 0 };
    // events start after watch() has returned
    if (this.replay) this.schedule();
  }

  stop(): void {
    if (this.closed) return;
    this.closed = true;
    this.release();
  }

  /** ends the watch for a reason the consumer is told */
  end(reason: string, error?: KubetlsError): void {
    if (this.closed) return;
    this.closed = true;
    this.release();
    try {
      this.onClose?.(reason, error);
    } catch {
      /* a throwing onClose must not break the writer that closed it */
    }
  }

  private release(): void {
    this.hub.remove(this);
    this.queue = [];
    this.head = 0;
    this.replay = undefined;
  }

  /** a live change (already filtered) */
  push(e: WatchEvent): void {
    if (this.closed || e.revision <= this.from) return;
    if (!this.busy && !this.replay && this.head === this.queue.length) {
      this.deliver(e);
      return;
    }
    if (this.queue.length - this.head >= this.hub.bufferSize) {
      this.end(`the watcher fell behind: more than ${this.hub.bufferSize} events were waiting for it`);
      return;
    }
    this.queue.push(e);
  }

  private deliver(e: WatchEvent): void {
    let r: unknown;
    try {
      r = this.onEvent(e);
    } catch (err) {
      this.end(`the watch consumer failed: ${(err as Error).message}`);
      return;
    }
    if (isThenable(r)) {
      this.busy = true;
      r.then(
        () => {
          this.busy = false;
          this.pump();
        },
        (err: unknown) => this.end(`the watch consumer failed: ${(err as Error).message}`),
      );
    }
  }

  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /** delivers queued and replayed events until the consumer is busy, nothing is left, or a slice is used */
  private pump(): void {
    for (let n = 0; !this.closed && !this.busy; n++) {
      if (n === PUMP_SLICE) return this.schedule();
      const e = this.replay ? this.nextReplayed() : this.nextQueued();
      if (e === undefined) {
        if (this.replay || this.head < this.queue.length) continue;
        return;
      }
      this.deliver(e);
    }
  }

  private nextQueued(): WatchEvent | undefined {
    if (this.head === this.queue.length) return undefined;
    const e = this.queue[this.head];
    this.queue[this.head++] = undefined;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return e;
  }

  /** the next replayed event; undefined when a page held nothing this watcher selects (or the replay ended) */
  private nextReplayed(): WatchEvent | undefined {
    const r = this.replay!;
    if (r.pos < r.page.length) return r.page[r.pos++];
    if (r.after >= r.upTo) {
      this.replay = undefined;
      return undefined;
    }
    const compacted = this.hub.compacted();
    if (compacted > r.after) {
      this.end(
        `the history the watch was replaying was compacted (at ${compacted}, replay at ${r.after})`,
        tooOld(r.after, compacted),
      );
      return undefined;
    }
    const changes = this.hub.replay(this.sel, r.after, r.upTo, REPLAY_PAGE, this.filter !== undefined);
    r.after = changes.length < REPLAY_PAGE ? r.upTo : changes[changes.length - 1]!.event.revision;
    r.page = [];
    r.pos = 0;
    for (const c of changes) {
      const e = filterChange(c, this.filter);
      if (e) r.page.push(e);
    }
    return undefined;
  }
}

/** kube-apiserver's 410 for a watch from a compacted resourceVersion */
export function tooOld(revision: number, compacted: number): KubetlsError {
  return new KubetlsError('Expired', `too old resource version: ${revision} (${compacted})`, {
    hint: 'list again, then watch from the resourceVersion of that list',
  });
}

export class WatchHub {
  /** watchers by the prefix or key they watch */
  private readonly bySel = new Map<string, Set<Watcher>>();
  private nextId = 0;
  readonly bufferSize: number;
  readonly replay: ReplaySource;
  readonly compacted: () => number;
  private readonly revision: () => number;

  constructor(o: WatchHubOptions) {
    this.bufferSize = o.bufferSize;
    this.replay = o.replay;
    this.compacted = o.compacted;
    this.revision = o.revision;
  }

  get size(): number {
    let n = 0;
    for (const s of this.bySel.values()) n += s.size;
    return n;
  }

  add(prefix: string, onEvent: (e: WatchEvent) => void | Promise<void>, o: WatchOptions = {}): Watch {
    const sel = selection(prefix);
    const from = o.fromRevision ?? 0;
    if (!Number.isSafeInteger(from) || from < 0)
      throw new KubetlsError('BadRequest', `a watch cannot start from revision ${String(from)}`);
    const newest = this.revision();
    const compacted = this.compacted();
    if (from !== 0 && from < compacted) throw tooOld(from, compacted);
    const start = from === 0 ? newest : from;
    const w = new Watcher(this, String(this.nextId++), sel, onEvent, o.filter, o.onClose, start, newest);
    const k = 'key' in sel ? sel.key : sel.prefix;
    let set = this.bySel.get(k);
    if (!set) this.bySel.set(k, (set = new Set()));
    set.add(w);
    return w;
  }

  remove(w: Watcher): void {
    const k = 'key' in w.sel ? w.sel.key : w.sel.prefix;
    const set = this.bySel.get(k);
    if (set?.delete(w) && set.size === 0) this.bySel.delete(k);
  }

  /** the watcher sets that select `key`: its group, resource and namespace prefixes, and the key */
  private *setsFor(key: string): Generator<Set<Watcher>> {
    if (this.bySel.size === 0) return;
    for (let i = key.indexOf('/', 1); i !== -1; i = key.indexOf('/', i + 1)) {
      const s = this.bySel.get(key.slice(0, i + 1));
      if (s) yield s;
    }
    const s = this.bySel.get(key);
    if (s) yield s;
  }

  /** whether any watcher selects `key` (a backend skips building events nobody reads) */
  wants(key: string): boolean {
    for (const _ of this.setsFor(key)) return true;
    return false;
  }

  /** whether a filtered watcher selects `key` (it needs the object before the change) */
  wantsPrev(key: string): boolean {
    for (const s of this.setsFor(key)) for (const w of s) if (w.filter) return true;
    return false;
  }

  /** delivers committed changes, in revision order */
  publish(changes: readonly Change[]): void {
    // a Set may lose members while it is iterated (a watcher that ends): JS visits the rest
    for (const c of changes)
      for (const s of this.setsFor(c.key))
        for (const w of s) {
          const e = filterChange(c, w.filter);
          if (e) w.push(e);
        }
  }

  /** ends every watch (the store is closing) */
  closeAll(reason: string, error?: KubetlsError): void {
    for (const s of [...this.bySel.values()]) for (const w of [...s]) w.end(reason, error);
  }
}
