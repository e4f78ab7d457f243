/**
 * RemoteSigner against the real `cfssl serve` (Debian golang-cfssl) and `kubetls cfssl serve`,
 * both over HTTPS with the same CA, config and auth key: sign, authsign with the right and a
 * wrong key, info, a server certificate that is not trusted, plaintext refused; then
 * `kubetls cfssl sign -remote` and `gencert -remote` with cfssl's flags. Certificates are
 * checked with openssl. Servers bind 127.0.0.1 and are stopped after the tests.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCertificate, parseCertificatePem } from '../../src/pki/index.js';
import { RemoteSigner, remoteUrl } from '../../src/signer/remote.js';
import { KubetlsError } from '../../src/errors/index.js';
import { CLI, cli, freePort, hasCommand, openssl, run, SERVE_FILE_FLAGS, tmpDir } from '../helpers.js';

const HAVE_CFSSL = hasCommand('cfssl') && hasCommand('cfssljson');
const KEY_HEX = '0123456789abcdef0123456789abcdef';
let dir = '';
let ca = '';
let csr = '';
const servers: Array<{ name: string; port: number; proc: ChildProcess }> = [];

function waitHealthy(port: number, proc: ChildProcess, log: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    let tries = 0;
    const poll = () => {
      if (proc.exitCode !== null) return reject(new Error(`server exited: ${log()}`));
      // any HTTPS answer (cfssl 1.2 has no /health endpoint; it answers 404)
      const r = run('curl', [
        '-s',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '--cacert',
        join(dir, 'ca.pem'),
        `https://127.0.0.1:${port}/api/v1/cfssl/health`,
      ]);
      if (/^[1-5]\d\d$/.test(r.stdout)) return resolve();
      if (++tries > 75) return reject(new Error(`server did not start: ${log()}`));
      setTimeout(poll, 200);
    };
    poll();
  });
}

async function start(name: string, cmd: string, args: string[]): Promise<void> {
  const port = await freePort();
  const proc = spawn(
    cmd,
    [
      ...args,
      'serve',
      '-address',
      '127.0.0.1',
      '-port',
      String(port),
      ...SERVE_FILE_FLAGS,
      ...(cmd === process.execPath ? ['-workers', '0'] : []),
    ],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  proc.stderr.on('data', (c: Buffer) => (log += c.toString()));
  servers.push({ name, port, proc });
  await waitHealthy(port, proc, () => log);
}

before(async () => {
  dir = tmpDir('kubetls-remote-');
  writeFileSync(join(dir, 'ca-csr.json'), JSON.stringify({ CN: 'Remote CA', key: { algo: 'ecdsa', size: 256 } }));
  writeFileSync(
    join(dir, 'tls-csr.json'),
    JSON.stringify({ CN: 'localhost', hosts: ['localhost', '127.0.0.1'], key: { algo: 'ecdsa', size: 256 } }),
  );
  writeFileSync(
    join(dir, 'csr.json'),
    JSON.stringify({ CN: 'worker-0', hosts: ['worker-0', '10.0.0.9'], key: { algo: 'ecdsa', size: 256 } }),
  );
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      signing: {
        default: { expiry: '24h', usages: ['signing', 'key encipherment', 'server auth', 'client auth'] },
        profiles: {
          authed: { usages: ['signing', 'client auth'], expiry: '2h', auth_key: 'k1' },
        },
      },
      auth_keys: { k1: { type: 'standard', key: KEY_HEX } },
    }),
  );
  // a client config as the cfssl client writes one: auth_remote names the remote and the key
  const clientConfig = (key: string) =>
    JSON.stringify({
      signing: {
        default: { auth_remote: { remote: 'r', auth_key: 'k' } },
        profiles: { authed: { auth_remote: { remote: 'r', auth_key: 'k' } } },
      },
      auth_keys: { k: { type: 'standard', key } },
      remotes: { r: 'https://127.0.0.1:1' },
    });
  writeFileSync(join(dir, 'client-good.json'), clientConfig(KEY_HEX));
  writeFileSync(join(dir, 'client-bad.json'), clientConfig(`ff${KEY_HEX.slice(2)}`));
  const K = `"${process.execPath}" "${CLI}"`;
  const r = run(
    'sh',
    [
      '-c',
      `set -e; ${K} cfssl gencert -initca ca-csr.json | ${K} cfssljson -bare ca
       ${K} cfssl gencert -ca ca.pem -ca-key ca-key.pem tls-csr.json | ${K} cfssljson -bare tls
       ${K} cfssl genkey csr.json | ${K} cfssljson -bare worker
       ${K} cfssl gencert -initca ca-csr.json | ${K} cfssljson -bare stranger`,
    ],
    { cwd: dir },
  );
  assert.equal(r.code, 0, r.stderr);
  ca = readFileSync(join(dir, 'ca.pem'), 'utf8');
  csr = readFileSync(join(dir, 'worker.csr'), 'utf8');
  await start('kubetls cfssl serve', process.execPath, [CLI, 'cfssl']);
  if (HAVE_CFSSL) await start('cfssl serve', 'cfssl', []);
});

after(async () => {
  await Promise.all(
    servers.map(
      ({ proc }) =>
        new Promise<void>((resolve) => {
          if (proc.exitCode !== null) return resolve();
          proc.once('exit', () => resolve());
          proc.kill('SIGTERM');
          setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
        }),
    ),
  );
});

function verify(pem: string, name: string): void {
  writeFileSync(join(dir, `${name}.pem`), pem);
  assert.match(openssl(['verify', '-CAfile', join(dir, 'ca.pem'), join(dir, `${name}.pem`)]).stdout, /OK/);
}

test('RemoteSigner signs through each server: sign, authsign with the right key, info', async () => {
  assert.ok(servers.length >= 1);
  for (const s of servers) {
    const url = `https://127.0.0.1:${s.port}`;
    const plain = new RemoteSigner({ url, ca });
    const r = await plain.sign({ csr, hosts: ['worker-0', 'extra.example', '10.0.0.9'] });
    const c = parseCertificate(r.der);
    assert.equal(c.subject.commonName, 'worker-0', s.name);
    assert.deepEqual(c.dnsNames, ['worker-0', 'extra.example'], s.name);
    assert.deepEqual(c.ipAddresses, ['10.0.0.9'], s.name);
    assert.equal(c.notAfter.getTime() - c.notBefore.getTime(), 24 * 3_600_000, s.name);
    verify(r.pem, `plain-${s.port}`);

    const authed = new RemoteSigner({ url, ca, authKey: Buffer.from(KEY_HEX, 'hex'), profile: 'authed' });
    const a = parseCertificate((await authed.sign({ csr })).der);
    assert.deepEqual(a.extKeyUsage, ['clientAuth'], s.name);
    assert.equal(a.notAfter.getTime() - a.notBefore.getTime(), 2 * 3_600_000, s.name);

    const info = await plain.info();
    assert.equal(parseCertificatePem(info.certificatePem).subject.commonName, 'Remote CA', s.name);
    assert.equal(info.expiry, '24h', s.name);
  }
});

test('RemoteSigner refusals: a wrong key, an untrusted server certificate, plaintext, request-chosen usages', async () => {
  for (const s of servers) {
    const url = `https://127.0.0.1:${s.port}`;
    const wrong = new RemoteSigner({
      url,
      ca,
      authKey: Buffer.from(`ff${KEY_HEX.slice(2)}`, 'hex'),
      profile: 'authed',
    });
    await assert.rejects(wrong.sign({ csr }), (e: unknown) => {
      assert.ok(e instanceof KubetlsError);
      assert.equal(e.code, 'RequestFailed');
      assert.match(e.message, /invalid token/i, s.name);
      return true;
    });
    // trusting another CA: the TLS handshake fails before any request is sent
    const stranger = new RemoteSigner({ url, ca: readFileSync(join(dir, 'stranger.pem')) });
    await assert.rejects(stranger.sign({ csr }), (e: unknown) => {
      assert.ok(e instanceof KubetlsError);
      assert.match(e.hint ?? '', /-tls-remote-ca/);
      return true;
    });
    await assert.rejects(new RemoteSigner({ url, ca }).sign({ csr, usages: ['client auth'] }), /profile decides them/);
  }
  assert.throws(() => remoteUrl('http://127.0.0.1:8888'), /HTTPS only/);
  assert.throws(() => remoteUrl('ftp://x'), /is not https/);
  assert.equal(remoteUrl('127.0.0.1:8888').href, 'https://127.0.0.1:8888/');
  assert.equal(remoteUrl('[::1]:8888').hostname, '[::1]');
});

test('kubetls cfssl sign/gencert -remote HOST:PORT with -tls-remote-ca, -profile and a client config, as the cfssl client', async () => {
  for (const s of servers) {
    const remote = `127.0.0.1:${s.port}`;
    const k = (args: string[], base: string) =>
      run(
        'sh',
        [
          '-c',
          `"${process.execPath}" "${CLI}" cfssl ${args.join(' ')} | "${process.execPath}" "${CLI}" cfssljson -bare ${base}`,
        ],
        {
          cwd: dir,
        },
      );
    const via = ['-remote', remote, '-tls-remote-ca', 'ca.pem'];
    const authed = (config: string) => [...via, '-config', config, '-profile', 'authed', 'worker.csr'];
    let r = k(['sign', ...via, 'worker.csr'], `cli-${s.port}`);
    assert.equal(r.code, 0, `${s.name}: ${r.stderr}`);
    verify(readFileSync(join(dir, `cli-${s.port}.pem`), 'utf8'), `cli-${s.port}-v`);
    r = k(['sign', ...authed('client-good.json')], `cli-authed-${s.port}`);
    assert.equal(r.code, 0, `${s.name}: ${r.stderr}`);
    const eku = parseCertificatePem(readFileSync(join(dir, `cli-authed-${s.port}.pem`))).extKeyUsage;
    assert.deepEqual(eku, ['clientAuth']);
    r = k(['gencert', ...via, '-hostname', 'gen.example', 'csr.json'], `gen-${s.port}`);
    assert.equal(r.code, 0, `${s.name}: ${r.stderr}`);
    assert.deepEqual(parseCertificatePem(readFileSync(join(dir, `gen-${s.port}.pem`))).dnsNames, ['gen.example']);

    const bad = cli(['cfssl', 'sign', ...authed('client-bad.json')], { cwd: dir });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error: remote https:\/\/127\.0\.0\.1:\d+: .*invalid token/im);
    const untrusted = cli(['cfssl', 'sign', '-remote', remote, 'worker.csr'], { cwd: dir });
    assert.equal(untrusted.code, 1);
    assert.match(untrusted.stderr, /-tls-remote-ca/);
  }
  const plain = cli(['cfssl', 'sign', '-remote', 'http://127.0.0.1:1', 'worker.csr'], { cwd: dir });
  assert.equal(plain.code, 1);
  assert.match(plain.stderr, /HTTPS only/);
  const serveRemote = cli(['cfssl', 'certinfo', '-remote', '127.0.0.1:1', '-cert', 'ca.pem'], { cwd: dir });
  assert.match(serveRemote.stderr, /^error: not supported by kubetls cfssl certinfo: -remote/);
});
