/**
 * The embedded store: the Store interface on SQLite (better-sqlite3), one writer per data
 * directory. See ./sqlite-db.ts for the files and the log schema.
 *
 * Writes are decided on the main thread, in arrival order: each one reads the key's current
 * state (the newest write still being committed, else the database), checks preconditions,
 * takes the next revision and joins the queue. The queue is committed as one transaction with
 * one sync (group commit): everything that arrived in the same event-loop turn, or while the
 * previous commit was syncing. Only then do the writes' promises resolve and their watch
 * events go out, in revision order. Reads see committed data only; a list reads "the store at
 * revision R", so every page of a chunked list is consistent with the first.
 */
import type { KubeObject } from '../api/object.js';
import { KubetlsError } from '../errors/index.js';
import { HistoryWindow, DEFAULT_HISTORY, type HistoryOptions } from './history.js';
import { alreadyExists, conflict, notFound, parseKey } from './keys.js';
import { checkObject, checkPreconditions, checkSize, withResourceVersion } from './preconditions.js';
import { mainThreadCommitter, workerCommitter, type CommitMode, type Committer } from './sqlite-commit.js';
import {
  acquireLock,
  openDatabase,
  prepareDataDir,
  readRevisions,
  sqliteCode,
  syncDir,
  type DB,
  type LogRow,
} from './sqlite-db.js';
import { SqliteReader, type StoredRow } from './sqlite-read.js';
import { RecentRows } from './rowcache.js';
import type {
  ListOptions,
  ListResult,
  Preconditions,
  Store,
  UpdateFn,
  Watch,
  WatchEvent,
  WatchOptions,
} from './store.js';
import { DEFAULT_WATCH_BUFFER, WatchHub, type Change } from './watchhub.js';

export interface SqliteStoreOptions {
  dataDir: string;
  /** where commits run (default: the faster one measured, see docs/architecture.md) */
  commit?: CommitMode;
  history?: Partial<HistoryOptions>;
  /** how often the history window is applied (default 10 s; 0 = never, only `compact()`) */
  compactIntervalMs?: number;
  /** events a watcher may have queued before it is closed as too slow */
  watchBufferSize?: number;
  /** the database may not grow beyond this (default 8 GiB); a write past it fails, nothing is lost */
  quotaBytes?: number;
  /**
   * at most this many writes per commit (default: no limit). 1 turns group commit off: one
   * transaction and one sync per write (bench/store.ts measures the difference)
   */
  maxBatch?: number;
  /** SQLite page cache of each connection, KiB (default 4 MiB: ./sqlite-db.ts DEFAULT_CACHE_KIB) */
  cacheKiB?: number;
  now?: () => number;
}

export const DEFAULT_COMMIT_MODE: CommitMode = 'worker';
const DEFAULT_QUOTA = 8 * 1024 ** 3;
/** an asynchronous UpdateFn that keeps losing to other writers gives up (Conflict) after this many tries */
const MAX_UPDATE_TRIES = 64;
/** keys whose newest committed row is remembered (~150 bytes each besides the value) */
const REMEMBERED_ROWS = 16_384;
/** … and at most this much of their stored JSON (characters; the lifecycle reads back within ms) */
const REMEMBERED_CHARS = 4 * 1024 * 1024;

/** A key's state as a write sees it. */
type Current = StoredRow;

interface Op {
  row: LogRow;
  key: string;
  type: WatchEvent['type'];
  /**
   * the stored object before an update or a delete (parsed only when a watcher needs it);
   * undefined for a replace of a committed row, read back by its revision if a watcher needs it
   */
  prev: string | undefined;
  result: KubeObject;
  resolve: (o: KubeObject) => void;
  reject: (e: unknown) => void;
}

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';

function storeError(e: unknown, what: string): KubetlsError {
  if (e instanceof KubetlsError) return e;
  if (sqliteCode(e) === 'SQLITE_FULL')
    return new KubetlsError('InternalError', `${what}: the store is full (${(e as Error).message})`, {
      hint: 'free disk space, or delete objects and wait for the history to be compacted',
      cause: e,
    });
  return new KubetlsError('InternalError', `${what}: ${(e as Error).message}`, { cause: e });
}

export async function openSqliteStore(o: SqliteStoreOptions): Promise<Store> {
  const files = prepareDataDir(o.dataDir);
  const lock = acquireLock(files);
  let db: DB | undefined;
  let committer: Committer | undefined;
  try {
    const connection = { quotaBytes: o.quotaBytes ?? DEFAULT_QUOTA, ...(o.cacheKiB ? { cacheKiB: o.cacheKiB } : {}) };
    db = openDatabase(files, connection);
    const mode = o.commit ?? DEFAULT_COMMIT_MODE;
    committer = mode === 'worker' ? await workerCommitter(files.db, connection) : mainThreadCommitter(db);
    if (mode === 'worker') db.pragma('query_only = 1');
    // the database, its WAL and the lock were possibly just created: make their names durable
    syncDir(files.dir);
    return new SqliteStore(db, lock, committer, o);
  } catch (e) {
    await committer?.close().catch(() => undefined);
    db?.close();
    lock.close();
    throw e;
  }
}

class SqliteStore implements Store {
  /** the last revision handed to a write (committed or not) */
  private nextRev: number;
  /** every revision up to this one is durable */
  private committedRev: number;
  private compacted: number;
  /** keys written but not yet committed: their newest state, for the writes queued after them */
  private readonly overlay = new Map<string, Current>();
  /** recently read or written keys' newest committed rows (./rowcache.ts: exact, this being the only writer) */
  private readonly recent = new RecentRows(REMEMBERED_ROWS, REMEMBERED_CHARS);
  private queue: Op[] = [];
  private inFlight = false;
  private flushScheduled = false;
  private closing = false;
  private failed: KubetlsError | undefined;
  private idle: (() => void)[] = [];
  /** woken after every commit, successful or not */
  private commits: (() => void)[] = [];
  private compacting: Promise<unknown> = Promise.resolve();
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly hub: WatchHub;
  private readonly reader: SqliteReader;
  private readonly maxBatch: number;

  constructor(
    private readonly db: DB,
    private readonly lock: DB,
    private readonly committer: Committer,
    o: SqliteStoreOptions,
  ) {
    this.maxBatch = o.maxBatch ?? Infinity;
    const r = readRevisions(db);
    this.nextRev = this.committedRev = r.revision;
    this.compacted = r.compacted;
    this.reader = new SqliteReader(db);
    this.hub = new WatchHub({
      bufferSize: o.watchBufferSize ?? DEFAULT_WATCH_BUFFER,
      replay: (sel, after, upTo, limit, withPrev) => this.reader.replay(sel, after, upTo, limit, withPrev),
      compacted: () => this.compacted,
      revision: () => this.committedRev,
    });
    const interval = o.compactIntervalMs ?? 10_000;
    if (interval > 0) {
      const window = new HistoryWindow({ ...DEFAULT_HISTORY, ...o.history }, o.now ?? Date.now);
      window.target(this.committedRev);
      this.timer = setInterval(() => {
        const target = window.target(this.committedRev);
        if (target > this.compacted && !this.closing) this.compact(target).catch(() => undefined);
      }, interval);
      this.timer.unref();
    }
  }

  // ---- reads (committed data only)

  async get(key: string): Promise<KubeObject | undefined> {
    parseKey(key);
    const r = this.committedRow(key);
    return r && !r.deleted ? (JSON.parse(r.value) as KubeObject) : undefined;
  }

  /** the key's newest committed row: remembered, else read (and remembered) */
  private committedRow(key: string): StoredRow | undefined {
    const known = this.recent.row(key);
    if (known) return known;
    const r = this.reader.row(key);
    if (r) this.recent.note(key, r.rev, r.deleted, r.value);
    return r;
  }

  /** the key's newest committed revision, without reading its object */
  private committedHead(key: string): { rev: number; deleted: boolean } | undefined {
    const known = this.recent.get(key);
    if (known) return known;
    const r = this.reader.head(key);
    if (r) this.recent.note(key, r.rev, r.deleted, undefined);
    return r;
  }

  async list(prefix: string, o: ListOptions = {}): Promise<ListResult> {
    return this.reader.list(prefix, o, { revision: this.committedRev, compacted: this.compacted });
  }

  // ---- writes

  /** the key's newest state: an uncommitted write's, else the database's */
  private current(key: string): Current | undefined {
    return this.overlay.get(key) ?? this.committedRow(key);
  }

  /** resolves once the key's write at `rev`, if it is still committing, has settled */
  private async committedPast(key: string, rev: number): Promise<void> {
    while (this.overlay.get(key)?.rev === rev) await new Promise<void>((resolve) => this.commits.push(resolve));
  }

  private writable(): void {
    if (this.failed) throw this.failed;
    if (this.closing) throw new KubetlsError('ServiceUnavailable', 'the store is closing');
  }

  async create(key: string, obj: KubeObject): Promise<KubeObject> {
    parseKey(key);
    checkObject(obj, key);
    this.writable();
    const cur = this.current(key);
    if (cur && !cur.deleted) throw alreadyExists(key);
    const rev = this.nextRev + 1;
    const result = withResourceVersion(obj, rev);
    return this.enqueue(key, 'ADDED', [rev, key, 1, 0, cur?.rev ?? 0, JSON.stringify(result)], result, undefined);
  }

  async update(key: string, fn: UpdateFn, pre?: Preconditions): Promise<KubeObject> {
    parseKey(key);
    for (let tries = 1; ; tries++) {
      this.writable();
      const cur = this.current(key);
      if (!cur || cur.deleted) throw notFound(key);
      const obj = JSON.parse(cur.value) as KubeObject;
      try {
        checkPreconditions(key, pre, obj, 'update');
      } catch (e) {
        // the precondition was read from committed data, older than a write still committing:
        // fail once that write is durable, so that the caller's re-read (a retry) sees it
        await this.committedPast(key, cur.rev);
        throw e;
      }
      let next = fn(obj);
      if (isThenable(next)) {
        next = await next;
        this.writable();
        if (this.current(key)?.rev !== cur.rev) {
          // another write changed the key while fn ran: run it again on the newer object
          if (tries >= MAX_UPDATE_TRIES) throw conflict(key);
          continue;
        }
      }
      checkObject(next, key);
      const same = JSON.stringify(withResourceVersion(next, cur.rev));
      // nothing changed: no new revision, as kube-apiserver's storage does for a no-op update
      if (same === cur.value) return withResourceVersion(next, cur.rev);
      const rev = this.nextRev + 1;
      const result = withResourceVersion(next, rev);
      return this.enqueue(key, 'MODIFIED', [rev, key, 0, 0, cur.rev, JSON.stringify(result)], result, cur.value);
    }
  }

  async replace(key: string, obj: KubeObject, resourceVersion: string): Promise<KubeObject> {
    parseKey(key);
    checkObject(obj, key);
    this.writable();
    // a write still committing has its object at hand; a committed one is not read, only its revision
    const pending = this.overlay.get(key);
    const cur = pending ?? this.committedHead(key);
    if (!cur || cur.deleted) throw notFound(key);
    if (String(cur.rev) !== resourceVersion) {
      // as update's precondition: fail once a write still committing is durable
      await this.committedPast(key, cur.rev);
      throw conflict(key);
    }
    const rev = this.nextRev + 1;
    const result = withResourceVersion(obj, rev);
    return this.enqueue(key, 'MODIFIED', [rev, key, 0, 0, cur.rev, JSON.stringify(result)], result, pending?.value);
  }

  async delete(key: string, pre?: Preconditions): Promise<KubeObject> {
    parseKey(key);
    this.writable();
    const cur = this.current(key);
    if (!cur || cur.deleted) throw notFound(key);
    const obj = JSON.parse(cur.value) as KubeObject;
    checkPreconditions(key, pre, obj, 'delete');
    const rev = this.nextRev + 1;
    return this.enqueue(key, 'DELETED', [rev, key, 0, 1, cur.rev, ''], withResourceVersion(obj, rev), cur.value);
  }

  private enqueue(
    key: string,
    type: WatchEvent['type'],
    row: LogRow,
    result: KubeObject,
    prev: string | undefined,
  ): Promise<KubeObject> {
    checkSize(key, row[5]);
    this.nextRev = row[0];
    this.overlay.set(key, { rev: row[0], deleted: row[3] === 1, value: row[5] });
    return new Promise((resolve, reject) => {
      this.queue.push({ row, key, type, prev, result, resolve, reject });
      if (!this.inFlight && !this.flushScheduled) {
        this.flushScheduled = true;
        // everything that arrives in this event-loop turn joins the same commit
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.inFlight || this.queue.length === 0) return this.settle();
    const batch = this.queue.length <= this.maxBatch ? this.queue : this.queue.splice(0, this.maxBatch);
    if (batch === this.queue) this.queue = [];
    this.inFlight = true;
    this.committer.commit(batch.map((op) => op.row)).then(
      () => this.committed(batch),
      (e: unknown) => this.commitFailed(batch, e),
    );
  }

  private committed(batch: Op[]): void {
    this.inFlight = false;
    this.committedRev = batch[batch.length - 1]!.row[0];
    const changes: Change[] = [];
    for (const op of batch) {
      if (this.overlay.get(op.key)?.rev === op.row[0]) this.overlay.delete(op.key);
      this.recent.note(op.key, op.row[0], op.row[3] === 1, op.row[5]);
      if (!this.hub.wants(op.key)) continue;
      const rev = op.row[0];
      // the event's own copy: the writer's result goes back to the caller, who may change it
      const object =
        op.type === 'DELETED'
          ? withResourceVersion(JSON.parse(op.prev!) as KubeObject, rev)
          : (JSON.parse(op.row[5]) as KubeObject);
      const prev = op.type === 'MODIFIED' && this.hub.wantsPrev(op.key) ? this.superseded(op) : undefined;
      changes.push({ key: op.key, event: { type: op.type, object, revision: rev }, prev });
    }
    this.hub.publish(changes);
    for (const op of batch) op.resolve(op.result);
    for (const f of this.commits.splice(0)) f();
    // the writes that arrived while this commit was syncing go next, as one batch
    if (this.queue.length && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    this.settle();
  }

  /**
   * The object a MODIFIED write superseded: kept by the write, or (a replace of a committed
   * row) read back by its revision: still there: compaction removes a superseded row only
   * once the revision that superseded it is at or below its target, and this one was not
   * committed when any compaction under way was asked for.
   */
  private superseded(op: Op): KubeObject | undefined {
    const json = op.prev ?? this.reader.valueAt(op.row[4]);
    return json === undefined ? undefined : (JSON.parse(json) as KubeObject);
  }

  /**
   * A failed commit was rolled back. The writes queued behind it were decided on top of it, so
   * they fail too. A full disk (or quota) leaves the store usable; any other failure (an I/O
   * error during the sync: the file's state is unknown) stops all further writes until restart.
   */
  private commitFailed(batch: Op[], e: unknown): void {
    this.inFlight = false;
    const err = storeError(e, 'the write was not stored');
    const queued = this.queue;
    this.queue = [];
    this.overlay.clear();
    this.nextRev = this.committedRev;
    if (sqliteCode(e) !== 'SQLITE_FULL')
      this.failed = new KubetlsError('InternalError', `the store stopped after a failed write: ${err.message}`, {
        hint: 'check the disk, then restart kubetls',
        cause: e,
      });
    for (const op of [...batch, ...queued]) op.reject(err);
    for (const f of this.commits.splice(0)) f();
    this.settle();
  }

  /** wakes `close()` once nothing is queued or committing */
  private settle(): void {
    if (this.inFlight || this.queue.length || this.flushScheduled) return;
    const idle = this.idle;
    this.idle = [];
    for (const f of idle) f();
  }

  // ---- watches and history

  watch(prefix: string, onEvent: (e: WatchEvent) => void | Promise<void>, o?: WatchOptions): Watch {
    if (this.closing) throw new KubetlsError('ServiceUnavailable', 'the store is closing');
    return this.hub.add(prefix, onEvent, o);
  }

  revision(): number {
    return this.committedRev;
  }

  compactedRevision(): number {
    return this.compacted;
  }

  compact(revision: number): Promise<void> {
    const run = async () => {
      const upTo = Math.min(Math.floor(revision), this.committedRev);
      if (!(upTo > this.compacted) || this.failed) return;
      const from = this.compacted;
      // announced before anything is deleted: a replay or a continue token that needs the
      // range sees Expired instead of a hole
      this.compacted = upTo;
      await this.committer.compact(from, upTo);
    };
    const p = this.compacting.then(run);
    this.compacting = p.catch(() => undefined);
    return p.catch((e: unknown) => {
      throw storeError(e, 'compaction failed');
    });
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
    await new Promise<void>((resolve) => {
      this.idle.push(resolve);
      this.settle();
    });
    await this.compacting;
    this.hub.closeAll('the store is closing', new KubetlsError('ServiceUnavailable', 'the store is closing'));
    await this.committer.close();
    this.db.close();
    this.lock.close();
  }
}
