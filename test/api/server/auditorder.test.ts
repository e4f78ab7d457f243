/**
 * When the audit event of a write is written: before its response, and synced. Shown two
 * ways against a real `kubetls serve --audit-log-path`: strace of the server (the event's
 * write(2) and its fdatasync come before the first byte of the response reaches the socket),
 * and kill -9 in the middle of a burst of creates (every create a client saw acknowledged
 * with 201 has its event in the log afterwards).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Agent } from 'node:https';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, hasCommand, tmpDir } from '../../helpers.js';
import { serve, servePki } from './harness.js';
import { admin, call } from './client.js';

const configMap = (name: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default' },
  data: { a: 'b' },
});

const auditLines = (path: string): Array<{ objectRef?: { name?: string }; responseStatus: { code: number } }> =>
  existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { objectRef?: { name?: string }; responseStatus: { code: number } })
    : [];

test(
  'strace: the audit event is written and fdatasync-ed before the response leaves',
  { skip: hasCommand('strace') ? false : 'strace is not installed' },
  async (t) => {
    const port = await freePort();
    const dir = servePki(t, port);
    const auditPath = join(dir, 'audit.log');
    const s = await serve(t, { dir, port, args: ['--audit-log-path', auditPath] });
    // one kept-alive connection, its TLS handshake (and TLS 1.3 session tickets) done before tracing
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    t.after(() => agent.destroy());
    assert.equal((await call(s, 'GET', '/version', { as: admin(s), agent })).status, 200);
    const out = join(tmpDir('strace-', t), 'trace.txt');
    const tracer = spawn(
      'strace',
      ['-f', '-yy', '-s', '4096', '-e', 'trace=read,write,writev,fdatasync', '-p', String(s.proc.pid), '-o', out],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let traceErr = '';
    tracer.stderr.on('data', (c: Buffer) => (traceErr += c.toString()));
    t.after(() => {
      if (tracer.exitCode === null) tracer.kill('SIGKILL');
    });
    for (let i = 0; i < 100 && !/attached/.test(traceErr) && tracer.exitCode === null; i++)
      await new Promise((r) => setTimeout(r, 50));
    if (!/attached/.test(traceErr)) {
      t.skip(`strace cannot attach here: ${traceErr.trim().slice(0, 200)}`);
      return;
    }

    const r = await call(s, 'POST', '/api/v1/namespaces/default/configmaps', {
      as: admin(s),
      body: configMap('traced-write'),
      agent,
    });
    assert.equal(r.status, 201, r.text);
    await new Promise((r2) => setTimeout(r2, 300));
    const exited = new Promise((resolve) => tracer.on('exit', resolve));
    tracer.kill('SIGINT');
    await exited;

    const lines = readFileSync(out, 'utf8').split('\n');
    const auditWrite = lines.findIndex((l) => /write\(\d+<[^>]*audit\.log>/.test(l) && l.includes('traced-write'));
    assert.ok(auditWrite > 0, `no audit write in the trace:\n${lines.slice(-40).join('\n').slice(0, 3000)}`);
    // the sync's completion: a whole line, or the "resumed" half of one the thread pool split
    const synced = lines.findIndex(
      (l, i) =>
        i > auditWrite &&
        (/fdatasync\(\d+<[^>]*audit\.log>\)\s+= 0/.test(l) || /<\.\.\. fdatasync resumed>.*= 0/.test(l)),
    );
    assert.ok(synced > auditWrite, 'the audit line is synced');
    const tcp = new RegExp(`^\\d+\\s+(read|write|writev)\\(\\d+<TCP:\\[127\\.0\\.0\\.1:${s.port}->`);
    // the request's last read before the event, then no response byte until the sync has returned
    const requestRead = lines.findLastIndex((l, i) => i < auditWrite && tcp.test(l) && /^\d+\s+read/.test(l));
    assert.ok(requestRead >= 0);
    const early = lines.slice(requestRead + 1, synced).filter((l) => tcp.test(l) && /^\d+\s+write/.test(l));
    assert.deepEqual(early, [], 'no response byte before the audit event is on disk');
    assert.ok(
      lines.slice(synced + 1).some((l) => tcp.test(l) && /^\d+\s+write/.test(l)),
      'the response follows the sync',
    );
  },
);

test('kill -9 during a burst of creates: every create acknowledged with 201 has its audit event', async (t) => {
  const port = await freePort();
  const dir = servePki(t, port);
  const auditPath = join(dir, 'audit.log');
  const s = await serve(t, { dir, port, args: ['--audit-log-path', auditPath] });
  const acknowledged: string[] = [];
  let killed = false;
  const create = async (i: number): Promise<void> => {
    const name = `burst-${i}`;
    try {
      const r = await call(s, 'POST', '/api/v1/namespaces/default/configmaps', {
        as: admin(s),
        body: configMap(name),
        timeoutMs: 5000,
      });
      if (r.status === 201) acknowledged.push(name);
      if (acknowledged.length >= 15 && !killed) {
        killed = true;
        s.proc.kill('SIGKILL');
      }
    } catch {
      // the connection died with the server: not acknowledged
    }
  };
  const all: Array<Promise<void>> = [];
  for (let i = 0; i < 80; i++) {
    all.push(create(i));
    if (i % 8 === 7) await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(all);
  assert.ok(killed, `the burst finished before the kill (${acknowledged.length} acknowledged)`);
  await new Promise((r) =>
    s.proc.exitCode !== null || s.proc.signalCode !== null ? r(undefined) : s.proc.on('exit', r),
  );
  const logged = new Map(auditLines(auditPath).map((e) => [e.objectRef?.name, e.responseStatus.code]));
  for (const name of acknowledged) assert.equal(logged.get(name), 201, `${name} was acknowledged but not audited`);
});
