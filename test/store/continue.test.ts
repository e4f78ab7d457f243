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
        (e as { code?: string }).code === 'BadRequest' &&
        /^invalid continue token: continue key is not valid: /.test((e as Error).message),
      t.slice(0, 30),
    );
});

test('an invalid token is worded as kube-apiserver words it (apiserver storage/continue.go)', () => {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const message = (t: string): string => {
    try {
      decodeContinue(t, '/core/secrets/');
    } catch (e) {
      return (e as Error).message;
    }
    return 'accepted';
  };
  const cases: Array<[string, string]> = [
    ['garbage!', 'illegal base64 data at input byte 7'],
    ['abcde', 'illegal base64 data at input byte 4'],
    ['YQ==', 'illegal base64 data at input byte 2'],
    [Buffer.from('xyz').toString('base64url'), 'invalid character "x" looking for beginning of value'],
    [enc(5), 'json: cannot unmarshal number into Go value of type storage.continueToken'],
    [
      enc({ v: 'meta.k8s.io/v1', rv: 'x', start: 'a' }),
      'json: cannot unmarshal string into Go struct field continueToken.rv of type int64',
    ],
    [enc({ v: 'meta.k8s.io/v2', rv: 1, start: 'a' }), 'server does not recognize this encoded version meta.k8s.io/v2'],
    [
      enc({ v: 'meta.k8s.io/v1', rv: 0, start: 'a' }),
      'incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    ],
    [enc({ v: 'meta.k8s.io/v1', rv: 3, start: '' }), 'encoded start key empty (version meta.k8s.io/v1)'],
    [enc({ v: 'meta.k8s.io/v1', rv: 3, start: '../../core/secrets/x' }), '../../core/secrets/x'],
  ];
  for (const [t, detail] of cases)
    assert.equal(message(t), `invalid continue token: continue key is not valid: ${detail}`, t);
  // a clean start is accepted
  assert.deepEqual(decodeContinue(enc({ v: 'meta.k8s.io/v1', rv: 3, start: 'ns/a' }), '/core/secrets/'), {
    revision: 3,
    after: '/core/secrets/ns/a',
  });
});
