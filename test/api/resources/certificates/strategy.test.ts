/**
 * The write paths of a CSR (docs/upstream/csr-api.md Part B §0), each a table: what the
 * client sends, what the strategy makes of it against the stored object, and what
 * validation then says. A fixed clock makes the server-set times exact.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFieldError } from '../../../../src/errors/index.js';
import type { KubeObject, UserInfo } from '../../../../src/api/object.js';
import type { StrategyContext } from '../../../../src/api/resource.js';
import { csrStrategy } from '../../../../src/api/resources/certificates/strategy.js';
import { b64, certPem, CERTIFICATE, condition, newCSR } from './csrs.js';

const NOW = new Date('2026-12-05T13:00:00.789Z');
const NOW_TEXT = '2026-12-05T13:00:00Z';
const EARLIER = '2026-12-05T12:30:00Z';
const alice: UserInfo = {
  username: 'alice',
  uid: 'u-1',
  groups: ['devs', 'system:authenticated'],
  extra: { scope: ['a', 'b'] },
};
const ctx = (subresource?: string): StrategyContext => ({ user: alice, subresource, now: NOW });

/** Runs one update path: prepare, then validate; returns the prepared object and the error lines. */
function update(sent: KubeObject, stored: KubeObject, subresource?: string): { obj: KubeObject; errors: string[] } {
  const before = structuredClone(stored);
  const obj = csrStrategy.prepareForUpdate(sent, stored, ctx(subresource));
  const errors = csrStrategy.validateUpdate(obj, stored, ctx(subresource)).map(formatFieldError);
  assert.deepEqual(stored, before, 'the stored object is never modified');
  return { obj, errors };
}

const approved = (extra: object = {}) =>
  condition('Approved', { lastUpdateTime: EARLIER, lastTransitionTime: EARLIER, ...extra });

test('create: the requester comes from the caller, status starts empty (no pre-approved requests)', () => {
  const sent = newCSR({
    spec: { username: 'mallory', uid: 'u-0', groups: ['system:masters'], extra: { x: ['y'] } },
    status: { conditions: [approved()], certificate: CERTIFICATE },
  });
  const obj = csrStrategy.prepareForCreate(sent, ctx());
  assert.equal(obj, sent, 'prepared in place');
  const spec = obj['spec'] as Record<string, unknown>;
  assert.equal(spec['username'], 'alice');
  assert.equal(spec['uid'], 'u-1');
  assert.deepEqual(spec['groups'], ['devs', 'system:authenticated']);
  assert.deepEqual(spec['extra'], { scope: ['a', 'b'] });
  assert.deepEqual(obj['status'], {});
  assert.deepEqual(csrStrategy.validate(obj, ctx()), []);
  // a caller without uid, groups or extra leaves those fields out (Go's omitempty), and a missing spec is made
  const bare = csrStrategy.prepareForCreate(
    { metadata: { name: 'x' } },
    { user: { username: 'bob', groups: [] }, now: NOW },
  );
  assert.deepEqual(bare['spec'], { username: 'bob' });
  assert.deepEqual(bare['status'], {});
  assert.deepEqual(csrStrategy.validate(bare, ctx()).map(formatFieldError), [
    'spec.request: Invalid value: null: PEM block type must be CERTIFICATE REQUEST',
    'spec.usages: Required value',
    'spec.signerName: Required value',
  ]);
  // the user's lists are copied, not shared
  alice.groups.push('later');
  assert.deepEqual(spec['groups'], ['devs', 'system:authenticated']);
  alice.groups.pop();
});

test('main resource update: spec and status revert to the stored ones; metadata changes', () => {
  const stored = newCSR({ status: { conditions: [approved()] } });
  const cases: Array<[string, KubeObject]> = [
    ['usages changed', newCSR({ spec: { usages: ['client auth'] }, status: { conditions: [approved()] } })],
    [
      'signerName changed',
      newCSR({ spec: { signerName: 'evil.example.com/x' }, status: { conditions: [approved()] } }),
    ],
    ['Approved removed', newCSR({ status: {} })],
    ['Denied added', newCSR({ status: { conditions: [approved(), condition('Denied')] } })],
    ['certificate set', newCSR({ status: { conditions: [approved()], certificate: CERTIFICATE } })],
    ['requester changed', newCSR({ spec: { username: 'mallory' }, status: { conditions: [approved()] } })],
  ];
  for (const [what, sent] of cases) {
    const { obj, errors } = update(sent, stored);
    assert.deepEqual(obj['spec'], stored['spec'], what);
    assert.deepEqual(obj['status'], stored['status'], what);
    assert.deepEqual(errors, [], what);
  }
  const relabelled = update(newCSR({ metadata: { labels: { team: 'pki' } } }), stored);
  assert.deepEqual(relabelled.obj.metadata.labels, { team: 'pki' });
  assert.deepEqual(relabelled.errors, []);
  assert.deepEqual(update(newCSR({ metadata: { name: 'other' } }), stored).errors, [
    'metadata.name: Invalid value: "other": field is immutable',
  ]);
  assert.deepEqual(update(newCSR({ metadata: { uid: 'x' } }), stored).errors, [
    'metadata.uid: Invalid value: "x": field is immutable',
  ]);
  assert.deepEqual(update(newCSR({ metadata: { creationTimestamp: '2020-01-01T00:00:00Z' } }), stored).errors, [
    'metadata.creationTimestamp: Invalid value: "2020-01-01T00:00:00Z": field is immutable',
  ]);
  // the same instant written with an offset is no change
  assert.deepEqual(update(newCSR({ metadata: { creationTimestamp: '2026-12-05T13:00:00+01:00' } }), stored).errors, []);
  assert.deepEqual(update(newCSR({ metadata: { resourceVersion: undefined } }), stored).errors, [
    'metadata.resourceVersion: Invalid value: "": must be specified for an update',
  ]);
});

test('/approval: adds Approved or Denied with server-set times; may not remove; spec and certificate are kept', () => {
  const pending = newCSR();
  // kubectl certificate approve sends lastUpdateTime set and lastTransitionTime null
  const kubectl = condition('Approved', {
    reason: 'KubectlApprove',
    lastUpdateTime: EARLIER,
    lastTransitionTime: null,
  });
  let r = update(newCSR({ status: { conditions: [kubectl] } }), pending, 'approval');
  assert.deepEqual(r.errors, []);
  assert.deepEqual((r.obj['status'] as { conditions: unknown[] }).conditions, [
    { ...kubectl, lastUpdateTime: EARLIER, lastTransitionTime: NOW_TEXT },
  ]);
  // empty times become now (seconds precision)
  r = update(newCSR({ status: { conditions: [condition('Denied')] } }), pending, 'approval');
  assert.deepEqual(r.errors, []);
  assert.deepEqual((r.obj['status'] as { conditions: unknown[] }).conditions, [
    { ...condition('Denied'), lastUpdateTime: NOW_TEXT, lastTransitionTime: NOW_TEXT },
  ]);
  // spec, certificate and anything else in status come from the stored object
  const issued = newCSR({ status: { certificate: CERTIFICATE } });
  r = update(
    newCSR({ spec: { usages: ['any'] }, status: { conditions: [approved()], certificate: b64(certPem('other')) } }),
    issued,
    'approval',
  );
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.obj['spec'], issued['spec']);
  assert.deepEqual(r.obj['status'], { certificate: CERTIFICATE, conditions: [approved()] });
  // removal is refused, on every path
  const approvedStored = newCSR({ status: { conditions: [approved()] } });
  r = update(newCSR({ status: { conditions: [] } }), approvedStored, 'approval');
  assert.deepEqual(r.errors, ['status.conditions: Forbidden: updates may not remove a condition of type "Approved"']);
  r = update(newCSR(), approvedStored, 'approval');
  assert.deepEqual(r.errors, ['status.conditions: Forbidden: updates may not remove a condition of type "Approved"']);
  // Denied on top of Approved is refused; Failed may be added here too
  r = update(newCSR({ status: { conditions: [approved(), condition('Denied')] } }), approvedStored, 'approval');
  assert.deepEqual(r.errors, [
    'status.conditions[1].type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive',
  ]);
  r = update(newCSR({ status: { conditions: [approved(), condition('Failed')] } }), approvedStored, 'approval');
  assert.deepEqual(r.errors, []);
});

test('/approval: a condition that did not transition keeps its lastTransitionTime', () => {
  const stored = newCSR({
    status: {
      conditions: [condition('Reviewed', { status: 'False', lastUpdateTime: EARLIER, lastTransitionTime: EARLIER })],
    },
  });
  const sent = newCSR({
    status: {
      conditions: [condition('Reviewed', { status: 'False', lastTransitionTime: null }), condition('Approved')],
    },
  });
  const r = update(sent, stored, 'approval');
  assert.deepEqual(r.errors, []);
  const [reviewed, appr] = (r.obj['status'] as { conditions: Array<Record<string, unknown>> }).conditions;
  assert.equal(reviewed!['lastTransitionTime'], EARLIER, 'same type and status: kept');
  assert.equal(reviewed!['lastUpdateTime'], NOW_TEXT);
  assert.equal(appr!['lastTransitionTime'], NOW_TEXT, 'new: now');
  // a change of status is a transition
  const flipped = update(
    newCSR({ status: { conditions: [condition('Reviewed', { status: 'True' })] } }),
    stored,
    'approval',
  );
  assert.equal(
    (flipped.obj['status'] as { conditions: Array<Record<string, unknown>> }).conditions[0]!['lastTransitionTime'],
    NOW_TEXT,
  );
});

test('/status: sets the certificate once, may add Failed; Approved and Denied are restored, never added', () => {
  const approvedStored = newCSR({ status: { conditions: [approved()] } });
  // set once
  let r = update(newCSR({ status: { conditions: [approved()], certificate: CERTIFICATE } }), approvedStored, 'status');
  assert.deepEqual(r.errors, []);
  assert.equal((r.obj['status'] as { certificate: string }).certificate, CERTIFICATE);
  const issued = r.obj;
  // the same certificate again is fine; another one is not
  assert.deepEqual(update(structuredClone(issued), issued, 'status').errors, []);
  r = update(newCSR({ status: { conditions: [approved()], certificate: b64(certPem('other')) } }), issued, 'status');
  assert.deepEqual(r.errors, ['status.certificate: Forbidden: updates may not modify existing certificate content']);
  // nor may it be cleared
  r = update(newCSR({ status: { conditions: [approved()] } }), issued, 'status');
  assert.deepEqual(r.errors, ['status.certificate: Forbidden: updates may not modify existing certificate content']);
  // Failed may be added, with server-set times
  r = update(newCSR({ status: { conditions: [approved(), condition('Failed')] } }), approvedStored, 'status');
  assert.deepEqual(r.errors, []);
  assert.deepEqual((r.obj['status'] as { conditions: unknown[] }).conditions[1], {
    ...condition('Failed'),
    lastUpdateTime: NOW_TEXT,
    lastTransitionTime: NOW_TEXT,
  });
  // Approved may not be added through /status
  r = update(newCSR({ status: { conditions: [condition('Approved')] } }), newCSR(), 'status');
  assert.deepEqual(r.errors, ['status.conditions: Forbidden: updates may not add a condition of type "Approved"']);
  r = update(newCSR({ status: { conditions: [condition('Denied')] } }), newCSR(), 'status');
  assert.deepEqual(r.errors, ['status.conditions: Forbidden: updates may not add a condition of type "Denied"']);
  // an edited Approved is quietly restored from the stored object
  r = update(
    newCSR({ status: { conditions: [approved({ reason: 'Edited', message: 'by the signer' })] } }),
    approvedStored,
    'status',
  );
  assert.deepEqual(r.errors, []);
  assert.deepEqual((r.obj['status'] as { conditions: unknown[] }).conditions, [approved()]);
  // removing Approved or Failed is refused
  r = update(newCSR({ status: {} }), approvedStored, 'status');
  assert.deepEqual(r.errors, ['status.conditions: Forbidden: updates may not remove a condition of type "Approved"']);
  const failedStored = newCSR({
    status: { conditions: [approved(), condition('Failed', { lastUpdateTime: EARLIER, lastTransitionTime: EARLIER })] },
  });
  r = update(newCSR({ status: { conditions: [approved()] } }), failedStored, 'status');
  assert.deepEqual(r.errors, ['status.conditions: Forbidden: updates may not remove a condition of type "Failed"']);
  // spec is frozen
  r = update(
    newCSR({ spec: { signerName: 'other.example.com/x' }, status: { conditions: [approved()] } }),
    approvedStored,
    'status',
  );
  assert.deepEqual(r.obj['spec'], approvedStored['spec']);
  assert.deepEqual(r.errors, []);
  // and a bad certificate is named
  r = update(newCSR({ status: { conditions: [approved()], certificate: b64('nope') } }), approvedStored, 'status');
  assert.deepEqual(r.errors, [
    'status.certificate: Invalid value: "<certificate data>": must contain at least one CERTIFICATE PEM block',
  ]);
});

test('validation of an update that bypassed the strategy still refuses what the path may not do', () => {
  const { validateUpdate } = csrStrategy;
  const stored = newCSR({ status: { conditions: [approved()] } });
  const lines = (sent: KubeObject, sub?: string) => validateUpdate(sent, stored, ctx(sub)).map(formatFieldError);
  assert.deepEqual(lines(newCSR({ status: { conditions: [approved()], certificate: CERTIFICATE } })), [
    'status.certificate: Forbidden: updates may not set certificate content',
  ]);
  assert.deepEqual(lines(newCSR({ status: { conditions: [approved()], certificate: CERTIFICATE } }), 'approval'), [
    'status.certificate: Forbidden: updates may not set certificate content',
  ]);
  assert.deepEqual(lines(newCSR({ status: { conditions: [approved({ reason: 'Edited' })] } })), [
    'status.conditions: Forbidden: updates may not modify a condition of type "Approved"\n  [0].reason: "TestApproved" -> "Edited"',
  ]);
  assert.deepEqual(lines(newCSR({ status: { conditions: [approved({ lastUpdateTime: NOW_TEXT })] } }), 'status'), [
    `status.conditions: Forbidden: updates may not modify a condition of type "Approved"\n  [0].lastUpdateTime: "${EARLIER}" -> "${NOW_TEXT}"`,
  ]);
});

test('objects written under older rules stay updatable (the tolerances follow the stored object)', () => {
  const legacy = newCSR({
    spec: { signerName: 'kubernetes.io/legacy-unknown', usages: ['client auth', 'client auth', 'bogus'] },
    status: {
      conditions: [
        approved(),
        condition('Denied', { lastUpdateTime: EARLIER, lastTransitionTime: EARLIER }),
        condition('X'),
        condition('X'),
      ],
    },
  });
  const sent = structuredClone(legacy);
  sent.metadata.labels = { touched: 'yes' };
  assert.deepEqual(update(sent, legacy).errors, []);
  assert.deepEqual(update(structuredClone(legacy), legacy, 'approval').errors, []);
  // but a new object with the same content is refused on every count
  const fresh = csrStrategy.validate(structuredClone(legacy), ctx()).map(formatFieldError);
  assert.deepEqual(fresh.length, 5, fresh.join('\n'));
  // a stored certificate that no longer parses does not block a status update that keeps it
  const broken = newCSR({ status: { conditions: [approved()], certificate: b64('legacy junk') } });
  assert.deepEqual(update(structuredClone(broken), broken, 'status').errors, []);
});
