/**
 * `kubetls serve --workers 2` against real clients: every request below opens a new TLS
 * connection, so node:cluster spreads them over both worker processes, and each check runs
 * many times. A write acknowledged on one connection is seen by the next request on another
 * — a get, a list at its resourceVersion, an authorization decision (RBAC granted, then
 * revoked), open watches; concurrent updates of one key through different workers lose
 * nothing (compare-and-swap at the primary); a killed worker is replaced while the others serve.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { serve, type Served } from './harness.js';
import {
  admin,
  call,
  eventually,
  fileScope,
  issueClientCert,
  serverProcesses,
  watch,
  type Identity,
  type WatchStream,
} from './client.js';

const hooks = fileScope();
let s: Served;
before(async () => {
  s = await serve(hooks, { args: ['--workers', '2'] });
});

const CM = '/api/v1/namespaces/default/configmaps';
const RBAC = '/apis/rbac.authorization.k8s.io/v1/namespaces/default';
const rvOf = (r: { json(): Record<string, unknown> }) =>
  (r.json() as { metadata: { resourceVersion: string } }).metadata.resourceVersion;

test('--workers 2: two worker processes serve the port, and /readyz checks the primary', async () => {
  assert.equal(serverProcesses(s.proc.pid!).length, 3);
  const r = await call(s, 'GET', '/readyz?verbose', { as: admin(s) });
  assert.equal(r.status, 200, r.text);
  assert.match(r.text, /\[\+\]primary ok/);
});

test('a write acknowledged on one connection is seen at once by gets, lists and watches on others', async () => {
  const as = admin(s);
  // watches opened first, on their own connections (so on both workers): each must see every create
  const watches: WatchStream[] = [];
  for (let i = 0; i < 4; i++) watches.push(await watch(s, `${CM}?watch=1&labelSelector=test%3Dvisible`, { as }));
  try {
    const N = 30;
    const rvs: string[] = [];
    for (let i = 0; i < N; i++) {
      const made = await call(s, 'POST', CM, {
        as,
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `visible-${i}`, labels: { test: 'visible' } } },
      });
      assert.equal(made.status, 201, made.text);
      const rv = rvOf(made);
      rvs.push(rv);
      const got = await call(s, 'GET', `${CM}/visible-${i}`, { as });
      assert.equal(got.status, 200, `get ${i} right after its create: ${got.text}`);
      assert.equal(rvOf(got), rv);
      // a list at exactly the create's revision, on yet another connection
      const at = await call(
        s,
        'GET',
        `${CM}?resourceVersion=${rv}&resourceVersionMatch=Exact&labelSelector=test%3Dvisible`,
        {
          as,
        },
      );
      assert.equal(at.status, 200, at.text);
      assert.equal((at.json() as { items: unknown[] }).items.length, i + 1);
    }
    for (const w of watches) {
      await w.until((e) => (e.object as { metadata: { name: string } }).metadata.name === `visible-${N - 1}`, 10_000);
      const seen = w.events
        .filter((e) => e.type === 'ADDED')
        .map((e) => (e.object as { metadata: { resourceVersion: string } }).metadata.resourceVersion);
      assert.deepEqual(seen, rvs, 'every create, once, in order');
    }
  } finally {
    for (const w of watches) w.close();
  }
});

test('RBAC granted on one connection authorizes the next request on another; revoked, it refuses it', async () => {
  const as = admin(s);
  const user: Identity = issueClientCert(s, '/CN=worker-test-user');
  const role = await call(s, 'POST', `${RBAC}/roles`, {
    as,
    body: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'cm-reader' },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
    },
  });
  assert.equal(role.status, 201, role.text);
  for (let i = 0; i < 10; i++) {
    const denied = await call(s, 'GET', CM, { as: user });
    assert.equal(denied.status, 403, `round ${i}, before the binding: ${denied.text}`);
    const rb = await call(s, 'POST', `${RBAC}/rolebindings`, {
      as,
      body: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'cm-reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cm-reader' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'worker-test-user' }],
      },
    });
    assert.equal(rb.status, 201, rb.text);
    // two requests: two connections, both workers
    for (let j = 0; j < 2; j++) {
      const allowed = await call(s, 'GET', CM, { as: user });
      assert.equal(allowed.status, 200, `round ${i}.${j}, right after the binding: ${allowed.text}`);
    }
    const del = await call(s, 'DELETE', `${RBAC}/rolebindings/cm-reader`, { as });
    assert.equal(del.status, 200, del.text);
    for (let j = 0; j < 2; j++) {
      const again = await call(s, 'GET', CM, { as: user });
      assert.equal(again.status, 403, `round ${i}.${j}, right after the binding was deleted: ${again.text}`);
    }
  }
});

test('concurrent patches of one object through both workers: no lost update, every answer its own resourceVersion', async () => {
  const as = admin(s);
  const made = await call(s, 'POST', CM, {
    as,
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'race' }, data: {} },
  });
  assert.equal(made.status, 201, made.text);
  const N = 40;
  const answers = await Promise.all(
    Array.from({ length: N }, (_, i) =>
      call(s, 'PATCH', `${CM}/race`, {
        as,
        contentType: 'application/merge-patch+json',
        body: { data: { [`k${i}`]: String(i) } },
      }),
    ),
  );
  for (const a of answers) assert.equal(a.status, 200, a.text);
  const rvs = answers.map(rvOf);
  assert.equal(new Set(rvs).size, N, 'each 200 has a distinct resourceVersion');
  const final = await call(s, 'GET', `${CM}/race`, { as });
  const data = (final.json() as { data: Record<string, string> }).data;
  assert.deepEqual(
    Object.keys(data).sort(),
    Array.from({ length: N }, (_, i) => `k${i}`).sort(),
    'the object reflects every patch',
  );
  assert.equal(rvOf(final), String(Math.max(...rvs.map(Number))));
});

test('a worker killed with SIGKILL is replaced, and the server keeps answering meanwhile', async () => {
  const as = admin(s);
  const [, victim] = serverProcesses(s.proc.pid!);
  assert.ok(victim);
  process.kill(victim, 'SIGKILL');
  // the other worker answers every request (a connection the dead one accepted may fail)
  let ok = 0;
  for (let i = 0; i < 20; i++) {
    const r = await call(s, 'GET', '/api/v1/namespaces/default', { as }).catch(() => undefined);
    if (r?.status === 200) ok++;
  }
  assert.ok(ok >= 18, `${ok} of 20 requests answered while a worker was replaced`);
  assert.ok(
    await eventually(() => {
      const ps = serverProcesses(s.proc.pid!);
      return ps.length === 3 && !ps.includes(victim);
    }, 10_000),
    'a new worker replaced the killed one',
  );
  assert.match(s.log(), new RegExp(`worker ${victim} exited \\(SIGKILL\\)`));
  // and it serves: writes through every worker
  for (let i = 0; i < 6; i++) {
    const r = await call(s, 'POST', CM, {
      as,
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `after-kill-${i}` } },
    });
    assert.equal(r.status, 201, r.text);
  }
});
