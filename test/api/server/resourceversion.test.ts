/**
 * Reads at a resourceVersion the store has not reached, and invalid continue tokens, against
 * a real `kubetls serve`, answered as kube-apiserver answers them: a LIST or GET waits up to
 * 3 s and then gets 504 `Timeout: Too large resource version` (ResourceVersionTooLarge,
 * Retry-After: 1); a WATCH from a future resourceVersion waits for the changes after it; a
 * WATCH with sendInitialEvents ends with that 504 as an ERROR event; a bad continue token is
 * a 400 `invalid continue token: continue key is not valid: …`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrManifest, serve, type Served } from './harness.js';
import { admin, call, watch } from './client.js';
import { parse } from 'yaml';

const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';

const currentRevision = async (s: Served): Promise<number> =>
  Number(
    ((await call(s, 'GET', CSRS, { as: admin(s) })).json().metadata as { resourceVersion: string }).resourceVersion,
  );

const createCsr = (s: Served, name: string) =>
  call(s, 'POST', CSRS, { as: admin(s), body: parse(csrManifest(name)) as object });

function assertTooLarge(st: Record<string, unknown>, rv: number, current: number): void {
  assert.equal(st.kind, 'Status');
  assert.equal(st.code, 504);
  assert.equal(st.reason, 'Timeout');
  assert.equal(st.message, `Timeout: Too large resource version: ${rv}, current: ${current}`);
  assert.deepEqual(st.details, {
    retryAfterSeconds: 1,
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
  });
}

test('LIST and GET at a resourceVersion not reached: 3 s of waiting, then 504 ResourceVersionTooLarge with Retry-After', async (t) => {
  const s = await serve(t);
  assert.equal((await createCsr(s, 'rv-a')).status, 201);
  const now = await currentRevision(s);
  const future = now + 5;
  const started = Date.now();
  const [list, get] = await Promise.all([
    call(s, 'GET', `${CSRS}?resourceVersion=${future}`, { as: admin(s) }),
    call(s, 'GET', `${CSRS}/rv-a?resourceVersion=${future}`, { as: admin(s) }),
  ]);
  const waited = Date.now() - started;
  assert.ok(waited >= 2900 && waited < 8000, `waited ${waited} ms`);
  for (const r of [list, get]) {
    assert.equal(r.status, 504, r.text);
    assert.equal(r.headers['retry-after'], '1');
    assertTooLarge(r.json(), future, now);
  }
});

test('a LIST at the next resourceVersion is answered as soon as a write reaches it', async (t) => {
  const s = await serve(t);
  const now = await currentRevision(s);
  const pending = call(s, 'GET', `${CSRS}?resourceVersion=${now + 1}`, { as: admin(s) });
  await new Promise((r) => setTimeout(r, 300));
  const started = Date.now();
  assert.equal((await createCsr(s, 'rv-b')).status, 201);
  const r = await pending;
  assert.equal(r.status, 200, r.text);
  assert.ok(Date.now() - started < 2500);
  const list = r.json() as { metadata: { resourceVersion: string }; items: Array<{ metadata: { name: string } }> };
  assert.ok(Number(list.metadata.resourceVersion) >= now + 1);
  assert.deepEqual(
    list.items.map((i) => i.metadata.name),
    ['rv-b'],
  );
});

test('WATCH from a future resourceVersion waits for the changes after it; with sendInitialEvents it ends with the 504', async (t) => {
  const s = await serve(t);
  const now = await currentRevision(s);
  const plain = await watch(s, `${CSRS}?watch=1&resourceVersion=${now + 1}`, { as: admin(s) });
  t.after(() => plain.close());
  assert.equal(plain.status, 200);
  const initial = await watch(
    s,
    `${CSRS}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&resourceVersion=${now + 50}`,
    { as: admin(s) },
  );
  t.after(() => initial.close());
  assert.equal(initial.status, 200);
  // the plain watch delivers what comes after its resourceVersion: rv-c is at now+1, rv-d after it
  assert.equal((await createCsr(s, 'rv-c')).status, 201);
  assert.equal((await createCsr(s, 'rv-d')).status, 201);
  await plain.until((e) => e.type === 'ADDED' && (e.object.metadata as { name: string }).name === 'rv-d');
  assert.deepEqual(
    plain.events.map((e) => (e.object.metadata as { name: string }).name),
    ['rv-d'],
  );
  // the watch-list one gives up after ~3 s: one ERROR event with kube's 504, then the end
  await initial.end(8000);
  assert.equal(initial.events.length, 1, JSON.stringify(initial.events));
  assert.equal(initial.events[0]!.type, 'ERROR');
  assertTooLarge(initial.events[0]!.object, now + 50, now + 2);
});

test("an invalid continue token: 400 in kube-apiserver's words", async (t) => {
  const s = await serve(t);
  const get = (q: string) => call(s, 'GET', `${CSRS}?${q}`, { as: admin(s) });
  const cases: Array<[string, string]> = [
    [
      'limit=1&continue=garbage!',
      'invalid continue token: continue key is not valid: illegal base64 data at input byte 7',
    ],
    [
      `limit=1&continue=${Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: 0, start: 'x' })).toString('base64url')}`,
      'invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    ],
    [
      `limit=1&continue=${Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: 2, start: '../../core/secrets/kube-system/x' })).toString('base64url')}`,
      'invalid continue token: continue key is not valid: ../../core/secrets/kube-system/x',
    ],
    ['limit=1&continue=abc&resourceVersion=5', 'specifying resource version is not allowed when using continue'],
  ];
  for (const [q, message] of cases) {
    const r = await get(q);
    assert.equal(r.status, 400, r.text);
    const st = r.json();
    assert.equal(st.reason, 'BadRequest');
    assert.equal(st.message, message);
  }
});
