/**
 * A custom signer with `remote:` signs through real `cfssl serve`'s authsign (cfssl's
 * signer/remote): the policy is applied here first, the remote's profile decides usages and
 * lifetime, the CA published in caBundles comes from the remote's info; a wrong auth key or
 * a remote that is down is a retryable failure, never a Failed CSR.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSignerSet } from '../../../src/controllers/signing/index.js';
import { parseCertificatePem } from '../../../src/pki/index.js';
import { openssl, tmpDir } from '../../helpers.js';
import { startCfsslServe } from '../../cfssl/realserve.js';
import { cfsslCa, csrObject } from './fixtures.js';

const KEY_HEX = '00112233445566778899aabbccddeeff';

test('remote signer through cfssl serve authsign', async (t) => {
  const dir = tmpDir('kubetls-signing-remote-', t);
  const ca = cfsslCa(dir, 'remote CA');
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      signing: {
        default: { expiry: '24h', usages: ['digital signature', 'key encipherment', 'server auth'], auth_key: 'k1' },
        profiles: { serving: { usages: ['digital signature', 'server auth'], expiry: '2h', auth_key: 'k1' } },
      },
      auth_keys: { k1: { type: 'standard', key: KEY_HEX } },
    }),
  );
  const cfssl = await startCfsslServe(dir, { config: 'config.json', tls: true });
  t.after(() => cfssl.stop());
  const config = (key: string, url = cfssl.url) => {
    const f = join(dir, `signers-${key.slice(0, 4)}-${url.length}.yaml`);
    writeFileSync(
      f,
      `apiVersion: kubetls.io/v1alpha1
kind: SignerConfiguration
signers:
- signerName: example.com/remote
  remote: {url: "${url}", authKey: "${key}", profile: serving, caFile: ca.pem}
  allowedUsages: ["digital signature", "server auth"]
  allowedDNSNames: ["*.example.internal"]
  caBundle: kube-public/remote-ca
`,
    );
    return f;
  };
  const signers = await loadSignerSet({ signerConfigFile: config(KEY_HEX) });
  t.after(() => signers.close());
  const now = new Date();
  const o = await signers.sign(
    csrObject('example.com/remote', {
      dnsNames: ['api.example.internal'],
      usages: ['digital signature', 'server auth'],
    }),
    now,
  );
  assert.ok(o.ok, JSON.stringify(o));
  const c = parseCertificatePem(o.certificate);
  assert.deepEqual(c.dnsNames, ['api.example.internal']);
  assert.ok(Math.abs(c.notAfter.getTime() - now.getTime() - 2 * 3_600_000) < 10 * 60_000, 'the remote profile sets 2h');
  writeFileSync(join(dir, 'leaf.pem'), o.certificate);
  assert.match(openssl(['verify', '-CAfile', ca.cert, join(dir, 'leaf.pem')]).stdout, /OK/);
  assert.equal(parseCertificatePem(signers.caBundles()[0]!.pem).subjectString, 'CN=remote CA');

  // the policy is checked before anything is sent
  const refused = await signers.sign(
    csrObject('example.com/remote', { dnsNames: ['evil.com'], usages: ['server auth'] }),
    now,
  );
  assert.deepEqual(refused.ok ? refused : [refused.reason, refused.retry], ['SignerValidationFailure', undefined]);

  // a wrong key: the remote refuses; retryable
  const wrong = await loadSignerSet({ signerConfigFile: config('ff' + KEY_HEX.slice(2)) });
  t.after(() => wrong.close());
  const w = await wrong.sign(
    csrObject('example.com/remote', { dnsNames: ['a.example.internal'], usages: ['server auth'] }),
    now,
  );
  assert.ok(!w.ok && w.retry === true && w.reason === 'RemoteSignerFailure', JSON.stringify(w));

  await cfssl.stop();
  const down = await signers.sign(
    csrObject('example.com/remote', { dnsNames: ['a.example.internal'], usages: ['server auth'] }),
    now,
  );
  assert.ok(!down.ok && down.retry === true, JSON.stringify(down));
});
