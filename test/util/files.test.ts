/**
 * writeNewFilesAtomic, the batch writer behind `init`: modes, skipping identical files,
 * refusing different ones, and leaving nothing behind (no temp files) when it fails.
 */
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { KubetlsError } from '../../src/errors/index.js';
import { onePerFilesystem, PUBLIC_MODE, SECRET_MODE, writeNewFilesAtomic } from '../../src/util/files.js';
import { tmpDir } from '../helpers.js';

/** Every path under `dir` (files and directories), relative, sorted. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      out.push(join(rel, e.name));
      if (e.isDirectory()) walk(join(d, e.name), join(rel, e.name));
    }
  };
  walk(dir, '');
  return out.sort();
}

const mode = (p: string): number => statSync(p).mode & 0o777;

for (const count of [3, 100]) {
  // 3 files take the per-file fsync path, 100 the one-syncfs path
  test(`writes ${count} new files with their modes in new 0700 directories, and no temp files`, async (t) => {
    const d = tmpDir('kubetls-files-', t);
    const files = Array.from({ length: count }, (_, i) => ({
      path: join(d, `node-${i % 7}`, 'pki', `f${i}`),
      data: i % 2 ? `public ${i}\n` : Buffer.from(`secret ${i}\n`),
      mode: i % 2 ? PUBLIC_MODE : SECRET_MODE,
    }));
    const written = await writeNewFilesAtomic(files);
    assert.deepEqual(
      written,
      files.map((f) => f.path),
    );
    for (const f of files) {
      assert.equal(readFileSync(f.path, 'utf8'), String(f.data));
      assert.equal(mode(f.path), f.mode);
    }
    assert.equal(mode(join(d, 'node-0')), 0o700);
    assert.equal(mode(join(d, 'node-0', 'pki')), 0o700);
    assert.deepEqual(
      tree(d).filter((p) => p.endsWith('.tmp')),
      [],
    );
  });
}

test('the requested mode wins over a narrower umask', async (t) => {
  const d = tmpDir('kubetls-files-', t);
  const old = process.umask(0o077);
  try {
    await writeNewFilesAtomic([{ path: join(d, 'ca.crt'), data: 'cert', mode: PUBLIC_MODE }]);
  } finally {
    process.umask(old);
  }
  assert.equal(mode(join(d, 'ca.crt')), PUBLIC_MODE);
});

test('a file already there with the same content is skipped, not rewritten', async (t) => {
  const d = tmpDir('kubetls-files-', t);
  writeFileSync(join(d, 'same'), 'x');
  const before = statSync(join(d, 'same')).ino;
  const written = await writeNewFilesAtomic([
    { path: join(d, 'same'), data: 'x', mode: PUBLIC_MODE },
    { path: join(d, 'new'), data: 'y', mode: PUBLIC_MODE },
  ]);
  assert.deepEqual(written, [join(d, 'new')]);
  assert.equal(statSync(join(d, 'same')).ino, before);
});

test('a file already there with other content is refused before anything is written', async (t) => {
  const d = tmpDir('kubetls-files-', t);
  writeFileSync(join(d, 'taken'), 'old');
  const before = tree(d);
  await assert.rejects(
    writeNewFilesAtomic([
      { path: join(d, 'sub', 'a'), data: 'a', mode: SECRET_MODE },
      { path: join(d, 'taken'), data: 'new', mode: SECRET_MODE },
    ]),
    (e: unknown) => e instanceof KubetlsError && e.code === 'FileExists' && e.message.includes(join(d, 'taken')),
  );
  assert.deepEqual(tree(d), before);
  assert.equal(readFileSync(join(d, 'taken'), 'utf8'), 'old');
});

test('a write that fails half-way leaves no temp file and no target behind', async (t) => {
  const d = tmpDir('kubetls-files-', t);
  mkdirSync(join(d, 'ok'));
  // the second name is legal, but its temp file's name (".<name>.<random>.tmp") is over 255 bytes
  const long = 'x'.repeat(245);
  await assert.rejects(
    writeNewFilesAtomic([
      { path: join(d, 'ok', 'first'), data: '1', mode: SECRET_MODE },
      { path: join(d, 'ok', long), data: '2', mode: SECRET_MODE },
    ]),
    (e: unknown) => e instanceof KubetlsError && e.code === 'WriteFailed',
  );
  assert.deepEqual(tree(d), ['ok']);
});

test('a directory that cannot be made is a clear error and nothing is written', async (t) => {
  const d = tmpDir('kubetls-files-', t);
  writeFileSync(join(d, 'blocker'), 'not a directory');
  await assert.rejects(
    writeNewFilesAtomic([
      { path: join(d, 'ok', 'first'), data: '1', mode: SECRET_MODE },
      { path: join(d, 'blocker', 'second'), data: '2', mode: SECRET_MODE },
    ]),
    (e: unknown) => e instanceof KubetlsError && e.message.includes(join(d, 'blocker')),
  );
  assert.ok(!tree(d).some((p) => p.endsWith('.tmp') || p.endsWith('first')));
});

test('a large batch across two filesystems flushes each of them, and writes every file', async (t) => {
  const disk = tmpDir('kubetls-files-', t);
  // /dev/shm is tmpfs on Linux: a second filesystem next to the temp dir's
  if (!existsSync('/dev/shm') || statSync('/dev/shm').dev === statSync(disk).dev)
    return t.skip('no second filesystem at /dev/shm');
  const shm = mkdtempSync('/dev/shm/kubetls-files-');
  t.after(() => rmSync(shm, { recursive: true, force: true }));
  const dirs = [join(disk, 'a'), join(shm, 'b'), join(disk, 'c'), join(shm, 'd')];
  for (const d of dirs) mkdirSync(d);
  assert.deepEqual(onePerFilesystem(dirs), [join(disk, 'a'), join(shm, 'b')]);
  // the batch starts on tmpfs, and its one large file is on the disk: flushing only the first
  // filesystem would leave that file's pages dirty
  const dirtyKb = () => Number(/^Dirty:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? NaN);
  const files = Array.from({ length: 80 }, (_, i) => ({
    path: join(i % 2 ? disk : shm, `n${i % 5}`, `f${i}.key`),
    data: `k${i}`,
    mode: SECRET_MODE,
  }));
  files.push({
    path: join(disk, 'n9', 'big'),
    data: randomBytes(32 * 1024 * 1024).toString('base64'),
    mode: PUBLIC_MODE,
  });
  const before = dirtyKb();
  const written = await writeNewFilesAtomic(files);
  const after = dirtyKb();
  assert.equal(written.length, 81);
  for (const f of files) {
    assert.equal(readFileSync(f.path, 'utf8'), f.data);
    assert.equal(mode(f.path), f.mode);
  }
  // ~43 MiB went to the disk; the flush must leave far less than that dirty (skipped where
  // the temp dir keeps no dirty pages at all, as syncfs.test.ts checks separately)
  if (Number.isNaN(before)) return t.skip('no /proc/meminfo');
  assert.ok(after - before < 16 * 1024, `Dirty pages should not grow by the large file: ${before} → ${after} kB`);
});
