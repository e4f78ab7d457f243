/**
 * The request authenticator as the core builds it (createRequestAuthentication): the union's
 * order and refusal rules, table-driven; then over real TLS connections (node:tls, OpenSSL
 * underneath) with openssl-made client certificates, a deny list and an `openssl ca -gencrl`
 * CRL that change while the server runs and take effect within 5 seconds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, createServer, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { certToPem, fixedClock, generateKey, issueCertificate, privateKeyToPem } from '../../../src/pki/index.js';
import type { KubeObject } from '../../../src/api/object.js';
import type { RequestCredentials } from '../../../src/api/resource.js';
import { ANONYMOUS_PATHS, createRequestAuthentication, presentedChain } from '../../../src/api/authn/index.js';
import { tmpDir } from '../../helpers.js';
import { OpensslCa, PkiCa } from './fixtures.js';

const dir = tmpDir('kubetls-authn-');
const ca = OpensslCa.create(join(dir, 'ca'), 'kubernetes');
const alice = ca.issue('/O=devs/CN=alice');
const bob = ca.issue('/O=system:authenticated/O=devs/CN=bob');
const old = ca.issue('/CN=old', { startdate: '20200101000000Z', enddate: '20200102000000Z' });
const revoked = ca.issue('/CN=revoked');
ca.revoke(revoked.path);
const crlFile = join(dir, 'client-crl.pem');
copyFileSync(ca.gencrl('crl', 24), crlFile);
const denyFile = join(dir, 'deny');
writeFileSync(denyFile, '# nothing denied yet\n');
const tokenFile = join(dir, 'tokens.csv');
writeFileSync(tokenFile, 'static-token,tokenuser,1,"ops"\n');
const bootstrapSecret: KubeObject = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'bootstrap-token-abcdef', namespace: 'kube-system' },
  type: 'bootstrap.kubernetes.io/token',
  data: Object.fromEntries(
    Object.entries({
      'token-id': 'abcdef',
      'token-secret': '0123456789abcdef',
      'usage-bootstrap-authentication': 'true',
      'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token',
    }).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
};

async function make(anonymous: boolean | { paths?: readonly string[] }) {
  return createRequestAuthentication({
    clientCAs: [ca.cert],
    clientCrlFile: crlFile,
    clientDenyListFile: denyFile,
    tokenAuthFile: tokenFile,
    bootstrapTokenSecrets: (ns, name) =>
      Promise.resolve(ns === 'kube-system' && name === bootstrapSecret.metadata.name ? bootstrapSecret : undefined),
    anonymous,
    clock: fixedClock(new Date()),
  });
}

interface Case {
  name: string;
  creds: RequestCredentials;
  anonymous?: boolean | { paths?: readonly string[] };
  user?: string;
  groups?: string[];
  method?: string;
  reason?: RegExp;
  revoked?: boolean;
}

const cases: Case[] = [
  { name: 'client certificate', creds: { peerCertificates: [alice.der] }, user: 'alice', groups: ['devs', 'system:authenticated'], method: 'x509' },
  { name: 'system:authenticated is not added twice', creds: { peerCertificates: [bob.der] }, user: 'bob', groups: ['system:authenticated', 'devs'] },
  { name: 'static token', creds: { bearerToken: 'static-token' }, user: 'tokenuser', groups: ['ops', 'system:authenticated'], method: 'token-file' },
  { name: 'bootstrap token', creds: { bearerToken: 'abcdef.0123456789abcdef' }, user: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token', 'system:authenticated'], method: 'bootstrap-token' },
  { name: 'certificate wins over a token (kube-apiserver order)', creds: { peerCertificates: [alice.der], bearerToken: 'static-token' }, user: 'alice' },
  { name: 'expired certificate but a valid token: the token user', creds: { peerCertificates: [old.der], bearerToken: 'static-token' }, user: 'tokenuser' },
  { name: 'expired certificate, anonymous enabled: refused, not anonymous', creds: { peerCertificates: [old.der] }, reason: /"CN=old" .* expired at 2020-01-02/ },
  { name: 'revoked certificate and a valid token: refused, revocation wins', creds: { peerCertificates: [revoked.der], bearerToken: 'static-token' }, reason: /revoked by the CRL of "CN=kubernetes"/, revoked: true },
  { name: 'unknown token, anonymous enabled: invalid bearer token', creds: { bearerToken: 'wrong' }, reason: /^invalid bearer token$/ },
  { name: 'bootstrap-format token refused: its reason is kept for the log', creds: { bearerToken: 'abcdef.ffffffffffffffff' }, reason: /^invalid bearer token: bootstrap token abcdef: .* has a different token-secret$/ },
  { name: 'expired certificate and a wrong token: both reasons', creds: { peerCertificates: [old.der], bearerToken: 'wrong' }, reason: /expired at .*; invalid bearer token/ },
  { name: 'no credentials, anonymous enabled', creds: {}, user: 'system:anonymous', groups: ['system:unauthenticated'], method: 'anonymous' },
  { name: 'no credentials, anonymous disabled', creds: {}, anonymous: false },
  { name: 'empty bearer token counts as none', creds: { bearerToken: '' }, user: 'system:anonymous' },
  { name: 'anonymous restricted to paths: /healthz', creds: { path: '/healthz' }, anonymous: { paths: ANONYMOUS_PATHS }, user: 'system:anonymous' },
  { name: 'anonymous restricted to paths: cluster-info', creds: { path: '/api/v1/namespaces/kube-public/configmaps/cluster-info' }, anonymous: { paths: ANONYMOUS_PATHS }, user: 'system:anonymous' },
  { name: 'anonymous restricted to paths: elsewhere is 401', creds: { path: '/api/v1/namespaces/kube-public/configmaps' }, anonymous: { paths: ANONYMOUS_PATHS } },
  { name: 'anonymous restricted to paths: no path is 401', creds: {}, anonymous: { paths: ANONYMOUS_PATHS } },
]; // prettier-ignore

for (const c of cases) {
  test(`authenticator: ${c.name}`, async () => {
    const a = await make(c.anonymous ?? true);
    try {
      const r = await a.authenticator.authenticate(c.creds);
      if (c.user) {
        assert.ok(r.authenticated, r.authenticated ? '' : r.reason);
        assert.equal(r.user.username, c.user);
        if (c.groups) assert.deepEqual(r.user.groups, c.groups);
        if (c.method) assert.equal(r.method, c.method);
      } else if (c.reason) {
        assert.ok(!r.authenticated);
        assert.match(r.reason ?? '', c.reason);
        assert.equal(r.revoked ?? false, c.revoked ?? false);
      } else assert.deepEqual(r, { authenticated: false });
    } finally {
      a.close();
    }
  });
}

test('authenticator: revocation files without client CAs is a flag error', async () => {
  await assert.rejects(createRequestAuthentication({ clientCrlFile: crlFile }), /needs --client-ca-file/);
});

/**
 * A TLS server that answers each connection with its authentication result, as JSON. With
 * `caPem` the CertificateRequest names the acceptable CAs, and OpenSSL clients then withhold a
 * certificate whose issuer is not among them; without it they send what they have.
 */
async function tlsServer(authenticate: (c: RequestCredentials) => Promise<unknown>, caPem?: string) {
  const k = await generateKey('ECDSA-P256');
  const now = Date.now();
  const cert = issueCertificate(
    {
      subject: { commonName: 'localhost' },
      notBefore: new Date(now - 3600_000),
      notAfter: new Date(now + 86400_000),
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
      extKeyUsage: ['serverAuth'],
    },
    { publicKey: k.publicKey, selfSignKey: k.privateKey },
  );
  const server = createServer(
    {
      cert: certToPem(cert),
      key: privateKeyToPem(k.privateKey),
      requestCert: true,
      rejectUnauthorized: false,
      ...(caPem ? { ca: caPem } : {}),
      minVersion: 'TLSv1.2',
    },
    (socket: TLSSocket) => {
      void authenticate({ peerCertificates: presentedChain(socket) }).then((r) => socket.end(JSON.stringify(r)));
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const ask = (
    certPem: string,
    keyPem: string,
  ): Promise<{ authenticated: boolean; user?: { username: string }; reason?: string }> =>
    new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port, cert: certPem, key: keyPem, rejectUnauthorized: false }, () => {});
      let out = '';
      s.setEncoding('utf8');
      s.on('data', (d: string) => (out += d));
      s.on('end', () => resolve(JSON.parse(out) as { authenticated: boolean }));
      s.on('error', reject);
      s.setTimeout(5000, () => s.destroy(new Error('timeout')));
    });
  return { server, ask };
}

test('authenticator over real TLS: openssl certificates, live deny-list and CRL changes within 5 s', async (t) => {
  const log: string[] = [];
  const a = await createRequestAuthentication({
    clientCAs: [ca.cert],
    clientCrlFile: crlFile,
    clientDenyListFile: denyFile,
    reloadIntervalMs: 200,
    log: (l, m) => log.push(`${l}: ${m}`),
  });
  const { server, ask } = await tlsServer(
    (c) => a.authenticator.authenticate(c),
    readFileSync(join(ca.dir, 'ca.crt'), 'utf8'),
  );
  t.after(() => {
    a.close();
    server.close();
  });
  const pem = (p: string) => readFileSync(p, 'utf8');
  const keyOf = (p: string) => pem(p.replace(/\.crt$/, '.key'));
  const until = async (f: () => Promise<boolean>) => {
    const t0 = Date.now();
    while (!(await f())) {
      assert.ok(Date.now() - t0 < 5000, 'the change took effect within 5 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    return Date.now() - t0;
  };

  let r = await ask(pem(alice.path), keyOf(alice.path));
  assert.equal(r.user?.username, 'alice');
  r = await ask(pem(revoked.path), keyOf(revoked.path));
  assert.match(r.reason ?? '', /revoked by the CRL/);
  r = await ask(pem(old.path), keyOf(old.path));
  assert.match(r.reason ?? '', /expired/);

  // the deny list gains alice's serial, as `openssl x509 -serial` prints it
  const serial = /serial=(\w+)/.exec(
    (await import('../../helpers.js')).openssl(['x509', '-in', alice.path, '-noout', '-serial']).stdout,
  )![1]!;
  writeFileSync(denyFile, `# alice's laptop was stolen\nserial=${serial}\n`);
  await until(async () => /deny list/.test((await ask(pem(alice.path), keyOf(alice.path))).reason ?? ''));
  // a broken deny list keeps the previous one (alice stays refused) and logs the error
  writeFileSync(denyFile, 'not a serial\n');
  await until(() =>
    Promise.resolve(
      log.some((l) => /^error: client deny list .* cannot be used, keeping the previous one: line 1/.test(l)),
    ),
  );
  assert.match((await ask(pem(alice.path), keyOf(alice.path))).reason ?? '', /deny list/);
  writeFileSync(denyFile, '');
  await until(async () => (await ask(pem(alice.path), keyOf(alice.path))).authenticated);

  // openssl ca -revoke + -gencrl over the CRL file: bob is refused within 5 s
  assert.ok((await ask(pem(bob.path), keyOf(bob.path))).authenticated);
  ca.revoke(bob.path, 'superseded');
  copyFileSync(ca.gencrl('crl2', 24), crlFile);
  await until(async () =>
    /revoked by the CRL .*superseded/.test((await ask(pem(bob.path), keyOf(bob.path))).reason ?? ''),
  );
  // a CRL of another CA over the file is refused; the old CRL stays in force
  const other = OpensslCa.create(join(dir, 'other'), 'other-ca');
  copyFileSync(other.gencrl('crl', 24), crlFile);
  await until(() => Promise.resolve(log.some((l) => /^error: client CRL file .* not signed by any client CA/.test(l))));
  assert.match((await ask(pem(bob.path), keyOf(bob.path))).reason ?? '', /revoked by the CRL/);
});

test('authenticator over real TLS: a chain with an intermediate presented by the client', async (t) => {
  const root = await PkiCa.create('kubernetes');
  const inter = await root.intermediate('intermediate');
  const k = await generateKey('ECDSA-P256');
  const leaf = issueCertificate(
    {
      subject: { commonName: 'system:node:worker-1', organization: ['system:nodes'] },
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86400_000),
      extKeyUsage: ['clientAuth'],
    },
    { publicKey: k.publicKey, issuer: inter.issuer },
  );
  const a = await createRequestAuthentication({ clientCAs: [root.cert] });
  const { server, ask } = await tlsServer((c) => a.authenticator.authenticate(c));
  t.after(() => server.close());
  const r = await ask(certToPem(leaf) + certToPem(inter.cert.der), privateKeyToPem(k.privateKey));
  assert.equal(r.user?.username, 'system:node:worker-1');
  const alone = await ask(certToPem(leaf), privateKeyToPem(k.privateKey));
  assert.match(alone.reason ?? '', /unknown authority "CN=intermediate"/);
});
