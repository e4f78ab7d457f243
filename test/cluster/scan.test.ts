/** certs scan: PEM bundles, DER, kubeconfigs (embedded and referenced), garbage, symlinks; formats and exit codes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scanPaths } from '../../src/cluster/scan.js';
import { generateKey, issueCertificate, certToPem } from '../../src/pki/index.js';
import { cli, tmpDir } from '../helpers.js';

const DAY = 86_400_000;

test('finds every certificate with subject, issuer and expiry; errors are entries, not crashes', async (t) => {
  const dir = tmpDir('kubetls-scan-', t);
  assert.equal(
    cli(['init', '--dir', join(dir, 'node'), '--encryption-algorithm', 'ECDSA-P256', '--node-name', 'n1']).code,
    0,
  );
  const k = await generateKey('ECDSA-P256');
  const now = Date.now();
  const mk = (cn: string, days: number) =>
    issueCertificate(
      { subject: { commonName: cn }, notBefore: new Date(now - DAY), notAfter: new Date(now + days * DAY), isCA: true },
      { publicKey: k.publicKey, selfSignKey: k.privateKey },
    );
  mkdirSync(join(dir, 'misc/deep/er'), { recursive: true });
  writeFileSync(
    join(dir, 'misc/bundle.pem'),
    certToPem(mk('one', 100)) + 'junk between blocks\n' + certToPem(mk('two', 5)),
  );
  writeFileSync(join(dir, 'misc/deep/er/raw.der'), mk('der-cert', 200));
  writeFileSync(join(dir, 'misc/broken.pem'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
  writeFileSync(join(dir, 'misc/notes.txt'), 'nothing to see');
  writeFileSync(join(dir, 'misc/ref.crt'), certToPem(mk('referenced', 50)));
  writeFileSync(
    join(dir, 'misc/ref.conf'),
    'apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    certificate-authority: ref.crt\n    server: https://x\nusers: []\ncontexts: []\n',
  );
  symlinkSync(join(dir, 'misc/bundle.pem'), join(dir, 'misc/link.pem'));
  symlinkSync(join(dir, 'misc'), join(dir, 'misc/deep/loop'));
  const entries = await scanPaths([dir, join(dir, 'nope')], { now: new Date(now) });
  const subjects = entries.filter((e) => !e.error).map((e) => e.subject);
  for (const cn of [
    'CN=one',
    'CN=two',
    'CN=der-cert',
    'CN=referenced',
    'CN=kube-apiserver',
    'CN=kubernetes-admin,O=kubeadm:cluster-admins',
    'CN=etcd-ca',
  ])
    assert.ok(subjects.includes(cn), cn);
  assert.equal(
    subjects.filter((s) => s === 'CN=one').length,
    2,
    'the symlinked file counts, the directory loop does not',
  );
  // a file a kubeconfig references is reported by the path it was read from, openable as printed
  const referenced = entries.filter((e) => e.subject === 'CN=referenced');
  assert.deepEqual(referenced.map((e) => e.path).sort(), [join(dir, 'misc/ref.crt'), join(dir, 'misc/ref.crt')]);
  assert.ok(
    referenced.some((e) => e.location.startsWith(`clusters[c].certificate-authority of ${join(dir, 'misc/ref.conf')}`)),
    JSON.stringify(referenced.map((e) => e.location)),
  );
  const fromKubeconfig = entries.find((e) => e.path.endsWith('admin.conf') && e.location.startsWith('users['));
  assert.equal(fromKubeconfig?.issuer, 'CN=kubernetes');
  assert.ok(
    entries.some((e) => e.path.endsWith('broken.pem') && /MalformedCertificate|not a valid X.509/.test(e.error ?? '')),
  );
  assert.ok(entries.some((e) => e.path.endsWith('nope') && e.error === 'no such file or directory'));
  assert.ok(!entries.some((e) => e.path.endsWith('notes.txt')));
  const two = entries.find((e) => e.subject === 'CN=two')!;
  assert.ok(two.residualMs! > 4 * DAY && two.residualMs! <= 5 * DAY);
});

test('CLI: table and json; exit 1 for expiring or broken, 0 when clean', async (t) => {
  const dir = tmpDir('kubetls-scan-', t);
  assert.equal(cli(['init', '--dir', dir, '--encryption-algorithm', 'ECDSA-P256', '--node-name', 'n1']).code, 0);
  const ok = cli(['certs', 'scan', dir]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^PATH\s+SUBJECT\s+ISSUER\s+EXPIRES\s+RESIDUAL TIME\s+CA$/m);
  assert.match(ok.stdout, /\n(\d+) certificates, 0 errors\n$/);
  const near = cli(['certs', 'scan', dir, '--threshold', '400d']);
  assert.equal(near.code, 1);
  const json = JSON.parse(cli(['certs', 'scan', dir, '-o', 'json']).stdout);
  assert.equal(json.kind, 'CertificateScan');
  assert.ok(json.certificates.length >= 22);
  writeFileSync(join(dir, 'pki', 'bad.crt'), '-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----\n');
  const broken = cli(['certs', 'scan', dir]);
  assert.equal(broken.code, 1);
  assert.match(broken.stdout, /!ERROR!/);
  assert.match(broken.stdout, /\n\d+ certificates, 1 error\n$/); // singular for one
});
