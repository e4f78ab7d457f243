/**
 * kube-controller-manager's built-in signers' acceptance rules with upstream's messages
 * (docs/upstream/csr-api.md Part B §1), and the --cluster-signing-* flag rules.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  builtinProblem,
  builtinSignerFiles,
  type BuiltinSignerName,
} from '../../../src/controllers/signing/builtin.js';
import { KubetlsError } from '../../../src/errors/index.js';
import { parsed, type CsrSpec } from './fixtures.js';

const NODE = { subject: { commonName: 'system:node:w1', organization: ['system:nodes'] } };
const p = (signer: BuiltinSignerName, s: CsrSpec, usages: string[]) => builtinProblem(signer, parsed(s), usages);

test('kube-apiserver-client: usages ⊆ {digital signature, key encipherment, client auth} with client auth; subject free', () => {
  const s = 'kubernetes.io/kube-apiserver-client' as const;
  const any = { subject: { commonName: 'jane', organization: ['dev', 'ops'] }, dnsNames: ['x.example'] };
  assert.equal(p(s, any, ['client auth']), undefined);
  assert.equal(p(s, any, ['digital signature', 'key encipherment', 'client auth']), undefined);
  assert.equal(p(s, any, ['client auth', 'server auth']), 'invalid usage for client certificate: server auth');
  assert.equal(p(s, any, ['digital signature']), 'missing required usage for client certificate: client auth');
});

test('kube-apiserver-client-kubelet: O exactly system:nodes, no SANs, CN system:node:*, exact usage sets', () => {
  const s = 'kubernetes.io/kube-apiserver-client-kubelet' as const;
  const u = ['digital signature', 'key encipherment', 'client auth'];
  assert.equal(p(s, NODE, u), undefined);
  assert.equal(p(s, NODE, ['client auth', 'digital signature']), undefined);
  const org = 'subject organization is not system:nodes';
  assert.equal(p(s, { subject: { commonName: 'system:node:w1' } }, u), org);
  assert.equal(p(s, { subject: { commonName: 'system:node:w1', organization: ['system:nodes', 'x'] } }, u), org);
  assert.equal(p(s, { ...NODE, dnsNames: ['w1'] }, u), 'DNS subjectAltNames are not allowed');
  assert.equal(p(s, { ...NODE, emailAddresses: ['a@b.c'] }, u), 'Email subjectAltNames are not allowed');
  assert.equal(p(s, { ...NODE, ipAddresses: ['10.0.0.1'] }, u), 'IP subjectAltNames are not allowed');
  assert.equal(p(s, { ...NODE, uris: ['spiffe://x/y'] }, u), 'URI subjectAltNames are not allowed');
  assert.equal(
    p(s, { subject: { commonName: 'w1', organization: ['system:nodes'] } }, u),
    'subject common name does not begin with system:node:',
  );
  const msg = 'usages did not match [client auth digital signature key encipherment]';
  assert.equal(p(s, NODE, ['client auth']), msg);
  assert.equal(p(s, NODE, [...u, 'server auth']), msg);
});

test('kubelet-serving: O, at least one DNS or IP SAN, no email/URI, exact usage sets, then CN', () => {
  const s = 'kubernetes.io/kubelet-serving' as const;
  const u = ['digital signature', 'key encipherment', 'server auth'];
  assert.equal(p(s, { ...NODE, dnsNames: ['w1'] }, u), undefined);
  assert.equal(p(s, { ...NODE, ipAddresses: ['10.0.0.1'] }, ['digital signature', 'server auth']), undefined);
  assert.equal(p(s, NODE, u), 'DNS or IP subjectAltName is required');
  assert.equal(
    p(s, { ...NODE, ipAddresses: ['10.0.0.1'], emailAddresses: ['a@b.c'] }, u),
    'Email subjectAltNames are not allowed',
  );
  assert.equal(
    p(s, { ...NODE, ipAddresses: ['10.0.0.1'], uris: ['spiffe://x'] }, u),
    'URI subjectAltNames are not allowed',
  );
  assert.equal(
    p(s, { ...NODE, dnsNames: ['w1'] }, ['server auth', 'client auth', 'digital signature']),
    'usages did not match [digital signature key encipherment server auth]',
  );
  // upstream checks usages before the CN
  assert.equal(
    p(s, { subject: { commonName: 'w1', organization: ['system:nodes'] }, dnsNames: ['w1'] }, ['client auth']),
    'usages did not match [digital signature key encipherment server auth]',
  );
  assert.equal(
    p(s, { subject: { commonName: 'w1', organization: ['system:nodes'] }, dnsNames: ['w1'] }, u),
    'subject common name does not begin with system:node:',
  );
});

test('--cluster-signing-* flags: default pair for all, per-signer pairs only for theirs, not both, fallback', () => {
  const fallback = { certFile: '/pki/ca.crt', keyFile: '/pki/ca.key' };
  assert.deepEqual(
    builtinSignerFiles({ fallback }).map((x) => [x.signerName, x.certFile]),
    [
      ['kubernetes.io/kube-apiserver-client', '/pki/ca.crt'],
      ['kubernetes.io/kube-apiserver-client-kubelet', '/pki/ca.crt'],
      ['kubernetes.io/kubelet-serving', '/pki/ca.crt'],
    ],
  );
  assert.deepEqual(builtinSignerFiles({}), []);
  assert.equal(builtinSignerFiles({ certFile: 'a.crt', keyFile: 'a.key', fallback })[2]!.keyFile, 'a.key');
  assert.deepEqual(
    builtinSignerFiles({
      perSigner: { 'kubernetes.io/kubelet-serving': { certFile: 's.crt', keyFile: 's.key' } },
      fallback,
    }),
    [{ signerName: 'kubernetes.io/kubelet-serving', certFile: 's.crt', keyFile: 's.key' }],
  );
  assert.throws(
    () =>
      builtinSignerFiles({
        certFile: 'a.crt',
        keyFile: 'a.key',
        perSigner: { 'kubernetes.io/kubelet-serving': { certFile: 's.crt', keyFile: 's.key' } },
      }),
    (e: unknown) =>
      e instanceof KubetlsError && e.message === 'cannot specify default and per controller certs at the same time',
  );
  assert.throws(
    () => builtinSignerFiles({ perSigner: { 'kubernetes.io/kube-apiserver-client-kubelet': { certFile: 'c.crt' } } }),
    /--cluster-signing-kubelet-client-cert-file and -key-file must be given together/,
  );
});
