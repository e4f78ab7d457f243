/**
 * The SQLite store's files and schema: opening the data directory (0700) and its database
 * (0600) safely, refusing what is not ours, and the statements of the single writer (shared
 * by the main-thread committer and the worker thread).
 *
 * The schema is a log, as in kine (k3s's etcd shim on SQL): one row per revision holding the
 * key, whether the revision created or deleted it, the revision it superseded and the whole
 * object as JSON (a deletion stores no object: its DELETED event shows the row it superseded,
 * which compaction keeps exactly as long as the deletion, and a full store can still delete). "The store at revision R" is, for each key, its newest row at or before R
 * unless that row is a deletion; a watch from R replays the rows after R; compaction deletes
 * rows superseded at or before the compacted revision, and deletions there.
 *
 * Files in the data directory:
 *   kubetls.db (+ -wal, -shm)  the log (WAL mode, synchronous=FULL: a commit returns after fdatasync)
 *   kubetls.lock               held (an exclusive SQLite lock, released by the kernel if the
 *                              process dies) while a store is open: one writer per directory
 */
import Database from 'better-sqlite3';
import { chmodSync, closeSync, constants, fsyncSync, lstatSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KubetlsError } from '../errors/index.js';
import { DIR_MODE, SECRET_MODE, ensureDir } from '../util/files.js';

export type DB = Database.Database;

export const DB_FILE = 'kubetls.db';
export const LOCK_FILE = 'kubetls.lock';
/** bumped when the schema changes; a newer database is refused, never "upgraded" backwards */
export const SCHEMA_VERSION = 1;
/** PRAGMA application_id of a kubetls store ("ktls"): tells our databases from other SQLite files */
export const APPLICATION_ID = 0x6b746c73;

/** A row of the log as the writer inserts it: [rev, key, created, deleted, prevRev, value]. */
export type LogRow = [rev: number, key: string, created: 0 | 1, deleted: 0 | 1, prevRev: number, value: string];

export interface StoreFiles {
  dir: string;
  db: string;
  lock: string;
}

function invalidStore(message: string, hint: string, cause?: unknown): KubetlsError {
  return new KubetlsError('InvalidStore', message, { hint, cause });
}

/** The data directory, created 0700 when absent; InvalidStore/WriteFailed when it cannot be one. */
export function prepareDataDir(dir: string): StoreFiles {
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new KubetlsError('WriteFailed', `cannot use data directory ${dir}: ${(e as Error).message}`, { cause: e });
  }
  if (st && !st.isDirectory())
    throw invalidStore(
      `data directory ${dir} is not a directory`,
      'point --data-dir at a directory (it is created when absent)',
    );
  if (!st) ensureDir(dir, DIR_MODE);
  return { dir, db: join(dir, DB_FILE), lock: join(dir, LOCK_FILE) };
}

/**
 * Creates `path` 0600 when absent (SQLite would create it 0644, and its -wal and -shm files
 * take the database file's mode), tightens an existing one to 0600 (the store holds Secrets),
 * and refuses anything that is not a regular file. An existing file is never opened here:
 * closing any descriptor of a file drops every POSIX lock this process holds on it, the
 * SQLite locks included.
 */
function secretFile(path: string): void {
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw cannotOpen(path, e);
  }
  if (st) {
    if (!st.isFile())
      throw invalidStore(
        `${path} is not a regular file`,
        'move it away; kubetls does not follow links in its data directory',
      );
    if ((st.mode & 0o777) !== SECRET_MODE) chmodSync(path, SECRET_MODE);
    return;
  }
  try {
    closeSync(
      openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, SECRET_MODE),
    );
  } catch (e) {
    throw cannotOpen(path, e);
  }
}

function cannotOpen(path: string, e: unknown): KubetlsError {
  return new KubetlsError('WriteFailed', `cannot open ${path}: ${(e as Error).message}`, {
    hint: 'the data directory must be writable by the user running kubetls',
    cause: e,
  });
}

/** fsync a directory so that the files just created in it survive a power loss. */
export function syncDir(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function sqliteCode(e: unknown): string | undefined {
  const c = (e as { code?: unknown }).code;
  return typeof c === 'string' && c.startsWith('SQLITE_') ? c : undefined;
}

/** Takes the data directory's lock; InvalidStore when another process (or store) holds it. */
export function acquireLock(files: StoreFiles): DB {
  secretFile(files.lock);
  let db: DB | undefined;
  try {
    db = new Database(files.lock, { timeout: 0 });
    // no journal file (the lock file holds no data; OFF is refused by this build); EXCLUSIVE keeps
    // the lock taken by the first write until the connection closes
    db.pragma('journal_mode = MEMORY');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE; COMMIT');
    return db;
  } catch (e) {
    db?.close();
    if (sqliteCode(e) === 'SQLITE_BUSY')
      throw invalidStore(
        `data directory ${files.dir} is in use by another kubetls process`,
        'stop the other `kubetls serve`, or give this one its own --data-dir',
        e,
      );
    throw invalidStore(
      `cannot lock ${files.lock}: ${(e as Error).message}`,
      'move the file away if kubetls did not create it',
      e,
    );
  }
}

/**
 * Each connection's page cache. The OS page cache holds the file anyway, so SQLite's own is a
 * second copy: 16 MiB in each of serve's two connections (reader and writer) was ~20 MiB of its
 * RSS once a list of 100,000 CSRs had gone through them (bench/RESULTS.md, session 25).
 */
export const DEFAULT_CACHE_KIB = 4 * 1024;

export interface ConnectionOptions {
  /** page cache of this connection, in KiB (default DEFAULT_CACHE_KIB) */
  cacheKiB?: number;
  /** the database may not grow beyond this many bytes (SQLITE_FULL: the store is full) */
  quotaBytes?: number;
}

/** Opens a connection to a database that `openDatabase` has checked, with the durability pragmas. */
export function connect(path: string, o: ConnectionOptions = {}): DB {
  const db = new Database(path, { timeout: 5000, fileMustExist: true });
  // WAL + FULL: every commit appends to the WAL and fdatasyncs it before returning
  // (NORMAL would sync only at checkpoints: not durable)
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma(`cache_size = ${-(o.cacheKiB ?? DEFAULT_CACHE_KIB)}`);
  db.pragma('temp_store = MEMORY');
  if (o.quotaBytes !== undefined) {
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.pragma(`max_page_count = ${Math.max(16, Math.floor(o.quotaBytes / pageSize))}`);
  }
  return db;
}

const SCHEMA = `
CREATE TABLE log (
  rev INTEGER PRIMARY KEY,
  key TEXT NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  prev_rev INTEGER NOT NULL,
  value TEXT NOT NULL
) STRICT;
CREATE INDEX log_key_rev ON log (key, rev);
CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
INSERT INTO meta (name, value) VALUES ('compacted', 0);
`;

/**
 * Opens the database, creating the schema in a new (or empty) file, after checking that the
 * file is a kubetls store of a schema version this code knows. Nothing is written to a file
 * that fails these checks.
 */
export function openDatabase(files: StoreFiles, o: ConnectionOptions = {}): DB {
  secretFile(files.db);
  const keep = 'nothing was changed; move the file away or use another --data-dir';
  let db: DB | undefined;
  try {
    db = new Database(files.db, { timeout: 5000, fileMustExist: true });
    // reads only, before any pragma that could write: a foreign file stays untouched
    const appId = db.pragma('application_id', { simple: true }) as number;
    const version = db.pragma('user_version', { simple: true }) as number;
    const tables = (db.prepare('SELECT count(*) AS n FROM sqlite_schema').get() as { n: number }).n;
    if (appId !== APPLICATION_ID && (appId !== 0 || tables !== 0 || version !== 0))
      throw invalidStore(`${files.db} is an SQLite database but not a kubetls store`, keep);
    if (version > SCHEMA_VERSION)
      throw invalidStore(
        `${files.db} has store schema version ${version}, newer than this kubetls understands (${SCHEMA_VERSION})`,
        `it was written by a newer kubetls: run that version, or point --data-dir elsewhere; ${keep}`,
      );
    db.close();
    db = connect(files.db, o);
    if (appId === 0) {
      db.transaction(() => {
        db!.exec(SCHEMA);
        db!.pragma(`application_id = ${APPLICATION_ID}`);
        db!.pragma(`user_version = ${SCHEMA_VERSION}`);
      })();
    } else if (version < 1) throw invalidStore(`${files.db} has no store schema version`, keep);
    return db;
  } catch (e) {
    db?.close();
    if (e instanceof KubetlsError) throw e;
    const code = sqliteCode(e);
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT')
      throw invalidStore(`${files.db} is not an SQLite database (or is damaged): ${(e as Error).message}`, keep, e);
    if (code === 'SQLITE_BUSY')
      throw invalidStore(`${files.db} is locked by another process`, 'stop the other process using it', e);
    throw new KubetlsError('WriteFailed', `cannot open ${files.db}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * The newest and the compacted revision. Compaction may delete the newest row (a deletion),
 * never the compacted mark, which is never older than it. A new store is at revision 1, as a
 * new etcd is: its first write is 2, and a watch "after revision 1" replays everything.
 */
export function readRevisions(db: DB): { revision: number; compacted: number } {
  const max = (db.prepare('SELECT max(rev) AS r FROM log').get() as { r: number | null }).r ?? 0;
  const compacted = (db.prepare("SELECT value FROM meta WHERE name = 'compacted'").get() as { value: number }).value;
  return { revision: Math.max(max, compacted, 1), compacted };
}

/** The single writer's statements: commit a batch of rows in one transaction, compact a range. */
export interface Writer {
  /** one transaction, one sync; throws (and rolls back) on failure */
  commit(rows: readonly LogRow[]): void;
  /**
   * Deletes the rows superseded by rows in (from, upTo] and the deletions in that range, and
   * records `upTo` as compacted, in one transaction; returns how many rows went.
   */
  compact(from: number, upTo: number): number;
}

export function prepareWriter(db: DB): Writer {
  const insert = db.prepare('INSERT INTO log (rev, key, created, deleted, prev_rev, value) VALUES (?, ?, ?, ?, ?, ?)');
  const superseded = db.prepare(
    'DELETE FROM log WHERE rev IN (SELECT prev_rev FROM log WHERE rev > ? AND rev <= ? AND prev_rev != 0)',
  );
  const deletions = db.prepare('DELETE FROM log WHERE rev > ? AND rev <= ? AND deleted = 1');
  const mark = db.prepare("UPDATE meta SET value = ? WHERE name = 'compacted'");
  const commit = db.transaction((rows: readonly LogRow[]) => {
    for (const r of rows) insert.run(r);
  });
  const compact = db.transaction((from: number, upTo: number) => {
    const n = superseded.run(from, upTo).changes + deletions.run(from, upTo).changes;
    mark.run(upTo);
    return n;
  });
  return { commit: (rows) => commit(rows), compact: (from, upTo) => compact(from, upTo) };
}

export { sqliteCode };
