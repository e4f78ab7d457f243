import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requestTarget } from '../../src/api/http.js';

test('requestTarget reads a path and query as new URL(target, base) does, usual and hostile targets alike', () => {
  const targets = [
    '/',
    '/api',
    '/apis/certificates.k8s.io/v1/certificatesigningrequests/my-svc.my-namespace/approval',
    '/apis/x?watch=1&resourceVersion=5&labelSelector=a%3Db,c!=d',
    '/a/../b',
    '/a/./b',
    '/a/..',
    '/a/.',
    '/a/.?x=1',
    '/a/%2e%2e/b',
    '/a b',
    '/a?x=1#frag',
    '/a?x=a+b&y=%20',
    '/a?x="q"',
    "/a?x='q'",
    '/a//b',
    '//a',
    '//a/b?c=d',
    '/a?',
    '/a??x=1',
    '/a?x=<>',
    '/a/.b/..c',
    '/a\\b',
    '/a?x=%zz',
    '/é',
    '/a?é=1',
    '/a;b=c',
    '/a|b',
    '/a?x=1&x=2&y',
  ];
  for (const t of targets) {
    const u = new URL(t, 'https://kubetls.invalid');
    const r = requestTarget(t);
    assert.equal(r.pathname, u.pathname, t);
    assert.deepEqual([...r.searchParams], [...u.searchParams], t);
  }
});
