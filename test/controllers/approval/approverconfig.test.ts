import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isKubetlsError } from '../../../src/errors/index.js';
import { exitCodeOf } from '../../../src/errors/index.js';
import {
  loadApproverConfiguration,
  parseApproverConfiguration,
} from '../../../src/controllers/approval/approverconfig.js';

const GOOD = `apiVersion: kubetls.io/v1alpha1
kind: ApproverConfiguration
rules:
- name: web-team
  signerName: example.com/serving
  groups: [web-team]
  allowedUsages: [digital signature, key encipherment, server auth]
  allowedDNSNames: ["*.web.svc.cluster.local"]
- signerName: example.com/serving
  users: [alice]
  allowedUsages: [server auth]
  allowedIPRanges: [10.0.0.0/8]
`;

test('approver config: rules with names, users, groups and the signer policy fields', () => {
  const c = parseApproverConfiguration(GOOD, 'approvers.yaml');
  assert.equal(c.rules.length, 2);
  assert.equal(c.rules[0]!.name, 'web-team');
  assert.equal(c.rules[1]!.name, 'rules[1]');
  assert.deepEqual([...c.rules[0]!.groups], ['web-team']);
  assert.deepEqual([...c.rules[1]!.users], ['alice']);
  assert.deepEqual(c.rules[0]!.policy.allowedDNSNames, ['*.web.svc.cluster.local']);
  assert.equal(c.rules[1]!.policy.allowedIPRanges?.[0]?.source, '10.0.0.0/8');
  assert.equal(c.rules[1]!.policy.allowedDNSNames, undefined);
});

const failure = (text: string): { message: string; fields: string[]; exit: number } => {
  try {
    parseApproverConfiguration(text, 'approvers.yaml');
  } catch (e) {
    if (!isKubetlsError(e)) throw e;
    return { message: e.message, fields: (e.fieldErrors ?? []).map((f) => f.field), exit: exitCodeOf(e) };
  }
  assert.fail('accepted');
};

test('approver config: every problem reported with its field path, exit 2', () => {
  const f = failure(`apiVersion: kubetls.io/v1
kind: ApproverConfig
extra: 1
rules:
- signerName: kubernetes.io/kubelet-serving
  users: [alice, alice]
  AllowedUsages: [server auth]
- signerName: not a signer
  groups: "team"
- name: x
  signerName: example.com/a
  groups: [g]
  allowedCommonNames: ["(unclosed"]
  allowedIPRanges: [10.0.0.0/33]
  allowedUsages: [flying]
- name: x
  signerName: example.com/a
- signerName: example.com/b
  users: []
  groups: []
- 7
`);
  assert.equal(f.exit, 2);
  for (const field of [
    'apiVersion',
    'kind',
    'extra',
    'rules[0].signerName',
    'rules[0].users[1]',
    'rules[0].AllowedUsages',
    'rules[1].signerName',
    'rules[1].groups',
    'rules[2].allowedCommonNames[0]',
    'rules[2].allowedIPRanges[0]',
    'rules[2].allowedUsages[0]',
    'rules[3].name',
    'rules[3].users',
    'rules[4].users',
    'rules[5]',
  ])
    assert.ok(f.fields.includes(field), `${field} in ${f.fields.join(', ')}`);
  assert.match(f.message, /^approvers\.yaml: /);
  assert.match(f.message, /did you mean "allowedUsages"/);
  assert.match(f.message, /kubernetes\.io\/kubelet-serving is a Kubernetes signer/);
});

test('approver config: hostile and malformed files are one clear error', () => {
  assert.deepEqual(failure('rules: [').fields, []);
  assert.ok(failure('- a\n- b\n').message.includes('must be an ApproverConfiguration object'));
  assert.ok(failure('apiVersion: kubetls.io/v1alpha1\nkind: ApproverConfiguration\n').fields.includes('rules'));
  const bomb = `a: &a [x, x, x, x, x, x, x, x, x]\n${Array.from(
    { length: 12 },
    (_, i) =>
      `b${i}: &b${i} [${Array(9)
        .fill(i ? `*b${i - 1}` : '*a')
        .join(', ')}]`,
  ).join('\n')}\n`;
  assert.equal(failure(bomb).exit, 2);
  const many = `apiVersion: kubetls.io/v1alpha1\nkind: ApproverConfiguration\nrules:\n- signerName: example.com/a\n  users: [${Array.from({ length: 1001 }, (_, i) => `u${i}`).join(', ')}]\n`;
  assert.ok(failure(many).fields.includes('rules[0].users'));
});

test('approver config: read from a file, bounded; a missing file is an error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'approvers-'));
  writeFileSync(join(dir, 'a.yaml'), GOOD);
  assert.equal(loadApproverConfiguration(join(dir, 'a.yaml')).rules.length, 2);
  assert.throws(() => loadApproverConfiguration(join(dir, 'missing.yaml')));
  writeFileSync(join(dir, 'big.yaml'), Buffer.alloc(2 * 1024 * 1024, 0x20));
  assert.throws(() => loadApproverConfiguration(join(dir, 'big.yaml')), /too large|exceeds|bytes/i);
});
