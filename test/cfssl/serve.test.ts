/**
 * `kubetls cfssl serve` over HTTPS: the real cfssl client as remote signer, authsign with
 * right and wrong keys, the other endpoints, hostile bodies to every endpoint, no
 * plaintext, TLS 1.2 minimum, mutual TLS. Servers bind 127.0.0.1 and are stopped by pid.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { request } from 'node:https';
import { connect } from 'node:tls';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCertificatePem } from '../../src/pki/index.js';
import { CLI, cli, freePort, hasCommand, openssl, run, tmpDir } from '../helpers.js';

const HAVE_CFSSL = hasCommand('cfssl') && hasCommand('cfssljson');
const needCfssl = HAVE_CFSSL ? {} : { skip: 'cfssl/cfssljson (Debian golang-cfssl) not installed' };
const KEY_HEX = '00112233445566778899aabbccddeeff';

let dir = '';
let port = 0;
let server: ChildProcess | undefined;
let ca = '';
let csr = '';

function startServe(args: string[]): Promise<{ proc: ChildProcess; log: () => string }> {
  const proc = spawn(process.execPath, [CLI, 'cfssl', 'serve', ...args], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  proc.stderr.on('data', (c: Buffer) => (log += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${log}`)), 15_000);
    const check = () => {
      if (/Now listening on/.test(log)) {
        clearTimeout(timer);
        resolve({ proc, log: () => log });
      }
    };
    proc.stderr.on('data', check);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited ${code}: ${log}`));
    });
  });
}

function stop(p: ChildProcess | undefined): Promise<void> {
  if (!p || p.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    p.removeAllListeners('exit');
    p.once('exit', () => resolve());
    p.kill('SIGTERM');
    setTimeout(() => p.kill('SIGKILL'), 5000).unref();
  });
}

interface Reply {
  status: number;
  body: {
    success: boolean;
    result: Record<string, unknown> | null;
    errors: Array<{ code: number; message: string }>;
    messages: unknown[];
  };
}

function call(path: string, body: string | Buffer | undefined, method = 'POST', p = port): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: p,
        path,
        method,
        ca,
        servername: 'localhost',
        timeout: 10_000,
        headers: body ? { 'Content-Type': 'application/json' } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
          } catch {
            reject(new Error(`not JSON (${res.statusCode}): ${text.slice(0, 200)}`));
          }
        });
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

/** The test CSR with its CN changed after signing: the self-signature no longer verifies. */
function tamperedCsr(): string {
  const der = Buffer.from(csr.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
  const i = der.indexOf('worker-0');
  assert.ok(i > 0);
  der[i + 7] = 0x31;
  return `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
}

before(async () => {
  dir = tmpDir('kubetls-cfssl-serve-');
  writeFileSync(join(dir, 'ca-csr.json'), JSON.stringify({ CN: 'Serve CA', key: { algo: 'ecdsa', size: 256 } }));
  writeFileSync(
    join(dir, 'csr.json'),
    JSON.stringify({ CN: 'worker-0', hosts: ['worker-0', '10.240.0.20'], key: { algo: 'ecdsa', size: 256 } }),
  );
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      signing: {
        default: { expiry: '8760h', usages: ['signing', 'key encipherment', 'server auth', 'client auth'] },
        profiles: {
          authed: { usages: ['client auth'], expiry: '1h', auth_key: 'k1' },
          restricted: { usages: ['server auth'], expiry: '1h', name_whitelist: '^worker-[0-9]+$|^10\\.' },
        },
      },
      auth_keys: { k1: { type: 'standard', key: KEY_HEX } },
    }),
  );
  const K = `"${process.execPath}" "${CLI}"`;
  const r = run(
    'sh',
    [
      '-c',
      `set -e; ${K} cfssl gencert -initca ca-csr.json | ${K} cfssljson -bare ca; ${K} cfssl genkey csr.json | ${K} cfssljson -bare worker`,
    ],
    { cwd: dir },
  );
  assert.equal(r.code, 0, r.stderr);
  ca = readFileSync(join(dir, 'ca.pem'), 'utf8');
  csr = readFileSync(join(dir, 'worker.csr'), 'utf8');
  port = await freePort();
  server = (
    await startServe([
      '-address',
      '127.0.0.1',
      '-port',
      String(port),
      '-ca',
      'ca.pem',
      '-ca-key',
      'ca-key.pem',
      '-config',
      'config.json',
      '-tls-throwaway',
      '-workers',
      '2',
    ])
  ).proc;
});

after(async () => {
  await stop(server);
});

test('sign, info, certinfo, health, newkey, newcert, init_ca over HTTPS with the cfssl envelope', async () => {
  const h = await call('/api/v1/cfssl/health', undefined, 'GET');
  assert.deepEqual(h.body, { success: true, result: { healthy: true }, errors: [], messages: [] });
  const s = await call(
    '/api/v1/cfssl/sign',
    JSON.stringify({ certificate_request: csr, hosts: ['worker-0', '10.240.0.20', 'extra.example'] }),
  );
  assert.equal(s.status, 200);
  assert.equal(s.body.success, true);
  const cert = parseCertificatePem(s.body.result!.certificate as string);
  assert.deepEqual([cert.dnsNames, cert.ipAddresses], [['worker-0', 'extra.example'], ['10.240.0.20']]);
  writeFileSync(join(dir, 'served.pem'), s.body.result!.certificate as string);
  openssl(['verify', '-CAfile', join(dir, 'ca.pem'), join(dir, 'served.pem')]);
  const info = await call('/api/v1/cfssl/info', '{}');
  assert.equal(info.body.result!.certificate, ca);
  assert.equal(info.body.result!.expiry, '8760h');
  const ci = await call('/api/v1/cfssl/certinfo', JSON.stringify({ certificate: s.body.result!.certificate }));
  assert.equal((ci.body.result!.subject as { common_name: string }).common_name, 'worker-0');
  assert.deepEqual(ci.body.result!.sans, ['worker-0', 'extra.example', '10.240.0.20']);
  // the CA has no SANs: cfssl omits the field (omitempty) rather than sending []
  const caInfo = await call('/api/v1/cfssl/certinfo', JSON.stringify({ certificate: ca }));
  assert.equal(caInfo.body.success, true);
  assert.ok(!('sans' in caInfo.body.result!), 'no "sans" for a certificate without SANs');
  const nk = await call(
    '/api/v1/cfssl/newkey',
    JSON.stringify({ CN: 'nk', hosts: ['nk.example'], key: { algo: 'ecdsa', size: 256 } }),
  );
  assert.match(nk.body.result!.private_key as string, /BEGIN EC PRIVATE KEY/);
  assert.match(nk.body.result!.certificate_request as string, /BEGIN CERTIFICATE REQUEST/);
  const nc = await call('/api/v1/cfssl/newcert', JSON.stringify({ request: { CN: 'nc', hosts: ['nc.example'] } }));
  assert.equal(parseCertificatePem(nc.body.result!.certificate as string).dnsNames[0], 'nc.example');
  const ic = await call('/api/v1/cfssl/init_ca', JSON.stringify({ CN: 'sub', key: { algo: 'ecdsa', size: 256 } }));
  assert.equal(parseCertificatePem(ic.body.result!.certificate as string).isCA, true);
  // name_whitelist
  const wl = await call(
    '/api/v1/cfssl/sign',
    JSON.stringify({ certificate_request: csr, profile: 'restricted', hosts: ['evil.example'] }),
  );
  assert.equal(wl.body.success, false);
  assert.match(wl.body.errors[0]!.message, /"evil.example" does not match the profile's name_whitelist/);
});

test('authsign: the right key signs; a wrong, missing or malformed token and unauthenticated sign are refused with 400/400 as cfssl', async () => {
  const inner = Buffer.from(JSON.stringify({ certificate_request: csr, profile: 'authed' }));
  const body = (key: string) =>
    JSON.stringify({
      token: createHmac('sha256', Buffer.from(key, 'hex')).update(inner).digest('base64'),
      timestamp: Math.floor(Date.now() / 1000),
      request: inner.toString('base64'),
    });
  const good = await call('/api/v1/cfssl/authsign', body(KEY_HEX));
  assert.equal(good.body.success, true, JSON.stringify(good.body.errors));
  assert.deepEqual(parseCertificatePem(good.body.result!.certificate as string).extKeyUsage, ['clientAuth']);
  const bad = await call('/api/v1/cfssl/authsign', body('ff' + KEY_HEX.slice(2)));
  assert.match(bad.body.errors[0]!.message, /invalid token/);
  const unauth = await call('/api/v1/cfssl/sign', inner);
  assert.equal(unauth.body.success, false);
  assert.match(unauth.body.errors[0]!.message, /requires authentication/);
  // cfssl 1.2 answers every one of these with HTTP 400 and error code 400 (recorded from
  // `cfssl serve`: "invalid token", "illegal base64 data…", "no authentication provider",
  // "authentication required"), not 401
  const noAuthKey = Buffer.from(JSON.stringify({ certificate_request: csr }));
  const failures = [
    bad,
    unauth,
    await call('/api/v1/cfssl/authsign', JSON.stringify({ request: inner.toString('base64') })),
    await call('/api/v1/cfssl/authsign', JSON.stringify({ token: '!!!', request: inner.toString('base64') })),
    await call('/api/v1/cfssl/authsign', JSON.stringify({ token: 'AAAA', request: noAuthKey.toString('base64') })),
  ];
  for (const f of failures) {
    assert.equal(f.body.success, false);
    assert.deepEqual([f.status, f.body.errors[0]!.code], [400, 400], f.body.errors[0]!.message);
  }
});

test('the real cfssl client uses kubetls cfssl serve as its remote signer (sign and authsign)', needCfssl, () => {
  const env = { ...process.env, SSL_CERT_FILE: join(dir, 'ca.pem') };
  let r = run('sh', ['-c', `cfssl sign -remote https://127.0.0.1:${port} worker.csr | cfssljson -bare remote`], {
    cwd: dir,
    env,
  });
  assert.equal(r.code, 0, r.stderr);
  openssl(['verify', '-CAfile', join(dir, 'ca.pem'), join(dir, 'remote.pem')]);
  const client = (key: string) =>
    JSON.stringify({
      signing: {
        default: { auth_remote: { remote: 'r', auth_key: 'k' } },
        profiles: { authed: { auth_remote: { remote: 'r', auth_key: 'k' } } },
      },
      auth_keys: { k: { type: 'standard', key } },
      remotes: { r: `https://127.0.0.1:${port}` },
    });
  writeFileSync(join(dir, 'client-good.json'), client(KEY_HEX));
  writeFileSync(join(dir, 'client-bad.json'), client('ff' + KEY_HEX.slice(2)));
  r = run('sh', ['-c', 'cfssl sign -config client-good.json -profile authed worker.csr | cfssljson -bare authed'], {
    cwd: dir,
    env,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(parseCertificatePem(readFileSync(join(dir, 'authed.pem'))).extKeyUsage, ['clientAuth']);
  r = run('sh', ['-c', 'cfssl sign -config client-bad.json -profile authed worker.csr'], { cwd: dir, env });
  assert.notEqual(r.code, 0);
  assert.match(r.stdout + r.stderr, /invalid token/);
});

test('hostile input to every endpoint: an error envelope, no crash', async () => {
  const endpoints = ['sign', 'authsign', 'info', 'certinfo', 'newkey', 'newcert', 'init_ca'];
  const bodies: Array<string | Buffer> = [
    '',
    'not json',
    '[]',
    'null',
    '{"certificate_request": 5}',
    '{"certificate_request": "-----BEGIN CERTIFICATE REQUEST-----\\nAAAA\\n-----END CERTIFICATE REQUEST-----\\n"}',
    JSON.stringify({ certificate_request: csr, hosts: 'x' }),
    JSON.stringify({ certificate_request: csr, hosts: ['bad host'] }),
    JSON.stringify({ certificate_request: tamperedCsr() }),
    JSON.stringify({ token: '!!', request: 'x' }),
    JSON.stringify({ token: 'AAAA', request: Buffer.from('{"certificate_request": 1}').toString('base64') }),
    JSON.stringify({ certificate: 'garbage' }),
    JSON.stringify({ request: [] }),
    JSON.stringify({ CN: 'x', key: { algo: 'rsa', size: 1 } }),
    '['.repeat(50_000) + ']'.repeat(50_000),
    Buffer.from([0xff, 0xfe, 0x00, 0x01]),
  ];
  for (const ep of endpoints) {
    for (const b of bodies) {
      const r = await call(`/api/v1/cfssl/${ep}`, b);
      if (ep === 'info' && (b === '' || b === '[]' || (typeof b === 'string' && b.startsWith('{')))) continue; // info ignores unknown fields
      assert.equal(r.body.success, false, `${ep} ${String(b).slice(0, 60)}`);
      assert.ok(r.status >= 400 && r.status < 500, `${ep}: status ${r.status} for ${String(b).slice(0, 60)}`);
      assert.equal(r.body.errors.length, 1);
      assert.ok(!r.body.errors[0]!.message.includes('\n'));
    }
  }
  const big = await call('/api/v1/cfssl/sign', Buffer.alloc(2 * 1024 * 1024, 0x20)).catch((e: Error) => e);
  if (!(big instanceof Error)) assert.equal(big.status, 413);
  assert.equal((await call('/api/v1/cfssl/nope', '{}')).status, 404);
  // names an object would inherit must not reach a handler (each once crashed a worker, and
  // eleven crashes stopped the server): 404, and the same workers still serve afterwards
  const inherited = [
    'constructor',
    'toString',
    '__proto__',
    'hasOwnProperty',
    'valueOf',
    'isPrototypeOf',
    '__defineGetter__',
  ];
  for (let round = 0; round < 3; round++) {
    for (const name of inherited) {
      const r = await call(`/api/v1/cfssl/${name}`, '{}');
      assert.equal(r.status, 404, `${name}: ${JSON.stringify(r.body)}`);
      assert.match(r.body.errors[0]!.message, /no such endpoint/);
    }
  }
  assert.equal(server!.exitCode, null, 'the server is still running');
  assert.equal((await call('/api/v1/cfssl/sign', undefined, 'GET')).status, 405);
  // still alive and signing afterwards
  assert.equal((await call('/api/v1/cfssl/sign', JSON.stringify({ certificate_request: csr }))).body.success, true);
});

test('HTTPS only: no plaintext, no TLS 1.1, refuses to start without TLS material', async () => {
  const plain = run('curl', [
    '-s',
    '-m',
    '5',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    `http://127.0.0.1:${port}/api/v1/cfssl/health`,
  ]);
  // no HTTP answer of any status on the plaintext request: curl reports code 000 and fails
  assert.equal(plain.stdout, '000', `plaintext HTTP got an answer: ${plain.stdout}`);
  assert.notEqual(plain.code, 0);
  const tls11 = await new Promise<string>((resolve) => {
    const s = connect({
      host: '127.0.0.1',
      port,
      maxVersion: 'TLSv1.1',
      minVersion: 'TLSv1',
      rejectUnauthorized: false,
    });
    s.on('secureConnect', () => {
      resolve('connected');
      s.destroy();
    });
    s.on('error', () => resolve('refused'));
  });
  assert.equal(tls11, 'refused');
  const r = cli([
    'cfssl',
    'serve',
    '-port',
    String(await freePort()),
    '-ca',
    join(dir, 'ca.pem'),
    '-ca-key',
    join(dir, 'ca-key.pem'),
  ]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /HTTPS-only: give -tls-cert and -tls-key/);
  const r2 = cli([
    'cfssl',
    'serve',
    '-ca',
    join(dir, 'ca.pem'),
    '-ca-key',
    join(dir, 'ca-key.pem'),
    '-config',
    join(dir, 'csr.json'),
    '-tls-throwaway',
  ]);
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /signing: missing/);
});

test('mutual TLS: clients without a certificate from -mutual-tls-ca are refused', async (t) => {
  const K = `"${process.execPath}" "${CLI}"`;
  const r = run(
    'sh',
    [
      '-c',
      `set -e; ${K} cfssl gencert -ca ca.pem -ca-key ca-key.pem -config config.json csr.json | ${K} cfssljson -bare client`,
    ],
    { cwd: dir },
  );
  assert.equal(r.code, 0, r.stderr);
  const p2 = await freePort();
  const s = await startServe([
    '-address',
    '127.0.0.1',
    '-port',
    String(p2),
    '-ca',
    'ca.pem',
    '-ca-key',
    'ca-key.pem',
    '-tls-throwaway',
    '-mutual-tls-ca',
    'ca.pem',
    '-workers',
    '0',
  ]);
  t.after(() => stop(s.proc));
  await assert.rejects(call('/api/v1/cfssl/health', undefined, 'GET', p2));
  assert.equal(await healthWithClientCert(p2), 200);
});

/** GET /health with the client certificate made by the mutual TLS test; resolves the status. */
function healthWithClientCert(p: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: p,
        path: '/api/v1/cfssl/health',
        ca,
        servername: 'localhost',
        cert: readFileSync(join(dir, 'client.pem')),
        key: readFileSync(join(dir, 'client-key.pem')),
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('-mutual-tls-cn is cfssl serve flag (-mutual-tls-cn-regex an alias); unimplemented cfssl serve flags get a one-line refusal', async (t) => {
  const K = `"${process.execPath}" "${CLI}"`;
  const r = run(
    'sh',
    [
      '-c',
      `set -e; ${K} cfssl gencert -ca ca.pem -ca-key ca-key.pem -config config.json csr.json | ${K} cfssljson -bare client`,
    ],
    { cwd: dir },
  );
  assert.equal(r.code, 0, r.stderr);
  for (const [flag, re, status] of [
    ['-mutual-tls-cn', '^worker-[0-9]+$', 200],
    ['-mutual-tls-cn', '^nobody$', 403],
    ['-mutual-tls-cn-regex', '^nobody$', 403],
  ] as const) {
    const p = await freePort();
    const s = await startServe([
      '-address',
      '127.0.0.1',
      '-port',
      String(p),
      '-ca',
      'ca.pem',
      '-ca-key',
      'ca-key.pem',
      '-tls-throwaway',
      '-mutual-tls-ca',
      'ca.pem',
      flag,
      re,
      '-workers',
      '0',
    ]);
    t.after(() => stop(s.proc));
    assert.equal(await healthWithClientCert(p), status, `${flag} ${re}`);
    await stop(s.proc);
  }
  const base = [
    'cfssl',
    'serve',
    '-ca',
    join(dir, 'ca.pem'),
    '-ca-key',
    join(dir, 'ca-key.pem'),
    '-tls-throwaway',
    '-port',
    '1',
  ];
  for (const flag of [
    '-db-config',
    '-ca-bundle',
    '-int-bundle',
    '-int-dir',
    '-metadata',
    '-responder',
    '-responder-key',
    '-tls-remote-ca',
    '-mutual-tls-client-cert',
    '-mutual-tls-client-key',
  ]) {
    const x = cli([...base.slice(0, 2), flag, 'x', ...base.slice(2)]);
    assert.equal(x.code, 1, flag);
    assert.match(x.stderr, new RegExp(`^error: not supported by kubetls cfssl serve: ${flag} \\(.+\\)\\n$`), flag);
  }
  const both = cli([...base.slice(0, 2), '-mutual-tls-cn', 'a', '-mutual-tls-cn-regex', 'b', ...base.slice(2)]);
  assert.match(both.stderr, /different regexes/);
});
