/**
 * Where the SQLite store's writes are committed: on the main thread (better-sqlite3 is
 * synchronous, so the event loop waits for each fdatasync) or in a worker thread that owns
 * the write connection (the event loop keeps serving reads and collecting the next batch
 * while the sync runs). Both commit a batch in one transaction with one sync and compact in
 * bounded transactions; bench/store.ts measures both under the API's load, and the faster one
 * is the default (docs/architecture.md has the figures).
 */
import { Worker } from 'node:worker_threads';
import { KubetlsError } from '../errors/index.js';
import { prepareWriter, type ConnectionOptions, type DB, type LogRow } from './sqlite-db.js';

export type CommitMode = 'main' | 'worker';

export interface Committer {
  readonly mode: CommitMode;
  /** resolves once the rows are durable; rejects with the SQLite error (code kept) otherwise */
  commit(rows: LogRow[]): Promise<void>;
  /** compacts (from, upTo] in transactions of at most `COMPACT_SLICE` revisions */
  compact(from: number, upTo: number): Promise<number>;
  close(): Promise<void>;
}

/** revisions per compaction transaction: keeps each one (and the main thread, inline) short */
export const COMPACT_SLICE = 2000;

/** Commits on the calling thread, through the store's own connection. */
export function mainThreadCommitter(db: DB): Committer {
  const w = prepareWriter(db);
  return {
    mode: 'main',
    commit: async (rows) => w.commit(rows),
    compact: async (from, upTo) => {
      let n = 0;
      for (let a = from; a < upTo; a += COMPACT_SLICE) {
        n += w.compact(a, Math.min(a + COMPACT_SLICE, upTo));
        // let requests in between slices
        if (a + COMPACT_SLICE < upTo) await new Promise((r) => setImmediate(r));
      }
      return n;
    },
    close: async () => undefined,
  };
}

/** Messages to the writer thread (src/store/sqlite-writer.ts). */
type Request = { op: 'commit'; rows: LogRow[] } | { op: 'compact'; from: number; upTo: number } | { op: 'close' };
export type WriterRequest = Request & { id: number };
export type WriterReply =
  { id: number; ok: true; n?: number } | { id: number; ok: false; message: string; code?: string };
export interface WriterData {
  path: string;
  connection: ConnectionOptions;
  slice: number;
}

/** An Error carrying the SQLite code the writer thread saw (SQLITE_FULL …). */
function replyError(r: { message: string; code?: string }): Error {
  return Object.assign(new Error(r.message), r.code ? { code: r.code } : {});
}

/**
 * Starts the writer thread on `path` and waits until its connection is open. The thread is
 * referenced only while a request is in flight, so an idle store never keeps the process alive
 * and a pending write always does.
 */
export async function workerCommitter(path: string, connection: ConnectionOptions): Promise<Committer> {
  // ../store/ resolves the same from dist/src/store/*.js and from the CLI bundle in dist/src/cli/
  const worker = new Worker(new URL('../store/sqlite-writer.js', import.meta.url), {
    workerData: { path, connection, slice: COMPACT_SLICE } satisfies WriterData,
  });
  const pending = new Map<number, { resolve: (r: WriterReply) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let dead: Error | undefined;
  const fail = (e: Error) => {
    dead ??= e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  worker.on('message', (r: WriterReply) => {
    const p = pending.get(r.id);
    pending.delete(r.id);
    if (pending.size === 0) worker.unref();
    p?.resolve(r);
  });
  worker.on('error', (e) => fail(e));
  worker.on('exit', (code) => fail(new Error(`the store's writer thread exited (${code})`)));
  const send = (m: Request): Promise<WriterReply> => {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    if (pending.size === 0) worker.ref();
    worker.postMessage({ ...m, id });
    return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
  };
  const call = async (m: Request): Promise<number> => {
    const r = await send(m);
    if (!r.ok) throw replyError(r);
    return r.n ?? 0;
  };
  // the first reply says the connection is open (or why it is not)
  worker.ref();
  await new Promise<void>((resolve, reject) => {
    worker.once('message', (r: WriterReply) => (r.ok ? resolve() : reject(replyError(r))));
    worker.once('error', reject);
  }).catch(async (e: unknown) => {
    await worker.terminate();
    throw new KubetlsError('InvalidStore', `the store's writer thread could not start: ${(e as Error).message}`, {
      cause: e,
    });
  });
  worker.unref();
  return {
    mode: 'worker',
    commit: async (rows) => {
      await call({ op: 'commit', rows });
    },
    compact: (from, upTo) => call({ op: 'compact', from, upTo }),
    close: async () => {
      if (!dead) await call({ op: 'close' }).catch(() => undefined);
      await worker.terminate();
    },
  };
}
