/**
 * The SQLite store's reads, shared by every process that reads the log: the store that owns
 * the data directory (./sqlite.ts) and the read replicas in `kubetls serve`'s worker
 * processes (./sqlite-replica.ts). Each runs them on its own connection; WAL lets readers
 * in other processes read committed data while the single writer appends.
 */
import type { KubeObject } from '../api/object.js';
import { KubetlsError } from '../errors/index.js';
import { decodeContinue, encodeContinue } from './continue.js';
import { selection, type Selection } from './keys.js';
import { withResourceVersion } from './preconditions.js';
import type { DB } from './sqlite-db.js';
import type { ListOptions, ListResult } from './store.js';
import { tooOld, type Change } from './watchhub.js';

/** A key's newest stored row. */
export interface StoredRow {
  rev: number;
  deleted: boolean;
  value: string;
}

interface ReplayRow {
  rev: number;
  key: string;
  created: number;
  deleted: number;
  value: string;
  prev: string | null;
}

export class SqliteReader {
  private readonly q;

  constructor(db: DB) {
    this.q = {
      get: db.prepare('SELECT rev, deleted, value FROM log WHERE key = ? ORDER BY rev DESC LIMIT 1'),
      head: db.prepare('SELECT rev, deleted FROM log WHERE key = ? ORDER BY rev DESC LIMIT 1'),
      valueAt: db.prepare('SELECT value FROM log WHERE rev = ?').pluck(),
      getAt: db.prepare(
        'SELECT key, value FROM log WHERE key = ? AND rev <= ? AND deleted = 0 AND rev = (SELECT max(rev) FROM log WHERE key = ? AND rev <= ?)',
      ),
      // the newest row of each key in (after, end) at or before the revision, unless a deletion
      list: db.prepare(
        `SELECT l.key, l.value FROM log l
         WHERE l.key > ? AND l.key < ? AND l.rev <= ?
           AND l.rev = (SELECT max(m.rev) FROM log m WHERE m.key = l.key AND m.rev <= ?)
           AND l.deleted = 0
         ORDER BY l.key`,
      ),
      // the superseded row too: a deletion's event shows it, a filtered watch compares with it
      replay: db.prepare(
        `SELECT l.rev, l.key, l.created, l.deleted, l.value, p.value AS prev FROM log l LEFT JOIN log p ON p.rev = l.prev_rev
         WHERE l.rev > ? AND l.rev <= ? AND l.key >= ? AND l.key < ? ORDER BY l.rev LIMIT ?`,
      ),
    };
  }

  /** the key's newest row (a deletion too), committed data only */
  row(key: string): StoredRow | undefined {
    const r = this.q.get.get(key) as { rev: number; deleted: number; value: string } | undefined;
    return r && { rev: r.rev, deleted: r.deleted !== 0, value: r.value };
  }

  /**
   * the key's newest revision and whether it is a deletion, without the object: a
   * compare-and-swap needs no more (copying the value out of SQLite and parsing it were
   * most of an update's store time: bench/RESULTS.md, 2026-12-05 22:30)
   */
  head(key: string): { rev: number; deleted: boolean } | undefined {
    const r = this.q.head.get(key) as { rev: number; deleted: number } | undefined;
    return r && { rev: r.rev, deleted: r.deleted !== 0 };
  }

  /** the stored JSON of the row at revision `rev` (undefined when compacted away or a deletion's empty row) */
  valueAt(rev: number): string | undefined {
    return (this.q.valueAt.get(rev) as string | undefined) || undefined;
  }

  get(key: string): KubeObject | undefined {
    const r = this.row(key);
    return r && !r.deleted ? (JSON.parse(r.value) as KubeObject) : undefined;
  }

  /** Store.list on the data as of `at.revision` (the newest the caller knows) and `at.compacted`. */
  list(prefix: string, o: ListOptions, at: { revision: number; compacted: number }): ListResult {
    const sel = selection(prefix);
    const limit = o.limit ?? 0;
    if (!Number.isSafeInteger(limit) || limit < 0)
      throw new KubetlsError('BadRequest', `a list limit must be a non-negative integer, not ${String(limit)}`);
    let rev = o.revision ?? at.revision;
    if (!Number.isSafeInteger(rev) || rev < 0)
      throw new KubetlsError('BadRequest', `a list cannot be at revision ${String(rev)}`);
    let after = 'key' in sel ? '' : sel.prefix;
    if (o.continue !== undefined && o.continue !== '') {
      if ('key' in sel) throw new KubetlsError('BadRequest', 'continue key is not valid: a single object has no pages');
      const c = decodeContinue(o.continue, sel.prefix);
      rev = c.revision;
      after = c.after;
      if (rev < at.compacted)
        throw new KubetlsError(
          'Expired',
          `the continue token is too old: its revision ${rev} was compacted (the history starts at ${at.compacted})`,
          { hint: 'list again without continue' },
        );
    } else if (rev < at.compacted) throw tooOld(rev, at.compacted);
    if (rev > at.revision)
      throw new KubetlsError('BadRequest', `revision ${String(rev)} is newer than the store (${at.revision})`, {
        hint: 'the store may have been restored from an older copy: list again without it',
      });

    const items: KubeObject[] = [];
    if ('key' in sel) {
      const row = this.q.getAt.get(sel.key, rev, sel.key, rev) as { value: string } | undefined;
      if (row) {
        const obj = JSON.parse(row.value) as KubeObject;
        if (!o.filter || o.filter(obj)) items.push(obj);
      }
      return { items, revision: rev };
    }
    let last: string | undefined;
    let more = false;
    for (const row of this.q.list.iterate(after, sel.end, rev, rev) as IterableIterator<{
      key: string;
      value: string;
    }>) {
      if (limit && items.length === limit) {
        // one more stored object: a next page exists (it may be empty under a filter, as kube-apiserver's)
        more = true;
        break;
      }
      const obj = JSON.parse(row.value) as KubeObject;
      last = row.key;
      if (!o.filter || o.filter(obj)) items.push(obj);
    }
    return more && last !== undefined
      ? { items, revision: rev, continue: encodeContinue(rev, sel.prefix, last) }
      : { items, revision: rev };
  }

  /** the stored changes in (after, upTo] that `sel` selects, in revision order, at most `limit` (a watch's replay) */
  replay(sel: Selection, after: number, upTo: number, limit: number, withPrev: boolean): Change[] {
    // [key, key + NUL) holds exactly the key: keys contain no NUL
    const [lo, hi] = 'key' in sel ? [sel.key, sel.key + '\0'] : [sel.prefix, sel.end];
    const out: Change[] = [];
    for (const r of this.q.replay.all(after, upTo, lo, hi, limit) as ReplayRow[]) {
      const c = toChange(r, withPrev);
      if (c) out.push(c);
    }
    return out;
  }

  /**
   * The committed changes after `after` of the keys `wants` selects, in revision order, from
   * at most `limit` rows, and the last revision read (a follower tails the log from it).
   */
  tail(
    after: number,
    limit: number,
    wants: (key: string) => boolean,
    wantsPrev: (key: string) => boolean,
  ): { changes: Change[]; last: number; more: boolean } {
    // every key starts with '/': all of them sort in ['/', '0')
    const rows = this.q.replay.all(after, Number.MAX_SAFE_INTEGER, '/', '0', limit) as ReplayRow[];
    const changes: Change[] = [];
    for (const r of rows) {
      if (!wants(r.key)) continue;
      const c = toChange(r, wantsPrev(r.key));
      if (c) changes.push(c);
    }
    return { changes, last: rows.length ? rows[rows.length - 1]!.rev : after, more: rows.length === limit };
  }
}

function toChange(r: ReplayRow, withPrev: boolean): Change | undefined {
  if (r.deleted)
    // a deletion whose superseded row is gone was compacted with it: nothing left to show
    return r.prev === null
      ? undefined
      : {
          key: r.key,
          event: {
            type: 'DELETED',
            object: withResourceVersion(JSON.parse(r.prev) as KubeObject, r.rev),
            revision: r.rev,
          },
        };
  const object = JSON.parse(r.value) as KubeObject;
  const prev = withPrev && r.prev !== null ? (JSON.parse(r.prev) as KubeObject) : undefined;
  return { key: r.key, event: { type: r.created ? 'ADDED' : 'MODIFIED', object, revision: r.rev }, prev };
}
