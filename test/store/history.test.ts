import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HistoryWindow } from '../../src/store/history.js';

test('the history window keeps the last windowMs of revisions, and at most maxRevisions', () => {
  let now = 0;
  const w = new HistoryWindow({ windowMs: 60_000, maxRevisions: 1000 }, () => now);
  assert.equal(w.target(10), 0, 'nothing is old enough');
  now = 30_000;
  assert.equal(w.target(50), 0);
  now = 60_000;
  assert.equal(w.target(80), 10, 'the revision that was newest a window ago');
  now = 95_000;
  assert.equal(w.target(100), 50);
  now = 500_000;
  assert.equal(w.target(5000), 4000, 'the count bound when it keeps less');
  now = 561_000;
  assert.equal(w.target(5001), 5000);
});
