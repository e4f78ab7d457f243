import { test } from 'node:test';
import assert from 'node:assert/strict';
import { certificateSigningRequests } from '../../../../src/api/resources/certificates/index.js';
import { csrTable } from '../../../../src/api/resources/certificates/table.js';
import { csrFields } from '../../../../src/api/resources/certificates/fields.js';
import { CERTIFICATE, condition, newCSR } from './csrs.js';
import { schemaFor } from '../../../../src/api/machinery/schemas/index.js';

const NOW = new Date('2026-12-06T14:03:10Z'); // 26h 3m 10s after creation

test("kubectl get csr's six columns: NAME AGE SIGNERNAME REQUESTOR REQUESTEDDURATION CONDITION", () => {
  assert.deepEqual(
    csrTable.columns.map((c) => [c.name, c.type, c.format ?? '', c.priority ?? 0]),
    [
      ['Name', 'string', 'name', 0],
      ['Age', 'string', '', 0],
      ['SignerName', 'string', '', 0],
      ['Requestor', 'string', '', 0],
      ['RequestedDuration', 'string', '', 0],
      ['Condition', 'string', '', 0],
    ],
  );
  for (const c of csrTable.columns) assert.ok(c.description && c.description.length > 10, c.name);
  assert.deepEqual(csrTable.cells(newCSR({ spec: { expirationSeconds: 86400 } }), NOW), [
    'my-svc.my-namespace',
    '26h',
    'example.com/serving',
    'kubernetes-admin',
    '24h',
    'Pending',
  ]);
  // no expiration, no signer, no creation time, no requester
  const bare = newCSR({ spec: { signerName: '', username: undefined }, metadata: { creationTimestamp: null } });
  assert.deepEqual(csrTable.cells(bare, NOW), ['my-svc.my-namespace', '<unknown>', '<none>', '', '<none>', 'Pending']);
  assert.equal(csrTable.cells(newCSR({ spec: { expirationSeconds: 600 } }), NOW)[4], '10m');
  assert.equal(csrTable.cells(newCSR({ spec: { expirationSeconds: 7 * 86400 + 3600 } }), NOW)[4], '7d1h');
  assert.equal(csrTable.cells(newCSR({ metadata: { creationTimestamp: '2026-12-06T14:00:00Z' } }), NOW)[1], '3m10s');
});

test('CONDITION: Denied over Approved over Pending, then ,Failed and ,Issued', () => {
  const cond = (types: string[], certificate?: string) =>
    csrTable.cells(newCSR({ status: { conditions: types.map((t) => condition(t)), certificate } }), NOW)[5];
  assert.equal(cond([]), 'Pending');
  assert.equal(cond(['Approved']), 'Approved');
  assert.equal(cond(['Denied']), 'Denied');
  assert.equal(cond(['Approved', 'Denied']), 'Denied');
  assert.equal(cond(['Approved'], CERTIFICATE), 'Approved,Issued');
  assert.equal(cond(['Approved', 'Failed']), 'Approved,Failed');
  assert.equal(cond(['Failed']), 'Pending,Failed');
  assert.equal(cond(['Approved', 'Failed'], CERTIFICATE), 'Approved,Failed,Issued');
  assert.equal(cond(['SomethingElse']), 'Pending');
  assert.equal(cond([], ''), 'Pending');
});

test('field selectors: metadata.name and spec.signerName (empty when unset)', () => {
  const csr = newCSR();
  assert.equal(csrFields['metadata.name']!(csr), 'my-svc.my-namespace');
  assert.equal(csrFields['spec.signerName']!(csr), 'example.com/serving');
  assert.equal(csrFields['spec.signerName']!(newCSR({ spec: { signerName: null } })), '');
  assert.deepEqual(Object.keys(csrFields).sort(), ['metadata.name', 'spec.signerName']);
});

test('the ResourceDefinition: names kubectl needs, subresources, strategy, table, fields, schema, admission', () => {
  const d = certificateSigningRequests;
  assert.deepEqual(d.names.shortNames, ['csr']);
  assert.equal(d.names.namespaced, false);
  assert.equal(d.names.group, 'certificates.k8s.io');
  assert.equal(d.names.kind, 'CertificateSigningRequest');
  assert.equal(d.names.listKind, 'CertificateSigningRequestList');
  assert.deepEqual(d.names.subresources, ['approval', 'status']);
  assert.deepEqual([...d.names.verbs].sort(), [
    'create',
    'delete',
    'deletecollection',
    'get',
    'list',
    'patch',
    'update',
    'watch',
  ]);
  assert.equal(d.strategy.allowCreateOnUpdate, false);
  assert.equal(d.strategy.allowUnconditionalUpdate, true);
  assert.equal(d.table, csrTable);
  assert.equal(d.fields, csrFields);
  assert.equal(d.admission?.length, 3);
  // the kind's schema is found by group, version and kind
  assert.equal(schemaFor(d.names)?.goType, 'v1.CertificateSigningRequest');
});
