import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { jsonEqual, sameJsonText } from '../../src/api/object.js';

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

test('sameJsonText answers as comparing the JSON.stringify texts', () => {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const pairs: Array<[unknown, unknown]> = [
    [
      { a: 1, b: 2 },
      { a: 1, b: 2 },
    ],
    [
      { a: 1, b: 2 },
      { b: 2, a: 1 },
    ],
    [{ a: undefined, b: 1 }, { b: 1 }],
    [
      { b: 1, a: undefined },
      { b: 1, c: () => 0 },
    ],
    [{ a: [undefined] }, { a: [null] }],
    [{ a: [undefined] }, { a: [] }],
    [{ a: [Symbol('s')] }, { a: [null] }],
    [0, -0],
    [NaN, null],
    [Infinity, null],
    [[NaN], [Infinity]],
    [1, '1'],
    [[1, 2], { 0: 1, 1: 2 }],
    [[], {}],
    [null, {}],
    [{}, Object.create(null) as object],
    [{ m: { x: 'a' } }, { m: { x: 'b' } }],
    [{ m: { x: 'a' } }, { m: { x: 'a', y: undefined } }],
    [{ m: { x: 'a' } }, { m: { x: 'a', y: null } }],
  ];
  for (const [a, b] of pairs) {
    assert.equal(sameJsonText(a, b), same(a, b), `${String(JSON.stringify(a))} vs ${String(JSON.stringify(b))}`);
    assert.equal(sameJsonText(b, a), same(b, a));
  }
  // random documents and small changes of them, against the texts (a fixed seed: reproducible)
  let seed = 12345;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  const leaves = [0, -0, 1, 2.5, NaN, Infinity, '', 'a', 'b', true, false, null, undefined];
  const gen = (depth: number): unknown => {
    const k = depth > 3 ? 0 : rand(4);
    if (k === 0 || k === 1) return leaves[rand(leaves.length)];
    if (k === 2) return Array.from({ length: rand(3) }, () => gen(depth + 1));
    return Object.fromEntries(Array.from({ length: rand(4) }, () => [['x', 'y', 'z'][rand(3)]!, gen(depth + 1)]));
  };
  // each step changes little (a leaf, the key order, an undefined key), so the texts often still match
  const mutate = (v: unknown, depth: number): unknown => {
    if (typeof v !== 'object' || v === null) return rand(40) === 0 ? leaves[rand(leaves.length)] : v;
    if (Array.isArray(v)) return v.map((x) => mutate(x, depth + 1));
    const entries: Array<[string, unknown]> = Object.entries(v).map(([k, x]) => [k, mutate(x, depth + 1)]);
    if (rand(30) === 0) entries.reverse();
    if (rand(6) === 0) entries.push(['u', undefined]);
    return Object.fromEntries(entries);
  };
  let equalTexts = 0;
  for (let i = 0; i < 3000; i++) {
    const a = [gen(1), gen(1), gen(1)];
    const b = mutate(a, 0);
    if (same(a, b)) equalTexts++;
    assert.equal(sameJsonText(a, b), same(a, b), `${String(JSON.stringify(a))} vs ${String(JSON.stringify(b))}`);
  }
  assert.ok(equalTexts > 300 && equalTexts < 2700, `both answers are exercised (${equalTexts} equal of 3000)`);
});
