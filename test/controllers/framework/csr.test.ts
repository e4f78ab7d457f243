import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isApproved, isIssued, withCertificate, withCondition } from '../../../src/controllers/framework/csr.js';

const deepFreeze = <T>(o: T): T => {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
};

// updateStatus and updateApproval hand the informer's cached object to the mutation without a
// copy: the helpers every mutation uses must leave it as it is (a frozen object throws on any write)
test('withCondition and withCertificate return a copy and leave the cached object untouched', () => {
  const cached = deepFreeze({
    metadata: { name: 'x', resourceVersion: '7' },
    spec: { request: 'UQ==', signerName: 'example.com/a', usages: ['server auth'] },
    status: { conditions: [{ type: 'Approved', status: 'True', reason: 'R', message: 'm' }] },
  });
  const before = JSON.stringify(cached);
  const failed = withCondition(cached, { type: 'Failed', reason: 'F', message: 'no' }, { now: () => new Date(0) });
  const issued = withCertificate(cached, '-----BEGIN CERTIFICATE-----\n');
  assert.equal(JSON.stringify(cached), before);
  assert.deepEqual(
    failed.status?.conditions?.map((c) => c.type),
    ['Approved', 'Failed'],
  );
  assert.ok(isApproved(issued) && isIssued(issued) && !isIssued(cached));
  assert.equal(issued.spec, cached.spec, 'what does not change is shared, not copied');
});
