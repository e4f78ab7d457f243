/**
 * A file the server re-reads while it runs (a CRL, a deny list): polled, parsed when it
 * changed, swapped in only when the new content parses. A broken or missing new version
 * keeps the last good one and logs why, so an operator's typo never drops every revocation.
 *
 * Why polling and not fs.watch: editors and config tools replace files by rename, which
 * inotify reports on the old inode (or not at all through some bind mounts and network file
 * systems); a stat every second is cheap and sees every way a file can change. mtime and size
 * catch ordinary writes at once; the content hash, re-read every few polls, catches a rewrite
 * of the same size within the file system's timestamp granularity.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { readFileBounded } from './read.js';
import { errorMessage, KubetlsError } from '../errors/index.js';

export type LogLevel = 'info' | 'warning' | 'error';
export type Log = (level: LogLevel, message: string) => void;

/** Timers, injectable so tests drive polls themselves. */
export interface Timers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export const systemTimers: Timers = {
  setInterval: (fn, ms) => {
    const h = setInterval(fn, ms);
    h.unref(); // a poller must never keep the process alive
    return h;
  },
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

export interface ReloadableFileOptions<T> {
  path: string;
  /** what the file is, for messages: "client CRL file" */
  what: string;
  /** turns the bytes into the value; throws (preferably a KubetlsError) when they are not valid */
  parse: (data: Buffer) => T;
  maxBytes: number;
  /** poll period; default 1 s, so a change is live within ~1 s (the API promises 5 s) */
  intervalMs?: number;
  /** re-read and hash even an unchanged-looking file every N polls; default 5 */
  rehashEvery?: number;
  log?: Log;
  timers?: Timers;
}

export type CheckResult = 'unchanged' | 'reloaded' | 'failed';

interface Fingerprint {
  mtimeMs: number;
  size: number;
  ino: number;
  hash: string;
}

/**
 * The file through the project's one bounded reader (regular files only, a FIFO never blocks
 * the open, the cap counted while reading), then its identity for change detection. A change
 * between the read and the stat only makes the next poll read it again.
 */
async function readBounded(path: string, what: string, maxBytes: number): Promise<{ data: Buffer; fp: Fingerprint }> {
  let data: Buffer;
  try {
    data = readFileBounded(path, maxBytes);
  } catch (e) {
    throw e instanceof KubetlsError ? e.withContext(what) : e;
  }
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    throw new KubetlsError('ReadFailed', `cannot read ${what} ${path}: ${(e as Error).message}`);
  }
  const hash = createHash('sha256').update(data).digest('hex');
  return { data, fp: { mtimeMs: st.mtimeMs, size: st.size, ino: st.ino, hash } };
}

export class ReloadableFile<T> {
  private value: T;
  private fp: Fingerprint;
  /** the hash of the last content that failed to parse, or the last read error, so one failure logs once */
  private failedHash: string | undefined;
  private polls = 0;
  private handle: unknown;
  private running: Promise<CheckResult> | undefined;
  private loads = 1;

  private constructor(
    private readonly o: ReloadableFileOptions<T>,
    first: { value: T; fp: Fingerprint },
  ) {
    this.value = first.value;
    this.fp = first.fp;
  }

  /** Reads and parses the file once; throws when it cannot (start-up must fail loudly). */
  static async open<T>(o: ReloadableFileOptions<T>): Promise<ReloadableFile<T>> {
    const { data, fp } = await readBounded(o.path, o.what, o.maxBytes);
    let value: T;
    try {
      value = o.parse(data);
    } catch (e) {
      throw e instanceof KubetlsError ? e.withContext(`${o.what} ${o.path}`) : e;
    }
    return new ReloadableFile(o, { value, fp });
  }

  /** The value of the last content that parsed. */
  get current(): T {
    return this.value;
  }

  /** How many times content was loaded (1 after open); tests and /readyz details read it. */
  get generation(): number {
    return this.loads;
  }

  /** Starts polling every intervalMs (idempotent). */
  start(): this {
    if (this.handle === undefined) {
      const timers = this.o.timers ?? systemTimers;
      this.handle = timers.setInterval(() => void this.check(), this.o.intervalMs ?? 1000);
    }
    return this;
  }

  close(): void {
    if (this.handle !== undefined) (this.o.timers ?? systemTimers).clearInterval(this.handle);
    this.handle = undefined;
  }

  /** One poll: reloads when the file changed and the new content parses. Never throws. */
  check(): Promise<CheckResult> {
    // a slow read of a large file must not overlap the next tick's
    this.running ??= this.poll().finally(() => (this.running = undefined));
    return this.running;
  }

  private async poll(): Promise<CheckResult> {
    const log = this.o.log ?? (() => {});
    const rehash = ++this.polls % (this.o.rehashEvery ?? 5) === 0;
    let st;
    try {
      st = await stat(this.o.path);
    } catch (e) {
      return this.fail(`cannot read ${this.o.what} ${this.o.path}: ${errorMessage(e)}`);
    }
    if (!rehash && st.mtimeMs === this.fp.mtimeMs && st.size === this.fp.size && st.ino === this.fp.ino)
      return 'unchanged';
    let read;
    try {
      read = await readBounded(this.o.path, this.o.what, this.o.maxBytes);
    } catch (e) {
      return this.fail(errorMessage(e));
    }
    if (read.fp.hash === this.fp.hash) {
      this.fp = read.fp; // touched, same content
      this.failedHash = undefined;
      return 'unchanged';
    }
    if (read.fp.hash === this.failedHash) return 'failed';
    let value: T;
    try {
      value = this.o.parse(read.data);
    } catch (e) {
      this.failedHash = read.fp.hash;
      log(
        'error',
        `${this.o.what} ${this.o.path} changed but cannot be used, keeping the previous one: ${errorMessage(e)}`,
      );
      return 'failed';
    }
    this.value = value;
    this.fp = read.fp;
    this.failedHash = undefined;
    this.loads++;
    log('info', `${this.o.what} ${this.o.path} reloaded`);
    return 'reloaded';
  }

  /** Logs a read failure once (until it changes), keeping the last good value. */
  private fail(message: string): CheckResult {
    if (this.failedHash !== message) {
      this.failedHash = message;
      (this.o.log ?? (() => {}))('error', `${message}; keeping the previous ${this.o.what}`);
    }
    return 'failed';
  }
}
