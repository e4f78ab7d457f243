/**
 * Requests made by the real tools people use: openssl req (RSA, ECDSA P-256/P-384, Ed25519,
 * with SANs) and cfssl genkey | cfssljson -bare (seed 003's workflow; Debian's cfssl and
 * kubetls' own), each created through the CSR strategy and validated as kube-apiserver would.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatFieldError } from '../../../../src/errors/index.js';
import type { KubeObject } from '../../../../src/api/object.js';
import { csrStrategy } from '../../../../src/api/resources/certificates/strategy.js';
import { certificateSubjectRestriction } from '../../../../src/api/resources/certificates/admission.js';
import { readRequest } from '../../../../src/api/resources/certificates/request.js';
import { cli, hasCommand, openssl, run, tmpDir } from '../../../helpers.js';
import { b64 } from './csrs.js';

const HAVE_CFSSL = hasCommand('cfssl') && hasCommand('cfssljson');
const needCfssl = HAVE_CFSSL ? {} : { skip: 'cfssl/cfssljson (Debian golang-cfssl) not installed' };
const NOW = new Date('2026-12-05T12:00:00Z');
const user = { username: 'kubernetes-admin', groups: ['kubeadm:cluster-admins', 'system:authenticated'] };

/** A CSR object as seed 003 applies it, around the given PEM request. */
function manifest(pem: string | Buffer, signerName = 'example.com/serving'): KubeObject {
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name: 'my-svc.my-namespace' },
    spec: { request: b64(pem), signerName, usages: ['digital signature', 'key encipherment', 'server auth'] },
  };
}

function createErrors(obj: KubeObject): string[] {
  const prepared = csrStrategy.prepareForCreate(obj, { user, now: NOW });
  return csrStrategy.validate(prepared, { user, now: NOW }).map(formatFieldError);
}

/** `openssl req -new` with a fresh key (`keyArgs`), written to `out` (its key beside it). */
function opensslRequest(keyArgs: string[], out: string, subject: string): void {
  openssl(['req', '-new', ...keyArgs, '-nodes', '-keyout', `${out}.key`, '-out', out, '-subj', subject]);
}
const P256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];

test('openssl req: RSA, ECDSA and Ed25519 requests, with and without SANs, validate', (t) => {
  const dir = tmpDir('kubetls-csr-', t);
  const variants: Array<[string, string[]]> = [
    ['rsa2048', ['-newkey', 'rsa:2048']],
    ['rsa4096-sha512', ['-newkey', 'rsa:4096', '-sha512']],
    ['p256-sans', [...P256, '-addext', 'subjectAltName=DNS:my-svc.my-namespace.svc,IP:192.0.2.24']],
    ['p384', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384']],
    ['ed25519', ['-newkey', 'ed25519']],
  ];
  for (const [name, args] of variants) {
    const out = join(dir, `${name}.csr`);
    opensslRequest(args, out, '/CN=my-svc.my-namespace.svc/O=example');
    const pem = readFileSync(out);
    assert.deepEqual(createErrors(manifest(pem)), [], name);
    const parsed = readRequest(b64(pem));
    assert.ok(parsed.ok && parsed.csr.subject.commonName === 'my-svc.my-namespace.svc', name);
    // openssl agrees the signature verifies, and a flipped signature byte is caught by both
    const verified = openssl(['req', '-in', out, '-noout', '-verify']);
    assert.match(verified.stdout + verified.stderr, /verify OK/, name);
    const derFile = join(dir, `${name}.der`);
    openssl(['req', '-in', out, '-outform', 'DER', '-out', derFile]);
    const raw = readFileSync(derFile);
    assert.ok(raw.length > 100);
    raw[raw.length - 1] = raw[raw.length - 1]! ^ 0x01;
    const tampered = join(dir, `${name}-tampered.csr`);
    writeFileSync(
      tampered,
      `-----BEGIN CERTIFICATE REQUEST-----\n${raw.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE REQUEST-----\n`,
    );
    // openssl 3.0 exits 0 here; its words are what tell
    const rejected = openssl(['req', '-in', tampered, '-noout', '-verify'], false);
    assert.match(rejected.stdout + rejected.stderr, /verify failure/, `${name}: openssl rejects it`);
    const [err] = createErrors(manifest(readFileSync(tampered)));
    assert.match(
      err!,
      /^spec\.request: Invalid value: ".*": (x509: (ECDSA|Ed25519) verification failure|crypto\/rsa: verification error)$/,
      name,
    );
    // a DER request (not PEM) is refused as kube-apiserver refuses it
    assert.deepEqual(createErrors(manifest(readFileSync(derFile))).length, 1, `${name}: DER`);
  }
});

test('cfssl genkey | cfssljson -bare server (seed 003), with Debian cfssl and with kubetls cfssl', needCfssl, (t) => {
  const dir = tmpDir('kubetls-csr-', t);
  const csrJson = JSON.stringify({
    hosts: [
      'my-svc.my-namespace.svc.cluster.local',
      'my-pod.my-namespace.pod.cluster.local',
      '192.0.2.24',
      '10.0.34.2',
    ],
    CN: 'my-pod.my-namespace.pod.cluster.local',
    key: { algo: 'ecdsa', size: 256 },
  });
  const rsaJson = JSON.stringify({ CN: 'alice', names: [{ O: 'dev' }], key: { algo: 'rsa', size: 2048 } });
  for (const [tool, genkey] of [
    ['cfssl', (json: string) => run('cfssl', ['genkey', '-'], { input: json, cwd: dir })],
    ['kubetls', (json: string) => cli(['cfssl', 'genkey', '-'], { input: json, cwd: dir })],
  ] as const) {
    for (const [label, json] of [
      ['ecdsa', csrJson],
      ['rsa', rsaJson],
    ] as const) {
      const g = genkey(json);
      assert.equal(g.code, 0, `${tool} genkey: ${g.stderr}`);
      const bare = run('cfssljson', ['-bare', `${tool}-${label}`], { input: g.stdout, cwd: dir });
      assert.equal(bare.code, 0, bare.stderr);
      const pem = readFileSync(join(dir, `${tool}-${label}.csr`));
      assert.deepEqual(createErrors(manifest(pem)), [], `${tool} ${label}`);
      const parsed = readRequest(b64(pem));
      assert.ok(parsed.ok, `${tool} ${label}`);
      if (label === 'ecdsa') {
        assert.deepEqual(parsed.csr.dnsNames, [
          'my-svc.my-namespace.svc.cluster.local',
          'my-pod.my-namespace.pod.cluster.local',
        ]);
        assert.deepEqual(parsed.csr.ipAddresses, ['192.0.2.24', '10.0.34.2']);
      }
    }
  }
});

test('openssl req with O=system:masters is refused for kube-apiserver-client and admitted for another signer', async (t) => {
  const dir = tmpDir('kubetls-csr-', t);
  const out = join(dir, 'masters.csr');
  opensslRequest(P256, out, '/CN=eve/O=dev/O=system:masters');
  const pem = readFileSync(out);
  const attributes = {
    user,
    verb: 'create',
    resourceRequest: true,
    apiGroup: 'certificates.k8s.io',
    apiVersion: 'v1',
    resource: 'certificatesigningrequests',
  };
  const authorizer = { authorize: async () => ({ allowed: true }) };
  const client = manifest(pem, 'kubernetes.io/kube-apiserver-client');
  assert.deepEqual(createErrors(structuredClone(client)), []);
  assert.equal(
    await certificateSubjectRestriction({ attributes, obj: client, old: undefined, authorizer }),
    'use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed',
  );
  assert.equal(
    await certificateSubjectRestriction({ attributes, obj: manifest(pem), old: undefined, authorizer }),
    undefined,
  );
});
