import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecentRows } from '../../src/store/rowcache.js';

test('RecentRows: a record answers with its object, a head-only record does not', () => {
  const r = new RecentRows(10, 1000);
  r.note('/a', 5, false, '{"a":1}');
  assert.deepEqual(r.row('/a'), { rev: 5, deleted: false, value: '{"a":1}' });
  r.note('/b', 6, false, undefined);
  assert.equal(r.row('/b'), undefined, 'the revision alone is no object');
  assert.deepEqual(r.get('/b'), { rev: 6, deleted: false, value: undefined });
  // the same revision read with its value completes the record
  r.note('/b', 6, false, '{"b":2}');
  assert.deepEqual(r.row('/b'), { rev: 6, deleted: false, value: '{"b":2}' });
  // a deletion is known without a value
  r.note('/a', 7, true, '');
  assert.deepEqual(r.row('/a'), { rev: 7, deleted: true, value: '' });
  assert.deepEqual(r.size(), { keys: 2, bytes: 7 });
});

test('RecentRows: a read that raced a newer commit never takes the record back', () => {
  const r = new RecentRows(10, 1000);
  r.note('/a', 9, false, '{"new":true}');
  r.note('/a', 8, false, '{"old":true}');
  assert.equal(r.row('/a')?.value, '{"new":true}');
  r.note('/a', 9, false, undefined);
  assert.equal(r.row('/a')?.value, '{"new":true}', 'a head-only note of the same revision keeps the value');
});

test('RecentRows: bounded by keys and by value characters, the oldest noted goes first', () => {
  const r = new RecentRows(3, 20);
  r.note('/1', 1, false, 'x'.repeat(5));
  r.note('/2', 2, false, 'x'.repeat(5));
  r.note('/3', 3, false, 'x'.repeat(5));
  r.note('/4', 4, false, 'x'.repeat(5));
  assert.equal(r.get('/1'), undefined, 'four keys > three');
  assert.deepEqual(r.size(), { keys: 3, bytes: 15 });
  r.note('/2', 5, false, 'x'.repeat(5)); // written again: now the newest
  r.note('/5', 6, false, 'x'.repeat(11)); // 26 > 20: the oldest (/3) goes, then /4
  assert.equal(r.get('/3'), undefined);
  assert.equal(r.get('/4'), undefined);
  assert.ok(r.get('/2') && r.get('/5'));
  assert.deepEqual(r.size(), { keys: 2, bytes: 16 });
  r.note('/big', 7, false, 'x'.repeat(21));
  assert.equal(r.get('/big'), undefined, 'a value larger than the whole budget is not kept');
  assert.deepEqual(r.size(), { keys: 2, bytes: 16 });
});

test('RecentRows: a newer value replaces the old one in the count', () => {
  const r = new RecentRows(10, 100);
  r.note('/a', 1, false, 'x'.repeat(40));
  r.note('/a', 2, false, 'x'.repeat(10));
  assert.deepEqual(r.size(), { keys: 1, bytes: 10 });
  r.note('/a', 3, true, '');
  assert.deepEqual(r.size(), { keys: 1, bytes: 0 });
});
