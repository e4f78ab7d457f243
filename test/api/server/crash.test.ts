/**
 * Crash safety of `kubetls serve`: `kill -9` during a burst of creates from concurrent
 * keep-alive clients, then a restart on the same data directory. Every create that got a 201
 * is there with the resourceVersion and uid it was acknowledged with; no other object
 * changed (the only extra objects are creates that were in flight, never acknowledged);
 * resourceVersions keep increasing after the restart. Repeated for a few kill points, each
 * on the data the previous one left. The server runs with two worker processes (--workers 2):
 * the primary, which owns the store, is the one killed, and its workers must exit with it.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { freePort } from '../../helpers.js';
import { serve, servePki, type Served } from './harness.js';
import { admin, call, caOf, eventually, fileScope, serverProcesses } from './client.js';

const hooks = fileScope();
const WORKERS = ['--workers', '2'];
let s: Served;
let dir: string;
let port: number;
before(async () => {
  port = await freePort();
  dir = servePki(hooks, port);
  s = await serve(hooks, { dir, port, args: WORKERS });
});

interface Meta {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
}

/** Every stored object the crash must not touch: name → uid@resourceVersion, per collection. */
async function snapshot(exclude: (m: Meta) => boolean): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const path of [
    '/api/v1/namespaces',
    '/api/v1/configmaps',
    '/api/v1/secrets',
    '/apis/rbac.authorization.k8s.io/v1/clusterroles',
    '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
    '/apis/rbac.authorization.k8s.io/v1/roles',
    '/apis/rbac.authorization.k8s.io/v1/rolebindings',
    '/apis/certificates.k8s.io/v1/certificatesigningrequests',
  ]) {
    const r = await call(s, 'GET', path, { as: admin(s) });
    assert.equal(r.status, 200, r.text);
    for (const item of (r.json() as { items: Array<{ metadata: Meta }> }).items) {
      const m = item.metadata;
      if (exclude(m)) continue;
      out.set(`${path} ${m.namespace ?? ''}/${m.name}`, `${m.uid}@${m.resourceVersion}`);
    }
  }
  return out;
}

const BURST_NS = 'default';
const isBurst = (m: Meta) => m.namespace === BURST_NS && m.name.startsWith('burst-');

/** What the burst saw: the creates acknowledged (201) and every name it tried. */
interface Burst {
  acked: Map<string, { uid: string; resourceVersion: string }>;
  tried: Set<string>;
}

/**
 * `clients` keep-alive clients create ConfigMaps as fast as they can; after `killAfter`
 * acknowledged creates the server gets SIGKILL, mid-burst. Resolves when every client stopped.
 */
async function burstAndKill(round: number, clients: number, killAfter: number): Promise<Burst> {
  const b: Burst = { acked: new Map(), tried: new Set() };
  let killed = false;
  const workers = serverProcesses(s.proc.pid!).slice(1);
  assert.equal(workers.length, 2, 'two worker processes serve');
  const id = admin(s);
  const loops = Array.from({ length: clients }, async (_, c) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1, cert: id.cert!, key: id.key!, ca: caOf(s) });
    try {
      for (let i = 0; i < 10_000 && !killed; i++) {
        const name = `burst-${round}-${c}-${i}`;
        b.tried.add(name);
        try {
          const r = await call(s, 'POST', `/api/v1/namespaces/${BURST_NS}/configmaps`, {
            agent,
            body: {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              metadata: { name },
              data: { round: String(round), i: String(i) },
            },
            timeoutMs: 10_000,
          });
          if (r.status === 201) {
            const m = (r.json() as { metadata: Meta }).metadata;
            b.acked.set(name, { uid: m.uid, resourceVersion: m.resourceVersion });
          }
        } catch {
          return; // the connection died with the server
        }
        if (!killed && b.acked.size >= killAfter) {
          killed = true;
          s.proc.kill('SIGKILL');
        }
      }
    } finally {
      agent.destroy();
    }
  });
  await Promise.all(loops);
  assert.ok(killed, 'the server was killed mid-burst');
  await s.stop();
  assert.equal(s.proc.signalCode, 'SIGKILL');
  // no orphan: each worker exits as soon as its IPC channel to the dead primary closes
  const alive = (pid: number) => {
    try {
      // a zombie (exited, not yet reaped by whoever adopted it) is not alive
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
    } catch {
      return false;
    }
  };
  assert.ok(
    await eventually(() => !workers.some(alive), 5000),
    `worker processes outlived the primary: ${workers.filter(alive).join(', ')}`,
  );
  return b;
}

/** One kill point: burst, kill -9, restart, check. */
async function crashRound(round: number, killAfter: number): Promise<void> {
  const before = await snapshot(isBurst);
  const earlier = await snapshot((m) => !isBurst(m));
  const b = await burstAndKill(round, 12, killAfter);
  assert.ok(b.acked.size >= killAfter);

  s = await serve(hooks, { dir, port, args: WORKERS });
  // nothing else changed, and nothing an earlier round stored
  assert.deepEqual(await snapshot(isBurst), before);
  const list = await call(s, 'GET', `/api/v1/namespaces/${BURST_NS}/configmaps`, { as: admin(s) });
  const stored = new Map(
    (list.json() as { items: Array<{ metadata: Meta }> }).items
      .map((i) => i.metadata)
      .filter(isBurst)
      .map((m) => [m.name, m] as const),
  );
  for (const [k, v] of earlier) {
    const name = k.slice(k.lastIndexOf('/') + 1);
    const m = stored.get(name);
    assert.ok(m, `${name} of an earlier round is gone`);
    assert.equal(`${m.uid}@${m.resourceVersion}`, v);
  }
  // every acknowledged create is there, as acknowledged
  let maxRv = 0;
  for (const [name, a] of b.acked) {
    const m = stored.get(name);
    assert.ok(m, `${name} got 201 (resourceVersion ${a.resourceVersion}) and is gone after kill -9`);
    assert.equal(m.uid, a.uid);
    assert.equal(m.resourceVersion, a.resourceVersion);
    maxRv = Math.max(maxRv, Number(a.resourceVersion));
  }
  // the only extra objects are creates that were in flight when the server died
  const extra = [...stored.keys()].filter((n) => n.startsWith(`burst-${round}-`) && !b.acked.has(n));
  for (const n of extra) assert.ok(b.tried.has(n), `${n} was never sent`);
  assert.ok(extra.length <= 12, `${extra.length} unacknowledged creates stored (at most one per client)`);
  for (const m of stored.values()) maxRv = Math.max(maxRv, Number(m.resourceVersion));

  // resourceVersions keep increasing after the restart
  const after = await call(s, 'POST', `/api/v1/namespaces/${BURST_NS}/configmaps`, {
    as: admin(s),
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `after-${round}` } },
  });
  assert.equal(after.status, 201, after.text);
  const rv = Number((after.json() as { metadata: Meta }).metadata.resourceVersion);
  assert.ok(rv > maxRv, `resourceVersion ${rv} after restart is not above ${maxRv}`);
  assert.ok(Number((list.json() as { metadata: { resourceVersion: string } }).metadata.resourceVersion) >= maxRv);
  await call(s, 'DELETE', `/api/v1/namespaces/${BURST_NS}/configmaps/after-${round}`, { as: admin(s) });
}

for (const [round, killAfter] of [
  [1, 5],
  [2, 60],
  [3, 200],
] as const)
  test(`kill -9 after ${killAfter} acknowledged creates (12 concurrent clients), restart: nothing acknowledged lost, nothing else changed`, async () => {
    await crashRound(round, killAfter);
  });
