/**
 * loadSignerSet end to end on real CAs (cfssl gencert -initca, openssl): each built-in
 * signer's certificate field by field on a fixed time, expirationSeconds arithmetic, the
 * custom signer's policy, `openssl verify` of what it issues, hostile requests, unusable
 * CAs (expired, no keyCertSign, not a CA), CA files reloaded on change, caBundles.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSignerSet, type SignOutcome, type SignerSet } from '../../../src/controllers/signing/index.js';
import { certToPem as certPem, parseCertificatePem } from '../../../src/pki/index.js';
import { KubetlsError } from '../../../src/errors/index.js';
import { openssl, tmpDir } from '../../helpers.js';
import { cfsslCa, csrObject, opensslCa, readText, sh } from './fixtures.js';

const H = 3_600_000;
const NODE = { subject: { commonName: 'system:node:w1', organization: ['system:nodes'] } };

async function set(t: { after: (fn: () => void) => void }, s: Parameters<typeof loadSignerSet>[0]): Promise<SignerSet> {
  const ss = await loadSignerSet(s);
  t.after(() => ss.close());
  return ss;
}

function issued(o: SignOutcome) {
  assert.ok(o.ok, o.ok ? '' : `${o.reason}: ${o.message}`);
  return parseCertificatePem(o.certificate);
}

function verify(dir: string, caFile: string, pem: string, at: Date, purpose?: string): string {
  writeFileSync(join(dir, 'leaf.pem'), pem);
  const args = ['verify', '-attime', String(Math.floor(at.getTime() / 1000)), '-CAfile', caFile];
  if (purpose) args.push('-purpose', purpose);
  return openssl([...args, join(dir, 'leaf.pem')], false).stdout.trim();
}

test('built-in signers: the template field by field, one CA for all three, openssl verify', async (t) => {
  const dir = tmpDir('kubetls-signing-', t);
  const ca = opensslCa(dir, 'kubernetes');
  const caCert = parseCertificatePem(readText(ca.cert));
  const signers = await set(t, {
    builtin: [
      'kubernetes.io/kube-apiserver-client',
      'kubernetes.io/kube-apiserver-client-kubelet',
      'kubernetes.io/kubelet-serving',
    ].map((signerName) => ({
      signerName: signerName as 'kubernetes.io/kubelet-serving',
      certFile: ca.cert,
      keyFile: ca.key,
    })),
  });
  assert.deepEqual(signers.signerNames().length, 3);
  assert.equal(signers.handles('kubernetes.io/legacy-unknown'), false);
  assert.equal(signers.handles('example.com/x'), false);
  const now = new Date(caCert.notBefore.getTime() + 24 * H);

  const client = issued(
    await signers.sign(
      csrObject('kubernetes.io/kube-apiserver-client', {
        subject: { commonName: 'jane', organization: ['dev'] },
        usages: ['client auth', 'digital signature'],
      }),
      now,
    ),
  );
  assert.deepEqual(client.subject, { commonName: 'jane', organization: ['dev'] });
  assert.deepEqual(client.extKeyUsage, ['clientAuth']);
  assert.deepEqual(client.keyUsage, ['digitalSignature']);
  assert.equal(client.isCA, false);
  assert.equal(client.subjectKeyId, undefined);
  assert.deepEqual(client.authorityKeyId, caCert.subjectKeyId);
  assert.equal(client.notBefore.getTime(), now.getTime() - 5 * 60_000);
  assert.equal(client.notAfter.getTime(), now.getTime() + 8760 * H - 5 * 60_000); // the CA lives 10 years
  assert.ok(client.serialNumber > 0n && client.serialNumber < 1n << 128n);
  assert.equal(client.issuerString, caCert.subjectString);
  assert.match(verify(dir, ca.cert, certPem(client.der), now, 'sslclient'), /OK$/);

  const kubelet = issued(
    await signers.sign(
      csrObject('kubernetes.io/kube-apiserver-client-kubelet', {
        ...NODE,
        usages: ['digital signature', 'client auth'],
        expirationSeconds: 3600,
      }),
      now,
    ),
  );
  assert.deepEqual(kubelet.subject, NODE.subject);
  assert.equal(kubelet.notAfter.getTime(), now.getTime() + H); // short: no backdate on NotAfter
  assert.deepEqual([kubelet.dnsNames, kubelet.ipAddresses], [[], []]);

  const serving = issued(
    await signers.sign(
      csrObject('kubernetes.io/kubelet-serving', {
        ...NODE,
        dnsNames: ['w1', 'w1.example'],
        ipAddresses: ['10.0.0.7', 'fd00::7'],
        usages: ['digital signature', 'key encipherment', 'server auth'],
        expirationSeconds: 86_400,
      }),
      now,
    ),
  );
  assert.deepEqual(serving.dnsNames, ['w1', 'w1.example']);
  assert.deepEqual(serving.ipAddresses, ['10.0.0.7', 'fd00::7']);
  assert.deepEqual(serving.extKeyUsage, ['serverAuth']);
  assert.deepEqual([...serving.keyUsage].sort(), ['digitalSignature', 'keyEncipherment']);
  assert.equal(serving.notAfter.getTime(), now.getTime() + 24 * H - 5 * 60_000);
  assert.match(verify(dir, ca.cert, certPem(serving.der), now, 'sslserver'), /OK$/);

  // a refused built-in request: upstream's reason and message
  assert.deepEqual(
    await signers.sign(
      csrObject('kubernetes.io/kubelet-serving', { ...NODE, usages: ['digital signature', 'server auth'] }),
      now,
    ),
    { ok: false, reason: 'SignerValidationFailure', message: 'DNS or IP subjectAltName is required' },
  );
});

test('expirationSeconds: capped at --cluster-signing-duration, floored at 10 min, cut at the CA', async (t) => {
  const dir = tmpDir('kubetls-signing-', t);
  const ca = opensslCa(dir, 'short', { days: 30 });
  const caCert = parseCertificatePem(readText(ca.cert));
  const signers = await set(t, {
    builtin: [{ signerName: 'kubernetes.io/kube-apiserver-client', certFile: ca.cert, keyFile: ca.key }],
    clusterSigningDurationMs: 48 * H,
  });
  const now = new Date(caCert.notBefore.getTime() + H);
  const life = async (expirationSeconds?: number) => {
    const c = issued(
      await signers.sign(
        csrObject('kubernetes.io/kube-apiserver-client', {
          usages: ['client auth'],
          ...(expirationSeconds === undefined ? {} : { expirationSeconds }),
        }),
        now,
      ),
    );
    return c.notAfter.getTime() - now.getTime();
  };
  const bd = 5 * 60_000;
  assert.equal(await life(), 48 * H - bd);
  assert.equal(await life(100 * 3600), 48 * H - bd);
  assert.equal(await life(600), 10 * 60_000);
  assert.equal(await life(60), 10 * 60_000); // below the API's minimum (another server): floored
  assert.equal(await life(8 * 3600 - 1), 8 * H - 1000);
  assert.equal(await life(8 * 3600), 8 * H - bd);
  const late = new Date(caCert.notAfter.getTime() - H);
  const c = issued(
    await signers.sign(csrObject('kubernetes.io/kube-apiserver-client', { usages: ['client auth'] }), late),
  );
  assert.equal(c.notAfter.getTime(), caCert.notAfter.getTime());
});

function customConfig(dir: string, ca: { cert: string; key: string }, extra = ''): string {
  const file = join(dir, 'signers.yaml');
  writeFileSync(
    file,
    `apiVersion: kubetls.io/v1alpha1
kind: SignerConfiguration
signers:
- signerName: example.com/serving
  caCertFile: ${ca.cert}
  caKeyFile: ${ca.key}
  maxDuration: 720h
  allowedUsages: ["digital signature", "key encipherment", "server auth"]
  allowedDNSNames: ["*.svc.cluster.local", "*.pod.cluster.local"]
  allowedIPRanges: ["192.0.2.0/24", "10.0.0.0/8"]
  caBundle: kube-public/example-serving-ca
${extra}`,
  );
  return file;
}

test('custom signer on a cfssl-made CA: policy enforced, maxDuration, openssl verify, caBundles', async (t) => {
  const dir = tmpDir('kubetls-signing-', t);
  const ca = cfsslCa(dir);
  const signers = await set(t, { signerConfigFile: customConfig(dir, ca) });
  assert.deepEqual(signers.signerNames(), ['example.com/serving']);
  const now = new Date(Math.floor(Date.now() / 1000) * 1000); // certificates hold whole seconds
  const ok = issued(
    await signers.sign(
      csrObject('example.com/serving', {
        subject: { commonName: 'web.default.svc.cluster.local' },
        dnsNames: ['web.default.svc.cluster.local', '10-0-0-9.default.pod.cluster.local'],
        ipAddresses: ['10.0.0.9'],
        usages: ['digital signature', 'key encipherment', 'server auth'],
      }),
      now,
    ),
  );
  assert.deepEqual(ok.dnsNames, ['web.default.svc.cluster.local', '10-0-0-9.default.pod.cluster.local']);
  assert.equal(ok.notAfter.getTime() - now.getTime(), 720 * H - 5 * 60_000);
  assert.match(verify(dir, ca.cert, certPem(ok.der), now, 'sslserver'), /OK$/);

  const refused = await signers.sign(
    csrObject('example.com/serving', {
      dnsNames: ['svc.cluster.local', 'evil.example.com'],
      ipAddresses: ['8.8.8.8'],
      usages: ['server auth', 'client auth'],
    }),
    now,
  );
  assert.deepEqual(refused, {
    ok: false,
    reason: 'SignerValidationFailure',
    message:
      'refused by example.com/serving\'s policy: allowedUsages: usage "client auth" is not allowed; ' +
      'allowedDNSNames: DNS name "svc.cluster.local" is not allowed; allowedDNSNames: DNS name "evil.example.com" is not allowed; ' +
      'allowedIPRanges: IP address "8.8.8.8" is not in an allowed range',
  });
  const [bundle] = signers.caBundles();
  assert.equal(bundle!.namespace, 'kube-public');
  assert.equal(bundle!.name, 'example-serving-ca');
  assert.equal(parseCertificatePem(bundle!.pem).subjectString, parseCertificatePem(readText(ca.cert)).subjectString);
});

test('hostile requests: garbage, wrong PEM, bad signature, unknown usages, huge and duplicate SANs, unsupported keys, the CA key', async (t) => {
  const dir = tmpDir('kubetls-signing-', t);
  const ca = cfsslCa(dir);
  const signers = await set(t, {
    signerConfigFile: customConfig(dir, ca),
    builtin: [{ signerName: 'kubernetes.io/kube-apiserver-client', certFile: ca.cert, keyFile: ca.key }],
  });
  const now = new Date();
  const u = ['server auth'];
  const fails = async (obj: ReturnType<typeof csrObject>, re: RegExp) => {
    const o = await signers.sign(obj, now);
    assert.ok(!o.ok);
    assert.equal(o.reason, 'SignerValidationFailure');
    assert.match(o.message, re);
    assert.equal(o.retry, undefined);
  };
  await fails(
    csrObject('example.com/serving', { request: Buffer.from('garbage').toString('base64') }),
    /PEM block type must be CERTIFICATE REQUEST/,
  );
  await fails(csrObject('example.com/serving', { request: 'not base64 at all!!' }), /cannot be used/);
  await fails(
    csrObject('example.com/serving', { request: Buffer.from(readText(ca.cert)).toString('base64') }),
    /PEM block type must be CERTIFICATE REQUEST/,
  );
  const truncated = Buffer.from(
    '-----BEGIN CERTIFICATE REQUEST-----\nMIIBIjCByQIBADA=\n-----END CERTIFICATE REQUEST-----\n',
  ).toString('base64');
  await fails(csrObject('example.com/serving', { request: truncated }), /cannot be used/);
  // a request whose signature does not verify (one byte of the signature flipped)
  sh(
    dir,
    `openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout x.key -subj /O=t -outform DER -out x.der 2>/dev/null`,
  );
  const der = readFileSync(join(dir, 'x.der'));
  der[der.length - 3] = der[der.length - 3]! ^ 0xff;
  await fails(
    csrObject('example.com/serving', {
      request: Buffer.from(
        `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`,
      ).toString('base64'),
    }),
    /verification|cannot be used/,
  );
  await fails(
    csrObject('kubernetes.io/kube-apiserver-client', { usages: ['client auth', 'frobnicate'] }),
    /invalid usage for client certificate: frobnicate/,
  );
  const huge = Array.from({ length: 600 }, (_, i) => `n${i}.${'x'.repeat(40)}.svc.cluster.local`);
  const hugeOutcome = await signers.sign(csrObject('example.com/serving', { dnsNames: huge, usages: u }), now);
  assert.ok(hugeOutcome.ok, 'many SANs within the policy are signed (the request is within the 64 KiB bound)');
  await fails(
    csrObject('example.com/serving', { dnsNames: [`${'a'.repeat(64)}.svc.cluster.local`], usages: u }),
    /is not a valid DNS name/,
  );
  await fails(
    csrObject('example.com/serving', { dnsNames: ['a.svc.cluster.local', 'a.svc.cluster.local'], usages: u }),
    /duplicate DNS name SAN/,
  );
  await fails(csrObject('example.com/serving', { key: 'rsa1024', usages: u }), /key type RSA-1024 is not allowed/);
  await fails(csrObject('example.com/serving', { key: 'p521', usages: u }), /key type ECDSA-P521 is not allowed/);
  // the CA's own key in a request
  sh(dir, `openssl req -new -key ca-key.pem -subj /O=t -out own.csr`);
  await fails(
    csrObject('example.com/serving', {
      request: Buffer.from(readText(join(dir, 'own.csr'))).toString('base64'),
      usages: u,
    }),
    /the signer's own CA key/,
  );
});

test('unusable CAs: expired, without keyCertSign, not a CA → SignerCAUnusable, nothing thrown', async (t) => {
  const dir = tmpDir('kubetls-signing-', t);
  const noSign = opensslCa(dir, 'nosign', {
    ext: 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,digitalSignature',
  });
  const leafish = opensslCa(dir, 'leafish', { ext: 'basicConstraints=critical,CA:FALSE' });
  const good = opensslCa(dir, 'good', { days: 1 });
  const one = (
    signerName:
      | 'kubernetes.io/kube-apiserver-client'
      | 'kubernetes.io/kubelet-serving'
      | 'kubernetes.io/kube-apiserver-client-kubelet',
    f: { cert: string; key: string },
  ) => ({
    signerName,
    certFile: f.cert,
    keyFile: f.key,
  });
  const signers = await set(t, {
    builtin: [
      one('kubernetes.io/kube-apiserver-client', noSign),
      one('kubernetes.io/kube-apiserver-client-kubelet', leafish),
      one('kubernetes.io/kubelet-serving', good),
    ],
  });
  const now = new Date();
  const a = await signers.sign(csrObject('kubernetes.io/kube-apiserver-client', { usages: ['client auth'] }), now);
  assert.deepEqual(a.ok ? a : { reason: a.reason, m: /no keyCertSign key usage/.test(a.message) }, {
    reason: 'SignerCAUnusable',
    m: true,
  });
  const b = await signers.sign(
    csrObject('kubernetes.io/kube-apiserver-client-kubelet', { ...NODE, usages: ['digital signature', 'client auth'] }),
    now,
  );
  assert.ok(!b.ok && b.reason === 'SignerCAUnusable' && /is not a CA/.test(b.message), JSON.stringify(b));
  const later = new Date(now.getTime() + 3 * 24 * H);
  const c = await signers.sign(
    csrObject('kubernetes.io/kubelet-serving', {
      ...NODE,
      dnsNames: ['w1'],
      usages: ['digital signature', 'server auth'],
    }),
    later,
  );
  assert.ok(
    !c.ok && c.reason === 'SignerCAUnusable' && /^the signer has expired: NotAfter=/.test(c.message),
    JSON.stringify(c),
  );
});

test('CA files reloaded on change; a mismatched pair mid-rotation keeps the previous CA; bad files stop start-up', async (t) => {
  const dir = tmpDir('kubetls-signing-', t);
  const a = opensslCa(dir, 'a');
  const b = opensslCa(dir, 'b');
  copyFileSync(a.cert, join(dir, 'ca.crt'));
  copyFileSync(a.key, join(dir, 'ca.key'));
  const logs: string[] = [];
  const signers = await set(t, {
    builtin: [
      {
        signerName: 'kubernetes.io/kube-apiserver-client',
        certFile: join(dir, 'ca.crt'),
        keyFile: join(dir, 'ca.key'),
      },
    ],
    log: (_l, m) => logs.push(m),
    timers: { setInterval: () => 0, clearInterval: () => {} },
  });
  const issuer = async () =>
    issued(
      await signers.sign(csrObject('kubernetes.io/kube-apiserver-client', { usages: ['client auth'] }), new Date()),
    ).issuerString;
  assert.equal(await issuer(), 'CN=a');
  copyFileSync(b.cert, join(dir, 'ca.crt')); // half a rotation: b's certificate, a's key
  await signers.reload();
  assert.equal(await issuer(), 'CN=a');
  assert.ok(
    logs.some((l) => /does not belong to the certificate/.test(l)),
    logs.join('\n'),
  );
  copyFileSync(b.key, join(dir, 'ca.key'));
  await signers.reload();
  assert.equal(await issuer(), 'CN=b');
  writeFileSync(join(dir, 'ca.crt'), 'garbage'); // a broken new file keeps the last good one
  await signers.reload();
  assert.equal(await issuer(), 'CN=b');

  writeFileSync(join(dir, 'two.crt'), readText(a.cert) + readText(b.cert));
  await assert.rejects(
    loadSignerSet({
      builtin: [{ signerName: 'kubernetes.io/kube-apiserver-client', certFile: join(dir, 'two.crt'), keyFile: a.key }],
    }),
    /expected 1 certificate, found 2/,
  );
  await assert.rejects(
    loadSignerSet({
      builtin: [{ signerName: 'kubernetes.io/kube-apiserver-client', certFile: a.cert, keyFile: b.key }],
    }),
    (e: unknown) => e instanceof KubetlsError && e.spec.exit === 2 && /does not belong/.test(e.message),
  );
  await assert.rejects(
    loadSignerSet({
      builtin: [
        { signerName: 'kubernetes.io/kube-apiserver-client', certFile: join(dir, 'missing.crt'), keyFile: a.key },
      ],
    }),
    /no such file/,
  );
});
