/** Live probes against real servers: etcd, openssl s_server, node TLS/HTTP servers, hostile TCP servers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { probe } from '../../src/audit/probe.js';
import type { Finding, Report } from '../../src/audit/finding.js';
import { hasCommand, tmpDir } from '../helpers.js';
import {
  cliAsync,
  makeCa,
  makeLeaf,
  nodeTlsServer,
  notTlsPorts,
  opensslTls10Server,
  plainHttpServer,
  startEtcdPair,
  writePem,
} from './servers.js';

const DAY = 86_400_000;
const byId = (r: Report, id: string): Finding[] => r.findings.filter((f) => f.id === id);
const one = (r: Report, id: string): Finding => {
  const l = byId(r, id);
  assert.equal(l.length, 1, `expected one ${id} finding, got ${JSON.stringify(r.findings, null, 1)}`);
  return l[0]!;
};
const resultOf = (r: Report, id: string): string => one(r, id).result;

// Shared PKI for every server in this file (ECDSA: fast).
const caP = makeCa('probe-ca');
const clientP = caP.then((ca) => makeLeaf(ca, { cn: 'probe-client', eku: ['clientAuth'] }));
const serverP = caP.then((ca) =>
  makeLeaf(ca, {
    cn: 'probe-server',
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
    eku: ['serverAuth', 'clientAuth'],
  }),
);

test('node mTLS server with a good certificate passes every check', async (t) => {
  const [ca, client, server] = await Promise.all([caP, clientP, serverP]);
  const port = await nodeTlsServer(t, { ...server, ca: ca.cert, requireClientCert: true });
  const r = await probe({
    endpoints: [`127.0.0.1:${port}`],
    ca: ca.cert,
    cert: client.cert,
    key: client.key,
    timeoutMs: 2000,
  });
  for (const f of r.findings) assert.equal(f.result, 'PASS', `${f.id}: ${f.evidence}`);
  for (const id of [
    'P-TLS',
    'P-TLS10',
    'P-TLS11',
    'P-CHAIN',
    'P-NAME',
    'P-EKU',
    'P-EXPIRY',
    'P-MTLS',
    'P-PLAIN',
    'P-AUTHN',
  ])
    one(r, id);
  assert.match(one(r, 'P-TLS').evidence, /TLSv1\.3/);
  assert.equal(r.summary.fail, 0);
});

test(
  'etcd with --client-cert-auth passes; without it fails the mTLS check',
  { skip: !hasCommand('etcd') && 'etcd not installed (apt-get install etcd-server)' },
  async (t) => {
    const [ca, client, server] = await Promise.all([caP, clientP, serverP]);
    const { secure, open } = await startEtcdPair(t, tmpDir('kubetls-etcd-', t), ca, server);
    const r = await probe({
      endpoints: [`127.0.0.1:${secure.clientPort}`, `127.0.0.1:${open.clientPort}`, `127.0.0.1:${secure.peerPort}`],
      ca: ca.cert,
      cert: client.cert,
      key: client.key,
      timeoutMs: 3000,
      path: '/version',
    });
    const ofPort = (p: number): Report => ({ ...r, findings: r.findings.filter((f) => f.target === `127.0.0.1:${p}`) });
    const good = ofPort(secure.clientPort);
    for (const f of good.findings) assert.equal(f.result, 'PASS', `secure etcd ${f.id}: ${f.evidence}`);
    assert.match(one(good, 'P-MTLS').evidence, /refused/);
    // etcd 3.4 multiplexes its port and simply closes a plaintext connection on a TLS-only listener.
    assert.match(one(good, 'P-PLAIN').evidence, /closed|no answer/);
    const bad = ofPort(open.clientPort);
    assert.equal(resultOf(bad, 'P-MTLS'), 'FAIL');
    assert.match(one(bad, 'P-MTLS').evidence, /answered HTTP 200/);
    assert.equal(resultOf(bad, 'P-AUTHN'), 'PASS');
    assert.equal(resultOf(ofPort(secure.peerPort), 'P-MTLS'), 'PASS');
    assert.equal(r.summary.fail, 1, JSON.stringify(r.findings.filter((f) => f.result === 'FAIL')));
  },
);

test(
  'openssl s_server accepting TLS 1.0 fails the TLS 1.0 check',
  { skip: !hasCommand('openssl') && 'openssl not installed' },
  async (t) => {
    const [ca, server] = await Promise.all([caP, serverP]);
    const port = await opensslTls10Server(t, tmpDir('kubetls-ossl-', t), server);
    const r = await probe({ endpoints: [`127.0.0.1:${port}`], ca: ca.cert, timeoutMs: 3000 });
    assert.equal(resultOf(r, 'P-TLS10'), 'FAIL', one(r, 'P-TLS10').evidence);
    assert.equal(resultOf(r, 'P-TLS11'), 'FAIL');
    assert.equal(resultOf(r, 'P-CHAIN'), 'PASS');
    // No client certificate needed: s_server -www answers anyone.
    assert.equal(resultOf(r, 'P-MTLS'), 'FAIL');
  },
);

test('a plaintext HTTP listener fails TLS and plaintext checks', async (t) => {
  const port = await plainHttpServer(t);
  const r = await probe({ endpoints: [`127.0.0.1:${port}`], timeoutMs: 2000 });
  assert.equal(resultOf(r, 'P-TLS'), 'FAIL');
  assert.match(one(r, 'P-TLS').evidence, /handshake failed/);
  assert.equal(resultOf(r, 'P-PLAIN'), 'FAIL');
  assert.match(one(r, 'P-PLAIN').evidence, /HTTP 200/);
});

test('an expired certificate fails expiry and chain; a wrong-SAN certificate fails the name check', async (t) => {
  const ca = await caP;
  const now = Date.now();
  const expired = await makeLeaf(ca, {
    cn: 'expired',
    ipAddresses: ['127.0.0.1'],
    notBefore: new Date(now - 400 * DAY),
    notAfter: new Date(now - 2 * DAY),
  });
  const wrongSan = await makeLeaf(ca, { cn: 'wrong', dnsNames: ['etcd.example.com'], ipAddresses: ['10.0.0.9'] });
  const soon = await makeLeaf(ca, { cn: 'soon', ipAddresses: ['127.0.0.1'], notAfter: new Date(now + 20 * DAY) });
  const [pe, pw, ps] = await Promise.all([
    nodeTlsServer(t, expired),
    nodeTlsServer(t, wrongSan),
    nodeTlsServer(t, soon),
  ]);
  const r = await probe({
    endpoints: [`127.0.0.1:${pe}`, `127.0.0.1:${pw}`, `127.0.0.1:${ps}`],
    ca: ca.cert,
    timeoutMs: 2000,
  });
  const at = (p: number, id: string): Finding => r.findings.find((f) => f.target === `127.0.0.1:${p}` && f.id === id)!;
  assert.equal(at(pe, 'P-EXPIRY').result, 'FAIL');
  assert.match(at(pe, 'P-EXPIRY').evidence, /expired 2 day/);
  assert.equal(at(pe, 'P-CHAIN').result, 'FAIL');
  assert.match(at(pe, 'P-CHAIN').evidence, /CERT_HAS_EXPIRED/);
  assert.equal(at(pe, 'P-NAME').result, 'PASS');
  assert.equal(at(pw, 'P-NAME').result, 'FAIL');
  assert.match(at(pw, 'P-NAME').evidence, /127\.0\.0\.1/);
  assert.equal(at(pw, 'P-CHAIN').result, 'PASS');
  assert.equal(at(ps, 'P-EXPIRY').result, 'WARN');
  // Untrusted CA: a different CA than the server's.
  const other = await makeCa('other-ca');
  const r2 = await probe({ endpoints: [`127.0.0.1:${ps}`], ca: other.cert, timeoutMs: 2000 });
  assert.equal(resultOf(r2, 'P-CHAIN'), 'FAIL');
});

test('closed ports, unreachable hosts, garbage and silent servers give findings, not hangs', async (t) => {
  const { closed, garbage, silent, httpGarbage, goRefusal } = await notTlsPorts(t);
  const t0 = Date.now();
  const r = await probe({
    endpoints: [
      `127.0.0.1:${closed}`,
      `127.0.0.1:${garbage}`,
      `127.0.0.1:${silent}`,
      `127.0.0.1:${httpGarbage}`,
      `127.0.0.1:${goRefusal}`,
      '192.0.2.1:6443',
    ],
    timeoutMs: 700,
    retries: 1,
    concurrency: 6,
  });
  assert.ok(Date.now() - t0 < 10_000, 'bounded');
  const at = (p: string, id: string): Finding | undefined => r.findings.find((f) => f.target === p && f.id === id);
  assert.equal(at(`127.0.0.1:${closed}`, 'P-TLS')!.result, 'FAIL');
  assert.match(at(`127.0.0.1:${closed}`, 'P-TLS')!.evidence, /ECONNREFUSED/);
  assert.equal(r.findings.filter((f) => f.target === `127.0.0.1:${closed}`).length, 1);
  assert.equal(at(`127.0.0.1:${garbage}`, 'P-TLS')!.result, 'FAIL');
  assert.equal(at(`127.0.0.1:${garbage}`, 'P-PLAIN')!.result, 'PASS');
  assert.equal(at(`127.0.0.1:${silent}`, 'P-TLS')!.result, 'FAIL');
  assert.match(at(`127.0.0.1:${silent}`, 'P-TLS')!.evidence, /no TLS handshake within 700 ms/);
  assert.equal(at(`127.0.0.1:${httpGarbage}`, 'P-PLAIN')!.result, 'FAIL');
  assert.equal(at(`127.0.0.1:${goRefusal}`, 'P-PLAIN')!.result, 'PASS');
  assert.match(at(`127.0.0.1:${goRefusal}`, 'P-PLAIN')!.evidence, /Go's refusal/);
  assert.equal(at('192.0.2.1:6443', 'P-TLS')!.result, 'FAIL');
  assert.equal(at('192.0.2.1:6443', 'P-TLS')!.component, 'kube-apiserver 192.0.2.1:6443');
});

test('probe CLI: json output, exit codes and a one-line error on bad input', async (t) => {
  const [ca, server] = await Promise.all([caP, serverP]);
  const dir = tmpDir('kubetls-pcli-', t);
  const caFile = writePem(dir, 'ca', ca).cert;
  const port = await nodeTlsServer(t, server);
  // The server does not require client certs, so P-MTLS FAILs → exit 1.
  const r = await cliAsync(['probe', `127.0.0.1:${port}`, '--ca', caFile, '-o', 'json', '--timeout', '2000']);
  assert.equal(r.code, 1, r.stderr);
  const rep = JSON.parse(r.stdout) as Report;
  assert.equal(rep.kind, 'probe');
  assert.equal(rep.findings.find((f) => f.id === 'P-MTLS')!.result, 'FAIL');
  const junit = await cliAsync(['probe', `127.0.0.1:${port}`, '--ca', caFile, '-o', 'junit', '--timeout', '2000']);
  assert.match(junit.stdout, /<testsuites[^>]*failures="1"/);
  const bad = await cliAsync(['probe', 'nonsense']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^error: endpoint "nonsense" has no port/);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
});
