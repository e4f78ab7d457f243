/**
 * A read replica of the SQLite store, for the worker processes of `kubetls serve --workers`:
 * it reads the data directory's database through its own read-only connection (WAL lets
 * readers in other processes run beside the single writer) and sends every write to the
 * process that owns the store (./remote.ts), which answers once the write is durable.
 *
 * - reads: the same queries as the owner (./sqlite-read.ts), on committed data;
 * - `update` runs as etcd's GuaranteedUpdate: the function runs here on the newest committed
 *   object, the owner stores the result only if the key is still at the revision the
 *   function saw, else it answers with the newer object and the function runs again;
 *   `replace` is that compare-and-swap alone (Conflict instead of a retry);
 * - watches: a local WatchHub fed by tailing the log (the rows after the last one seen), on
 *   every revision the owner announces, before every read and watch, after every write, and
 *   on `catchUp()` (called before each request) — cheap when nothing changed: SQLite's
 *   `PRAGMA data_version` says whether another connection committed since the last look.
 *   So a cache fed by a watch (the RBAC index) sees every write acknowledged before a
 *   request began, whichever process took that write.
 */
import { join } from 'node:path';
import type { KubeObject } from '../api/object.js';
import { KubetlsError } from '../errors/index.js';
import { conflict, notFound, parseKey } from './keys.js';
import { checkObject, checkPreconditions, withResourceVersion } from './preconditions.js';
import { fromWire, type PrimaryLink, type StoreReply, type StoreRequest } from './remote.js';
import { DB_FILE, connect, readRevisions, type DB } from './sqlite-db.js';
import { SqliteReader, type StoredRow } from './sqlite-read.js';
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
import { DEFAULT_WATCH_BUFFER, WatchHub } from './watchhub.js';

export interface SqliteReplicaOptions {
  /** the owner's data directory (its database must exist: the owner opened it first) */
  dataDir: string;
  link: PrimaryLink;
  watchBufferSize?: number;
  /** SQLite page cache of the connection, KiB (default 4 MiB: ./sqlite-db.ts DEFAULT_CACHE_KIB) */
  cacheKiB?: number;
  /** how often the log is tailed when no announcement came (a backstop; default 1 s) */
  pollMs?: number;
}

/** a read replica: a Store, and `catchUp()` to see every committed write before a request */
export interface ReplicaStore extends Store {
  catchUp(): void;
}

/** an update function that keeps losing to other writers gives up (Conflict) after this many tries */
const MAX_UPDATE_TRIES = 64;
/** rows read per step of a tail */
const TAIL_PAGE = 1000;

export function openSqliteReplica(o: SqliteReplicaOptions): ReplicaStore {
  const db = connect(join(o.dataDir, DB_FILE), o.cacheKiB ? { cacheKiB: o.cacheKiB } : {});
  try {
    db.pragma('query_only = 1');
    return new SqliteReplica(db, o);
  } catch (e) {
    db.close();
    throw e;
  }
}

class SqliteReplica implements ReplicaStore {
  private readonly reader: SqliteReader;
  private readonly hub: WatchHub;
  private readonly dataVersion;
  private readonly compactedQuery;
  private lastDataVersion = -1;
  /** every change up to this revision has been published to the local watchers */
  private seen: number;
  private compacted: number;
  private closing = false;
  private writes = 0;
  private idle: (() => void)[] = [];
  private readonly stopLink: () => void;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly db: DB,
    private readonly o: SqliteReplicaOptions,
  ) {
    this.reader = new SqliteReader(db);
    this.dataVersion = db.prepare('PRAGMA data_version').pluck();
    this.compactedQuery = db.prepare("SELECT value FROM meta WHERE name = 'compacted'").pluck();
    const r = readRevisions(db);
    this.seen = r.revision;
    this.compacted = r.compacted;
    this.lastDataVersion = this.dataVersion.get() as number;
    this.hub = new WatchHub({
      bufferSize: o.watchBufferSize ?? DEFAULT_WATCH_BUFFER,
      replay: (sel, after, upTo, limit, withPrev) => this.reader.replay(sel, after, upTo, limit, withPrev),
      compacted: () => this.compacted,
      revision: () => this.seen,
    });
    this.stopLink = o.link.onRevision((revision) => {
      if (revision > this.seen) this.catchUp(true);
    });
    this.timer = setInterval(() => this.catchUp(), o.pollMs ?? 1000);
    this.timer.unref();
  }

  /** publishes every change committed since the last look (nothing to do when none was) */
  catchUp(force = false): void {
    if (this.closing) return;
    const v = this.dataVersion.get() as number;
    if (v === this.lastDataVersion && !force) return;
    this.lastDataVersion = v;
    this.compacted = this.compactedQuery.get() as number;
    const wants = (key: string) => this.hub.wants(key);
    const wantsPrev = (key: string) => this.hub.wantsPrev(key);
    for (;;) {
      const t = this.reader.tail(this.seen, TAIL_PAGE, wants, wantsPrev);
      // advanced before publishing: a watch a consumer starts from an event sees `seen` past it
      if (t.last > this.seen) this.seen = t.last;
      this.hub.publish(t.changes);
      if (!t.more) break;
    }
    if (this.compacted > this.seen) this.seen = this.compacted;
  }

  // ---- reads

  async get(key: string): Promise<KubeObject | undefined> {
    parseKey(key);
    this.catchUp();
    return this.reader.get(key);
  }

  async list(prefix: string, o: ListOptions = {}): Promise<ListResult> {
    this.catchUp();
    return this.reader.list(prefix, o, { revision: this.seen, compacted: this.compacted });
  }

  watch(prefix: string, onEvent: (e: WatchEvent) => void | Promise<void>, o?: WatchOptions): Watch {
    if (this.closing) throw new KubetlsError('ServiceUnavailable', 'the store is closing');
    this.catchUp();
    return this.hub.add(prefix, onEvent, o);
  }

  revision(): number {
    return this.seen;
  }

  compactedRevision(): number {
    return this.compacted;
  }

  // ---- writes (the owner decides and commits them)

  private async send(req: StoreRequest): Promise<StoreReply> {
    if (this.closing) throw new KubetlsError('ServiceUnavailable', 'the store is closing');
    this.writes++;
    try {
      const r = await this.o.link.call(req);
      // this process's watchers (and the caches they feed) see the write before its caller does
      if (r.ok) this.catchUp(true);
      return r;
    } finally {
      if (--this.writes === 0) for (const f of this.idle.splice(0)) f();
    }
  }

  private async write(req: StoreRequest): Promise<KubeObject> {
    const r = await this.send(req);
    if (r.ok) return r.obj!;
    if ('error' in r) throw fromWire(r.error);
    throw new KubetlsError('InternalError', `${req.op}: the store owner answered a compare-and-swap`);
  }

  async create(key: string, obj: KubeObject): Promise<KubeObject> {
    parseKey(key);
    checkObject(obj, key);
    return this.write({ op: 'create', key, obj });
  }

  async delete(key: string, pre?: Preconditions): Promise<KubeObject> {
    parseKey(key);
    return this.write({ op: 'delete', key, ...(pre ? { pre } : {}) });
  }

  async update(key: string, fn: UpdateFn, pre?: Preconditions): Promise<KubeObject> {
    parseKey(key);
    let cur: StoredRow | undefined = this.reader.row(key);
    for (let tries = 1; ; tries++) {
      if (!cur || cur.deleted) throw notFound(key);
      const obj = JSON.parse(cur.value) as KubeObject;
      checkPreconditions(key, pre, obj, 'update');
      const next = await fn(obj);
      checkObject(next, key);
      // nothing changed: no new revision, as kube-apiserver's storage does for a no-op update
      if (JSON.stringify(withResourceVersion(next, cur.rev)) === cur.value) return withResourceVersion(next, cur.rev);
      const r = await this.send({ op: 'cas', key, obj: next, rev: cur.rev });
      if (r.ok) return r.obj!;
      if ('error' in r) throw fromWire(r.error);
      // another write changed the key since it was read: run the function again on the newer object
      if (tries >= MAX_UPDATE_TRIES) throw conflict(key);
      cur = r.current ? { rev: r.current.rev, deleted: false, value: r.current.value } : undefined;
    }
  }

  async replace(key: string, obj: KubeObject, resourceVersion: string): Promise<KubeObject> {
    parseKey(key);
    checkObject(obj, key);
    // the owner compares revisions (a resourceVersion that is not one can never match)
    const rev = /^[0-9]{1,16}$/.test(resourceVersion) ? Number(resourceVersion) : -1;
    const r = await this.send({ op: 'cas', key, obj, rev });
    if (r.ok) return r.obj!;
    if ('error' in r) throw fromWire(r.error);
    if (r.current === null) throw notFound(key);
    throw conflict(key);
  }

  async compact(revision: number): Promise<void> {
    const r = await this.send({ op: 'compact', revision });
    if (!r.ok && 'error' in r) throw fromWire(r.error);
    this.catchUp(true);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.timer);
    this.stopLink();
    if (this.writes > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    this.hub.closeAll('the store is closing', new KubetlsError('ServiceUnavailable', 'the store is closing'));
    this.db.close();
  }
}
