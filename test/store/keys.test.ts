import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KubetlsError } from '../../src/errors/index.js';
import { objectKey, parseKey, prefixEnd, resourcePrefix, selection, selects } from '../../src/store/keys.js';

test('object keys and prefixes: core group and cluster scope spelled out, prefixes end in a slash', () => {
  assert.equal(
    objectKey('', 'secrets', 'kube-system', 'bootstrap-token-abcdef'),
    '/core/secrets/kube-system/bootstrap-token-abcdef',
  );
  assert.equal(
    objectKey('certificates.k8s.io', 'certificatesigningrequests', undefined, 'csr-1'),
    '/certificates.k8s.io/certificatesigningrequests/-/csr-1',
  );
  assert.equal(resourcePrefix('', 'secrets'), '/core/secrets/');
  assert.equal(resourcePrefix('', 'secrets', 'ns1'), '/core/secrets/ns1/');
  assert.deepEqual(parseKey('/core/secrets/-/x'), {
    group: 'core',
    resource: 'secrets',
    namespace: undefined,
    name: 'x',
  });
});

test('a prefix selects exactly the keys under it; a whole key selects itself', () => {
  const s = selection('/core/secrets/');
  assert.ok(selects(s, '/core/secrets/ns/a'));
  assert.ok(!selects(s, '/core/secretsx/ns/a'));
  assert.ok(!selects(s, '/core/secret/ns/a'));
  assert.ok(!selects(s, '/core/secrets/'));
  const ns = selection('/core/secrets/ns1/');
  assert.ok(selects(ns, '/core/secrets/ns1/a'));
  assert.ok(!selects(ns, '/core/secrets/ns10/a'));
  const one = selection('/core/secrets/ns1/a');
  assert.ok(selects(one, '/core/secrets/ns1/a'));
  assert.ok(!selects(one, '/core/secrets/ns1/ab'));
  assert.equal(prefixEnd('/core/secrets/'), '/core/secrets0');
});

test('malformed keys and prefixes are InternalError (a bug above the store), with the key quoted', () => {
  for (const k of [
    '',
    '/',
    'core/secrets/ns/a',
    '/core/secrets/a',
    '/core/secrets/ns/a/b',
    '/core//ns/a',
    '/a/b/c/\0',
    'x'.repeat(2000),
  ])
    assert.throws(
      () => parseKey(k),
      (e: unknown) => e instanceof KubetlsError && e.code === 'InternalError' && e.message.startsWith('store key'),
    );
  for (const p of ['/', '//', '/core//', '/core/secrets/ns/a/', '/core/secrets/ns/a/b/', 'core/'])
    assert.throws(() => selection(p), /is not valid/, p);
});
