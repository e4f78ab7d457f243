import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeContinue, encodeContinue } from '../../src/store/continue.js';

test('a continue token carries the revision and the last key, relative to the prefix, in kube-apiserver’s shape', () => {
  const t = encodeContinue(42, '/core/secrets/', '/core/secrets/ns/a');
  assert.deepEqual(JSON.parse(Buffer.from(t, 'base64url').toString()), { v: 'meta.k8s.io/v1', rv: 42, start: 'ns/a' });
  assert.deepEqual(decodeContinue(t, '/core/secrets/'), { revision: 42, after: '/core/secrets/ns/a' });
});

test('hostile continue tokens are BadRequest with one clear line', () => {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const bad = [
    '',
    'x'.repeat(5000),
    'a b',
    '!!!!',
    Buffer.from('{').toString('base64url'),
    enc(null),
    enc([]),
    enc({ v: 'meta.k8s.io/v1', rv: 0, start: 'a' }),
    enc({ v: 'meta.k8s.io/v1', rv: 1.5, start: 'a' }),
    enc({ v: 'meta.k8s.io/v1', rv: 2 ** 60, start: 'a' }),
    enc({ v: 'meta.k8s.io/v1', rv: 1, start: '' }),
    enc({ v: 'meta.k8s.io/v1', rv: 1, start: 'a\0' }),
    enc({ v: 'meta.k8s.io/v1', rv: 1, start: 7 }),
    enc({ v: 'v2', rv: 1, start: 'a' }),
  ];
  for (const t of bad)
    assert.throws(
      () => decodeContinue(t, '/core/secrets/'),
      (e: unknown) =>
        (e as { code?: string }).code === 'BadRequest' && /^continue key is not valid: /.test((e as Error).message),
      t.slice(0, 30),
    );
});
