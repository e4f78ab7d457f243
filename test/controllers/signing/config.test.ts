/**
 * --signer-config: the SignerConfiguration read strictly; every problem reported at once
 * with its field path, exit code 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubetlsError } from '../../../src/errors/index.js';
import { parseSignerConfiguration } from '../../../src/controllers/signing/config.js';

const HEAD = 'apiVersion: kubetls.io/v1alpha1\nkind: SignerConfiguration\n';

test('the issue example parses; paths resolve against the file; maxDuration, caBundle, remote', () => {
  const c = parseSignerConfiguration(
    `${HEAD}signers:
- signerName: example.com/serving
  caCertFile: ca.pem            # any PEM CA
  caKeyFile: /abs/ca-key.pem
  maxDuration: 8760h
  allowedUsages: ["digital signature", "key encipherment", "server auth"]
  allowedDNSNames: ["*.svc.cluster.local", "*.pod.cluster.local"]
  allowedIPRanges: ["192.0.2.0/24", "10.0.0.0/8"]
  caBundle: kube-public/example-serving-ca
- signerName: example.com/remote
  remote: {url: "https://cfssl.example:8888", authKey: "0123456789abcdef", profile: client, caFile: tls-ca.pem}
  allowedUsages: ["client auth"]
`,
    'signers.yaml',
    '/etc/kubetls',
  );
  const [a, b] = c.signers;
  assert.equal(a!.signerName, 'example.com/serving');
  assert.equal(a!.caCertFile, '/etc/kubetls/ca.pem');
  assert.equal(a!.caKeyFile, '/abs/ca-key.pem');
  assert.equal(a!.maxDurationMs, 8760 * 3_600_000);
  assert.deepEqual(a!.caBundle, { namespace: 'kube-public', name: 'example-serving-ca' });
  assert.deepEqual(a!.policy.allowedDNSNames, ['*.svc.cluster.local', '*.pod.cluster.local']);
  assert.equal(a!.remote, undefined);
  assert.equal(b!.caCertFile, undefined);
  assert.equal(b!.maxDurationMs, undefined);
  assert.deepEqual(b!.remote, {
    url: 'https://cfssl.example:8888',
    authKey: Buffer.from('0123456789abcdef', 'hex'),
    profile: 'client',
    caFile: '/etc/kubetls/tls-ca.pem',
  });
});

test('every problem with its field path, exit 2: unknown fields, patterns, CIDRs, durations, duplicate and built-in names', () => {
  let err: unknown;
  try {
    parseSignerConfiguration(
      `apiVersion: kubetls.io/v1
kind: SignerConfiguration
extra: 1
signers:
- signerName: example.com/serving
  caCertFile: ca.pem
  caKeyFile: ca-key.pem
  allowedDnsNames: ["a.example"]
  allowedCommonNames: ["(?!x)"]
  allowedIPRanges: ["10.0.0.0/40"]
  maxDuration: 365d
- signerName: example.com/serving
  caCertFile: ca.pem
  caKeyFile: ca-key.pem
  maxDuration: 1m
- signerName: kubernetes.io/kube-apiserver-client
  caCertFile: ca.pem
  caKeyFile: ca-key.pem
- signerName: no-slash
  remote: {url: "http://plain:8888", authKey: "secret-not-hex", tls: 1}
  caKeyFile: k.pem
- caBundle: "not a configmap"
- 7
`,
      'signers.yaml',
      '/x',
    );
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof KubetlsError);
  assert.equal(err.spec.exit, 2);
  assert.equal(err.code, 'InvalidConfig');
  assert.deepEqual(
    err.fieldErrors.map((e) => `${e.field} ${e.type}`),
    [
      'extra Forbidden',
      'apiVersion NotSupported',
      'signers[0].allowedDnsNames Forbidden',
      'signers[0].maxDuration Invalid',
      'signers[0].allowedIPRanges[0] Invalid',
      'signers[0].allowedCommonNames[0] Invalid',
      'signers[1].maxDuration Invalid',
      'signers[1].signerName Duplicate',
      'signers[2].signerName Forbidden',
      'signers[3].signerName Invalid',
      'signers[3].remote.tls Forbidden',
      'signers[3].remote.url Invalid',
      'signers[3].remote.authKey Forbidden',
      'signers[3].caKeyFile Forbidden',
      'signers[4].signerName Required',
      'signers[4].caCertFile Required',
      'signers[4].caKeyFile Required',
      'signers[4].caBundle Invalid',
      'signers[5] TypeInvalid',
    ],
  );
  assert.match(err.message, /^signers\.yaml: \[extra: Forbidden: unknown field, /);
  assert.match(
    err.message,
    /signers\[0\]\.allowedDnsNames: Forbidden: unknown field \(did you mean "allowedDNSNames"\?\)/,
  );
  assert.doesNotMatch(err.message, /secret-not-hex/); // an auth key is never echoed
});

test('malformed YAML and a document that is not an object: one line, exit 2', () => {
  for (const text of ['signers: [', '- a\n- b', '']) {
    assert.throws(
      () => parseSignerConfiguration(text, 'signers.yaml', '/x'),
      (e: unknown) => e instanceof KubetlsError && e.spec.exit === 2 && /^signers\.yaml/.test(e.message),
    );
  }
});
