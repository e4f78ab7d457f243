import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseApproverConfiguration } from '../../../src/controllers/approval/approverconfig.js';
import {
  decidePolicy,
  POLICY_APPROVED,
  POLICY_NOT_SATISFIED,
} from '../../../src/controllers/approval/policyapprover.js';
import { parsePolicyFields } from '../../../src/controllers/signing/policy.js';
import { FieldPath } from '../../../src/errors/index.js';
import { csr, type CsrOptions } from './fixtures.js';

const CONFIG = parseApproverConfiguration(
  `apiVersion: kubetls.io/v1alpha1
kind: ApproverConfiguration
rules:
- name: web-team
  signerName: example.com/serving
  groups: [web-team]
  allowedUsages: [digital signature, key encipherment, server auth]
  allowedDNSNames: ["*.web.svc.cluster.local"]
- name: alice-ips
  signerName: example.com/serving
  users: [alice]
  allowedUsages: [digital signature, server auth]
  allowedIPRanges: [10.0.0.0/8]
- name: clients
  signerName: example.com/client
  groups: [system:authenticated]
  allowedUsages: [client auth]
  allowedCommonNames: ["app-[a-z]+"]
`,
  'approvers.yaml',
);

const web = (o: CsrOptions): CsrOptions => ({
  signerName: 'example.com/serving',
  username: 'bob',
  groups: ['web-team', 'system:authenticated'],
  usages: ['digital signature', 'key encipherment', 'server auth'],
  subject: { commonName: 'shop.web.svc.cluster.local' },
  dnsNames: ['shop.web.svc.cluster.local'],
  ...o,
});

interface Row {
  name: string;
  o: CsrOptions;
  kind: 'approve' | 'skip';
  reason?: string;
  message?: RegExp;
  event?: boolean;
}

const ROWS: Row[] = [
  { name: 'group member, names within the rule', o: web({}), kind: 'approve', reason: POLICY_APPROVED, message: /^Approved by rule "web-team" of the approver configuration: requester "bob"/ },
  { name: 'a DNS name outside the rule', o: web({ dnsNames: ['shop.web.svc.cluster.local', 'evil.example.com'] }), kind: 'skip', reason: POLICY_NOT_SATISFIED, event: true, message: /rule "web-team": allowedDNSNames: DNS name "evil.example.com" is not allowed/ },
  { name: 'wildcard needs one more label', o: web({ subject: {}, dnsNames: ['web.svc.cluster.local'] }), kind: 'skip', event: true },
  { name: 'a usage outside the rule', o: web({ usages: ['digital signature', 'server auth', 'client auth'] }), kind: 'skip', event: true, message: /usage "client auth"/ },
  { name: 'an IP when the rule lists no range', o: web({ ipAddresses: ['10.1.1.1'] }), kind: 'skip', event: true, message: /allowedIPRanges/ },
  { name: 'user rule: IP in range, second rule tried after the first does not name her', o: { signerName: 'example.com/serving', username: 'alice', groups: ['devs'], usages: ['digital signature', 'server auth'], subject: {}, ipAddresses: ['10.2.3.4'] }, kind: 'approve', message: /rule "alice-ips"/ },
  { name: 'user rule: IP out of range', o: { signerName: 'example.com/serving', username: 'alice', groups: ['devs'], usages: ['digital signature', 'server auth'], subject: {}, ipAddresses: ['192.0.2.1'] }, kind: 'skip', event: true, message: /^not approved automatically.*rule "alice-ips": allowedIPRanges: IP address "192.0.2.1"/ },
  { name: 'requester no rule names', o: web({ username: 'mallory', groups: ['system:authenticated'] }), kind: 'skip', reason: 'NoRule', event: false },
  { name: 'signer with no rule', o: web({ signerName: 'example.com/other' }), kind: 'skip', reason: 'NoRule' },
  { name: 'CN pattern', o: { signerName: 'example.com/client', username: 'x', groups: ['system:authenticated'], usages: ['client auth'], subject: { commonName: 'app-shop' } }, kind: 'approve', message: /rule "clients"/ },
  { name: 'CN pattern must match the whole CN', o: { signerName: 'example.com/client', username: 'x', groups: ['system:authenticated'], usages: ['client auth'], subject: { commonName: 'app-shop.evil' } }, kind: 'skip', event: true, message: /allowedCommonNames/ },
  { name: 'already approved', o: web({ conditions: [{ type: 'Approved', status: 'True' }] }), kind: 'skip', reason: 'AlreadyDecided' },
  { name: 'already denied', o: web({ conditions: [{ type: 'Denied', status: 'True' }] }), kind: 'skip', reason: 'AlreadyDecided' },
]; // prettier-ignore

for (const row of ROWS) {
  test(`policy approver: ${row.name} → ${row.kind}`, () => {
    const d = decidePolicy(csr('p', row.o), { rules: CONFIG.rules });
    assert.equal(d.kind, row.kind, `${d.reason}: ${d.message}`);
    assert.notEqual(d.kind, 'deny');
    if (row.reason) assert.equal(d.reason, row.reason);
    if (row.message) assert.match(d.message, row.message);
    assert.equal(d.events.length > 0, row.event ?? false);
  });
}

test('policy approver: never approves what the signer in this process would refuse', () => {
  const signer = parsePolicyFields(
    {
      allowedUsages: ['digital signature', 'key encipherment', 'server auth'],
      allowedDNSNames: ['shop.web.svc.cluster.local'],
    },
    FieldPath.root('signers').index(0),
  );
  assert.deepEqual(signer.errors, []);
  const policies = new Map([['example.com/serving', signer.policy]]);
  assert.equal(decidePolicy(csr('p', web({})), { rules: CONFIG.rules, signerPolicies: policies }).kind, 'approve');
  const d = decidePolicy(csr('p', web({ subject: {}, dnsNames: ['cart.web.svc.cluster.local'] })), {
    rules: CONFIG.rules,
    signerPolicies: policies,
  });
  assert.equal(d.kind, 'skip');
  assert.match(d.message, /signer policy: allowedDNSNames: DNS name "cart.web.svc.cluster.local" is not allowed/);
});
