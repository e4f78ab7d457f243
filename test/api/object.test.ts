import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { jsonEqual } from '../../src/api/object.js';

test('jsonEqual answers as util.isDeepStrictEqual for JSON documents', () => {
  const csr = () => ({
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name: 'a', resourceVersion: '7', labels: { x: 'y' } },
    spec: { request: 'QUJD', usages: ['digital signature', 'server auth'], expirationSeconds: 600 },
    status: { conditions: [{ type: 'Approved', status: 'True', lastUpdateTime: null }] },
  });
  const reordered = {
    status: csr().status,
    spec: csr().spec,
    kind: csr().kind,
    metadata: csr().metadata,
    apiVersion: csr().apiVersion,
  };
  const changed = (f: (o: ReturnType<typeof csr>) => void) => {
    const o = csr();
    f(o);
    return o;
  };
  const pairs: Array<[unknown, unknown]> = [
    [csr(), csr()],
    [csr(), reordered],
    [csr(), changed((o) => (o.metadata.resourceVersion = '8'))],
    [csr(), changed((o) => o.spec.usages.reverse())],
    [csr(), changed((o) => o.spec.usages.push('client auth'))],
    [csr(), changed((o) => ((o.status.conditions[0] as Record<string, unknown>).lastUpdateTime = undefined))],
    [csr(), changed((o) => delete (o.metadata as Record<string, unknown>).labels)],
    [{ a: undefined }, {}],
    [{ a: undefined }, { a: undefined }],
    [{ a: undefined }, { b: undefined }],
    [[1, 2], { 0: 1, 1: 2 }],
    [[], {}],
    [0, -0],
    [NaN, NaN],
    [null, {}],
    [null, null],
    ['1', 1],
    [{ a: [{ b: null }] }, { a: [{ b: null }] }],
    [{ a: [{ b: null }] }, { a: [{ b: false }] }],
    [Object.create(null) as object, {}],
  ];
  for (const [a, b] of pairs) {
    assert.equal(jsonEqual(a, b), isDeepStrictEqual(a, b), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    assert.equal(jsonEqual(b, a), isDeepStrictEqual(b, a));
  }
});
