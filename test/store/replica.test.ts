/**
 * The read replica (src/store/sqlite-replica.ts): the conformance suite against a replica
 * whose owner — a real SqliteStore on the same data directory — answers its writes through
 * StoreHost, every message copied as IPC copies it; and what is particular to it: a
 * compare-and-swap race between replicas, watches fed by tailing the log, catchUp.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { KubeObject } from '../../src/api/object.js';
import { openStore, openStoreReplica, StoreHost, type PrimaryLink, type Store } from '../../src/store/index.js';
import { tmpDir } from '../helpers.js';
import { storeConformance } from './conformance.js';

/** an owner on `dataDir` and a way to link replicas to it, every message structured-cloned */
async function owner(dataDir: string) {
  const store = await openStore({ backend: 'sqlite', dataDir, compactIntervalMs: 0 });
  const listeners = new Set<(r: number) => void>();
  const host = new StoreHost(store, (r) => {
    for (const l of listeners) l(r);
  });
  const link: PrimaryLink = {
    call: async (req) => structuredClone(await host.handle(structuredClone(req))),
    onRevision: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  return { store, link };
}

storeConformance({
  name: 'sqlite replica',
  newLocation: (t) => join(tmpDir('kubetls-replica-', t), 'data'),
  open: async (dataDir, o) => {
    const own = await owner(dataDir);
    const replica = await openStoreReplica({ backend: 'sqlite', dataDir, link: own.link, ...o });
    const close = replica.close.bind(replica);
    replica.close = async () => {
      await close();
      await own.store.close();
    };
    return replica;
  },
});

const key = '/core/configmaps/default/counter';
const cm = (n: number): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'counter', namespace: 'default' },
  data: { n: String(n), by: '' },
});

async function replicas(t: TestContext, n: number): Promise<{ own: Store; reps: Store[] }> {
  const dataDir = join(tmpDir('kubetls-replica-', t), 'data');
  const own = await owner(dataDir);
  const reps: Store[] = [];
  for (let i = 0; i < n; i++) reps.push(await openStoreReplica({ backend: 'sqlite', dataDir, link: own.link }));
  t.after(async () => {
    for (const r of reps) await r.close();
    await own.store.close();
  });
  return { own: own.store, reps };
}

test('replica: concurrent asynchronous updates of one key through several replicas lose nothing', async (t) => {
  const { reps } = await replicas(t, 4);
  await reps[0]!.create(key, cm(0));
  // every round of the race has one winner; a try limit of 64 bounds how many may race at once
  const N = 60;
  const results = await Promise.all(
    Array.from({ length: N }, (_, i) =>
      reps[i % reps.length]!.update(key, async (cur) => {
        await new Promise((r) => setImmediate(r));
        const data = cur.data as Record<string, string>;
        return { ...cur, data: { n: String(Number(data.n) + 1), by: `${data.by}${i},` } };
      }),
    ),
  );
  const rvs = new Set(results.map((r) => r.metadata.resourceVersion));
  assert.equal(rvs.size, N, 'every update got its own resourceVersion');
  const final = await reps[1]!.get(key);
  const data = final!.data as Record<string, string>;
  assert.equal(data.n, String(N));
  assert.deepEqual(
    (data.by ?? '')
      .split(',')
      .filter(Boolean)
      .map(Number)
      .sort((a, b) => a - b),
    Array.from({ length: N }, (_, i) => i),
  );
});

test('replica: a write through one replica is seen by the watchers of another after catchUp, in order', async (t) => {
  const { reps } = await replicas(t, 2);
  const [a, b] = reps as [Store & { catchUp(): void }, Store & { catchUp(): void }];
  const seen: string[] = [];
  const w = b.watch('/core/configmaps/', (e) => void seen.push(`${e.type} ${e.object.metadata.name} ${e.revision}`));
  t.after(() => w.stop());
  const made = await a.create('/core/configmaps/default/x', {
    ...cm(1),
    metadata: { name: 'x', namespace: 'default' },
  });
  // no announcement needed: catchUp (before every request) tails what was committed
  b.catchUp();
  assert.deepEqual(seen, [`ADDED x ${made.metadata.resourceVersion}`]);
  const gone = await a.delete('/core/configmaps/default/x');
  b.catchUp();
  assert.deepEqual(seen, [`ADDED x ${made.metadata.resourceVersion}`, `DELETED x ${gone.metadata.resourceVersion}`]);
  assert.equal(b.revision(), Number(gone.metadata.resourceVersion));
});

test('replica: an update a precondition refuses, or of a missing key, fails as the owner would', async (t) => {
  const { reps } = await replicas(t, 1);
  const r = reps[0]!;
  await assert.rejects(
    r.update(key, (c) => c),
    (e: Error & { code?: string }) => e.code === 'NotFound',
  );
  const made = await r.create(key, cm(0));
  await assert.rejects(
    r.update(key, (c) => ({ ...c, data: { n: '9' } }), { resourceVersion: '1' }),
    (e: Error & { code?: string }) => e.code === 'Conflict' && /has been modified/.test(e.message),
  );
  // a no-op update writes nothing
  const same = await r.update(key, (c) => c);
  assert.equal(same.metadata.resourceVersion, made.metadata.resourceVersion);
  await assert.rejects(r.create(key, cm(0)), (e: Error & { code?: string }) => e.code === 'AlreadyExists');
});
