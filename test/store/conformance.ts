/**
 * The storage conformance suite: what every backend of src/store/store.ts must do, as
 * kube-apiserver expects it of etcd. `storeConformance(target)` registers node:test tests
 * against one backend; test/store/sqlite.test.ts runs it for SQLite (both commit modes), and
 * the etcd backend runs it too. Every test opens its own store in a new location.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { KubeObject } from '../../src/api/object.js';
import { KubetlsError } from '../../src/errors/index.js';
import type { Store, WatchEvent } from '../../src/store/index.js';

export interface ConformanceTarget {
  /** shown in every test name */
  name: string;
  /** a new, empty place to keep a store (a data directory, an etcd key prefix …), cleaned up after `t` */
  newLocation(t: TestContext): string | Promise<string>;
  /** opens the store kept at `location` (again after a close, for the restart tests) */
  open(location: string, o?: { watchBufferSize?: number }): Promise<Store>;
}

const SECRETS = '/core/secrets/';
const key = (name: string, ns = 'default') => `${SECRETS}${ns}/${name}`;
const secret = (name: string, data: Record<string, string> = {}, ns = 'default'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: ns, uid: `uid-${name}` },
  data,
});
const rv = (o: KubeObject | undefined): number => Number(o?.metadata.resourceVersion);
const code = (c: string, msg?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof KubetlsError, `a KubetlsError, not ${String(e)}`);
  assert.equal(e.code, c, e.message);
  if (msg) assert.match(e.message, msg);
  return true;
};
const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));
/** waits (bounded) until `cond` holds */
async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await tick();
  }
}
const summary = (e: WatchEvent) => `${e.type} ${e.object.metadata.name} ${e.revision}`;

export function storeConformance(target: ConformanceTarget): void {
  const open = async (t: TestContext, o?: { watchBufferSize?: number }) => {
    const location = await target.newLocation(t);
    const store = await target.open(location, o);
    t.after(() => store.close());
    return { store, location };
  };
  // node:test runs what test() registers; its promise is the runner's
  const it = (name: string, fn: (t: TestContext) => Promise<void>): void => void test(`${target.name}: ${name}`, fn);

  it('create, get, update, delete, with resourceVersions from the revision counter', async (t) => {
    const { store } = await open(t);
    const before = store.revision();
    const a = await store.create(key('a'), secret('a', { k: 'djE=' }));
    assert.equal(rv(a), before + 1);
    assert.equal(store.revision(), rv(a));
    const got = await store.get(key('a'));
    assert.ok(got);
    assert.deepEqual(got, a);
    // what the store hands out is the caller's: changing it changes nothing stored
    got.metadata.name = 'changed';
    assert.equal((await store.get(key('a')))!.metadata.name, 'a');
    await assert.rejects(store.create(key('a'), secret('a')), code('AlreadyExists', /^secrets "a" already exists$/));
    const u = await store.update(key('a'), (o) => ({ ...o, data: { k: 'djI=' } }));
    assert.ok(rv(u) > rv(a));
    assert.deepEqual((await store.get(key('a')))?.data, { k: 'djI=' });
    await assert.rejects(
      store.update(key('nope'), (o) => o),
      code('NotFound', /^secrets "nope" not found$/),
    );
    const d = await store.delete(key('a'));
    assert.ok(rv(d) > rv(u), 'the deleted object carries the deletion revision');
    assert.deepEqual(d.data, { k: 'djI=' });
    assert.equal(await store.get(key('a')), undefined);
    await assert.rejects(store.delete(key('a')), code('NotFound'));
    await assert.rejects(
      store.update(key('a'), (o) => o),
      code('NotFound'),
    );
    const again = await store.create(key('a'), secret('a', { k: 'djM=' }));
    assert.ok(rv(again) > rv(d), 'a name can be created again after its deletion');
    // the CSR key shape: errors name the qualified resource, as kube-apiserver's do
    const csr = '/certificates.k8s.io/certificatesigningrequests/-/my-svc.my-namespace';
    await store.create(csr, {
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { name: 'my-svc.my-namespace' },
    });
    await assert.rejects(
      store.create(csr, { metadata: { name: 'my-svc.my-namespace' } }),
      code(
        'AlreadyExists',
        /^certificatesigningrequests\.certificates\.k8s\.io "my-svc\.my-namespace" already exists$/,
      ),
    );
  });

  it('malformed keys and objects are refused before anything is written', async (t) => {
    const { store } = await open(t);
    const r = store.revision();
    for (const k of [
      '',
      'core/secrets/ns/a',
      '/core/secrets/a',
      '/core/secrets/ns/a/b',
      '/core//ns/a',
      '/core/secrets/ns/a\0',
    ])
      await assert.rejects(store.create(k, secret('a')), code('InternalError'), JSON.stringify(k));
    await assert.rejects(store.create(key('x'), null as unknown as KubeObject), code('InternalError'));
    await assert.rejects(store.create(key('x'), { kind: 'Secret' } as unknown as KubeObject), code('InternalError'));
    await store.create(key('x'), secret('x'));
    await assert.rejects(
      store.update(key('x'), () => [] as unknown as KubeObject),
      code('InternalError'),
    );
    await assert.rejects(
      store.update(key('x'), () => 'text' as unknown as KubeObject),
      code('InternalError'),
    );
    await assert.rejects(store.create(key('big'), secret('big', { k: 'x'.repeat(2 * 1024 * 1024) })), code('TooLarge'));
    await assert.rejects(store.list('/core/secrets'), code('InternalError'), 'a prefix without its final slash');
    assert.equal(store.revision(), r + 1, 'only the one good write took a revision');
  });

  it('preconditions: resourceVersion and uid, on update and delete', async (t) => {
    const { store } = await open(t);
    const a = await store.create(key('a'), secret('a'));
    const stale = a.metadata.resourceVersion!;
    const u = await store.update(key('a'), (o) => ({ ...o, data: { n: 'MQ==' } }), { resourceVersion: stale });
    await assert.rejects(
      store.update(key('a'), (o) => o, { resourceVersion: stale }),
      code(
        'Conflict',
        /^Operation cannot be fulfilled on secrets "a": the object has been modified; please apply your changes to the latest version and try again$/,
      ),
    );
    await assert.rejects(
      store.update(key('a'), (o) => o, { uid: 'other' }),
      code('Conflict', /Precondition failed: UID in precondition: other, UID in object meta: uid-a/),
    );
    await assert.rejects(
      store.delete(key('a'), { resourceVersion: stale }),
      code(
        'Conflict',
        new RegExp(
          `Precondition failed: ResourceVersion in precondition: ${stale}, ResourceVersion in object meta: ${u.metadata.resourceVersion}`,
        ),
      ),
    );
    await assert.rejects(store.delete(key('a'), { uid: 'other' }), code('Conflict'));
    assert.ok(await store.get(key('a')), 'still there after the refused deletes');
    // an update function may refuse (a validation error): nothing is written
    const r = store.revision();
    await assert.rejects(
      store.update(key('a'), () => {
        throw new KubetlsError('Invalid', 'spec.x: Invalid value');
      }),
      code('Invalid'),
    );
    await assert.rejects(
      store.update(key('a'), () => Promise.reject(new KubetlsError('Forbidden', 'no'))),
      code('Forbidden'),
    );
    assert.equal(store.revision(), r);
    await store.delete(key('a'), { uid: 'uid-a', resourceVersion: u.metadata.resourceVersion! });
    assert.equal(await store.get(key('a')), undefined);
  });

  it('an update that changes nothing keeps the resourceVersion and writes nothing', async (t) => {
    const { store } = await open(t);
    const a = await store.create(key('a'), secret('a', { k: 'dg==' }));
    const r = store.revision();
    const same = await store.update(key('a'), (o) => o);
    assert.equal(same.metadata.resourceVersion, a.metadata.resourceVersion);
    assert.equal(store.revision(), r);
    const changed = await store.update(key('a'), (o) => ({ ...o, data: { k: 'dw==' } }));
    assert.equal(rv(changed), r + 1);
  });

  it('replace: a compare-and-swap on the revision; Conflict when stale, NotFound when absent or deleted', async (t) => {
    const { store } = await open(t);
    const a = await store.create(key('a'), secret('a', { k: 'djE=' }));
    const r1 = await store.replace(key('a'), { ...a, data: { k: 'djI=' } }, a.metadata.resourceVersion!);
    assert.equal(rv(r1), rv(a) + 1);
    assert.equal(store.revision(), rv(r1));
    assert.deepEqual(await store.get(key('a')), r1);
    // what it hands back is the caller's
    r1.metadata.name = 'changed';
    assert.equal((await store.get(key('a')))!.metadata.name, 'a');
    const stale =
      /^Operation cannot be fulfilled on secrets "a": the object has been modified; please apply your changes to the latest version and try again$/;
    const before = store.revision();
    for (const wrong of [a.metadata.resourceVersion!, String(rv(r1) + 1), '', 'x', '-1', `${rv(r1)}.0`, ` ${rv(r1)}`])
      await assert.rejects(
        store.replace(key('a'), { ...a, data: { k: 'eA==' } }, wrong),
        code('Conflict', stale),
        JSON.stringify(wrong),
      );
    assert.equal(store.revision(), before, 'a refused replace writes nothing');
    assert.deepEqual((await store.get(key('a')))?.data, { k: 'djI=' });
    // unlike update, an unchanged object is written again (the caller decided it changed)
    const same = await store.replace(key('a'), { ...a, data: { k: 'djI=' } }, String(rv(r1)));
    assert.equal(rv(same), rv(r1) + 1);
    await assert.rejects(
      store.replace(key('nope'), secret('nope'), String(rv(same))),
      code('NotFound', /^secrets "nope" not found$/),
    );
    const d = await store.delete(key('a'));
    await assert.rejects(store.replace(key('a'), a, String(rv(same))), code('NotFound'));
    await assert.rejects(store.replace(key('a'), a, String(rv(d))), code('NotFound'), 'the deletion’s own revision');
    // malformed keys and objects, oversized objects: refused, nothing written
    const b = await store.create(key('b'), secret('b'));
    const at = String(rv(b));
    await assert.rejects(store.replace('/core/secrets/b', b, at), code('InternalError'));
    await assert.rejects(store.replace(key('b'), [] as unknown as KubeObject, at), code('InternalError'));
    await assert.rejects(
      store.replace(key('b'), secret('b', { k: 'x'.repeat(2 * 1024 * 1024) }), at),
      code('TooLarge'),
    );
    assert.equal(store.revision(), rv(b));
    // whatever wrote last (update, delete, create again, a compaction), replace sees it
    const c = await store.create(key('c'), secret('c'));
    await store.get(key('c'));
    const cu = await store.update(key('c'), (o) => ({ ...o, data: { v: 'MQ==' } }));
    await assert.rejects(store.replace(key('c'), c, String(rv(c))), code('Conflict'));
    await store.delete(key('c'));
    await store.compact(store.revision());
    await assert.rejects(store.replace(key('c'), c, String(rv(cu))), code('NotFound'));
    const c2 = await store.create(key('c'), secret('c', { v: 'Mg==' }));
    await assert.rejects(store.replace(key('c'), c, String(rv(cu))), code('Conflict'));
    const c3 = await store.replace(key('c'), { ...c2, data: { v: 'Mw==' } }, String(rv(c2)));
    assert.deepEqual(await store.get(key('c')), c3);
  });

  it('replace: of two at one revision exactly one wins, and the loser hears it once the winner is durable', async (t) => {
    const { store } = await open(t);
    const a = await store.create(key('a'), secret('a', { n: 'MA==' }));
    const at = a.metadata.resourceVersion!;
    let winner: KubeObject | undefined;
    const tries = [1, 2].map((n) =>
      store.replace(key('a'), { ...a, data: { n: String(n) } }, at).then((o) => (winner = o)),
    );
    const outcome = await Promise.allSettled(tries);
    assert.equal(outcome.filter((o) => o.status === 'fulfilled').length, 1, 'one winner');
    const lost = outcome.find((o) => o.status === 'rejected');
    assert.ok(lost && code('Conflict')(lost.reason));
    assert.deepEqual(await store.get(key('a')), winner);
    // a refusal waits for the write it lost to: a re-read right after it sees the winner
    const base = (await store.get(key('a')))!;
    const first = store.replace(key('a'), { ...base, data: { n: 'x' } }, base.metadata.resourceVersion!);
    await assert.rejects(
      store.replace(key('a'), { ...base, data: { n: 'y' } }, base.metadata.resourceVersion!),
      code('Conflict'),
    );
    const seen = await store.get(key('a'));
    assert.deepEqual(seen?.data, { n: 'x' });
    assert.deepEqual(await first, seen);
  });

  it('replace: watchers see MODIFIED, and a filtered watch sees an object leave (the replaced object read back)', async (t) => {
    const { store } = await open(t);
    const x = await store.create(key('x'), secret('x', { team: 'red' }));
    const filter = (o: KubeObject) => (o.data as Record<string, string>).team === 'red';
    const all: string[] = [];
    const red: string[] = [];
    const show = (e: WatchEvent) => `${e.type} ${(e.object.data as Record<string, string>).team} ${e.revision}`;
    const w1 = store.watch(SECRETS, (e) => void all.push(show(e)));
    const w2 = store.watch(SECRETS, (e) => void red.push(show(e)), { filter });
    // committed before the replace: the store has only its revision at hand
    const blue = await store.replace(key('x'), { ...x, data: { team: 'blue' } }, x.metadata.resourceVersion!);
    const back = await store.replace(key('x'), { ...x, data: { team: 'red' } }, blue.metadata.resourceVersion!);
    // two in one turn: the second replaces a write still being committed (where a backend allows it)
    const p1 = store.replace(key('x'), { ...x, data: { team: 'green' } }, back.metadata.resourceVersion!);
    const p2 = store.replace(key('x'), { ...x, data: { team: 'red', n: '1' } }, String(rv(back) + 1));
    const green = await p1;
    const again = await p2.catch((e: unknown) => {
      code('Conflict')(e);
      return undefined;
    });
    const expectAll = [`MODIFIED blue ${rv(blue)}`, `MODIFIED red ${rv(back)}`, `MODIFIED green ${rv(green)}`];
    const expectRed = [`DELETED red ${rv(blue)}`, `ADDED red ${rv(back)}`, `DELETED red ${rv(green)}`];
    if (again) {
      expectAll.push(`MODIFIED red ${rv(again)}`);
      expectRed.push(`ADDED red ${rv(again)}`);
    }
    await until(() => all.length === expectAll.length && red.length === expectRed.length, 'every event');
    assert.deepEqual(all, expectAll);
    assert.deepEqual(red, expectRed);
    // the same through a replay
    const replayed: string[] = [];
    const w3 = store.watch(SECRETS, (e) => void replayed.push(show(e)), { filter, fromRevision: rv(x) });
    await until(() => replayed.length === expectRed.length, 'the replayed events');
    assert.deepEqual(replayed, expectRed);
    for (const w of [w1, w2, w3]) w.stop();
  });

  it('revisions only grow, across a restart too, even when the newest write was a compacted deletion', async (t) => {
    const location = await target.newLocation(t);
    let store = await target.open(location);
    let last = store.revision();
    for (let i = 0; i < 20; i++) {
      const o =
        i % 3 === 2
          ? await store.update(key(`k${i - 1}`), (x) => ({ ...x, data: { i: String(i) } }))
          : await store.create(key(`k${i}`), secret(`k${i}`));
      assert.ok(rv(o) > last, `write ${i}: ${rv(o)} > ${last}`);
      last = rv(o);
    }
    const d = await store.delete(key('k0'));
    last = rv(d);
    await store.compact(last);
    assert.equal(store.compactedRevision(), last);
    await store.close();
    store = await target.open(location);
    try {
      assert.ok(store.revision() >= last, `after a restart: ${store.revision()} >= ${last}`);
      const n = await store.create(key('next'), secret('next'));
      assert.ok(rv(n) > last);
      assert.equal((await store.list(SECRETS)).items.length, 14);
    } finally {
      await store.close();
    }
  });

  it('a chunked list is consistent at the first page’s revision while writes happen between pages', async (t) => {
    const { store } = await open(t);
    const names = Array.from({ length: 25 }, (_, i) => `s${String(i).padStart(2, '0')}`);
    for (const n of names) await store.create(key(n), secret(n, { v: 'MA==' }));
    const first = await store.list(SECRETS, { limit: 10 });
    assert.equal(first.items.length, 10);
    assert.ok(first.continue);
    const at = first.revision;
    assert.equal(at, store.revision());
    // between the pages: change, delete and add objects on both sides of the page boundary
    await store.update(key('s15'), (o) => ({ ...o, data: { v: 'MQ==' } }));
    await store.delete(key('s20'));
    await store.create(key('s12a'), secret('s12a'));
    await store.delete(key('s03'));
    const pages = [first];
    while (pages.at(-1)!.continue)
      pages.push(await store.list(SECRETS, { limit: 10, continue: pages.at(-1)!.continue! }));
    assert.equal(pages.length, 3);
    assert.ok(pages.every((p) => p.revision === at));
    const items = pages.flatMap((p) => p.items);
    assert.deepEqual(
      items.map((o) => o.metadata.name),
      names,
      'exactly the objects at the first page’s revision',
    );
    assert.ok(items.every((o) => (o.data as Record<string, string>).v === 'MA==' && rv(o) <= at));
    assert.equal(pages.at(-1)!.continue, undefined);
    // a new list sees the changes
    const now = await store.list(SECRETS);
    assert.equal(now.items.length, 24);
    assert.ok(now.revision > at);
    // list at an exact revision
    const old = await store.list(SECRETS, { revision: at });
    assert.deepEqual(
      old.items.map((o) => o.metadata.name),
      names,
    );
    await assert.rejects(store.list(SECRETS, { revision: store.revision() + 10 }), code('BadRequest'));
  });

  it('list filters, with limit pages that count only matches', async (t) => {
    const { store } = await open(t);
    for (let i = 0; i < 30; i++)
      await store.create(key(`f${String(i).padStart(2, '0')}`), secret(`f${i}`, { even: String(i % 2 === 0) }));
    const filter = (o: KubeObject) => (o.data as Record<string, string>).even === 'true';
    const all = await store.list(SECRETS, { filter });
    assert.equal(all.items.length, 15);
    const seen: KubeObject[] = [];
    let cont: string | undefined;
    let pages = 0;
    do {
      const p = await store.list(SECRETS, { filter, limit: 4, ...(cont ? { continue: cont } : {}) });
      assert.ok(p.items.length <= 4);
      seen.push(...p.items);
      cont = p.continue;
      pages++;
    } while (cont && pages < 20);
    assert.deepEqual(
      seen.map((o) => o.metadata.name),
      all.items.map((o) => o.metadata.name),
    );
    assert.equal((await store.list(SECRETS, { filter: () => false })).items.length, 0);
  });

  it('continue tokens: malformed ones are BadRequest, compacted ones Expired', async (t) => {
    const { store } = await open(t);
    for (let i = 0; i < 5; i++) await store.create(key(`c${i}`), secret(`c${i}`));
    const p = await store.list(SECRETS, { limit: 2 });
    const bad = [
      'not a token',
      '%%%',
      Buffer.from('{"v":"meta.k8s.io/v1","rv":"1","start":"x"}').toString('base64url'),
      Buffer.from('{"v":"other","rv":1,"start":"x"}').toString('base64url'),
      Buffer.from('[1,2]').toString('base64url'),
      Buffer.from('null').toString('base64url'),
      'A'.repeat(100_000),
    ];
    for (const c of bad)
      await assert.rejects(store.list(SECRETS, { limit: 2, continue: c }), code('BadRequest'), c.slice(0, 40));
    await store.update(key('c4'), (o) => ({ ...o, data: { x: 'eA==' } }));
    await store.compact(store.revision());
    await assert.rejects(store.list(SECRETS, { limit: 2, continue: p.continue! }), code('Expired'));
    await assert.rejects(store.list(SECRETS, { revision: p.revision }), code('Expired'));
  });

  it('prefixes are isolated: a resource, a namespace, a name that extends another', async (t) => {
    const { store } = await open(t);
    await store.create('/core/secrets/ns1/a', secret('a', {}, 'ns1'));
    await store.create('/core/secrets/ns10/b', secret('b', {}, 'ns10'));
    await store.create('/core/secretsx/ns1/c', secret('c', {}, 'ns1'));
    await store.create('/core/secrets/ns1/a2', secret('a2', {}, 'ns1'));
    await store.create('/core/configmaps/ns1/a', secret('a', {}, 'ns1'));
    const names = async (p: string) => (await store.list(p)).items.map((o) => o.metadata.name).join(',');
    assert.equal(await names('/core/secrets/'), 'a,a2,b');
    assert.equal(await names('/core/secrets/ns1/'), 'a,a2');
    assert.equal(await names('/core/secrets/ns10/'), 'b');
    assert.equal(await names('/core/secretsx/'), 'c');
    assert.equal(await names('/core/secrets/ns1/a'), 'a', 'a whole key lists that object only');
    assert.equal(await names('/core/'), 'a,a,a2,b,c');
    const events: string[] = [];
    const w1 = store.watch('/core/secrets/', (e) => void events.push(`secrets ${e.object.metadata.name}`));
    const w2 = store.watch('/core/secrets/ns1/a', (e) => void events.push(`key ${e.object.metadata.name}`));
    await store.create('/core/secretsx/ns1/d', secret('d', {}, 'ns1'));
    await store.update('/core/secrets/ns1/a2', (o) => ({ ...o, data: { x: 'eA==' } }));
    await store.update('/core/secrets/ns1/a', (o) => ({ ...o, data: { x: 'eA==' } }));
    await until(() => events.length >= 3, 'three events');
    await tick(20);
    assert.deepEqual(events, ['secrets a2', 'secrets a', 'key a']);
    w1.stop();
    w2.stop();
  });

  it('watch from now: later changes only, in order, with DELETED carrying the deletion revision', async (t) => {
    const { store } = await open(t);
    await store.create(key('old'), secret('old'));
    const got: WatchEvent[] = [];
    const w = store.watch(SECRETS, (e) => void got.push(e));
    const w0 = store.watch(SECRETS, () => undefined, { fromRevision: 0 });
    const a = await store.create(key('a'), secret('a'));
    const b = await store.update(key('a'), (o) => ({ ...o, data: { x: 'eQ==' } }));
    const d = await store.delete(key('a'));
    await until(() => got.length === 3, 'three events');
    assert.deepEqual(got.map(summary), [`ADDED a ${rv(a)}`, `MODIFIED a ${rv(b)}`, `DELETED a ${rv(d)}`]);
    assert.ok(got.every((e) => String(e.revision) === e.object.metadata.resourceVersion));
    assert.deepEqual(got[2]!.object.data, { x: 'eQ==' }, 'DELETED holds the object as it was');
    w.stop();
    w0.stop();
    await store.create(key('after'), secret('after'));
    await tick(20);
    assert.equal(got.length, 3, 'nothing after stop()');
  });

  it('watch from an old revision replays the history, then continues live without gaps or repeats', async (t) => {
    const { store } = await open(t);
    const start = store.revision();
    // 40 objects, then 7 rounds of changes to all of them at once (some deleted and created again)
    const names = Array.from({ length: 40 }, (_, i) => `r${i}`);
    await Promise.all(names.map((n) => store.create(key(n), secret(n))));
    for (let round = 1; round <= 7; round++)
      await Promise.all(
        names.map((n, i) =>
          (round + i) % 7 === 0
            ? store.delete(key(n)).then(() => store.create(key(n), secret(n)))
            : store.update(key(n), (x) => ({ ...x, data: { round: String(round) } })),
        ),
      );
    const live: string[] = [];
    const got: string[] = [];
    const from = start;
    const replayed = store.watch(SECRETS, (e) => void got.push(summary(e)), { fromRevision: from });
    const wLive = store.watch(SECRETS, (e) => void live.push(summary(e)));
    // writes while the replay runs
    for (let i = 0; i < 50; i++) await store.update(key(`r${i % 40}`), (x) => ({ ...x, data: { j: String(i) } }));
    const end = store.revision();
    await until(
      () => got.length > 0 && Number(got.at(-1)!.split(' ')[2]) === end,
      'the replay to reach the newest revision',
    );
    const revs = got.map((s) => Number(s.split(' ')[2]));
    assert.deepEqual(
      revs,
      Array.from({ length: end - from }, (_, i) => from + 1 + i),
      'every revision once, in order',
    );
    assert.deepEqual(got.slice(-50), live, 'the live part equals what a live watcher saw');
    assert.ok(got.some((s) => s.startsWith('DELETED')) && got.some((s) => s.startsWith('ADDED')));
    // a replay from the middle gives the same tail
    const mid = from + 100;
    const tail: string[] = [];
    const w3 = store.watch(SECRETS, (e) => void tail.push(summary(e)), { fromRevision: mid });
    await until(() => tail.length === end - mid, 'the tail');
    assert.deepEqual(tail, got.slice(100));
    replayed.stop();
    wLive.stop();
    w3.stop();
    // a watch from a revision ahead of the store starts there
    const ahead: string[] = [];
    const w4 = store.watch(SECRETS, (e) => void ahead.push(summary(e)), { fromRevision: end + 1 });
    await store.update(key('r1'), (x) => ({ ...x, data: { k: '1' } }));
    await store.update(key('r1'), (x) => ({ ...x, data: { k: '2' } }));
    await until(() => ahead.length === 1, 'the event after the future start');
    assert.equal(ahead[0]!.split(' ')[2], String(end + 2));
    w4.stop();
  });

  it('watch from a compacted revision is Expired; from the compacted revision itself it works', async (t) => {
    const { store } = await open(t);
    for (let i = 0; i < 10; i++) await store.create(key(`e${i}`), secret(`e${i}`));
    const mid = store.revision() - 4;
    await store.update(key('e0'), (o) => ({ ...o, data: { a: 'YQ==' } }));
    await store.compact(mid);
    assert.equal(store.compactedRevision(), mid);
    assert.throws(
      () => store.watch(SECRETS, () => undefined, { fromRevision: mid - 1 }),
      code('Expired', /too old resource version/),
    );
    const got: WatchEvent[] = [];
    const w = store.watch(SECRETS, (e) => void got.push(e), { fromRevision: mid });
    await until(() => got.length === 5, 'the five changes after the compacted revision');
    assert.deepEqual(
      got.map((e) => e.type),
      ['ADDED', 'ADDED', 'ADDED', 'ADDED', 'MODIFIED'],
    );
    w.stop();
    // compacting to the future clamps to the newest revision
    await store.compact(store.revision() + 100);
    assert.equal(store.compactedRevision(), store.revision());
    assert.deepEqual((await store.list(SECRETS)).items.length, 10, 'compaction keeps every current object');
    assert.deepEqual((await store.get(key('e0')))?.data, { a: 'YQ==' });
  });

  it('a replay whose history is compacted under it ends with Expired', async (t) => {
    const { store } = await open(t);
    const from = store.revision();
    await store.create(key('h'), secret('h'));
    // more changes than a replay reads at a time
    for (let i = 0; i < 7; i++)
      await Promise.all(Array.from({ length: 100 }, (_, j) => store.create(key(`h${i}-${j}`), secret(`h${i}-${j}`))));
    let release: () => void = () => undefined;
    let n = 0;
    let closed: { reason: string; error?: KubetlsError } | undefined;
    const w = store.watch(
      SECRETS,
      () => {
        n++;
        if (n === 1) return new Promise<void>((r) => (release = r));
      },
      { fromRevision: from, onClose: (reason, error) => (closed = { reason, ...(error ? { error } : {}) }) },
    );
    await until(() => n === 1, 'the first replayed event');
    await store.compact(store.revision());
    release();
    await until(() => closed !== undefined, 'the watch to end');
    assert.equal(closed!.error?.code, 'Expired', closed!.reason);
    assert.ok(n < 701, `the replay stopped (${n} events)`);
    w.stop();
  });

  it('a filtered watch sees objects enter as ADDED and leave as DELETED', async (t) => {
    const { store } = await open(t);
    await store.create(key('x'), secret('x', { team: 'blue' }));
    const start = store.revision();
    const filter = (o: KubeObject) => (o.data as Record<string, string>).team === 'red';
    const got: string[] = [];
    const w = store.watch(
      SECRETS,
      (e) => void got.push(`${e.type} ${(e.object.data as Record<string, string>).team} ${e.revision}`),
      { filter },
    );
    const steps = [
      await store.update(key('x'), (o) => ({ ...o, data: { team: 'red' } })),
      await store.update(key('x'), (o) => ({ ...o, data: { team: 'red', n: '1' } })),
      await store.update(key('x'), (o) => ({ ...o, data: { team: 'blue' } })),
      await store.update(key('x'), (o) => ({ ...o, data: { team: 'green' } })),
      await store.update(key('x'), (o) => ({ ...o, data: { team: 'red' } })),
      await store.delete(key('x')),
      await store.create(key('y'), secret('y', { team: 'blue' })),
    ];
    const expect = [
      `ADDED red ${rv(steps[0])}`,
      `MODIFIED red ${rv(steps[1])}`,
      `DELETED red ${rv(steps[2])}`,
      `ADDED red ${rv(steps[4])}`,
      `DELETED red ${rv(steps[5])}`,
    ];
    await until(() => got.length === 5, 'five filtered events');
    assert.deepEqual(got, expect);
    // the same through a replay from before the changes
    const again: string[] = [];
    const w2 = store.watch(
      SECRETS,
      (e) => void again.push(`${e.type} ${(e.object.data as Record<string, string>).team} ${e.revision}`),
      { filter, fromRevision: start },
    );
    await until(() => again.length === 5, 'five replayed filtered events');
    assert.deepEqual(again, expect);
    w.stop();
    w2.stop();
  });

  it('a watcher that falls too far behind is closed with a reason; the others keep every event', async (t) => {
    const { store } = await open(t, { watchBufferSize: 10 });
    let closed: string | undefined;
    let slowSeen = 0;
    const slow = store.watch(
      SECRETS,
      () => {
        slowSeen++;
        return new Promise<void>(() => undefined); // never drains
      },
      { onClose: (reason) => (closed = reason) },
    );
    const fast: number[] = [];
    const w3 = store.watch(SECRETS, (e) => void fast.push(e.revision));
    for (let i = 0; i < 8; i++) await store.create(key(`p${i}`), secret(`p${i}`));
    await Promise.all(Array.from({ length: 40 }, (_, i) => store.create(key(`s${i}`), secret(`s${i}`))));
    await until(() => closed !== undefined, 'the slow watcher to be closed');
    assert.match(closed!, /fell behind/);
    assert.equal(slowSeen, 1);
    await until(() => fast.length === 48, 'every event at the fast watcher');
    assert.deepEqual(
      fast,
      [...fast].sort((a, b) => a - b),
    );
    slow.stop();
    w3.stop();
  });

  it('a watch consumer that awaits gets every event in order (backpressure within the buffer)', async (t) => {
    const { store } = await open(t, { watchBufferSize: 100 });
    const got: number[] = [];
    const w = store.watch(SECRETS, async (e) => {
      await tick(1);
      got.push(e.revision);
    });
    for (let i = 0; i < 30; i++) await store.create(key(`b${i}`), secret(`b${i}`));
    await until(() => got.length === 30, 'thirty events');
    assert.deepEqual(
      got,
      [...got].sort((a, b) => a - b),
    );
    w.stop();
  });

  it('concurrent writers: parallel creates get distinct revisions; parallel updates of one key lose nothing', async (t) => {
    const { store } = await open(t);
    const created = await Promise.all(
      Array.from({ length: 64 }, (_, i) => store.create(key(`c${i}`), secret(`c${i}`))),
    );
    const revs = created.map(rv);
    assert.equal(new Set(revs).size, 64);
    await store.create(key('counter'), { metadata: { name: 'counter' }, n: 0 });
    // asynchronous read-modify-write from 32 clients at once: the store retries each on conflict
    const updates = await Promise.all(
      Array.from({ length: 32 }, () =>
        store.update(key('counter'), async (o) => {
          await tick(Math.random() * 3);
          return { ...o, n: (o.n as number) + 1 };
        }),
      ),
    );
    assert.equal((await store.get(key('counter')))?.n, 32);
    assert.equal(new Set(updates.map(rv)).size, 32);
    // synchronous update functions of one key in one turn: applied in order, none lost
    const sync = await Promise.all(
      Array.from({ length: 20 }, () => store.update(key('counter'), (o) => ({ ...o, n: (o.n as number) + 1 }))),
    );
    assert.deepEqual(
      sync.map((o) => o.n),
      Array.from({ length: 20 }, (_, i) => 33 + i),
    );
    // creates racing for one name: exactly one wins
    const race = await Promise.allSettled(Array.from({ length: 10 }, () => store.create(key('race'), secret('race'))));
    assert.equal(race.filter((r) => r.status === 'fulfilled').length, 1);
    assert.ok(
      race.filter((r) => r.status === 'rejected').every((r) => (r.reason as KubetlsError).code === 'AlreadyExists'),
    );
  });

  it('many keys: 3,000 objects listed in pages of 500, sorted, each once', async (t) => {
    const { store } = await open(t);
    const N = 3000;
    const names = Array.from({ length: N }, (_, i) => `n${String(i).padStart(5, '0')}`);
    for (let i = 0; i < N; i += 100)
      await Promise.all(
        names
          .slice(i, i + 100)
          .map((n, j) => store.create(key(n, `ns${(i + j) % 3}`), secret(n, {}, `ns${(i + j) % 3}`))),
      );
    const seen: string[] = [];
    let cont: string | undefined;
    let pages = 0;
    do {
      const p = await store.list(SECRETS, { limit: 500, ...(cont ? { continue: cont } : {}) });
      seen.push(...p.items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`));
      cont = p.continue;
      pages++;
    } while (cont);
    assert.equal(pages, 6);
    assert.equal(seen.length, N);
    assert.equal(new Set(seen).size, N);
    assert.deepEqual(seen, [...seen].sort());
    assert.equal((await store.list(`${SECRETS}ns1/`)).items.length, 1000);
  });

  it('close: finishes queued writes, ends watches, refuses new work', async (t) => {
    const location = await target.newLocation(t);
    const store = await target.open(location);
    let reason: string | undefined;
    store.watch(SECRETS, () => undefined, { onClose: (r) => (reason = r) });
    const pending = Array.from({ length: 20 }, (_, i) => store.create(key(`q${i}`), secret(`q${i}`)));
    const closing = store.close();
    const done = await Promise.all(pending);
    await closing;
    assert.equal(done.length, 20);
    assert.ok(reason, 'the watch was told');
    await assert.rejects(store.create(key('late'), secret('late')), code('ServiceUnavailable'));
    const again = await target.open(location);
    try {
      assert.equal((await again.list(SECRETS)).items.length, 20, 'the writes queued before close are stored');
    } finally {
      await again.close();
    }
  });
}
