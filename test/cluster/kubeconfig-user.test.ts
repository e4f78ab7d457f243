/** kubeconfig user and generate-csr, checked with kubectl and openssl. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseKubeconfig } from '../../src/cluster/kubeconfig.js';
import { parseCertificatePem } from '../../src/pki/certpem.js';
import { CLI, cli, initArgs, openssl, run, tmpDir } from '../helpers.js';

test('kubeconfig user: CN/O from flags, validity, signed by the cluster CA, readable by kubectl', async (t) => {
  const dir = tmpDir('kubetls-user-', t);
  assert.equal(cli(initArgs(dir, { extra: ['--control-plane-endpoint', 'api.example.com'] })).code, 0);
  const out = join(dir, 'alice.conf');
  const r = cli([
    'kubeconfig',
    'user',
    '--client-name',
    'alice',
    '--org',
    'devs,ops',
    '--org',
    'qa',
    '--validity-period',
    '48h',
    '--dir',
    dir,
    '--control-plane-endpoint',
    'api.example.com',
    '--out',
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(statSync(out).mode & 0o777, 0o600);
  const k = await parseKubeconfig(readFileSync(out, 'utf8'), out);
  assert.equal(k.server, 'https://api.example.com:6443');
  const c = parseCertificatePem(k.clientCertPem!);
  // Go (kubeadm, cfssl) puts every O into one multi-valued RDN, its values ordered by their DER encoding
  assert.deepEqual(c.subject, { commonName: 'alice', organization: ['qa', 'ops', 'devs'] });
  assert.deepEqual(c.extKeyUsage, ['clientAuth']);
  assert.ok(Math.abs(c.notAfter.getTime() - Date.now() - 48 * 3600_000) < 60_000);
  const kc = run('kubectl', [
    'config',
    'view',
    '--raw',
    '--kubeconfig',
    out,
    '-o',
    'jsonpath={.users[0].user.client-certificate-data}',
  ]);
  assert.equal(kc.code, 0, kc.stderr);
  const certFile = join(dir, 'alice.crt');
  (await import('node:fs')).writeFileSync(certFile, Buffer.from(kc.stdout, 'base64'));
  assert.match(openssl(['verify', '-purpose', 'sslclient', '-CAfile', join(dir, 'pki/ca.crt'), certFile]).stdout, /OK/);
  const tok = cli(['kubeconfig', 'user', '--client-name', 'bob', '--token', 'abcdef.0123456789abcdef', '--dir', dir]);
  assert.match(tok.stdout, /token: abcdef\.0123456789abcdef/);
  // a shell redirect makes a file under the umask: said, since the file holds a private key
  const redirected = join(dir, 'carol.conf');
  const sh = run('sh', [
    '-c',
    `umask 022; "${process.execPath}" "${CLI}" kubeconfig user --client-name carol --dir "${dir}" > "${redirected}"`,
  ]);
  assert.equal(sh.code, 0, sh.stderr);
  assert.match(sh.stderr, /stdout is a file others can read.*use --out FILE/);
  assert.match(readFileSync(redirected, 'utf8'), /client-key-data/);
  const piped = run('sh', [
    '-c',
    `umask 022; "${process.execPath}" "${CLI}" kubeconfig user --client-name carol --dir "${dir}" | cat > /dev/null`,
  ]);
  assert.equal(piped.code, 0, piped.stderr);
  assert.doesNotMatch(piped.stderr, /stdout is a file/);
  const none = cli(['kubeconfig', 'user', '--client-name', 'x', '--dir', join(dir, 'nothing-here')]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /ca\.crt does not exist/);
});

test("generate-csr writes keys and CSRs openssl accepts, with the catalog's identities and SANs", (t) => {
  const dir = tmpDir('kubetls-csr-', t);
  const r = cli([
    'certs',
    'generate-csr',
    '--dir',
    dir,
    '--node-name',
    'n1',
    '--apiserver-advertise-address',
    '10.1.2.3',
    '--encryption-algorithm',
    'ECDSA-P256',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const text = openssl(['req', '-in', join(dir, 'pki/apiserver.csr'), '-noout', '-verify', '-text']);
  assert.match(text.stdout + text.stderr, /verify OK/);
  assert.match(text.stdout, /CN\s*=\s*kube-apiserver/);
  assert.match(text.stdout, /DNS:kubernetes.default.svc.cluster.local/);
  assert.match(text.stdout, /IP Address:10.1.2.3/);
  assert.equal(statSync(join(dir, 'pki/apiserver.key')).mode & 0o777, 0o600);
  assert.match(
    openssl(['req', '-in', join(dir, 'admin.conf.csr'), '-noout', '-subject']).stdout,
    /O\s*=\s*kubeadm:cluster-admins, CN\s*=\s*kubernetes-admin/,
  );
  assert.ok(existsSync(join(dir, 'pki/etcd/peer.csr')));
  const key = readFileSync(join(dir, 'pki/apiserver.key'));
  const again = cli([
    'certs',
    'generate-csr',
    '--dir',
    dir,
    '--node-name',
    'n1',
    '--apiserver-advertise-address',
    '10.1.2.3',
  ]);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(readFileSync(join(dir, 'pki/apiserver.key')), key, 'existing keys are reused, never replaced');
  assert.match(again.stdout, /Reused existing key/);
});

test('generate-csr --dry-run names every key and CSR it would write and writes nothing; the real run leaves no journal', (t) => {
  const dir = tmpDir('kubetls-csr-dry-', t);
  const flags = ['--dir', dir, '--node-name', 'n1', '--apiserver-advertise-address', '10.1.2.3'];
  const dry = cli(['certs', 'generate-csr', '--dry-run', ...flags, '--encryption-algorithm', 'ECDSA-P256']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(
    dry.stdout,
    new RegExp(
      `^\\[certs\\] Would write a new key ${join(dir, 'pki/apiserver.key')} and write CSR ${join(dir, 'pki/apiserver.csr')}$`,
      'm',
    ),
  );
  assert.equal(dry.stdout.trim().split('\n').length, 7 + 6);
  assert.ok(!existsSync(dir) || readdirSync(dir).length === 0, 'nothing written');
  assert.equal(cli(['certs', 'generate-csr', ...flags, '--encryption-algorithm', 'ECDSA-P256']).code, 0);
  const csr = readFileSync(join(dir, 'pki/apiserver.csr'), 'latin1');
  // a second dry run: the keys are reused and each CSR would be kept as a backup
  const again = cli(['certs', 'generate-csr', '--dry-run', ...flags]);
  assert.match(
    again.stdout,
    /Would reuse the existing key .*apiserver\.key and write CSR .*apiserver\.csr \(the current one kept as .*apiserver\.csr\.bak-\d{8}T\d{6}Z\)/,
  );
  assert.equal(readFileSync(join(dir, 'pki/apiserver.csr'), 'latin1'), csr);
  assert.ok(!readdirSync(join(dir, 'pki')).some((f) => f.startsWith('.')), 'no journal, no temp file');
});
