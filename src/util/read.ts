/**
 * The one way kubetls reads a file it was given (a flag, an argument, a path inside a
 * config, kubeconfig or scanned tree): bounded, and only from regular files.
 *
 * Why not readFileSync after a stat: `st_size` says nothing about devices and pseudo-files
 * (/dev/zero and /dev/urandom report 0 and never end; /proc files report 0 and are not
 * empty), and a FIFO blocks the open itself until a writer appears. So the file is opened
 * with O_NONBLOCK (a FIFO open returns at once), O_NOCTTY (a terminal never becomes ours),
 * the open descriptor is checked with fstat (no race between check and use), anything that
 * is not a regular file is refused, and the size cap is enforced on the bytes actually read.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { KubetlsError } from '../errors/index.js';

/** The default cap for a file input: far above any PEM, kubeconfig or config kubetls reads. */
export const DEFAULT_MAX_INPUT_BYTES = 4 * 1024 * 1024;

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

/** What a non-regular file is, in words for an error message. */
export function fileKind(st: Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/** errno codes in words, for one-line messages (the raw Node message repeats the syscall and path). */
const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a path component is not a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EISDIR: 'is a directory',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EEXIST: 'file exists',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENXIO: 'no such device or address',
};

/** A system error in words: "permission denied", else Node's message without its "CODE: " prefix. */
export function describeErrno(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code && ERRNO_TEXT[err.code]) return ERRNO_TEXT[err.code]!;
  return String(err?.message ?? e).replace(/^[A-Z]+: /, '');
}

function notRegular(path: string, kind: string): KubetlsError {
  return new KubetlsError('NotARegularFile', `${path} is ${kind}, not a regular file`);
}

function tooLarge(path: string, maxBytes: number, size?: number): KubetlsError {
  return new KubetlsError(
    'TooLarge',
    size === undefined
      ? `${path} is over the ${maxBytes}-byte limit`
      : `${path} is ${size} bytes, over the ${maxBytes}-byte limit`,
  );
}

/** Sleeps `ms` without spinning (a non-blocking stdin with nothing to read yet). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Reads `fd` to its end, refusing more than `maxBytes`. Never trusts a size: it stops at
 * `maxBytes + 1` bytes read. `sizeHint` (a regular file's st_size) only sizes the buffer.
 */
function readAllBounded(fd: number, label: string, maxBytes: number, sizeHint = 0): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  // one read for a file whose size is known, 64 KiB steps otherwise (pipes, /proc files)
  const chunkSize = Math.max(4096, Math.min(maxBytes + 1, sizeHint > 0 ? sizeHint + 1 : 65536));
  for (;;) {
    const buf = Buffer.allocUnsafe(Math.min(chunkSize, maxBytes + 1 - total));
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK') {
        pause(10); // a non-blocking pipe with no data yet: wait for it rather than spin
        continue;
      }
      if (code === 'EINTR') continue;
      if (code === 'EOF') break; // Windows' end of a pipe
      throw new KubetlsError('ReadFailed', `cannot read ${label}: ${describeErrno(e)}`, { cause: e });
    }
    if (n === 0) break;
    total += n;
    if (total > maxBytes) throw tooLarge(label, maxBytes);
    chunks.push(n === buf.length ? buf : buf.subarray(0, n));
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

/** Why a path could not be opened: named as a FIFO, socket… when it is one (a socket cannot be open()ed at all). */
function openError(path: string, e: unknown): KubetlsError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new KubetlsError('NotFound', `cannot read ${path}: no such file`, { cause: e });
  if (code === 'ENXIO' || code === 'EOPNOTSUPP') {
    try {
      const st = statSync(path);
      if (!st.isFile()) return notRegular(path, fileKind(st));
    } catch {
      /* fall through to the errno */
    }
  }
  return new KubetlsError('ReadFailed', `cannot read ${path}: ${describeErrno(e)}`, { cause: e });
}

/**
 * Reads the regular file at `path`, at most `maxBytes`; a KubetlsError naming the path
 * otherwise: NotFound, NotARegularFile (device, FIFO, socket, directory), TooLarge, ReadFailed.
 * Never blocks on a FIFO and never reads more than `maxBytes + 1` bytes.
 */
export function readFileBounded(path: string, maxBytes = DEFAULT_MAX_INPUT_BYTES): Buffer {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (e) {
    throw openError(path, e);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw notRegular(path, fileKind(st));
    // a regular file's size is a fine early refusal; the read below enforces the cap anyway
    if (st.size > maxBytes) throw tooLarge(path, maxBytes, st.size);
    return readAllBounded(fd, path, maxBytes, st.size);
  } finally {
    closeSync(fd);
  }
}

/** Reads stdin to its end, at most `maxBytes` (whatever stdin is: a pipe, a file, a device). */
export function readStdinBounded(maxBytes = DEFAULT_MAX_INPUT_BYTES): Buffer {
  return readAllBounded(0, 'stdin', maxBytes);
}

/** A file input that may be "-" for stdin (the cfssl commands). */
export function readInput(path: string, maxBytes = DEFAULT_MAX_INPUT_BYTES): Buffer {
  return path === '-' ? readStdinBounded(maxBytes) : readFileBounded(path, maxBytes);
}
