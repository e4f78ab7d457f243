/**
 * The shared informer against a real `kubetls serve`, its watch broken by a TCP proxy the test
 * cuts: CSRs deleted while the watch is down reach the handlers as deletes and leave the cache,
 * whether the restarted informer resumes from its resourceVersion (the server still has the
 * history: DELETED events) or the server has compacted past it (410 Gone: a relist, and the
 * deletes of what the new list lacks).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connect } from '../../../src/controllers/framework/client.js';
import { realClock } from '../../../src/controllers/framework/clock.js';
import { InformerFactory, type InformerEvent } from '../../../src/controllers/framework/informer.js';
import { updateApproval, withCondition } from '../../../src/controllers/framework/csr.js';
import { serve } from '../../api/server/harness.js';
import { adminClient, createCsr, eventually, tcpProxy } from '../helpers.js';

async function gap(t: TestContext, serveArgs: string[], expectRelist: boolean) {
  const s = await serve(t, { args: serveArgs });
  const admin = await adminClient(s.dir);
  const proxy = await tcpProxy(t, s.port);
  const client = await connect({ file: join(s.dir, 'admin.conf'), port: proxy.port });
  const log: string[] = [];
  const informers = new InformerFactory(client, realClock, (l) => log.push(l));
  const seen: Array<[InformerEvent, string]> = [];
  const csrs = informers.csrs();
  csrs.onChange((o, type) => seen.push([type, o.metadata?.name ?? '']));
  const stop = new AbortController();
  t.after(async () => {
    stop.abort();
    await informers.stopped();
  });
  for (const n of ['keep', 'gone-1', 'gone-2']) await createCsr(admin, n);
  informers.start(stop.signal);
  await informers.waitForSync(stop.signal);
  await eventually('the three CSRs in the cache', () => csrs.list().length === 3);

  proxy.cut();
  await eventually('the informer to see its watch fail', () => log.some((l) => /watch failed|failed/.test(l)));
  for (const n of ['gone-1', 'gone-2']) await admin.certificates.deleteCertificateSigningRequest({ name: n });
  await createCsr(admin, 'new-during-gap');
  // with a 1 s history window the server compacts past the informer's resourceVersion
  if (expectRelist) await new Promise((r) => setTimeout(r, 2500));
  assert.ok(csrs.get('gone-1'), 'the cache keeps what it had while the watch is down');
  proxy.restore();

  await eventually(
    'deletes of gone-1 and gone-2',
    () =>
      seen.some((e) => e[0] === 'delete' && e[1] === 'gone-1') &&
      seen.some((e) => e[0] === 'delete' && e[1] === 'gone-2'),
    20_000,
  ).catch((e: unknown) => {
    throw new Error(`${String(e)}; informer log: ${log.join(' | ')}; events: ${JSON.stringify(seen)}`);
  });
  await eventually('new-during-gap added', () => csrs.get('new-during-gap'));
  assert.equal(csrs.get('gone-1'), undefined);
  assert.equal(csrs.get('gone-2'), undefined);
  assert.deepEqual(
    csrs
      .list()
      .map((c) => c.metadata?.name)
      .sort(),
    ['keep', 'new-during-gap'],
  );
  assert.ok(!seen.some((e) => e[0] === 'delete' && e[1] === 'keep'), 'keep was not deleted');
  return log;
}

test('informer: deletions during a watch gap are delivered when it resumes from its resourceVersion', async (t) => {
  await gap(t, [], false);
});

test('informer: deletions during a watch gap are delivered by the relist after 410 Gone', async (t) => {
  await gap(t, ['--etcd-compaction-interval', '1s'], true);
});

test('informer: the CSR cache keeps spec.request only for a reader’s unfinished CSRs, listed or watched', async (t) => {
  const s = await serve(t, {});
  const admin = await adminClient(s.dir);
  const informers = new InformerFactory(await adminClient(s.dir), realClock, () => undefined);
  informers.readsRequests((c) => c.spec.signerName === 'example.com/kept');
  const csrs = informers.csrs();
  const stop = new AbortController();
  t.after(async () => {
    stop.abort();
    await informers.stopped();
  });
  const created = new Map<string, string>();
  const make = async (name: string, signerName: string) =>
    created.set(name, (await createCsr(admin, name, { signerName })).spec.request);
  await make('kept-listed', 'example.com/kept');
  await make('other-listed', 'example.com/other');
  informers.start(stop.signal);
  await informers.waitForSync(stop.signal);
  await make('kept-watched', 'example.com/kept');
  await make('other-watched', 'example.com/other');
  await eventually('four CSRs in the cache', () => csrs.list().length === 4);

  for (const name of created.keys()) {
    const c = csrs.get(name)!;
    if (name.startsWith('kept')) assert.equal(c.spec.request, created.get(name), name);
    else assert.equal(Object.hasOwn(c.spec, 'request'), false, name);
    assert.equal(c.spec.signerName, name.startsWith('kept') ? 'example.com/kept' : 'example.com/other');
    const undefinedFields = Object.entries(c.metadata ?? {}).filter(([, v]) => v === undefined);
    assert.deepEqual(undefinedFields, [], `${name}: metadata holds only set fields`);
    assert.ok(c.metadata?.creationTimestamp, name);
  }
  // denied: finished, so the next event's object comes without it
  await updateApproval(admin, 'kept-listed', (cur) =>
    withCondition(cur, { type: 'Denied', reason: 'Test', message: 'no' }, realClock),
  );
  await eventually('kept-listed denied in the cache, without its request', () => {
    const c = csrs.get('kept-listed');
    return c?.status?.conditions?.some((x) => x.type === 'Denied') && !Object.hasOwn(c.spec, 'request');
  });
  assert.equal(csrs.get('kept-watched')?.spec.request, created.get('kept-watched'));
});
