/**
 * The SQLite backend: the conformance suite in both commit modes (main thread and writer
 * thread), and what is particular to it — file modes, the data-directory lock, hostile or
 * foreign files, a full store.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { KubetlsError } from '../../src/errors/index.js';
import { openStore } from '../../src/store/index.js';
import { APPLICATION_ID, SCHEMA_VERSION } from '../../src/store/sqlite-db.js';
import { CHECKOUT_NOT_REACHABLE, CLI, othersCanReach, tmpDir } from '../helpers.js';
import { storeConformance } from './conformance.js';

for (const commit of ['main', 'worker'] as const)
  storeConformance({
    name: `sqlite (${commit === 'main' ? 'main-thread' : 'worker-thread'} commits)`,
    newLocation: (t) => join(tmpDir('kubetls-store-', t), 'data'),
    open: (dataDir, o) => openStore({ backend: 'sqlite', dataDir, commit, compactIntervalMs: 0, ...o }),
  });

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
const code = (c: string, msg?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof KubetlsError, String(e));
  assert.equal(e.code, c, e.message);
  if (msg) assert.match(e.message, msg);
  return true;
};
/** Runs an ES module using the built store in a new Node process (optionally as another user), returns its stdout lines. */
function runScript(dir: string, body: string, user?: { uid: number; gid: number }): string[] {
  const file = join(dir, `script-${Math.random().toString(36).slice(2)}.mjs`);
  const storeModule = new URL('../../src/store/index.js', import.meta.url).href;
  writeFileSync(file, `import { openStore } from ${JSON.stringify(storeModule)};\n${body}`, { mode: 0o644 });
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 30_000, ...(user ?? {}) });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n');
}
const obj = (name: string) => ({ metadata: { name, namespace: 'ns' }, data: { a: 'Yg==' } });

test('sqlite: the data directory is created 0700 and every database file 0600; an existing looser file is tightened', async (t) => {
  const dataDir = join(tmpDir('kubetls-store-', t), 'a', 'data');
  const s = await openStore({ backend: 'sqlite', dataDir });
  await s.create('/core/secrets/ns/x', obj('x'));
  assert.equal(mode(dataDir), '700');
  const files = readdirSync(dataDir).sort();
  assert.deepEqual(files, ['kubetls.db', 'kubetls.db-shm', 'kubetls.db-wal', 'kubetls.lock']);
  for (const f of files) assert.equal(mode(join(dataDir, f)), '600', f);
  await s.close();
  chmodSync(join(dataDir, 'kubetls.db'), 0o644);
  const again = await openStore({ backend: 'sqlite', dataDir });
  assert.equal(mode(join(dataDir, 'kubetls.db')), '600');
  assert.equal((await again.get('/core/secrets/ns/x'))?.metadata.name, 'x');
  await again.close();
});

test('sqlite: one store per data directory (a second open, in this process or another, is refused)', async (t) => {
  const dataDir = join(tmpDir('kubetls-store-', t), 'data');
  const s = await openStore({ backend: 'sqlite', dataDir });
  await assert.rejects(
    openStore({ backend: 'sqlite', dataDir }),
    code('InvalidStore', /in use by another kubetls process/),
  );
  const other = runScript(
    tmpDir('kubetls-store-', t),
    `try { await openStore({ backend: 'sqlite', dataDir: ${JSON.stringify(dataDir)} }); console.log('opened'); }
     catch (e) { console.log(e.code + ': ' + e.message); }`,
  );
  assert.match(other[0]!, /^InvalidStore: data directory .* is in use by another kubetls process/);
  await s.close();
  const again = await openStore({ backend: 'sqlite', dataDir });
  await again.close();
});

test('sqlite: a data directory that is a file, a database that is not SQLite, a foreign or newer database: clear errors, nothing changed', async (t) => {
  const root = tmpDir('kubetls-store-', t);
  const file = join(root, 'file');
  writeFileSync(file, 'precious');
  await assert.rejects(openStore({ backend: 'sqlite', dataDir: file }), code('InvalidStore', /is not a directory/));
  assert.equal(readFileSync(file, 'utf8'), 'precious');

  const garbage = join(root, 'garbage');
  mkdirSync(garbage);
  const junk = Buffer.concat([Buffer.from('this is not a database\n'), Buffer.alloc(8192, 0x5a)]);
  writeFileSync(join(garbage, 'kubetls.db'), junk, { mode: 0o600 });
  await assert.rejects(
    openStore({ backend: 'sqlite', dataDir: garbage }),
    code('InvalidStore', /is not an SQLite database/),
  );
  assert.ok(readFileSync(join(garbage, 'kubetls.db')).equals(junk), 'the file is untouched');
  assert.ok(!existsSync(join(garbage, 'kubetls.db-wal')));

  const foreign = join(root, 'foreign');
  mkdirSync(foreign);
  const f = new Database(join(foreign, 'kubetls.db'));
  f.exec("CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES ('keep me')");
  f.close();
  const before = readFileSync(join(foreign, 'kubetls.db'));
  await assert.rejects(openStore({ backend: 'sqlite', dataDir: foreign }), code('InvalidStore', /not a kubetls store/));
  assert.ok(readFileSync(join(foreign, 'kubetls.db')).equals(before));

  const newer = join(root, 'newer');
  const s = await openStore({ backend: 'sqlite', dataDir: newer });
  await s.create('/core/secrets/ns/x', obj('x'));
  await s.close();
  const n = new Database(join(newer, 'kubetls.db'));
  assert.equal(n.pragma('application_id', { simple: true }), APPLICATION_ID);
  n.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  n.pragma('wal_checkpoint(TRUNCATE)');
  n.close();
  const snapshot = readFileSync(join(newer, 'kubetls.db'));
  await assert.rejects(
    openStore({ backend: 'sqlite', dataDir: newer }),
    code(
      'InvalidStore',
      new RegExp(`schema version ${SCHEMA_VERSION + 1}, newer than this kubetls understands \\(${SCHEMA_VERSION}\\)`),
    ),
  );
  assert.ok(readFileSync(join(newer, 'kubetls.db')).equals(snapshot));

  const dirAsDb = join(root, 'dirdb');
  mkdirSync(join(dirAsDb, 'kubetls.db'), { recursive: true });
  await assert.rejects(openStore({ backend: 'sqlite', dataDir: dirAsDb }), code('InvalidStore', /not a regular file/));
});

test('sqlite: an unwritable data directory is a clear error (run as an unprivileged user when root)', (t) => {
  const root = tmpDir('kubetls-store-', t);
  chmodSync(root, 0o755);
  const ro = join(root, 'ro');
  mkdirSync(ro, { mode: 0o555 });
  chmodSync(ro, 0o555);
  const asRoot = process.getuid?.() === 0;
  if (asRoot && !othersCanReach(CLI)) return t.skip(CHECKOUT_NOT_REACHABLE);
  const lines = runScript(
    root,
    `for (const d of [${JSON.stringify(ro)}, ${JSON.stringify(join(ro, 'sub'))}]) {
      try { await openStore({ backend: 'sqlite', dataDir: d }); console.log('opened'); }
      catch (e) { console.log(e.code + ': ' + e.message.split('\\n')[0]); }
    }`,
    asRoot ? { uid: 65534, gid: 65534 } : undefined,
  );
  assert.match(lines[0]!, /^WriteFailed: cannot open .*kubetls\.(lock|db): EACCES/);
  assert.match(lines[1]!, /^WriteFailed: cannot create directory .*sub/);
  assert.deepEqual(readdirSync(ro), []);
});

test('sqlite: a full store refuses writes clearly, loses nothing acknowledged, and takes writes again once space is freed', async (t) => {
  for (const commit of ['main', 'worker'] as const) {
    const dataDir = join(tmpDir('kubetls-store-', t), 'data');
    const s = await openStore({ backend: 'sqlite', dataDir, commit, quotaBytes: 512 * 1024, compactIntervalMs: 0 });
    const big = (name: string) => ({ metadata: { name }, data: { blob: 'x'.repeat(20_000) } });
    const stored: string[] = [];
    let full: unknown;
    for (let i = 0; i < 100 && !full; i++)
      await s.create(`/core/secrets/ns/b${i}`, big(`b${i}`)).then(
        () => stored.push(`b${i}`),
        (e: unknown) => (full = e),
      );
    assert.ok(full, `${commit}: the quota was reached`);
    code('InternalError', /the store is full/)(full);
    const rev = s.revision();
    assert.equal((await s.list('/core/secrets/')).items.length, stored.length);
    // freeing space: delete objects and compact their history away
    for (const n of stored.slice(0, 10)) await s.delete(`/core/secrets/ns/${n}`);
    await s.compact(s.revision());
    const again = await s.create('/core/secrets/ns/after', big('after'));
    assert.ok(Number(again.metadata.resourceVersion) > rev);
    await s.close();
  }
});

test('sqlite: the history window compacts on its own (time and count), keeping every current object', async (t) => {
  let now = 1_000_000;
  const dataDir = join(tmpDir('kubetls-store-', t), 'data');
  const s = await openStore({
    backend: 'sqlite',
    dataDir,
    compactIntervalMs: 20,
    history: { windowMs: 60_000, maxRevisions: 1_000_000 },
    now: () => now,
  });
  t.after(() => s.close());
  await s.create('/core/secrets/ns/a', obj('a'));
  for (let i = 0; i < 20; i++) await s.update('/core/secrets/ns/a', (o) => ({ ...o, data: { i: String(i) } }));
  const r = s.revision();
  await new Promise((res) => setTimeout(res, 100));
  assert.equal(s.compactedRevision(), 0, 'nothing is older than the window yet');
  now += 61_000;
  await s.update('/core/secrets/ns/a', (o) => ({ ...o, data: { i: 'last' } }));
  const until = Date.now() + 5000;
  while (s.compactedRevision() < r && Date.now() < until) await new Promise((res) => setTimeout(res, 10));
  assert.ok(s.compactedRevision() >= r, `compacted to ${s.compactedRevision()}, wanted ≥ ${r}`);
  assert.deepEqual((await s.get('/core/secrets/ns/a'))?.data, { i: 'last' });
  assert.throws(() => s.watch('/core/secrets/', () => undefined, { fromRevision: 1 }), code('Expired'));
});

test('sqlite: an unknown backend is refused', async () => {
  await assert.rejects(openStore({ backend: 'nope' } as never), code('BadFlag', /unknown store backend "nope"/));
});
