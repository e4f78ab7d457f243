/**
 * Watch semantics of a real `kubetls serve`, read over node:https: resuming from a
 * resourceVersion, 410 Expired once the history is compacted (`--etcd-compaction-interval`),
 * bookmarks (`allowWatchBookmarks`: before a timeoutSeconds deadline, and the
 * initial-events-end one), `timeoutSeconds`, and Table watch events as kubectl asks for them.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { serve, type Served } from './harness.js';
import { admin, call, eventually, fileScope, watch } from './client.js';

const hooks = fileScope();
let s: Served;
/** the history kept: long enough for the resume test, short enough for the 410 one */
const HISTORY_S = 3;
before(async () => {
  s = await serve(hooks, { args: ['--etcd-compaction-interval', `${HISTORY_S}s`] });
});

const CMS = '/api/v1/namespaces/default/configmaps';
const nameOf = (o: Record<string, unknown>) => (o.metadata as { name: string }).name;
const rvOf = (o: Record<string, unknown>) => (o.metadata as { resourceVersion: string }).resourceVersion;

async function create(name: string, labels: Record<string, string> = {}): Promise<string> {
  const r = await call(s, 'POST', CMS, {
    as: admin(s),
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data: { n: name } },
  });
  assert.equal(r.status, 201, r.text);
  return rvOf(r.json());
}

test('a watch from a resourceVersion resumes after it: later changes only, in order', async () => {
  const rvA = await create('resume-a', { set: 'resume' });
  await create('resume-b', { set: 'resume' });
  const del = await call(s, 'DELETE', `${CMS}/resume-a`, { as: admin(s) });
  assert.equal(del.status, 200, del.text);
  const w = await watch(s, `${CMS}?watch=1&labelSelector=set%3Dresume&resourceVersion=${rvA}`, { as: admin(s) });
  assert.equal(w.status, 200);
  await create('resume-c', { set: 'resume' });
  await w.until((e) => nameOf(e.object) === 'resume-c');
  w.close();
  assert.deepEqual(
    w.events.map((e) => `${e.type} ${nameOf(e.object)}`),
    ['ADDED resume-b', 'DELETED resume-a', 'ADDED resume-c'],
  );
  const rvs = w.events.map((e) => Number(rvOf(e.object)));
  assert.deepEqual(
    [...rvs].sort((a, b) => a - b),
    rvs,
  );
  assert.ok(rvs[0]! > Number(rvA));
});

test('a watch from a compacted resourceVersion gets one ERROR event, 410 Expired, and ends', async () => {
  const old = await create('old-one');
  await create('newer-one');
  // the history window is HISTORY_S; compaction runs as often
  let w;
  const expired = await eventually(
    async () => {
      w = await watch(s, `${CMS}?watch=1&resourceVersion=${old}`, { as: admin(s) });
      // the server ends the stream after the ERROR event (client-go and client-node relist on that end)
      const ended = await w.end(5000).then(
        () => true,
        () => false,
      );
      w.close();
      return ended && w.events.length === 1 && w.events[0]!.type === 'ERROR';
    },
    4 * HISTORY_S * 1000,
  );
  assert.ok(expired, JSON.stringify(w!.events));
  const st = w!.events[0]!.object;
  assert.equal(st.kind, 'Status');
  assert.equal(st.status, 'Failure');
  assert.equal(st.reason, 'Expired');
  assert.equal(st.code, 410);
  assert.match(String(st.message), new RegExp(`^too old resource version: ${old} \\(\\d+\\)$`));
  // the client relists and watches from the list's resourceVersion: that works
  const list = await call(s, 'GET', CMS, { as: admin(s) });
  const rv = (list.json() as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  const again = await watch(s, `${CMS}?watch=1&resourceVersion=${rv}`, { as: admin(s) });
  await create('after-relist');
  await again.until((e) => e.type === 'ADDED' && nameOf(e.object) === 'after-relist');
  again.close();
});

test('timeoutSeconds ends the stream cleanly, and allowWatchBookmarks sends a bookmark 2 s before', async () => {
  const list = await call(s, 'GET', CMS, { as: admin(s) });
  const rv = (list.json() as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  const start = Date.now();
  const w = await watch(s, `${CMS}?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true&timeoutSeconds=4`, {
    as: admin(s),
  });
  await w.until((e) => e.type === 'BOOKMARK', 6000);
  const bookmarkAt = Date.now() - start;
  await w.end(8000);
  const endAt = Date.now() - start;
  assert.ok(bookmarkAt >= 1500 && bookmarkAt < 3800, `bookmark after ${bookmarkAt} ms`);
  assert.ok(endAt >= 3900 && endAt < 7000, `ended after ${endAt} ms`);
  const b = w.events.find((e) => e.type === 'BOOKMARK')!.object;
  assert.equal(b.kind, 'ConfigMap');
  assert.equal(b.apiVersion, 'v1');
  assert.ok(Number(rvOf(b)) >= Number(rv));
  // without allowWatchBookmarks: no bookmark, the same clean end
  const plain = await watch(s, `${CMS}?watch=1&resourceVersion=${rv}&timeoutSeconds=3`, { as: admin(s) });
  await plain.end(8000);
  assert.deepEqual(plain.events, []);
});

test('sendInitialEvents with allowWatchBookmarks: the current objects, then the initial-events-end bookmark', async () => {
  await create('initial-x', { set: 'initial' });
  await create('initial-y', { set: 'initial' });
  const w = await watch(
    s,
    `${CMS}?watch=1&labelSelector=set%3Dinitial&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`,
    { as: admin(s) },
  );
  await w.until((e) => e.type === 'BOOKMARK');
  w.close();
  assert.deepEqual(
    w.events.map((e) => (e.type === 'BOOKMARK' ? 'BOOKMARK' : `${e.type} ${nameOf(e.object)}`)),
    ['ADDED initial-x', 'ADDED initial-y', 'BOOKMARK'],
  );
  const b = w.events[2]!.object as { metadata: { annotations?: Record<string, string>; resourceVersion: string } };
  assert.deepEqual(b.metadata.annotations, { 'k8s.io/initial-events-end': 'true' });
  assert.ok(Number(b.metadata.resourceVersion) >= Number(rvOf(w.events[1]!.object)));
});

test('Table watch events: columns in the first event only, one row per change, as kubectl get -w reads them', async () => {
  const list = await call(s, 'GET', CMS, { as: admin(s) });
  const rv = (list.json() as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  const w = await watch(s, `${CMS}?watch=1&resourceVersion=${rv}`, {
    as: admin(s),
    headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' },
  });
  await create('table-1');
  await create('table-2');
  await w.until((e) => JSON.stringify(e.object).includes('table-2'));
  w.close();
  assert.equal(w.events.length, 2);
  const [first, second] = w.events.map(
    (e) => e.object as Record<string, unknown> & { rows: Array<{ cells: unknown[]; object: Record<string, unknown> }> },
  );
  for (const t of [first!, second!]) {
    assert.equal(t.kind, 'Table');
    assert.equal(t.apiVersion, 'meta.k8s.io/v1');
    assert.equal(t.rows.length, 1);
  }
  assert.deepEqual(
    (first!.columnDefinitions as Array<{ name: string }>).map((c) => c.name),
    ['Name', 'Data', 'Age'],
  );
  // later events carry no column definitions (kube-apiserver sends null; kubectl reads any empty form)
  assert.equal(((second!.columnDefinitions as unknown[] | null | undefined) ?? []).length, 0);
  assert.equal(first!.rows[0]!.cells[0], 'table-1');
  assert.equal(second!.rows[0]!.cells[0], 'table-2');
  assert.equal(first!.rows[0]!.cells[1], 1);
  // the row carries the object's metadata (kubectl keys its output by it)
  assert.equal(nameOf(second!.rows[0]!.object), 'table-2');
});
