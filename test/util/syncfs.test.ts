/**
 * Flushing a filesystem: the native syncfs (native/fs_sync.c) and the `sync -f` fallback give
 * the same answers, hostile arguments do not crash the addon, and a flush really writes back
 * dirty pages (checked through /proc/meminfo where the temp dir is on a disk).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { syncFilesystem, syncfsStatus } from '../../src/util/syncfs.js';
import { run, tmpDir } from '../helpers.js';

const MODULE = fileURLToPath(new URL('../../src/util/syncfs.js', import.meta.url));

test('the addon is built and used (npm ci builds it; KUBETLS_NO_NATIVE=1 turns it off)', () => {
  const s = syncfsStatus();
  if (process.env.KUBETLS_NO_NATIVE === '1') {
    assert.equal(s.native, false);
    return;
  }
  if (process.env.KUBETLS_SKIP_NATIVE === '1') return; // built without it on purpose: either path is fine
  assert.equal(s.native, true, `native syncfs not active: ${s.reason}`);
});

test('native and `sync -f` agree: true for a directory, false for a path that does not exist', (t) => {
  const d = tmpDir('kubetls-syncfs-', t);
  const script = `import(${JSON.stringify(MODULE)}).then((m) => console.log(JSON.stringify([m.syncfsStatus().native, m.syncFilesystem(process.argv[1]), m.syncFilesystem(process.argv[2])])))`;
  for (const env of [{}, { KUBETLS_NO_NATIVE: '1' }]) {
    const r = run(process.execPath, ['-e', script, d, join(d, 'missing', 'dir')], { env: { ...process.env, ...env } });
    assert.equal(r.code, 0, r.stderr);
    const [native, ok, missing] = JSON.parse(r.stdout) as [boolean, boolean, boolean];
    if ('KUBETLS_NO_NATIVE' in env) assert.equal(native, false);
    assert.equal(ok, true, `flush of ${d} (native: ${native})`);
    assert.equal(missing, false, `flush of a missing path (native: ${native})`);
  }
});

test('hostile arguments to the addon: a type error or an errno, never a crash', (t) => {
  if (!syncfsStatus().native) return t.skip('addon not built');
  const addon = createRequire(import.meta.url)(
    fileURLToPath(new URL('../../../native/build/Release/fs_sync.node', import.meta.url)),
  ) as { syncfs: (p: unknown) => number };
  for (const bad of [undefined, 42, {}, Buffer.from('/tmp')]) assert.throws(() => addon.syncfs(bad), TypeError);
  assert.equal(addon.syncfs(''), 2); // ENOENT, from open(2)
  assert.equal(addon.syncfs(`/${'x'.repeat(5000)}`), 36); // ENAMETOOLONG: longer than PATH_MAX, refused before open
  assert.notEqual(addon.syncfs('/definitely/not/here'), 0);
  assert.equal(addon.syncfs('/tmp\0/etc'), 22); // EINVAL: an embedded NUL would sync another path
});

test('a flush writes back the dirty pages of a file just written (disk-backed temp dirs only)', (t) => {
  const d = tmpDir('kubetls-syncfs-', t);
  const dirtyKb = () => Number(/^Dirty:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? NaN);
  const before = dirtyKb();
  writeFileSync(join(d, 'big'), randomBytes(32 * 1024 * 1024));
  const written = dirtyKb();
  // tmpfs (and anything without page-cache write-back) never counts its pages as dirty
  if (!(written - before > 16 * 1024))
    return t.skip(`${d} does not keep dirty pages (tmpfs?): Dirty ${before} → ${written} kB`);
  assert.equal(syncFilesystem(d), true);
  const after = dirtyKb();
  assert.ok(after < written - 16 * 1024, `Dirty should drop by most of the 32 MiB: ${written} → ${after} kB`);
});
