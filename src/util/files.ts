/**
 * Writing secrets and certificates safely: atomic (temp file, fsync, rename), keys 0600
 * inside 0700 directories, never replacing different content without a backup (announced
 * through ./notices.ts), and never writing over a device, FIFO, socket or directory.
 */
import { open as openAsync } from 'node:fs/promises';
import {
  closeSync,
  fchmodSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  chmodSync,
  copyFileSync,
  existsSync,
  type Stats,
} from 'node:fs';
import { dirname, basename, join, parse, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { KubetlsError } from '../errors/index.js';
import { announceBackup } from './notices.js';
import { describeErrno, fileKind, readFileBounded } from './read.js';
import { syncFilesystem } from './syncfs.js';

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

/** write(2) may take fewer bytes than asked (a signal, a nearly full disk): loop until all are written. */
function writeAll(fd: number, buf: Buffer): void {
  for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off, buf.length - off);
}

export interface WriteOptions {
  mode?: number;
  /**
   * When the file exists with different content: 'backup' renames the old file to
   * `<name>.bak-<timestamp>` first (the default), 'error' refuses, 'replace' overwrites.
   */
  existing?: 'backup' | 'error' | 'replace';
  /** injectable for deterministic backup names in tests */
  now?: () => Date;
}

export interface WriteResult {
  path: string;
  written: boolean;
  backup?: string;
}

/**
 * The temp file for `path`: hidden, in the same directory (so the rename is atomic),
 * `.<name>.<tag>.tmp`, the tag being 12 hex digits, with `-<index>` in a batch.
 */
function tempPathFor(path: string, tag: string): string {
  const slash = path.lastIndexOf('/');
  return `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.${tag}.tmp`;
}

const TEMP_NAME = /^\..+\.[0-9a-f]{12}(?:-\d+)?\.tmp$/;

/** Whether a file name (not a path) is one of tempPathFor's: a write in progress or one a crash left behind. */
export const isTempFileName = (name: string): boolean => TEMP_NAME.test(name);

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

/** Atomically writes `data` to `path`: temp file in the same dir, fsync, rename. */
export function writeFileAtomic(path: string, data: string | Buffer, o: WriteOptions = {}): WriteResult {
  const mode = o.mode ?? PUBLIC_MODE;
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  ensureDir(dirname(path));
  let backup: string | undefined;
  if (existsSync(path)) {
    if (holdsExactly(path, buf)) {
      if ((statSync(path).mode & 0o777) !== mode) chmodSync(path, mode);
      return { path, written: false };
    }
    const policy = o.existing ?? 'backup';
    if (policy === 'error')
      throw new KubetlsError('FileExists', `${path} exists with different content; refusing to overwrite`);
    if (policy === 'backup') {
      const stamp = (o.now?.() ?? new Date())
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d+Z$/, 'Z');
      backup = join(dirname(path), `${basename(path)}.bak-${stamp}`);
      for (let i = 1; existsSync(backup); i++) backup = join(dirname(path), `${basename(path)}.bak-${stamp}-${i}`);
      try {
        copyFileSync(path, backup);
        chmodSync(backup, statSync(path).mode & 0o777);
      } catch (e) {
        throw new KubetlsError('WriteFailed', `cannot back up ${path} before replacing it: ${describeErrno(e)}`, {
          cause: e,
        });
      }
      announceBackup(path, backup);
    }
  }
  const tmp = tempPathFor(path, randomBytes(6).toString('hex'));
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', mode);
    writeAll(fd, buf);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    chmodSync(tmp, mode); // umask may have narrowed or widened it
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw new KubetlsError('WriteFailed', `cannot write ${path}: ${writeErrorText(e)}`, { cause: e });
  }
  return backup ? { path, written: true, backup } : { path, written: true };
}

export interface BatchWrite {
  path: string;
  data: string | Buffer;
  mode: number;
}

/** Above this many files one filesystem flush beats per-file fsyncs (measured: 28 files either way ≈ equal). */
const SYNCFS_THRESHOLD = 64;

/**
 * Writes many new files atomically and durably, faster than one `writeFileAtomic` each:
 * every temp file is written first, then made durable in one go (one syncfs for large
 * batches, otherwise concurrent fsyncs), then renamed into place, then the directories are
 * flushed so the renames survive a crash.
 * The directories and temp files are made with synchronous calls: on tmpfs and on ext4 a
 * create is a few microseconds of kernel work, less than the promise and thread-pool round
 * trips of the async API (a 100-node `init`, 375 files: ~12 ms synchronous vs ~33 ms with
 * fs/promises, bench/RESULTS.md). Only the flushes, which wait for the device, go to the pool.
 * Refuses (before writing anything) when a target exists with different content.
 */
export async function writeNewFilesAtomic(files: BatchWrite[]): Promise<string[]> {
  const todo: BatchWrite[] = [];
  // a file in a directory that does not exist does not exist either: one stat per directory
  // instead of one per file (a fresh 100-node tree is ~375 files in ~100 directories)
  const dirExists = new Map<string, boolean>();
  const inExistingDir = (p: string): boolean => {
    const d = dirname(p);
    let e = dirExists.get(d);
    if (e === undefined) dirExists.set(d, (e = existsSync(d)));
    return e;
  };
  for (const f of files) {
    if (inExistingDir(f.path) && existsSync(f.path)) {
      const same = holdsExactly(f.path, typeof f.data === 'string' ? Buffer.from(f.data) : f.data);
      if (!same) throw new KubetlsError('FileExists', `${f.path} exists with different content; refusing to overwrite`);
      continue;
    }
    todo.push(f);
  }
  if (todo.length === 0) return [];
  const dirs = [...new Set(todo.map((f) => dirname(f.path)))];
  for (const d of dirs) if (!dirExists.get(d)) ensureDir(d); // existence was looked up above
  // one random tag per batch plus the file's index: unique names without a CSPRNG call per file
  // (the 'wx' open refuses any name that exists, so a clash could only fail, never overwrite)
  const tag = randomBytes(6).toString('hex');
  const tmps = todo.map((f, i) => tempPathFor(f.path, `${tag}-${i}`));
  // one syncfs for a large batch; per-file fsyncs keep a small one from flushing the whole filesystem
  const syncfs = todo.length > SYNCFS_THRESHOLD;
  const umask = currentUmask();
  let current = todo[0]!.path; // the file being written, for the error
  try {
    todo.forEach((f, i) => {
      current = f.path;
      const fd = openSync(tmps[i]!, 'wx', f.mode);
      try {
        writeAll(fd, typeof f.data === 'string' ? Buffer.from(f.data) : f.data);
        if ((f.mode & ~umask) !== f.mode) fchmodSync(fd, f.mode); // the umask narrowed the mode we asked for
      } finally {
        closeSync(fd);
      }
    });
    // when the filesystems cannot be flushed as a whole (no addon, no `sync -f`): one fsync per file
    if (!syncfs || !flushFilesystems(dirs)) await Promise.all(tmps.map((t) => fsyncPath(t)));
    todo.forEach((f, i) => renameSync(tmps[i]!, f.path));
  } catch (e) {
    for (const t of tmps) {
      try {
        unlinkSync(t);
      } catch {
        /* not created or already renamed */
      }
    }
    throw new KubetlsError('WriteFailed', `cannot write ${current}: ${writeErrorText(e)}`, { cause: e });
  }
  if (!syncfs || !flushFilesystems(dirs)) await Promise.all(dirs.map((d) => fsyncPath(d)));
  return todo.map((f) => f.path);
}

/** One directory per filesystem among `dirs` (by device), in order: a batch may span mounts (--cert-dir and --kubeconfig-dir on different ones). */
export function onePerFilesystem(dirs: readonly string[]): string[] {
  const seen = new Set<number>();
  return dirs.filter((d) => {
    const dev = statSync(d).dev;
    return seen.has(dev) ? false : (seen.add(dev), true);
  });
}

/** syncfs for every filesystem the batch wrote to; false as soon as one cannot be flushed. */
function flushFilesystems(dirs: readonly string[]): boolean {
  return onePerFilesystem(dirs).every((d) => syncFilesystem(d));
}

async function fsyncPath(p: string): Promise<void> {
  const fh = await openAsync(p, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function currentUmask(): number {
  const m = process.umask(0o022);
  process.umask(m);
  return m;
}
