/**
 * Writing secrets and certificates safely: atomic (temp file, fsync, rename), keys 0600
 * inside 0700 directories, never replacing different content without a backup (announced
 * through ./notices.ts), and never writing over a device, FIFO, socket or directory.
 */
import {
  closeSync,
  fchmodSync,
  mkdirSync,
  openSync,
  statSync,
  unlinkSync,
  writeSync,
  chmodSync,
  existsSync,
  type Stats,
} from 'node:fs';
import { dirname, join, parse, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { KubetlsError } from '../errors/index.js';
import { announceBackup } from './notices.js';
import { describeErrno, fileKind, readFileBounded } from './read.js';
import {
  closeJournal,
  commitJournal,
  openJournal,
  rollForward,
  tempPathFor,
  tempTarget,
  type JournalEntry,
} from './journal.js';
import { makeDurable } from './syncfs.js';

export { onePerFilesystem } from './syncfs.js';

export const SECRET_MODE = 0o600;
export const PUBLIC_MODE = 0o644;
export const DIR_MODE = 0o700;

/**
 * mkdir -p with mode 0700 for the directories it creates (existing ones are left alone).
 * It walks the path one component at a time instead of using Node's recursive mkdir, which
 * retries forever where mkdir answers ENOENT under a parent that exists (/proc, /sys:
 * `init --dir /proc/self/kt` spun at 100% CPU) and reports a read-only filesystem as ENOENT.
 * Here every component is looked at once, so it always ends; a component that exists but is
 * not a directory is named, and the errno of the mkdir that failed is reported as it is.
 */
export function ensureDir(dir: string, mode = DIR_MODE): void {
  const abs = resolve(dir);
  const kindOf = (p: string): Stats | undefined => {
    try {
      return statSync(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined; // the walk below finds which component
      throw new KubetlsError('WriteFailed', `cannot create directory ${dir}: ${p}: ${describeErrno(e)}`, { cause: e });
    }
  };
  const notADir = (p: string, st: Stats) =>
    new KubetlsError(
      'WriteFailed',
      `cannot create directory ${dir}: ${p} exists and is ${fileKind(st)}, not a directory`,
    );
  const st = kindOf(abs);
  if (st?.isDirectory()) return;
  if (st) throw notADir(abs, st);
  // from the root down: each component exists as a directory, or is created, or the walk stops
  const parts = abs.split(sep).filter(Boolean);
  let p = parse(abs).root;
  for (const part of parts) {
    const parent = p;
    p = join(p, part);
    const cur = kindOf(p);
    if (cur?.isDirectory()) continue;
    if (cur) throw notADir(p, cur);
    try {
      mkdirSync(p, { mode });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const again = code === 'EEXIST' ? kindOf(p) : undefined; // made by someone else meanwhile
      if (again?.isDirectory()) continue;
      if (again) throw notADir(p, again);
      // ENOENT under a parent that exists is how /proc and /sys refuse new entries
      const why =
        code === 'ENOENT'
          ? `${parent} does not accept new directories (a pseudo-filesystem such as /proc or /sys?)`
          : code === 'EEXIST'
            ? 'it exists but is not a directory (a dangling symbolic link?)'
            : describeErrno(e);
      throw new KubetlsError('WriteFailed', `cannot create directory ${p}: ${why}`, { cause: e });
    }
  }
}

/** Why creating a file failed, in words; ENOENT in a directory that exists is a filesystem refusing new files. */
function writeErrorText(e: unknown): string {
  return (e as NodeJS.ErrnoException).code === 'ENOENT'
    ? 'its directory does not accept new files (a pseudo-filesystem such as /proc?)'
    : describeErrno(e);
}

/** Whether a file name (not a path) is a kubetls temp file: a write in progress or one a crash left behind. */
export const isTempFileName = (name: string): boolean => tempTarget(name) !== undefined;

/**
 * Whether the file at `path` already holds exactly `data`. Reads at most data.length + 1
 * bytes, through the bounded reader, so a device or FIFO in the way is refused, never read.
 */
function holdsExactly(path: string, data: Buffer): boolean {
  let st: Stats;
  try {
    st = statSync(path);
  } catch {
    return false; // gone meanwhile, or a dangling symlink: nothing to keep
  }
  if (!st.isFile())
    throw new KubetlsError('NotARegularFile', `refusing to write ${path}: it is ${fileKind(st)}, not a regular file`);
  if (st.size !== data.length) return false;
  try {
    return readFileBounded(path, data.length).equals(data);
  } catch (e) {
    if (e instanceof KubetlsError && e.code === 'TooLarge') return false;
    throw e;
  }
}

export interface BatchWrite {
  path: string;
  data: string | Buffer;
  mode: number;
  /**
   * When the file exists with other content: 'refuse' (the default: the whole batch is
   * refused before anything is written), 'backup' (the old file is kept as
   * `<name>.bak-<UTC time>`, a hard link made just before the new one replaces it), 'replace'.
   */
  existing?: 'refuse' | 'backup' | 'replace';
  /** files written all or none (a key and its certificate); default: the file alone. See BatchOptions.partial. */
  group?: string;
}

export interface BatchOptions {
  /**
   * Where the batch's journal goes (files/journal.ts): with one, a run killed at any point is
   * finished or undone by the next run (`recoverJournal`); without one, a batch of several
   * files can be left half-applied.
   */
  journalDir?: string;
  /** injectable for deterministic backup names in tests */
  now?: () => Date;
  /** a group whose files cannot be written (read-only directory, full disk) is left out and reported; the others are written */
  partial?: boolean;
}

export type WriteAction = 'create' | 'replace' | 'unchanged';

/** What writing `files` would do, file by file: the batch writer's plan, and what --dry-run prints. */
export interface PlannedWrite {
  file: BatchWrite;
  action: WriteAction;
  /** the name the current file will be kept under (existing: 'backup', different content) */
  backup?: string;
}

export interface BatchResult {
  /** targets written, in the order given */
  written: string[];
  backups: Array<{ path: string; backup: string }>;
  /** groups left out (BatchOptions.partial), with the file that failed and why */
  failed: Array<{ group: string; path: string; message: string }>;
}

const bytesOf = (d: string | Buffer): Buffer => (typeof d === 'string' ? Buffer.from(d) : d);

/** `<name>.bak-20260301T120000Z`, with `-1`, `-2`… if that name is taken (on disk or by this batch). */
function backupName(path: string, now: Date, taken: Set<string>): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  let name = `${path}.bak-${stamp}`;
  for (let i = 1; existsSync(name) || taken.has(name); i++) name = `${path}.bak-${stamp}-${i}`;
  taken.add(name);
  return name;
}

/**
 * Decides, reading only what exists, what writing `files` would do. Refuses (FileExists)
 * when a file with the default policy exists with other content.
 */
export function planWrites(files: readonly BatchWrite[], o: Pick<BatchOptions, 'now'> = {}): PlannedWrite[] {
  // a file in a directory that does not exist does not exist either: one stat per directory
  // instead of one per file (a fresh 100-node tree is ~375 files in ~100 directories)
  const dirExists = new Map<string, boolean>();
  const inExistingDir = (p: string): boolean => {
    const d = dirname(p);
    let e = dirExists.get(d);
    if (e === undefined) dirExists.set(d, (e = existsSync(d)));
    return e;
  };
  const taken = new Set<string>();
  let now: Date | undefined;
  return files.map((file) => {
    if (!inExistingDir(file.path) || !existsSync(file.path)) return { file, action: 'create' };
    if (holdsExactly(file.path, bytesOf(file.data))) return { file, action: 'unchanged' };
    const policy = file.existing ?? 'refuse';
    if (policy === 'refuse')
      throw new KubetlsError('FileExists', `${file.path} exists with different content; refusing to overwrite`);
    if (policy === 'replace') return { file, action: 'replace' };
    return { file, action: 'replace', backup: backupName(file.path, (now ??= o.now?.() ?? new Date()), taken) };
  });
}

/** Above this many files one filesystem flush beats per-file fsyncs (measured: 28 files either way ≈ equal). */
const SYNCFS_THRESHOLD = 64;

/** A one-line reason for a failed file operation: the errno's words rather than Node's "EACCES: …, open '<temp name>'". */
function reason(e: unknown): string {
  return e instanceof KubetlsError ? e.message : writeErrorText(e);
}

/**
 * Writes a batch of files atomically and durably, the one writer behind every command that
 * writes certificates and keys (init, renew, generate-csr, kubeconfig user --out, cfssljson):
 * 1. every temp file is written next to its target (synchronous calls: on tmpfs and ext4 a
 *    create is a few microseconds of kernel work, less than the promise and thread-pool
 *    round trips of the async API; measured in bench/RESULTS.md, "Measurements behind code comments");
 * 2. with a journal (`journalDir`), the journal naming every temp → target pair and backup;
 * 3. all of it made durable: one syncfs per filesystem for a large batch, otherwise one
 *    fsync per file and directory, concurrently, in the thread pool;
 * 4. the journal's commit line, fsynced (the one small extra flush): from here on an
 *    interrupted batch is finished by the next run, before it, undone;
 * 5. backups linked, temps renamed over their targets;
 * 6. the directories made durable (one more syncfs, or an fsync each), the journal removed.
 * Files with the same content are left alone; files with other content follow `existing`.
 */
export async function writeBatch(files: readonly BatchWrite[], o: BatchOptions = {}): Promise<BatchResult> {
  const planned = planWrites(files, o);
  for (const p of planned) if (p.action === 'unchanged') keepMode(p.file);
  const plan = planned.filter((p) => p.action !== 'unchanged');
  const result: BatchResult = { written: [], backups: [], failed: [] };
  if (plan.length === 0) return result;
  const groupOf = (p: PlannedWrite): string => p.file.group ?? p.file.path;
  const failedGroups = new Map<string, { path: string; message: string }>();
  const fail = (p: PlannedWrite, e: unknown): void => {
    // a directory that cannot be made is named by ensureDir's own error
    if (!o.partial)
      throw e instanceof KubetlsError
        ? e
        : new KubetlsError('WriteFailed', `cannot write ${p.file.path}: ${reason(e)}`, { cause: e });
    if (!failedGroups.has(groupOf(p))) failedGroups.set(groupOf(p), { path: p.file.path, message: reason(e) });
  };
  // one random tag per batch plus the file's index: unique names without a CSPRNG call per file
  // (the 'wx' open refuses any name that exists, so a clash could only fail, never overwrite);
  // absolute, because the journal must mean the same files to a run started elsewhere
  const tag = randomBytes(6).toString('hex');
  const tmps = plan.map((p, i) => tempPathFor(resolve(p.file.path), `${tag}-${i}`));
  const created: string[] = [];
  const removeTemps = () => {
    for (const t of created) {
      try {
        unlinkSync(t);
      } catch {
        /* already gone */
      }
    }
  };
  const dirOk = new Map<string, unknown>();
  const umask = currentUmask();
  try {
    for (const d of new Set(plan.map((p) => dirname(p.file.path)))) {
      try {
        ensureDir(d); // one stat when it exists; a file in the way is named
        dirOk.set(d, true);
      } catch (e) {
        dirOk.set(d, e);
      }
    }
    plan.forEach((p, i) => {
      if (failedGroups.has(groupOf(p))) return;
      const dirError = dirOk.get(dirname(p.file.path));
      if (dirError !== true) return fail(p, dirError);
      try {
        const fd = openSync(tmps[i]!, 'wx', p.file.mode);
        created.push(tmps[i]!);
        try {
          writeAllAt(fd, bytesOf(p.file.data));
          if ((p.file.mode & ~umask) !== p.file.mode) fchmodSync(fd, p.file.mode); // the umask narrowed the mode we asked for
        } finally {
          closeSync(fd);
        }
      } catch (e) {
        fail(p, e);
      }
    });
  } catch (e) {
    removeTemps();
    throw e;
  }
  // a group is all or nothing: drop every temp of a failed one
  const kept: Array<{ planned: PlannedWrite; entry: JournalEntry }> = [];
  plan.forEach((p, i) => {
    const f = failedGroups.get(groupOf(p));
    if (f) {
      if (created.includes(tmps[i]!)) unlinkSync(tmps[i]!);
      return;
    }
    const entry: JournalEntry = { tmp: tmps[i]!, target: resolve(p.file.path) };
    kept.push({ planned: p, entry: p.backup ? { ...entry, backup: resolve(p.backup) } : entry });
  });
  for (const [group, f] of failedGroups) result.failed.push({ group, ...f });
  if (kept.length === 0) return result;

  const entries = kept.map((k) => k.entry);
  const dirs = [...new Set(entries.map((e) => dirname(e.target)))];
  const bulk = entries.length > SYNCFS_THRESHOLD;
  let journal;
  try {
    if (o.journalDir) {
      const journalDir = resolve(o.journalDir);
      ensureDir(journalDir);
      journal = openJournal(journalDir, entries);
      if (!dirs.includes(journalDir)) dirs.push(journalDir);
    }
    // before the commit every temp must be on disk under its name: a committed journal whose
    // temp vanished in a power cut would leave that target missing
    await makeDurable([...entries.map((e) => e.tmp), ...dirs], dirs, bulk);
    if (journal) commitJournal(journal);
  } catch (e) {
    removeTemps();
    if (journal) closeJournal(journal, true);
    throw new KubetlsError('WriteFailed', `cannot write files: ${reason(e)}`, { cause: e });
  }
  try {
    const { backups } = rollForward(entries);
    await makeDurable(dirs, dirs, bulk);
    // reported with the paths as given (a relative `-bare ca` names `ca.pem`, as cfssljson users expect)
    for (const { planned: p, entry: e } of kept) {
      result.written.push(p.file.path);
      if (p.backup && e.backup && backups.includes(e.backup)) {
        result.backups.push({ path: p.file.path, backup: p.backup });
        announceBackup(p.file.path, p.backup);
      }
    }
  } catch (e) {
    // committed: the journal stays, and the next run finishes the batch
    if (journal) closeJournal(journal, false);
    throw new KubetlsError(
      'WriteFailed',
      `cannot finish writing files: ${reason(e)}`,
      journal
        ? { hint: `run the same command again: it finishes the writes recorded in ${journal.path}`, cause: e }
        : { cause: e },
    );
  }
  if (journal) closeJournal(journal, true);
  return result;
}

/**
 * A file left alone because it already holds the content still gets the mode asked for: a
 * key someone made world-readable is narrowed to 0600 by the next command that writes it.
 */
function keepMode(f: BatchWrite): void {
  try {
    if ((statSync(f.path).mode & 0o777) !== f.mode) chmodSync(f.path, f.mode);
  } catch (e) {
    throw new KubetlsError('WriteFailed', `cannot set the mode of ${f.path}: ${describeErrno(e)}`, { cause: e });
  }
}

/**
 * Writes new files (any existing one must have the same content) as one batch, without a
 * journal: the building block `writeBatch` grew from, kept for callers that need no roll-forward.
 */
export async function writeNewFilesAtomic(files: readonly BatchWrite[]): Promise<string[]> {
  return (await writeBatch(files.map((f) => ({ ...f, existing: 'refuse' })))).written;
}

/** pwrite from offset 0 until every byte is written (write(2) may take fewer bytes than asked: a signal, a nearly full disk). */
function writeAllAt(fd: number, buf: Buffer): void {
  for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off, buf.length - off, off);
}

function currentUmask(): number {
  const m = process.umask(0o022);
  process.umask(m);
  return m;
}
