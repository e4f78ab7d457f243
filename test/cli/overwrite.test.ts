/**
 * Nothing is replaced without a word: kubeconfig user refuses to write over a key or a
 * certificate; every backup a command makes is announced on stderr with its path, and
 * holds the previous content; cfssljson backs up every file it replaces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { boundedCli, tmpDir, initArgs } from '../helpers.js';

/** The `[backup] kept the previous X as Y` lines of stderr, as [X, Y]. */
function backups(stderr: string): Array<[string, string]> {
  return [...stderr.matchAll(/^\[backup\] kept the previous (\S+) as (\S+)$/gm)].map((m) => [m[1]!, m[2]!]);
}

function initTree(t: { after: (fn: () => void) => void }): string {
  const dir = tmpDir('kubetls-overwrite-', t);
  const r = boundedCli(initArgs(dir));
  assert.equal(r.code, 0, r.stderr);
  return dir;
}

test('kubeconfig user --out refuses a file holding a private key, certificate or CSR, and changes nothing', (t) => {
  const dir = initTree(t);
  writeFileSync(join(dir, 'req.csr'), '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n');
  for (const [file, what] of [
    ['pki/ca.key', 'a private key'],
    ['pki/ca.crt', 'a certificate'],
    ['pki/sa.pub', 'PEM data'],
    ['req.csr', 'a certificate request'],
  ]) {
    const path = join(dir, file!);
    const before = readFileSync(path);
    const listing = readdirSync(join(path, '..')).sort();
    const r = boundedCli(['kubeconfig', 'user', '--client-name', 'alice', '--dir', dir, '--out', path]);
    assert.equal(r.code, 2, `${file}: ${r.stderr}`);
    assert.match(
      r.stderr,
      new RegExp(`^error: --out ${path} holds ${what} \\(PEM "[A-Z ]+"\\): refusing to write a kubeconfig over it`),
    );
    assert.deepEqual(readFileSync(path), before, `${file} unchanged`);
    assert.deepEqual(readdirSync(join(path, '..')).sort(), listing, 'no backup, no temp file');
  }
});

test('kubeconfig user --out over another kubeconfig: replaced, the backup kept and announced', (t) => {
  const dir = initTree(t);
  const out = join(dir, 'alice.conf');
  const first = boundedCli(['kubeconfig', 'user', '--client-name', 'alice', '--dir', dir, '--out', out]);
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(backups(first.stderr), []);
  const old = readFileSync(out);
  const second = boundedCli(['kubeconfig', 'user', '--client-name', 'alice', '--dir', dir, '--out', out]);
  assert.equal(second.code, 0, second.stderr);
  const made = backups(second.stderr);
  assert.equal(made.length, 1, second.stderr);
  assert.equal(made[0]![0], out);
  assert.deepEqual(readFileSync(made[0]![1]), old, 'the backup holds the previous kubeconfig');
  assert.equal(statSync(made[0]![1]).mode & 0o777, 0o600, 'a backup of a secret stays private');
  assert.notDeepEqual(readFileSync(out), old);
});

test('cfssljson -bare over an existing CA backs up the certificate, the key and the CSR, each announced', (t) => {
  const d = tmpDir('kubetls-overwrite-', t);
  writeFileSync(join(d, 'ca-csr.json'), JSON.stringify({ CN: 'CA', key: { algo: 'ecdsa', size: 256 } }));
  const gen = () => {
    const j = boundedCli(['cfssl', 'gencert', '-initca', join(d, 'ca-csr.json')]);
    assert.equal(j.code, 0, j.stderr);
    writeFileSync(join(d, 'out.json'), j.stdout);
  };
  gen();
  const write = () => boundedCli(['cfssljson', '-f', join(d, 'out.json'), '-bare', join(d, 'ca')]);
  const first = write();
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(backups(first.stderr), []);
  const old = Object.fromEntries(['ca.pem', 'ca-key.pem', 'ca.csr'].map((f) => [f, readFileSync(join(d, f))]));
  // the same output again: nothing to replace, nothing said
  const same = write();
  assert.equal(same.code, 0);
  assert.deepEqual(backups(same.stderr), []);
  // a new CA over the old one: three backups, three lines
  gen();
  const again = write();
  assert.equal(again.code, 0, again.stderr);
  const made = backups(again.stderr);
  assert.deepEqual(made.map(([p]) => p).sort(), ['ca-key.pem', 'ca.csr', 'ca.pem'].map((f) => join(d, f)).sort());
  for (const [path, backup] of made) {
    assert.deepEqual(readFileSync(backup), old[path.slice(d.length + 1)], `${backup} holds the previous ${path}`);
    assert.notDeepEqual(readFileSync(path), old[path.slice(d.length + 1)]);
  }
  assert.equal(statSync(made.find(([p]) => p.endsWith('-key.pem'))![1]).mode & 0o777, 0o600);
});

test('certs generate-csr and certs renew announce every backup they make', (t) => {
  const dir = initTree(t);
  // renew: the key and certificate of apiserver are backed up before being replaced
  const renew = boundedCli(['certs', 'renew', 'apiserver', 'admin.conf', '--dir', dir]);
  assert.equal(renew.code, 0, renew.stderr);
  const renewed = backups(renew.stderr);
  assert.deepEqual(
    renewed.map(([p]) => p).sort(),
    [join(dir, 'admin.conf'), join(dir, 'pki/apiserver.crt'), join(dir, 'pki/apiserver.key')].sort(),
  );
  for (const [, b] of renewed) assert.ok(existsSync(b), b);
  // generate-csr: a second run replaces each CSR (new signature), keeping and announcing the old one
  const csrDir = tmpDir('kubetls-overwrite-csr-', t);
  const gen = () =>
    boundedCli(['certs', 'generate-csr', '--dir', csrDir, '--node-name', 'n1', '--encryption-algorithm', 'ECDSA-P256']);
  const first = gen();
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(backups(first.stderr), []);
  const second = gen();
  assert.equal(second.code, 0, second.stderr);
  const made = backups(second.stderr);
  const csrs = second.stdout.match(/and CSR \S+/g)!.map((s) => s.slice('and CSR '.length));
  assert.deepEqual(made.map(([p]) => p).sort(), [...csrs].sort(), 'one line per CSR replaced');
});
