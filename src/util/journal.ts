/**
 * The journal of a batch of file writes, so that a run killed at any point is finished or
 * undone by the next one instead of leaving a certificate without its key.
 *
 * A batch (files/writeBatch) goes: journal opened (every temp → target pair and backup name,
 * not yet committed) → temp files written → everything made durable → a commit line appended
 * to the journal and fsynced → backups linked and temps renamed over their targets →
 * directories made durable → journal removed. Whoever finds the journal later:
 * - committed (last line `commit <sha-256 of the body>`): rolls the batch forward — every
 *   temp still there is renamed into place (its backup linked first). Idempotent, so a
 *   journal that survives its own completion, or a recovery killed half-way, is harmless:
 *   a temp that is gone was renamed already.
 * - not committed (torn, or no commit line): no rename has happened, so the batch is rolled
 *   back: its temps are removed and the tree is as before the run.
 * Temps whose journal never reached the disk are found by name (`sweepTemps`).
 * The entries of a journal are checked before anything is acted on: a temp must sit next to
 * its target with kubetls's temp name, a backup next to its target with the backup name, so
 * a foreign or tampered journal cannot move arbitrary files.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  openSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { KubetlsError } from '../errors/index.js';
import { readFileBounded } from './read.js';
import { makeDurable } from './syncfs.js';

/** The journal's file name, in the directory the batch names (a node's certificate directory, or a cluster's --dir). */
export const JOURNAL_NAME = '.kubetls-journal';
const HEADER = 'kubetls-journal v1';
/** a 100-node init journals ~375 entries in ~60 KB; anything far larger was not written by kubetls */
const MAX_JOURNAL_BYTES = 16 * 1024 * 1024;

export interface JournalEntry {
  /** the temp file holding the new content, next to its target */
  tmp: string;
  target: string;
  /** where the current target is kept (a hard link) before it is replaced */
  backup?: string;
}

export const journalPath = (dir: string): string => join(dir, JOURNAL_NAME);

/** The temp file for `path`: hidden, in the same directory (so the rename is atomic), `.<name>.<tag>.tmp`. */
export function tempPathFor(path: string, tag: string): string {
  const slash = path.lastIndexOf('/');
  return `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.${tag}.tmp`;
}

/** tag: 12 hex digits of randomness, then `-<index>` for a file of a batch */
const TEMP_NAME = /^\.(.+)\.[0-9a-f]{12}(?:-\d+)?\.tmp$/;

/** The target a temp file name belongs to (its base name), or undefined if it is not a kubetls temp name. */
export function tempTarget(name: string): string | undefined {
  return TEMP_NAME.exec(name)?.[1];
}

const sameDir = (a: string, b: string): boolean => dirname(a) === dirname(b);

function checkEntry(e: unknown, source: string): JournalEntry {
  const o = e as Record<string, unknown> | null;
  const bad = (why: string) =>
    new KubetlsError(
      'InvalidJournal',
      `${source}: ${why}`,
      'it was not written by kubetls; inspect it, then remove it and run the command again',
    );
  if (typeof o !== 'object' || o === null || typeof o.tmp !== 'string' || typeof o.target !== 'string')
    throw bad('an entry is not {tmp, target}');
  const { tmp, target, backup } = o;
  if (!isAbsolute(target) || !sameDir(tmp, target) || tempTarget(basename(tmp)) !== basename(target))
    throw bad(`"${tmp}" is not a temp file of "${target}"`);
  if (backup === undefined) return { tmp, target };
  if (
    typeof backup !== 'string' ||
    !sameDir(backup, target) ||
    !basename(backup).startsWith(`${basename(target)}.bak-`)
  )
    throw bad(`"${String(backup)}" is not a backup name of "${target}"`);
  return { tmp, target, backup };
}

const digest = (body: string): string => createHash('sha256').update(body).digest('hex');

/** The journal body: a header line and the entries as one JSON line. */
export function encodeJournal(entries: readonly JournalEntry[]): string {
  return `${HEADER}\n${JSON.stringify({ entries })}\n`;
}

export interface DecodedJournal {
  committed: boolean;
  /** empty when the body is torn (an uncommitted journal cut short by the crash) */
  entries: JournalEntry[];
}

/** Reads a journal's text. A committed journal must be well formed; an uncommitted one may be torn. */
export function decodeJournal(text: string, source: string): DecodedJournal {
  const lines = text.split('\n');
  const body = lines.slice(0, 2).join('\n') + '\n';
  const committed = lines[0] === HEADER && lines[2] === `commit ${digest(body)}`;
  let entries: JournalEntry[] = [];
  try {
    const parsed = JSON.parse(lines[1] ?? '') as { entries?: unknown };
    if (Array.isArray(parsed.entries)) entries = parsed.entries.map((e) => checkEntry(e, source));
    else if (committed) throw new Error('no entries');
  } catch (e) {
    if (e instanceof KubetlsError) throw e;
    // a torn body: nothing was renamed yet (the commit line comes after it), so nothing to finish
    if (committed) throw new KubetlsError('InvalidJournal', `${source}: committed but unreadable`);
  }
  return { committed, entries };
}

/** An open, not yet committed journal. */
export interface OpenJournal {
  path: string;
  fd: number;
  body: string;
}

function writeAt(fd: number, buf: Buffer, position: number): void {
  // pwrite: a batch's only positional writes, which the crash test counts (test/cluster/crash.test.ts)
  for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off, buf.length - off, position + off);
}

/**
 * Creates the journal (never over an existing one: that is another run's, or an interrupted
 * one that `recoverJournal` must see first) with every entry, uncommitted.
 */
export function openJournal(dir: string, entries: readonly JournalEntry[]): OpenJournal {
  const path = journalPath(dir);
  const body = encodeJournal(entries);
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      throw new KubetlsError(
        'WriteFailed',
        `${path} exists: another kubetls command is writing to this tree, or one was interrupted`,
        'when no other command is running, run the interrupted command again: it finishes or undoes the interrupted writes first',
      );
    throw e;
  }
  try {
    writeAt(fd, Buffer.from(body), 0);
  } catch (e) {
    closeSync(fd);
    unlinkSync(path);
    throw e;
  }
  return { path, fd, body };
}

/** Appends the commit line and fsyncs the journal: from here on the batch is rolled forward, never back. */
export function commitJournal(j: OpenJournal): void {
  writeAt(j.fd, Buffer.from(`commit ${digest(j.body)}\n`), Buffer.byteLength(j.body));
  fsyncSync(j.fd);
}

export function closeJournal(j: OpenJournal, remove: boolean): void {
  closeSync(j.fd);
  if (remove) unlinkIfThere(j.path);
}

function unlinkIfThere(p: string): boolean {
  try {
    unlinkSync(p);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/**
 * Moves every temp still there into place, linking its backup first. Idempotent: a temp that
 * is gone was renamed by an earlier pass, a backup that exists was linked by one.
 */
export function rollForward(entries: readonly JournalEntry[]): { moved: string[]; backups: string[] } {
  const moved: string[] = [];
  const backups: string[] = [];
  for (const e of entries) {
    if (!existsSync(e.tmp)) continue;
    if (e.backup) {
      try {
        linkSync(e.target, e.backup);
        backups.push(e.backup);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST' && code !== 'ENOENT') throw err; // linked by an earlier pass / nothing to keep
      }
    }
    renameSync(e.tmp, e.target);
    moved.push(e.target);
  }
  return { moved, backups };
}

/** Removes the temps of a batch that was not committed. */
export function rollBack(entries: readonly JournalEntry[]): string[] {
  return entries.filter((e) => unlinkIfThere(e.tmp)).map((e) => e.tmp);
}

export interface Recovery {
  journal: string;
  /** true: the interrupted batch was finished; false: it was undone */
  committed: boolean;
  /** targets moved into place (committed) or temps removed (not committed) */
  files: string[];
  backups: string[];
}

/**
 * Finishes or undoes the batch whose journal is in `dir`, if any. Run by every command that
 * writes, before it reads the tree (so it plans from a consistent state).
 */
export async function recoverJournal(dir: string): Promise<Recovery | undefined> {
  const path = journalPath(dir);
  if (!existsSync(path)) return undefined;
  // bounded, and refused unless a regular file: the tree is the user's, the journal could be anything
  const text = readFileBounded(path, MAX_JOURNAL_BYTES).toString('latin1');
  const j = decodeJournal(text, path);
  if (!j.committed) {
    const removed = rollBack(j.entries);
    unlinkIfThere(path);
    return { journal: path, committed: false, files: removed, backups: [] };
  }
  const { moved, backups } = rollForward(j.entries);
  const dirs = [...new Set(j.entries.map((e) => dirname(e.target)))].filter((d) => existsSync(d));
  await makeDurable(dirs, dirs, dirs.length > 8);
  unlinkIfThere(path);
  return { journal: path, committed: true, files: moved, backups };
}

/**
 * Removes kubetls temp files of `targets` (`.<name>.<tag>.tmp` next to each): what a run
 * killed before its journal reached the disk, or an older version, left behind. Some hold
 * private keys that were never used. One directory listing per directory that exists.
 */
export function sweepTemps(targets: readonly string[]): string[] {
  const byDir = new Map<string, Set<string>>();
  for (const t of targets) {
    const d = dirname(t);
    let s = byDir.get(d);
    if (!s) byDir.set(d, (s = new Set()));
    s.add(basename(t));
  }
  const removed: string[] = [];
  for (const [d, names] of byDir) {
    let list: string[];
    try {
      list = readdirSync(d);
    } catch {
      continue; // not there: nothing left in it
    }
    for (const n of list) {
      const target = tempTarget(n);
      if (target !== undefined && names.has(target) && unlinkIfThere(join(d, n))) removed.push(join(d, n));
    }
  }
  return removed;
}
