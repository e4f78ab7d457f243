/**
 * The bounded reader (src/util/read.ts): regular files only, the cap enforced while
 * reading, FIFOs never block. Every case that could hang or read forever runs in a child
 * process with a spawn timeout, so a regression fails the test instead of hanging CI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { readFileBounded } from '../../src/util/read.js';
import { KubetlsError } from '../../src/errors/index.js';
import { HANG_MS, mkfifo, tmpDir } from '../helpers.js';

const READ_MODULE = pathToFileURL(fileURLToPath(new URL('../../src/util/read.js', import.meta.url))).href;

/** readFileBounded(path, max) in a child process, bounded in time: its error code and message, or the length read. */
function readInChild(path: string, max: number): { code?: string; message?: string; length?: number } {
  const script = `const { readFileBounded } = await import(${JSON.stringify(READ_MODULE)});
    try { console.log(JSON.stringify({ length: readFileBounded(${JSON.stringify(path)}, ${max}).length })); }
    catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: HANG_MS });
  if (r.error) throw r.error; // ETIMEDOUT: the read hung
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { code?: string; message?: string; length?: number };
}

/** The same with stdin redirected from `file` (a device, via the shell). */
function readStdinFrom(file: string, max: number): { code?: string; message?: string; length?: number } {
  const script = `const { readInput } = await import(${JSON.stringify(READ_MODULE)});
    try { console.log(JSON.stringify({ length: readInput('-', ${max}).length })); }
    catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
  const r = spawnSync('sh', ['-c', `exec "${process.execPath}" --input-type=module -e "$0" < "$1"`, script, file], {
    encoding: 'utf8',
    timeout: HANG_MS,
  });
  if (r.error) throw r.error;
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { code?: string; message?: string; length?: number };
}

test('regular files: read whole up to the cap, refused one byte over, missing ones are NotFound', (t) => {
  const d = tmpDir('kubetls-read-', t);
  writeFileSync(join(d, 'exact'), Buffer.alloc(1000, 0x41));
  writeFileSync(join(d, 'over'), Buffer.alloc(1001, 0x41));
  writeFileSync(join(d, 'empty'), '');
  assert.equal(readFileBounded(join(d, 'exact'), 1000).length, 1000);
  assert.equal(readFileBounded(join(d, 'empty'), 1000).length, 0);
  assert.throws(
    () => readFileBounded(join(d, 'over'), 1000),
    (e: unknown) =>
      e instanceof KubetlsError &&
      e.code === 'TooLarge' &&
      e.message === `${join(d, 'over')} is 1001 bytes, over the 1000-byte limit`,
  );
  assert.throws(
    () => readFileBounded(join(d, 'missing'), 1000),
    (e: unknown) =>
      e instanceof KubetlsError && e.code === 'NotFound' && /cannot read .*missing: no such file/.test(e.message),
  );
  // a symlink to a regular file is that file
  symlinkSync(join(d, 'exact'), join(d, 'link'));
  assert.equal(readFileBounded(join(d, 'link'), 1000).length, 1000);
});

test('/proc files report size 0 and are still read (the cap, not st_size, bounds the read)', () => {
  const status = readFileBounded('/proc/self/status', 1024 * 1024).toString();
  assert.match(status, /^Name:/m);
  // a /proc file larger than the cap is refused while reading, although fstat said 0 bytes
  const r = readInChild('/proc/self/maps', 16);
  assert.equal(r.code, 'TooLarge');
  assert.match(r.message!, /\/proc\/self\/maps is over the 16-byte limit/);
});

test('devices, FIFOs, sockets and directories are refused by what they are, without blocking or reading', async (t) => {
  const d = tmpDir('kubetls-read-', t);
  const fifo = mkfifo(join(d, 'fifo'));
  symlinkSync('/dev/zero', join(d, 'zero-link'));
  const sock = join(d, 'sock');
  const server = createServer().listen(sock);
  t.after(() => server.close());
  await new Promise((r) => server.once('listening', r));
  const cases: Array<[string, RegExp]> = [
    ['/dev/zero', /^\/dev\/zero is a character device, not a regular file$/],
    ['/dev/urandom', /^\/dev\/urandom is a character device, not a regular file$/],
    ['/dev/null', /^\/dev\/null is a character device, not a regular file$/],
    [fifo, /fifo is a FIFO \(named pipe\), not a regular file$/],
    [join(d, 'zero-link'), /zero-link is a character device, not a regular file$/],
    [sock, /sock is a socket, not a regular file$/],
    [d, /is a directory, not a regular file$/],
  ];
  for (const [path, re] of cases) {
    const r = readInChild(path, 1024 * 1024);
    assert.equal(r.code, 'NotARegularFile', `${path}: ${JSON.stringify(r)}`);
    assert.match(r.message!, re);
  }
  assert.ok(existsSync(fifo));
});

test('stdin gets the same cap while reading: /dev/zero and /dev/urandom as stdin end with TooLarge', () => {
  for (const dev of ['/dev/zero', '/dev/urandom']) {
    const r = readStdinFrom(dev, 64 * 1024);
    assert.equal(r.code, 'TooLarge', dev);
    assert.equal(r.message, 'stdin is over the 65536-byte limit');
  }
  const ok = readStdinFrom('/etc/hostname', 64 * 1024);
  assert.ok(ok.length! > 0);
});
