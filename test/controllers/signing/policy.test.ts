/**
 * The signer policy fields (shared with the policy approver): every rule allowed and
 * refused, each refusal naming the rule and the value; and the field errors of a bad policy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldPath } from '../../../src/errors/index.js';
import {
  parsePolicyFields,
  policyViolations,
  type SigningPolicyFields,
} from '../../../src/controllers/signing/policy.js';
import { parsed, type CsrSpec } from './fixtures.js';

function policy(raw: Record<string, unknown>): SigningPolicyFields {
  const r = parsePolicyFields(raw, FieldPath.root('signers').index(0));
  assert.deepEqual(r.errors, []);
  return r.policy;
}

const serving = policy({
  allowedUsages: ['digital signature', 'key encipherment', 'server auth'],
  allowedDNSNames: ['*.svc.cluster.local', 'api.example.com'],
  allowedIPRanges: ['192.0.2.0/24', '10.0.0.0/8', 'fd00::/64'],
});

const check = (p: SigningPolicyFields, s: CsrSpec, usages = ['digital signature', 'server auth']) =>
  policyViolations({ csr: parsed(s), usages }, p);

test('DNS names: exact entries, "*." = one or more labels, never the apex; case-insensitive', () => {
  for (const ok of ['web.ns.svc.cluster.local', 'a.b.c.svc.cluster.local', 'x.svc.cluster.local', 'API.example.com'])
    assert.deepEqual(check(serving, { dnsNames: [ok] }), [], ok);
  assert.deepEqual(check(serving, { dnsNames: ['svc.cluster.local'] }), [
    'allowedDNSNames: DNS name "svc.cluster.local" is not allowed',
  ]);
  assert.deepEqual(check(serving, { dnsNames: ['evilsvc.cluster.local', 'www.api.example.com'] }), [
    'allowedDNSNames: DNS name "evilsvc.cluster.local" is not allowed',
    'allowedDNSNames: DNS name "www.api.example.com" is not allowed',
  ]);
  assert.deepEqual(check(serving, { dnsNames: ['bad_name!.svc.cluster.local'] }), [
    'DNS name "bad_name!.svc.cluster.local" is not a valid DNS name',
  ]);
  // absent list: no DNS name at all
  assert.deepEqual(check(policy({ allowedUsages: ['server auth'] }), { dnsNames: ['a.b'] }, ['server auth']), [
    'allowedDNSNames: DNS name "a.b" is not allowed',
  ]);
});

test('IP ranges: v4 and v6 CIDRs, family must match', () => {
  assert.deepEqual(check(serving, { ipAddresses: ['192.0.2.7', '10.255.0.1', 'fd00::1234'] }), []);
  assert.deepEqual(check(serving, { ipAddresses: ['192.0.3.1', 'fd00:0:0:1::1', '::ffff:10.0.0.1'] }), [
    'allowedIPRanges: IP address "192.0.3.1" is not in an allowed range',
    'allowedIPRanges: IP address "fd00:0:0:1::1" is not in an allowed range',
    'allowedIPRanges: IP address "::ffff:10.0.0.1" is not in an allowed range',
  ]);
});

test('usages must be a subset of allowedUsages; absent allows none', () => {
  assert.deepEqual(check(serving, {}, ['digital signature', 'key encipherment', 'server auth']), []);
  assert.deepEqual(check(serving, {}, ['server auth', 'client auth']), [
    'allowedUsages: usage "client auth" is not allowed',
  ]);
  assert.deepEqual(check(policy({}), {}, ['server auth']), [
    'allowedUsages: usage "server auth" is not allowed (no usage is allowed)',
  ]);
});

test('common name: empty or an allowed DNS name without allowedCommonNames; whole-value RE2 match with it', () => {
  assert.deepEqual(check(serving, { subject: { commonName: 'web.ns.svc.cluster.local' } }), []);
  assert.deepEqual(check(serving, { subject: {} }), []);
  assert.deepEqual(check(serving, { subject: { commonName: 'admin' } }), [
    'allowedCommonNames: common name "admin" is not allowed (without allowedCommonNames the CN must be empty or an allowed DNS name)',
  ]);
  const p = policy({ allowedUsages: ['client auth'], allowedCommonNames: ['app-[a-z]+', 'svc:.*'] });
  assert.deepEqual(check(p, { subject: { commonName: 'app-web' } }, ['client auth']), []);
  assert.deepEqual(check(p, { subject: { commonName: 'svc:' } }, ['client auth']), []);
  // the pattern must match the whole value, not a part of it
  for (const cn of ['xapp-web', 'app-web2', 'app-', ''])
    assert.deepEqual(check(p, { subject: { commonName: cn } }, ['client auth']), [
      `allowedCommonNames: common name ${JSON.stringify(cn)} does not match an allowed pattern`,
    ]);
});

test('URI and email SANs: whole-value patterns; absent allows none', () => {
  const p = policy({
    allowedUsages: ['client auth'],
    allowedURISANs: ['spiffe://cluster\\.local/ns/[a-z0-9-]+/sa/[a-z0-9-]+'],
    allowedEmailSANs: ['[a-z]+@example\\.com'],
  });
  const ok = { uris: ['spiffe://cluster.local/ns/web/sa/api'], emailAddresses: ['ops@example.com'] };
  assert.deepEqual(check(p, ok, ['client auth']), []);
  assert.deepEqual(
    check(p, { uris: ['spiffe://cluster.local/ns/web/sa/api/x'], emailAddresses: ['ops@example.com.evil'] }, [
      'client auth',
    ]),
    [
      'allowedURISANs: URI "spiffe://cluster.local/ns/web/sa/api/x" is not allowed',
      'allowedEmailSANs: email address "ops@example.com.evil" is not allowed',
    ],
  );
  assert.deepEqual(check(serving, ok), [
    'allowedURISANs: URI "spiffe://cluster.local/ns/web/sa/api" is not allowed',
    'allowedEmailSANs: email address "ops@example.com" is not allowed',
  ]);
});

test('key types: RSA sizes are minimums, curves exact; absent = RSA ≥ 2048, ECDSA, Ed25519', () => {
  const p = policy({ allowedUsages: ['server auth'], allowedKeyTypes: ['ECDSA-P384', 'RSA-3072', 'ed25519'] });
  const k = (key: NonNullable<CsrSpec['key']>, pol = p) => check(pol, { key }, ['server auth']);
  assert.deepEqual(k('p384'), []);
  assert.deepEqual(k('rsa3072'), []);
  assert.deepEqual(k('ed25519'), []);
  assert.deepEqual(k('p256'), ['allowedKeyTypes: key type ECDSA-P256 is not allowed']);
  assert.deepEqual(k('rsa2048'), ['allowedKeyTypes: key type RSA-2048 is not allowed']);
  const dflt = policy({ allowedUsages: ['server auth'] });
  for (const ok of ['p256', 'p384', 'rsa2048', 'ed25519'] as const) assert.deepEqual(k(ok, dflt), [], ok);
  assert.deepEqual(k('rsa1024', dflt), ['allowedKeyTypes: key type RSA-1024 is not allowed']);
  assert.deepEqual(k('p521', dflt), ['allowedKeyTypes: key type ECDSA-P521 is not allowed']);
});

test('duplicate SANs are refused; every violation is listed', () => {
  assert.deepEqual(
    check(
      serving,
      {
        subject: { commonName: 'root' },
        dnsNames: ['a.svc.cluster.local', 'A.svc.cluster.local', 'evil.com'],
        ipAddresses: ['10.0.0.1', '10.0.0.1'],
      },
      ['server auth', 'cert sign'],
    ),
    [
      'allowedUsages: usage "cert sign" is not allowed',
      'allowedDNSNames: DNS name "evil.com" is not allowed',
      'allowedCommonNames: common name "root" is not allowed (without allowedCommonNames the CN must be empty or an allowed DNS name)',
      'duplicate DNS name SAN "a.svc.cluster.local"',
      'duplicate IP address SAN "10.0.0.1"',
    ],
  );
});

test('parsePolicyFields: every bad value with its field path', () => {
  const r = parsePolicyFields(
    {
      allowedUsages: ['server auth', 'frobnicate', 'server auth'],
      allowedDNSNames: ['*.ok.example', 'a.*.example', '*', 'UPPER.example'],
      allowedIPRanges: ['10.0.0.0/8', '10.0.0.0/33', '300.1.1.1/8', 'fd00::/129', '10.0.0.1'],
      allowedCommonNames: ['(?=lookahead)', 'ok', '(a)\\1'],
      allowedURISANs: 'spiffe://.*',
      allowedEmailSANs: [7],
      allowedKeyTypes: ['RSA-1024', 'ECDSA-P192', 'RSA-4096'],
    },
    FieldPath.root('rules').index(2),
  );
  assert.deepEqual(
    r.errors.map((e) => `${e.field} ${e.type}`),
    [
      'rules[2].allowedUsages[1] NotSupported',
      'rules[2].allowedUsages[2] Duplicate',
      'rules[2].allowedDNSNames[1] Invalid',
      'rules[2].allowedDNSNames[2] Invalid',
      'rules[2].allowedIPRanges[1] Invalid',
      'rules[2].allowedIPRanges[2] Invalid',
      'rules[2].allowedIPRanges[3] Invalid',
      'rules[2].allowedIPRanges[4] Invalid',
      'rules[2].allowedCommonNames[0] Invalid',
      'rules[2].allowedCommonNames[2] Invalid',
      'rules[2].allowedURISANs TypeInvalid',
      'rules[2].allowedEmailSANs[0] TypeInvalid',
      'rules[2].allowedKeyTypes[0] NotSupported',
      'rules[2].allowedKeyTypes[1] NotSupported',
    ],
  );
  assert.match(String(r.errors[8]!.detail), /RE2 syntax/);
  assert.deepEqual(r.policy.allowedDNSNames, ['*.ok.example', 'upper.example']);
});

test('a pathological pattern runs in linear time (RE2), not backtracking', () => {
  const p = policy({ allowedUsages: ['client auth'], allowedCommonNames: ['([a-z0-9]+-?)+\\.example\\.com'] });
  const t0 = process.hrtime.bigint();
  const v = check(p, { subject: { commonName: `${'a-'.repeat(30)}a!` } }, ['client auth']);
  assert.equal(v.length, 1);
  assert.ok(process.hrtime.bigint() - t0 < 2_000_000_000n);
});
