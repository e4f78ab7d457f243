import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1CertificateSigningRequest } from '@kubernetes/client-node';
import { alreadyDecided, csrView } from '../../../src/controllers/approval/csrview.js';
import { asJsonCsr } from '../../../src/controllers/approval/controllers.js';
import { compactCsr, dense, isFinished, RequestReaders } from '../../../src/controllers/framework/csrcache.js';
import { StringPool } from '../../../src/controllers/framework/intern.js';
import { signingDecision } from '../../../src/controllers/signing/reconcile.js';

type Csr = V1CertificateSigningRequest;

/** what client-node's list gives: model instances with every declared field, undefined ones too */
class Meta {
  name: string | undefined = undefined;
  uid: string | undefined = undefined;
  labels: Record<string, string> | undefined = undefined;
  creationTimestamp: Date | undefined = undefined;
  finalizers: string[] | undefined = undefined;
}
class Spec {
  request: string | undefined = undefined;
  signerName: string | undefined = undefined;
  usages: string[] | undefined = undefined;
  expirationSeconds: number | undefined = undefined;
  extra: Record<string, string[]> | undefined = undefined;
}
class Model {
  apiVersion = 'certificates.k8s.io/v1';
  kind = 'CertificateSigningRequest';
  metadata = new Meta();
  spec = new Spec();
  status: { conditions?: unknown[]; certificate?: string } | undefined = undefined;
}

const listed = (name: string, signerName: string): Csr => {
  const m = new Model();
  m.metadata.name = name;
  m.metadata.uid = `uid-${name}`;
  m.metadata.creationTimestamp = new Date('2026-12-06T01:00:00Z');
  m.metadata.labels = { team: 'a' };
  m.spec.request = 'UkVRVUVTVA==';
  m.spec.signerName = signerName;
  m.spec.usages = ['digital signature', 'server auth'];
  return m as unknown as Csr;
};

const cond = (type: string) => ({ type, status: 'True', reason: 'R', message: 'm' });

test('dense drops undefined-valued fields at every depth and keeps Dates, nulls, arrays and falsy values', () => {
  const d = new Date(0);
  const v = dense({ a: undefined, b: { c: undefined, d, e: [1, { f: undefined, g: 0 }], h: null, i: '', j: false } });
  assert.deepEqual(v, { b: { d, e: [1, { g: 0 }], h: null, i: '', j: false } });
  assert.equal(v.b.d, d, 'a Date is kept, not copied into a plain object');
  assert.equal(Object.getPrototypeOf(v.b), Object.prototype);
});

test('compactCsr: a listed model instance becomes dense, keeps its identity and every set value', () => {
  const pool = new StringPool();
  const csr = listed('a', 'example.com/kept');
  const meta = csr.metadata;
  compactCsr(csr, true, pool);
  assert.notEqual(csr.metadata, meta, 'nested objects are rebuilt');
  assert.deepEqual(Object.keys(csr.metadata!), ['name', 'uid', 'labels', 'creationTimestamp']);
  assert.ok(csr.metadata?.creationTimestamp instanceof Date);
  assert.deepEqual(Object.keys(csr.spec), ['request', 'signerName', 'usages']);
  assert.equal(csr.spec.request, 'UkVRVUVTVA==');
  assert.ok(!('status' in csr && csr.status !== undefined), 'an undefined status stays undefined');
});

test('compactCsr drops spec.request only when asked, on listed and watched objects alike', () => {
  const pool = new StringPool();
  const a = listed('a', 'example.com/other');
  compactCsr(a, false, pool);
  assert.equal(Object.hasOwn(a.spec, 'request'), false);
  assert.equal(a.spec.signerName, 'example.com/other');
  // a watch event's object: plain JSON
  const w = JSON.parse(
    JSON.stringify({ metadata: { name: 'w' }, spec: { request: 'UQ==', signerName: 's', usages: ['server auth'] } }),
  ) as Csr;
  const spec = w.spec;
  compactCsr(w, true, pool);
  assert.equal(w.spec, spec, 'a plain object with the request kept is left as it is');
  compactCsr(w, false, pool);
  assert.deepEqual(w.spec, { signerName: 's', usages: ['server auth'] });
});

test('RequestReaders keeps a request only for a registered reader, and only while the CSR is unfinished', () => {
  const r = new RequestReaders();
  const csr = (signerName: string, conditions: string[], certificate?: string): Csr => ({
    metadata: { name: 'x' },
    spec: { request: 'UQ==', signerName, usages: [] },
    status: { conditions: conditions.map(cond), ...(certificate ? { certificate } : {}) },
  });
  assert.equal(r.reads(csr('example.com/a', [])), false, 'no reader registered: nothing kept');
  r.add((c) => c.spec.signerName === 'example.com/a');
  assert.equal(r.reads(csr('example.com/a', [])), true);
  assert.equal(r.reads(csr('example.com/b', [])), false);
  assert.equal(r.reads(csr('example.com/a', ['Approved'])), true);
  assert.equal(r.reads(csr('example.com/a', ['Failed'])), true, 'failed but not approved: still an approver’s');
  assert.equal(r.reads(csr('example.com/a', ['Approved', 'Failed'])), false);
  assert.equal(r.reads(csr('example.com/a', ['Denied'])), false);
  assert.equal(r.reads(csr('example.com/a', ['Approved'], 'Q0VSVA==')), false);
});

test('every CSR a signer or an approver acts on keeps its request (all condition combinations)', () => {
  const types = ['Approved', 'Denied', 'Failed'];
  let checked = 0;
  for (let mask = 0; mask < 8; mask++)
    for (const certificate of [undefined, 'Q0VSVA==']) {
      const c = {
        metadata: { name: 'x', uid: 'u' },
        spec: { request: 'UQ==', signerName: 'example.com/a', usages: [] },
        status: {
          conditions: types.filter((_, i) => mask & (1 << i)).map(cond),
          ...(certificate ? { certificate } : {}),
        },
      } as Csr;
      const finished = isFinished(c);
      if (signingDecision(c, () => true).sign) assert.equal(finished, false, JSON.stringify(c.status));
      if (!alreadyDecided(csrView(asJsonCsr(c)))) assert.equal(finished, false, JSON.stringify(c.status));
      checked++;
    }
  assert.equal(checked, 16);
});
