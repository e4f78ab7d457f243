import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ControllerThread } from '../../src/controllers/thread.js';
import type { ControllerThreadData } from '../../src/controllers/threadprotocol.js';

const ENTRY = new URL('./fixtures/threadentry.js', import.meta.url);

function thread(mode: string, o: { stopTimeoutMs?: number } = {}) {
  const lines: string[] = [];
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const t = new ControllerThread({
    contentType: 'text/plain; version=0.0.4; charset=utf-8',
    log: (l) => lines.push(l),
    entry: ENTRY,
    firstRestartMs: 50,
    ...o,
  });
  const data = { mode, counter } as unknown as ControllerThreadData;
  return { t, lines, started: () => Atomics.load(counter, 0), start: () => t.start(data) };
}

async function until(what: string, f: () => boolean, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !f(); await new Promise((r) => setTimeout(r, 10)))
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
}

test('the controllers thread: its log lines reach serve, /metrics is its registry, a stop ends it', async () => {
  const x = thread('ok');
  assert.equal(await x.t.metrics.render(), '', 'no thread yet: no metrics');
  x.start();
  x.start(); // once only
  await until('the thread', () => x.lines.includes('controllers: thread 1 up'));
  assert.equal(await x.t.metrics.render(), 'threads_started 1\n');
  await x.t.stop();
  assert.equal(await x.t.metrics.render(), '', 'stopped: no metrics');
  assert.equal(x.started(), 1);
  x.start(); // after a stop: not again
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(x.started(), 1);
});

test('a thread that cannot start is reported once and not restarted', async () => {
  const x = thread('failed');
  x.start();
  await until('the report', () => x.lines.some((l) => l.startsWith('the controllers do not run:')));
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(x.started(), 1);
  assert.deepEqual(
    x.lines.filter((l) => l.includes('do not run')),
    ['the controllers do not run: cannot check the permissions: Forbidden'],
  );
  await x.t.stop();
});

test('a thread that dies is restarted, with a growing delay, and the API side keeps going', async () => {
  const x = thread('crash'); // exits twice, then runs
  x.start();
  await until('the third thread', () => x.started() === 3);
  assert.deepEqual(
    x.lines.filter((l) => l.includes('restarting')),
    [
      "the controllers' thread exited (code 3); restarting it in 0.05s",
      "the controllers' thread exited (code 3); restarting it in 0.1s",
    ],
  );
  await until('its metrics', () => x.lines.includes('controllers: thread 3 up'));
  assert.equal(await x.t.metrics.render(), 'threads_started 3\n');
  await x.t.stop();
});

test('a stop while the thread does not answer ends it after the bound, saying so', async () => {
  const x = thread('deaf', { stopTimeoutMs: 200 });
  x.start();
  await until('the thread', () => x.started() === 1);
  const t0 = Date.now();
  await x.t.stop();
  assert.ok(Date.now() - t0 < 2000);
  assert.ok(x.lines.includes('the controllers did not stop within 0.2s: ending their thread'), x.lines.join('\n'));
});

test('a stop before the thread has started anything ends it at once', async () => {
  const x = thread('ok');
  x.start();
  const t0 = Date.now();
  await x.t.stop(); // the thread may not even have run its first line
  assert.ok(Date.now() - t0 < 2000);
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(x.started() <= 1);
  assert.ok(!x.lines.some((l) => l.includes('restarting')), x.lines.join('\n'));
});
