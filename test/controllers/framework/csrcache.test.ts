import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1CertificateSigningRequest } from '@kubernetes/client-node';
import { alreadyDecided, csrView } from '../../../src/controllers/approval/csrview.js';
import { asJsonCsr } from '../../../src/controllers/approval/controllers.js';
import { compactCsr, isFinished, RequestReaders } from '../../../src/controllers/framework/csrcache.js';
import { StringPool } from '../../../src/controllers/framework/intern.js';
import { signingDecision } from '../../../src/controllers/signing/reconcile.js';

type Csr = V1CertificateSigningRequest;

const cond = (type: string) => ({ type, status: 'True', reason: 'R', message: 'm' });

test('compactCsr drops spec.request only when asked and keeps every other value', () => {
  const pool = new StringPool();
  const json = JSON.stringify({
    metadata: { name: 'w', creationTimestamp: '2026-12-06T01:00:00Z' },
    spec: { request: 'UQ==', signerName: 's', usages: ['server auth'], groups: ['g'] },
    status: {},
  });
  const w = JSON.parse(json) as Csr;
  const spec = w.spec;
  compactCsr(w, true, pool);
  assert.equal(w.spec, spec, 'with the request kept, the object is changed in place');
  assert.deepEqual(w, JSON.parse(json));
  compactCsr(w, false, pool);
  assert.equal(Object.hasOwn(w.spec, 'request'), false);
  const { request: _r, ...rest } = (JSON.parse(json) as Csr).spec;
  assert.deepEqual(w.spec, rest);
  assert.deepEqual(w.metadata, { name: 'w', creationTimestamp: '2026-12-06T01:00:00Z' });
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
