/** certs scan: PEM bundles, DER, kubeconfigs (embedded and referenced), garbage, symlinks; formats and exit codes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { scanPaths } from '../../src/cluster/scan.js';
import { generateKey, issueCertificate, certToPem } from '../../src/pki/index.js';
import { boundedCli, cli, initArgs, mkfifo, tmpDir } from '../helpers.js';

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

test('nothing is missed silently: oversized, unterminated PEM and special files are errors (exit 1); temp files never count', async (t) => {
  const dir = tmpDir('kubetls-scan-', t);
  const k = await generateKey('ECDSA-P256');
  const now = Date.now();
  const pem = (cn: string) =>
    certToPem(
      issueCertificate(
        {
          subject: { commonName: cn },
          notBefore: new Date(now - DAY),
          notAfter: new Date(now + 365 * DAY),
          isCA: true,
        },
        { publicKey: k.publicKey, selfSignKey: k.privateKey },
      ),
    );
  const tree = join(dir, 'tree');
  mkdirSync(tree);
  writeFileSync(join(tree, 'good.pem'), pem('good'));
  // a bundle over the 1 MiB cap, with a certificate at its start
  writeFileSync(join(tree, 'big.pem'), pem('in-big') + 'x'.repeat(2 * 1024 * 1024));
  // a copy cut in the middle of its second block, and one with nothing but a BEGIN line
  const cut = pem('cut');
  writeFileSync(join(tree, 'truncated.pem'), pem('before-cut') + cut.slice(0, cut.length / 2));
  writeFileSync(
    join(tree, 'begin-only.pem'),
    '-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAKHBfpegPjMCMA0GCSqGSIb3DQEBCwUA\n',
  );
  // kubetls's own temp files (a write in progress): never counted, never errors
  writeFileSync(join(tree, '.ca.crt.0123456789ab.tmp'), pem('temp-single'));
  writeFileSync(join(tree, '.admin.conf.0123456789ab-7.tmp'), pem('temp-batch'));
  // special files inside the tree are passed over (a kubelet directory holds sockets)
  mkfifo(join(tree, 'a-fifo'));
  const sock = join(tree, 'a-socket');
  const server = createServer().listen(sock);
  t.after(() => server.close());
  await new Promise((r) => server.once('listening', r));
  // a kubeconfig whose references are hostile: the device, a FIFO, an oversized file, a missing one
  mkfifo(join(dir, 'ref-fifo'));
  writeFileSync(join(dir, 'ref-big.crt'), 'y'.repeat(2 * 1024 * 1024));
  const user = (name: string, ref: string) => `- name: ${name}\n  user:\n    client-certificate: ${ref}\n`;
  writeFileSync(
    join(tree, 'hostile.conf'),
    'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers:\n' +
      user('zero', '/dev/zero') +
      user('urandom', '/dev/urandom') +
      user('fifo', join(dir, 'ref-fifo')) +
      user('big', join(dir, 'ref-big.crt')) +
      user('missing', join(dir, 'nope.crt')),
  );
  const r = boundedCli(['certs', 'scan', tree]);
  assert.equal(r.code, 1, r.stderr);
  const out = r.stdout;
  for (const re of [
    /big\.pem\s+!ERROR! .*big\.pem is \d+ bytes, over the 1048576-byte limit/,
    /truncated\.pem #1\s+!ERROR! 1 PEM block has a BEGIN line but no END line/,
    /begin-only\.pem\s+!ERROR! 1 PEM block has a BEGIN line but no END line/,
    /users\[zero\]\.client-certificate\s+!ERROR! \/dev\/zero is a character device, not a regular file/,
    /users\[urandom\]\.client-certificate\s+!ERROR! \/dev\/urandom is a character device/,
    /users\[fifo\]\.client-certificate\s+!ERROR! .*ref-fifo is a FIFO \(named pipe\), not a regular file/,
    /users\[big\]\.client-certificate\s+!ERROR! .*ref-big\.crt is \d+ bytes, over the 1048576-byte limit/,
    /users\[missing\]\.client-certificate\s+!ERROR! cannot read .*nope\.crt: no such file/,
  ])
    assert.match(out, re);
  assert.match(out, /\n2 certificates, 8 errors\n$/, out); // good and before-cut
  assert.doesNotMatch(out, /temp-|\.tmp|a-fifo|a-socket/);
  assert.match(r.stderr, /^\[scan\] 8 problem\(s\): /);
});

test('paths given as arguments: a symlinked directory is followed; a device, FIFO or temp file is an error', async (t) => {
  const dir = tmpDir('kubetls-scan-', t);
  assert.equal(boundedCli(initArgs(join(dir, 'node'))).code, 0);
  symlinkSync(join(dir, 'node'), join(dir, 'link'));
  const direct = boundedCli(['certs', 'scan', join(dir, 'node')]);
  const viaLink = boundedCli(['certs', 'scan', join(dir, 'link')]);
  assert.equal(viaLink.code, 0, viaLink.stderr);
  const count = (s: string) => Number(/\n(\d+) certificates, 0 errors\n$/.exec(s)?.[1]);
  assert.ok(count(direct.stdout) >= 22);
  assert.equal(count(viaLink.stdout), count(direct.stdout), 'the same tree, through the link');
  const fifo = mkfifo(join(dir, 'fifo'));
  writeFileSync(join(dir, '.ca.crt.0123456789ab.tmp'), 'x');
  for (const [arg, re] of [
    ['/dev/zero', /\/dev\/zero\s+!ERROR! \/dev\/zero is a character device, not a regular file/],
    ['/dev/urandom', /\/dev\/urandom\s+!ERROR! \/dev\/urandom is a character device/],
    [fifo, /fifo\s+!ERROR! .*fifo is a FIFO \(named pipe\), not a regular file/],
    [join(dir, '.ca.crt.0123456789ab.tmp'), /!ERROR! a kubetls temporary file/],
  ] as Array<[string, RegExp]>) {
    const r = boundedCli(['certs', 'scan', arg]);
    assert.equal(r.code, 1, arg);
    assert.match(r.stdout, re);
    assert.match(r.stdout, /\n0 certificates, 1 error\n$/);
  }
});

test('the depth and file-count limits say where they cut the scan', async (t) => {
  const dir = tmpDir('kubetls-scan-', t);
  mkdirSync(join(dir, 'a/b/c'), { recursive: true });
  for (const n of ['1', '2', '3']) writeFileSync(join(dir, `f${n}`), 'x');
  const deep = await scanPaths([dir], { now: new Date(), maxDepth: 1 });
  assert.deepEqual(
    deep.map((e) => [e.path, e.error]),
    [[join(dir, 'a/b'), 'not scanned: deeper than 1 directory levels']],
  );
  const many = await scanPaths([dir], { now: new Date(), maxFiles: 2 });
  assert.deepEqual(
    many.map((e) => e.error),
    ['not scanned: the 2-file limit was reached here'],
  );
});
