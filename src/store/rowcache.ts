/**
 * The newest committed row of recently read or written keys, so that the reads right after a
 * write (the API's get before an update, the client's get after one) do not ask SQLite again.
 * Finding a row after a commit costs as much as reading it cold: every commit by the writer's
 * connection invalidates the reader's page cache, and `row` was 11% of the lifecycle's main
 * thread (bench/RESULTS.md, session 25).
 *
 * Exact only for a store that is its data directory's only writer: every commit updates the
 * record, and a read records only what was committed when it ran. A record with no value knows
 * the key's revision (enough for a compare-and-swap) but not its object.
 *
 * Bounded twice: by keys (each record ~150 bytes besides its value) and by the bytes of the
 * values it holds. The oldest written or read record goes first.
 */
import type { StoredRow } from './sqlite-read.js';

export interface RecentRow {
  rev: number;
  deleted: boolean;
  /** the stored JSON; undefined when only the revision is known (and for a deletion) */
  value: string | undefined;
}

export class RecentRows {
  private readonly rows = new Map<string, RecentRow>();
  private bytes = 0;

  constructor(
    private readonly maxKeys: number,
    private readonly maxBytes: number,
  ) {}

  get(key: string): RecentRow | undefined {
    return this.rows.get(key);
  }

  /** the key's newest row, when its object is known */
  row(key: string): StoredRow | undefined {
    const r = this.rows.get(key);
    if (!r) return undefined;
    if (r.deleted) return { rev: r.rev, deleted: true, value: '' };
    return r.value === undefined ? undefined : { rev: r.rev, deleted: false, value: r.value };
  }

  /**
   * Records the key's row at `rev`. A read that raced a commit of the same key never takes the
   * record back to an older revision; the same revision may add the value a head-only read lacked.
   */
  note(key: string, rev: number, deleted: boolean, value: string | undefined): void {
    const known = this.rows.get(key);
    if (known && (known.rev > rev || (known.rev === rev && (value === undefined || known.value !== undefined)))) return;
    if (known) this.drop(key, known);
    const kept = deleted ? undefined : value;
    if (kept !== undefined && kept.length > this.maxBytes) return;
    this.rows.set(key, { rev, deleted, value: kept });
    this.bytes += kept?.length ?? 0;
    for (const [k, r] of this.rows) {
      if (this.rows.size <= this.maxKeys && this.bytes <= this.maxBytes) break;
      this.drop(k, r);
    }
  }

  /** records held and the value bytes among them (tests, metrics) */
  size(): { keys: number; bytes: number } {
    return { keys: this.rows.size, bytes: this.bytes };
  }

  private drop(key: string, r: RecentRow): void {
    this.rows.delete(key);
    this.bytes -= r.value?.length ?? 0;
  }
}
