/**
 * Graceful stop of a real `kubetls serve`: SIGTERM with open watches, a write whose body is
 * still arriving and a burst of creates from concurrent clients. The watches end, the write in
 * flight completes (201), the process exits 0 within a few seconds, and after a restart every
 * acknowledged write is there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { Agent } from 'node:https';
import { freePort } from '../../helpers.js';
import { serve, servePki } from './harness.js';
import { admin, call, caOf, watch, type Answer } from './client.js';

const CMS = '/api/v1/namespaces/default/configmaps';

for (const workers of ['0', '2'])
  test(`SIGTERM (--workers ${workers}): watches end, in-flight writes complete and are durable, exit 0 within a few seconds`, async (t) => {
    const port = await freePort();
    const dir = servePki(t, port);
    const s = await serve(t, { dir, port, args: ['--workers', workers] });
    const as = admin(s);

    // three watches: from now, with the initial list, and as a Table
    const rv = ((await call(s, 'GET', CMS, { as })).json() as { metadata: { resourceVersion: string } }).metadata
      .resourceVersion;
    const watches = await Promise.all([
      watch(s, `${CMS}?watch=1&resourceVersion=${rv}`, { as }),
      watch(s, `${CMS}?watch=1`, { as }),
      watch(s, `${CMS}?watch=1&resourceVersion=${rv}`, {
        as,
        headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
      }),
    ]);

    // a write whose headers and half its body are in when SIGTERM arrives
    const body = JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'in-flight' },
      data: { x: 'y' },
    });
    const slow: TLSSocket = await new Promise((resolve, reject) => {
      const c = tlsConnect({ host: '127.0.0.1', port, ca: caOf(s), cert: as.cert!, key: as.key! }, () => resolve(c));
      c.on('error', reject);
    });
    let slowAnswer = '';
    slow.on('data', (d: Buffer) => (slowAnswer += d.toString()));
    const slowClosed = new Promise<void>((resolve) => slow.on('close', () => resolve()));
    slow.write(
      `POST ${CMS} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 20)}`,
    );

    // a burst of creates from 6 keep-alive clients, running across the SIGTERM
    const acked: string[] = [];
    let stop = false;
    const burst = Array.from({ length: 6 }, async (_, c) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1, cert: as.cert!, key: as.key!, ca: caOf(s) });
      try {
        for (let i = 0; i < 2000 && !stop; i++) {
          const name = `term-${c}-${i}`;
          let r: Answer;
          try {
            r = await call(s, 'POST', CMS, {
              agent,
              body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } },
            });
          } catch {
            return; // refused or reset once the server stopped accepting
          }
          if (r.status === 201) acked.push(name);
          else if (r.status !== 201) return;
        }
      } finally {
        agent.destroy();
      }
    });
    while (acked.length < 30) await new Promise((r) => setTimeout(r, 10));

    const start = Date.now();
    s.proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 150));
    slow.write(body.slice(20));
    const exit = await new Promise<number | null>((resolve) => s.proc.on('exit', (code) => resolve(code)));
    const took = Date.now() - start;
    stop = true;
    await Promise.all(burst);

    assert.equal(exit, 0, s.log());
    assert.ok(took < 5000, `exit took ${took} ms`);
    assert.match(s.log(), /SIGTERM: stopping/);
    for (const w of watches) {
      await w.end(1000);
      assert.ok(w.ended);
    }
    await slowClosed;
    assert.match(slowAnswer, /^HTTP\/1\.1 201 Created/, slowAnswer);
    assert.match(slowAnswer, /Connection: close/i);

    // everything acknowledged is there after a restart, the in-flight write included
    const again = await serve(t, { dir, port, args: ['--workers', workers] });
    const list = await call(again, 'GET', CMS, { as });
    const names = new Set(
      (list.json() as { items: Array<{ metadata: { name: string } }> }).items.map((i) => i.metadata.name),
    );
    assert.ok(names.has('in-flight'));
    for (const n of acked) assert.ok(names.has(n), `${n} got 201 before the stop and is gone`);
  });

const LEASE = '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kubetls-controller-manager';

for (const workers of ['0', '2'])
  test(`SIGTERM (--workers ${workers}) while the embedded controllers are still starting: a clean exit 0, nothing misleading said`, async (t) => {
    // serve() returns at the first /readyz 200: the controllers' thread is then loading or
    // checking its permissions, and the stop must end it wherever it is
    const s = await serve(t, { args: ['--controllers=*', '--workers', workers] });
    const start = Date.now();
    const exit = await s.stop();
    assert.equal(exit, 0, s.log());
    assert.ok(Date.now() - start < 5000, `exit took ${Date.now() - start} ms`);
    assert.doesNotMatch(s.log(), /do not run|ECONNREFUSED|failed|restarting/, s.log());
  });

test('SIGTERM with the embedded controllers leading: their thread releases the lease before the API stops', async (t) => {
  const port = await freePort();
  const dir = servePki(t, port);
  const s = await serve(t, { dir, port, args: ['--controllers=csrcleaner', '--leader-elect'] });
  const as = admin(s);
  for (let i = 0; !/controllers started/.test(s.log()); i++) {
    assert.ok(i < 300, `the controllers did not start: ${s.log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const held = (await call(s, 'GET', LEASE, { as })).json() as { spec: { holderIdentity?: string } };
  assert.ok(held.spec.holderIdentity, 'the lease is held while leading');
  assert.equal(await s.stop(), 0, s.log());

  const again = await serve(t, { dir, port, args: ['--controllers='] });
  const released = (await call(again, 'GET', LEASE, { as })).json() as { spec: { holderIdentity?: string } };
  assert.ok(!released.spec.holderIdentity, `released on stop: ${JSON.stringify(released)}`);
});
