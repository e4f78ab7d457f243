import assert from 'node:assert/strict';
import { test } from 'node:test';
import { internCsr, StringPool } from '../../../src/controllers/framework/intern.js';

const csr = (i: number) => ({
  apiVersion: 'certificates.k8s.io/v1',
  kind: 'CertificateSigningRequest',
  metadata: { name: `csr-${i}` },
  spec: {
    request: `UkVRVUVTVC0${i}`,
    signerName: 'example.com/serving',
    usages: ['digital signature', 'key encipherment', 'server auth'],
    username: 'system:node:n1',
    groups: ['system:nodes', 'system:authenticated'],
    extra: { scopes: ['a', 'b'] },
  },
  status: { conditions: [{ type: 'Approved', status: 'True', reason: 'AutoApproved', message: `by rule ${i % 2}` }] },
});

test('internCsr keeps every value (the cached object is the same CSR) and pools only the repeated fields', () => {
  const pool = new StringPool();
  const objs = Array.from({ length: 50 }, (_, i) => csr(i));
  const usages = objs[0]!.spec.usages;
  for (const o of objs) internCsr(o, pool);
  assert.deepEqual(
    objs,
    Array.from({ length: 50 }, (_, i) => csr(i)),
  );
  assert.notEqual(objs[0]!.spec.usages, usages, 'lists are replaced by shared copies');
  assert.equal(objs[0]!.spec.usages, objs[1]!.spec.usages, 'one copy of each list');
  assert.ok(Object.isFrozen(objs[0]!.spec.usages), 'a shared list cannot be changed through one CSR');
  assert.throws(() => objs[0]!.spec.usages.push('x'));
  // apiVersion, kind, signerName, 3 usages, username, 2 groups, 2 extra values, Approved, True,
  // AutoApproved, 2 messages: names and requests are not pooled
  assert.equal(pool.size, 16);
});

test('internCsr leaves absent fields absent and tolerates odd shapes', () => {
  const pool = new StringPool();
  const bare: Record<string, unknown> = { metadata: { name: 'x' }, spec: { usages: 'not-an-array' }, status: {} };
  internCsr(bare, pool);
  assert.deepEqual(bare, { metadata: { name: 'x' }, spec: { usages: 'not-an-array' }, status: {} });
  assert.ok(!('apiVersion' in bare));
  internCsr({}, pool);
  assert.equal(pool.size, 0);
});

test('the pool is bounded: past its size new values pass through unpooled', () => {
  const pool = new StringPool(3);
  for (let i = 0; i < 10; i++) assert.equal(pool.intern(`v${i}`), `v${i}`);
  assert.equal(pool.size, 3);
  assert.equal(pool.intern(7), 7);
  assert.equal(pool.intern(undefined), undefined);
});

test('internList shares only lists of strings with the same items in the same order', () => {
  const pool = new StringPool();
  const a = pool.internList(['x', 'y']);
  assert.equal(pool.internList(['x', 'y']), a);
  assert.notEqual(pool.internList(['y', 'x']), a);
  assert.notEqual(pool.internList(['x\u0000y']), a, 'the separator cannot make two lists one');
  assert.deepEqual(pool.internList(['x\u0000y']), ['x\u0000y']);
  assert.deepEqual(pool.internList(['a\u0000b', 'c']), ['a\u0000b', 'c']);
  assert.deepEqual(pool.internList(['a', 'b\u0000c']), ['a', 'b\u0000c']);
  assert.deepEqual(pool.internList(['a","b']), ['a","b']);
  assert.deepEqual(pool.internList(['a', 'b']), ['a', 'b']);
  const mixed = ['x', 1];
  assert.equal(pool.internList(mixed), mixed, 'not a list of strings: left as it is');
  assert.equal(pool.internList('x'), 'x');
  const small = new StringPool(1);
  small.internList(['a']);
  const b = small.internList(['b']);
  assert.notEqual(small.internList(['b']), b, 'past the bound, lists are copied, not pooled');
});
