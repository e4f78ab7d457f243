/**
 * LocalSigner with kube-controller-manager's template (the CSR API's built-in signers,
 * docs/upstream/csr-api.md Part B §1), on a fixed clock, each certificate read back by openssl:
 * subject and SANs copied, the CSR's other extensions dropped, usages mapped with extended
 * key usages in Go's order, no subject key identifier, a 128-bit serial, the lifetime rules
 * (short, long, minimum, maximum, cut at the CA), and the refusals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixedClock, parseCertificate, parsePrivateKeyPem, parseCertificatesPem } from '../../src/pki/index.js';
import { kubernetesSigningPolicy, LocalSigner } from '../../src/signer/local.js';
import { kcmTtl } from '../../src/signer/kcm.js';
import { defaultPolicy } from '../../src/cfssl/config.js';
import { KubetlsError } from '../../src/errors/index.js';
import { openssl, run, tmpDir } from '../helpers.js';

const H = 3_600_000;

function setup(t: { after: (fn: () => void) => void }) {
  const dir = tmpDir('kubetls-kcm-', t);
  const sh = (s: string) => {
    const r = run('sh', ['-c', `set -e; cd "${dir}"; ${s}`]);
    assert.equal(r.code, 0, r.stderr);
  };
  sh(`openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key 2>/dev/null
      openssl req -x509 -new -key ca.key -subj /CN=kubernetes -days 30 -out ca.crt
      openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out node.key 2>/dev/null
      openssl req -new -key node.key -subj "/O=system:nodes/CN=system:node:worker-1" \
        -addext "subjectAltName=DNS:worker-1,IP:10.0.0.7,email:ops@example.com,URI:spiffe://cluster/node" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "nsComment=dropped" -out node.csr`);
  const caPem = readFileSync(join(dir, 'ca.crt'));
  const ca = parseCertificatesPem(caPem)[0]!;
  return {
    dir,
    ca,
    caKey: parsePrivateKeyPem(readFileSync(join(dir, 'ca.key'))),
    csr: readFileSync(join(dir, 'node.csr')),
  };
}

test('the kube-controller-manager template: copied subject and SANs, usages, no SKI, 128-bit serial, other extensions dropped', async (t) => {
  const { dir, ca, caKey, csr } = setup(t);
  const inCaLife = new Date(ca.notBefore.getTime() + 24 * H);
  const signer = new LocalSigner(ca.der, caKey, kubernetesSigningPolicy(), { clock: fixedClock(inCaLife) });
  const r = await signer.sign({
    csr,
    usages: ['digital signature', 'key encipherment', 'client auth', 'server auth', 'client auth'],
    durationMs: 2 * H,
  });
  const c = parseCertificate(r.der);
  assert.deepEqual(c.subject, { organization: ['system:nodes'], commonName: 'system:node:worker-1' });
  assert.deepEqual(c.dnsNames, ['worker-1']);
  assert.deepEqual(c.ipAddresses, ['10.0.0.7']);
  assert.deepEqual(c.emailAddresses, ['ops@example.com']);
  assert.deepEqual(c.uris, ['spiffe://cluster/node']);
  assert.deepEqual(c.extKeyUsage, ['serverAuth', 'clientAuth']); // Go's enum order, de-duplicated
  assert.deepEqual([...c.keyUsage].sort(), ['digitalSignature', 'keyEncipherment']);
  assert.equal(c.isCA, false);
  assert.equal(c.subjectKeyId, undefined);
  assert.deepEqual(c.authorityKeyId, ca.subjectKeyId);
  assert.equal(c.notBefore.getTime(), inCaLife.getTime() - 5 * 60_000);
  assert.equal(c.notAfter.getTime(), inCaLife.getTime() + 2 * H); // short: not shortened by the backdate
  assert.ok(c.serialNumber > 0n && c.serialNumber < 1n << 128n);
  writeFileSync(join(dir, 'leaf.pem'), r.pem);
  const text = openssl(['x509', '-in', join(dir, 'leaf.pem'), '-noout', '-text']).stdout;
  assert.doesNotMatch(text, /Subject Key Identifier|Netscape Comment|CA:TRUE/);
  assert.match(text, /CA:FALSE/);
  assert.match(text, /TLS Web Server Authentication, TLS Web Client Authentication/);
  const serialHex = openssl(['x509', '-in', join(dir, 'leaf.pem'), '-noout', '-serial'])
    .stdout.trim()
    .split('=')[1]!;
  assert.ok(serialHex.length <= 34, serialHex); // at most 16 bytes (+ a leading 00)
  assert.match(
    openssl([
      'verify',
      '-attime',
      String(Math.floor(inCaLife.getTime() / 1000)),
      '-CAfile',
      join(dir, 'ca.crt'),
      join(dir, 'leaf.pem'),
    ]).stdout,
    /OK/,
  );
});

test('lifetimes: none → the maximum; above it → capped; under 10 min → 10 min; 8 h or more → minus the backdate; cut at the CA', async (t) => {
  const { ca, caKey, csr } = setup(t);
  const now = new Date(ca.notBefore.getTime() + H);
  const sign = async (durationMs: number | undefined, maxTtl = 24 * H, at = now) => {
    const s = new LocalSigner(ca.der, caKey, kubernetesSigningPolicy(maxTtl), { clock: fixedClock(at) });
    const c = parseCertificate((await s.sign({ csr, usages: ['client auth'], durationMs })).der);
    return c.notAfter.getTime() - at.getTime();
  };
  const bd = 5 * 60_000;
  assert.equal(await sign(undefined), 24 * H - bd);
  assert.equal(await sign(48 * H), 24 * H - bd);
  assert.equal(await sign(60_000), 10 * 60_000);
  assert.equal(await sign(8 * H - 1000), 8 * H - 1000);
  assert.equal(await sign(8 * H), 8 * H - bd);
  // 60 days asked of a 30-day CA: cut at the CA's NotAfter
  assert.equal(await sign(undefined, 60 * 24 * H), ca.notAfter.getTime() - now.getTime());
  assert.deepEqual([kcmTtl(undefined, 100), kcmTtl(1, 1_000_000), kcmTtl(700_000, 1_000_000)], [100, 600_000, 700_000]);
});

test('refusals: unknown usages, an expired CA, usages sent to a cfssl profile', async (t) => {
  const { ca, caKey, csr } = setup(t);
  const now = new Date(ca.notBefore.getTime() + H);
  const k8s = new LocalSigner(ca.der, caKey, kubernetesSigningPolicy(), { clock: fixedClock(now) });
  await assert.rejects(k8s.sign({ csr, usages: ['client auth', 'frobnicate', 'x'] }), {
    message: 'unrecognized usage values: ["frobnicate" "x"]',
  });
  const late = new LocalSigner(ca.der, caKey, kubernetesSigningPolicy(), {
    clock: fixedClock(new Date(ca.notAfter.getTime() + 1000)),
  });
  await assert.rejects(late.sign({ csr, usages: ['client auth'] }), /^KubetlsError: the signer has expired: NotAfter=/);
  const cfssl = new LocalSigner(ca.der, caKey, defaultPolicy(), { clock: fixedClock(now) });
  await assert.rejects(cfssl.sign({ csr, usages: ['client auth'] }), (e: unknown) => {
    assert.ok(e instanceof KubetlsError);
    assert.match(e.message, /sets usages and expiry itself/);
    return true;
  });
  // the CSR asks for CA:TRUE: the kubernetes template drops that, a cfssl profile refuses it
  await assert.rejects(cfssl.sign({ csr }), /local signer policy disallows issuing CA certificate/);
});
