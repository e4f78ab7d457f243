/**
 * ReloadableFile on real files: changes by write, by same-size rewrite (the periodic hash),
 * by rename; broken, missing, oversized and non-regular files keep the last good value and
 * log once; polling with injected timers and with real ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renameSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { KubetlsError } from '../../src/errors/index.js';
import { ReloadableFile, type Timers } from '../../src/util/reloadable.js';
import { mkfifo, tmpDir } from '../helpers.js';

const parseNumbers = (d: Buffer): number[] => {
  const s = d.toString('utf8').trim();
  if (!/^\d+(,\d+)*$/.test(s)) throw new KubetlsError('InvalidConfig', `not a number list: ${JSON.stringify(s)}`);
  return s.split(',').map(Number);
};

function setup(t: { after: (fn: () => void) => void }, content = '1,2') {
  const dir = tmpDir('kubetls-reload-', t);
  const path = join(dir, 'list');
  writeFileSync(path, content);
  const log: string[] = [];
  return { dir, path, log, logf: (l: string, m: string) => log.push(`${l}: ${m}`) };
}

test('reloadable: reloads changed content, keeps the old value on broken content and logs once', async (t) => {
  const s = setup(t);
  const f = await ReloadableFile.open({
    path: s.path,
    what: 'number list',
    parse: parseNumbers,
    maxBytes: 100,
    log: s.logf,
  });
  assert.deepEqual(f.current, [1, 2]);
  assert.equal(await f.check(), 'unchanged');
  writeFileSync(s.path, '1,2,3');
  assert.equal(await f.check(), 'reloaded');
  assert.deepEqual(f.current, [1, 2, 3]);
  assert.equal(f.generation, 2);
  writeFileSync(s.path, '1,x');
  assert.equal(await f.check(), 'failed');
  assert.equal(await f.check(), 'failed');
  assert.deepEqual(f.current, [1, 2, 3]);
  assert.equal(s.log.filter((l) => l.startsWith('error')).length, 1, s.log.join('\n'));
  assert.match(
    s.log.at(-1)!,
    /^error: number list .*list changed but cannot be used, keeping the previous one: not a number list: "1,x"/,
  );
  writeFileSync(s.path, '4');
  assert.equal(await f.check(), 'reloaded');
  assert.deepEqual(f.current, [4]);
});

test('reloadable: a same-size rewrite with the old mtime is caught by the periodic hash', async (t) => {
  const s = setup(t, '1,2');
  const stamp = new Date(1_700_000_000_000);
  utimesSync(s.path, stamp, stamp);
  const f = await ReloadableFile.open({
    path: s.path,
    what: 'list',
    parse: parseNumbers,
    maxBytes: 100,
    rehashEvery: 3,
  });
  writeFileSync(s.path, '3,4'); // same size, same inode
  utimesSync(s.path, stamp, stamp); // and the mtime open() saw
  // stat alone sees nothing on polls 1 and 2; poll 3 re-reads and hashes
  assert.deepEqual([await f.check(), await f.check(), await f.check()], ['unchanged', 'unchanged', 'reloaded']);
  assert.deepEqual(f.current, [3, 4]);
});

test('reloadable: replace by rename, delete, restore; oversize and FIFO kept out', async (t) => {
  const s = setup(t);
  const f = await ReloadableFile.open({ path: s.path, what: 'list', parse: parseNumbers, maxBytes: 100, log: s.logf });
  writeFileSync(join(s.dir, 'tmp'), '7');
  renameSync(join(s.dir, 'tmp'), s.path);
  assert.equal(await f.check(), 'reloaded');
  rmSync(s.path);
  assert.equal(await f.check(), 'failed');
  assert.equal(await f.check(), 'failed');
  assert.deepEqual(f.current, [7]);
  assert.equal(s.log.filter((l) => /no such file|ENOENT/.test(l)).length, 1, s.log.join('\n'));
  writeFileSync(s.path, '7');
  assert.equal(await f.check(), 'unchanged'); // same content back
  writeFileSync(s.path, '1'.repeat(200));
  assert.equal(await f.check(), 'failed');
  assert.match(s.log.at(-1)!, /over the 100-byte limit/);
  rmSync(s.path);
  mkfifo(s.path);
  assert.equal(await f.check(), 'failed'); // must not hang reading a FIFO
  assert.match(s.log.at(-1)!, /not a regular file|FIFO/);
  assert.deepEqual(f.current, [7]);
});

test('reloadable: open() fails on a missing or broken file', async (t) => {
  const s = setup(t, 'nope');
  await assert.rejects(
    ReloadableFile.open({ path: s.path, what: 'list', parse: parseNumbers, maxBytes: 100 }),
    (e: unknown) => e instanceof KubetlsError && /^list .*list: not a number list/.test(e.message),
  );
  await assert.rejects(
    ReloadableFile.open({ path: join(s.dir, 'missing'), what: 'list', parse: parseNumbers, maxBytes: 100 }),
    (e: unknown) => e instanceof KubetlsError && e.code === 'NotFound',
  );
});

test('reloadable: polls on the injected timer', async (t) => {
  const s = setup(t);
  const ticks: Array<() => void> = [];
  let cleared = false;
  const timers: Timers = {
    setInterval: (fn, ms) => {
      assert.equal(ms, 250);
      ticks.push(fn);
      return 1;
    },
    clearInterval: () => (cleared = true),
  };
  const f = (
    await ReloadableFile.open({
      path: s.path,
      what: 'list',
      parse: parseNumbers,
      maxBytes: 100,
      timers,
      intervalMs: 250,
    })
  ).start();
  f.start(); // idempotent
  assert.equal(ticks.length, 1);
  writeFileSync(s.path, '9,9,9');
  ticks[0]!();
  await f.check(); // joins the poll the tick started
  assert.deepEqual(f.current, [9, 9, 9]);
  f.close();
  assert.ok(cleared);
});

test('reloadable: with real timers a change is live within 5 seconds', async (t) => {
  const s = setup(t);
  const f = (await ReloadableFile.open({ path: s.path, what: 'list', parse: parseNumbers, maxBytes: 100 })).start();
  t.after(() => f.close());
  const t0 = Date.now();
  writeFileSync(s.path, '5');
  while (f.current[0] !== 5 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(f.current, [5]);
  assert.ok(Date.now() - t0 < 5000);
});
