import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/controllers/framework/clock.js';
import { WorkQueue } from '../../../src/controllers/framework/queue.js';
import {
  BucketRateLimiter,
  ItemExponentialRateLimiter,
  defaultRateLimiter,
} from '../../../src/controllers/framework/ratelimit.js';

const q = (clock = new FakeClock()) => new WorkQueue('test', clock);

test('a key queued twice while waiting is queued once, in first-added order', async () => {
  const wq = q();
  wq.add('a');
  wq.add('b');
  wq.add('a');
  assert.equal(wq.len(), 2);
  assert.equal(await wq.get(), 'a');
  assert.equal(await wq.get(), 'b');
  assert.equal(wq.len(), 0);
});

test('a key is never handed to two workers: added while processing, it comes back after done', async () => {
  const wq = q();
  wq.add('a');
  const k = await wq.get();
  assert.equal(k, 'a');
  wq.add('a'); // dirty while processing
  wq.add('a');
  assert.equal(wq.len(), 0, 'not queued while a worker holds it');
  let second: string | undefined;
  void wq.get().then((x) => (second = x));
  await new Promise((r) => setImmediate(r));
  assert.equal(second, undefined, 'a waiting worker does not get it meanwhile');
  wq.done('a');
  await new Promise((r) => setImmediate(r));
  assert.equal(second, 'a', 'queued again (once) after done');
  wq.done('a');
  assert.equal(wq.len(), 0);
});

test('a key not re-added while processing is not queued again by done', async () => {
  const wq = q();
  wq.add('a');
  await wq.get();
  wq.done('a');
  assert.equal(wq.len(), 0);
});

test('waiting workers get keys as they are added; shutDown wakes them with undefined and ignores later adds', async () => {
  const wq = q();
  const got: Array<string | undefined> = [];
  const w1 = wq.get().then((k) => got.push(k));
  const w2 = wq.get().then((k) => got.push(k));
  wq.add('x');
  await w1;
  assert.deepEqual(got, ['x']);
  wq.shutDown();
  await w2;
  assert.deepEqual(got, ['x', undefined]);
  wq.add('y');
  assert.equal(wq.len(), 0);
  assert.equal(await wq.get(), undefined);
});

test('addRateLimited: per-key exponential backoff on the clock; forget resets it', async () => {
  const clock = new FakeClock();
  const wq = new WorkQueue('test', clock, new ItemExponentialRateLimiter(200, 1000_000));
  const delays: number[] = [];
  for (let i = 0; i < 4; i++) {
    const before = clock.now().getTime();
    wq.addRateLimited('k');
    assert.equal(wq.len(), 0, 'not queued before its delay');
    // step until it appears
    let waited = 0;
    while (wq.len() === 0) {
      await clock.advance(50);
      waited += 50;
      assert.ok(waited < 10_000);
    }
    delays.push(clock.now().getTime() - before);
    assert.equal(await wq.get(), 'k');
    wq.done('k');
  }
  assert.deepEqual(delays, [200, 400, 800, 1600]);
  assert.equal(wq.numRequeues('k'), 4);
  wq.forget('k');
  assert.equal(wq.numRequeues('k'), 0);
  wq.addRateLimited('k');
  await clock.advance(199);
  assert.equal(wq.len(), 0);
  await clock.advance(1);
  assert.equal(wq.len(), 1);
});

test('exponential backoff is capped', () => {
  const l = new ItemExponentialRateLimiter(200, 1000_000);
  let last = 0;
  for (let i = 0; i < 40; i++) last = l.when('k');
  assert.equal(last, 1000_000);
  assert.equal(l.when('other'), 200, 'keys back off independently');
});

test('addAfter: the earliest pending add for a key wins; shutDown cancels pending adds', async () => {
  const clock = new FakeClock();
  const wq = new WorkQueue('test', clock);
  wq.addAfter('k', 1000);
  wq.addAfter('k', 5000); // later: ignored
  wq.addAfter('k', 300); // earlier: replaces
  await clock.advance(300);
  assert.equal(wq.len(), 1);
  assert.equal(await wq.get(), 'k');
  wq.done('k');
  await clock.advance(5000);
  assert.equal(wq.len(), 0, 'the superseded timers never fire');
  wq.addAfter('z', 100);
  wq.shutDown();
  assert.equal(clock.pending(), 0);
});

test('the token bucket allows a burst, then spaces retries at qps', () => {
  const clock = new FakeClock();
  const b = new BucketRateLimiter(10, 100, clock);
  for (let i = 0; i < 100; i++) assert.equal(b.when(), 0);
  assert.equal(b.when(), 100, 'the 101st waits one token (100 ms at 10 qps)');
  assert.equal(b.when(), 200);
  const d = defaultRateLimiter(clock);
  assert.equal(d.when('fresh'), 200, 'the default is the larger of both: 200 ms for a first failure');
});
