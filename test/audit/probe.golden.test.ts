/**
 * `kubetls probe` output, byte for byte, against real servers (node TLS/HTTP servers, raw TCP
 * servers, openssl s_server, etcd) with certificates of fixed validity and a fixed clock. The
 * endpoints are probed one at a time so timings list in a stable order; the ports the OS picked
 * print as <port1>, <port2>… (their order in the endpoint list).
 */
import { test } from 'node:test';
import { probe, type ProbeOptions } from '../../src/audit/probe.js';
import type { Report } from '../../src/audit/finding.js';
import { render, type OutputFormat } from '../../src/audit/render.js';
import { fixedClock } from '../../src/pki/index.js';
import { hasCommand, tmpDir } from '../helpers.js';
import { assertGolden, replaceInReport, zeroTimings } from './golden.js';
import {
  makeCa,
  makeLeaf,
  nodeTlsServer,
  notTlsPorts,
  opensslTls10Server,
  plainHttpServer,
  startEtcdPair,
  tcpServer,
  type LeafOptions,
} from './servers.js';

const NOW = new Date('2025-06-01T00:00:00Z');
const at = (iso: string): Date => new Date(iso);
const FORMATS: readonly OutputFormat[] = ['table', 'json', 'junit'];

// Fixed validity, so the evidence does not move with the calendar; the real clock (which Node's
// chain validation uses) sits inside it until 2099.
const VALID = { notBefore: at('2025-01-01T00:00:00Z'), notAfter: at('2099-01-01T00:00:00Z') };
const caP = makeCa('golden-ca', at('2025-01-02T00:00:00Z'), 36500);
const leaf = async (o: LeafOptions) => makeLeaf(await caP, { ...VALID, ...o });
const serverP = leaf({
  cn: 'golden-server',
  dnsNames: ['localhost'],
  ipAddresses: ['127.0.0.1'],
  eku: ['serverAuth', 'clientAuth'],
});
const clientP = leaf({ cn: 'golden-client', eku: ['clientAuth'] });

/** OpenSSL's error-queue lines start with the id of the thread that hit the error. */
const OPENSSL_THREAD = /\b[0-9A-F]{8,16}:error:/g;

async function probeGolden(name: string, ports: number[], o: Omit<ProbeOptions, 'endpoints'>): Promise<void> {
  const report = await probe({
    endpoints: ports.map((p) => `127.0.0.1:${p}`),
    timeoutMs: 2000,
    concurrency: 1,
    clock: fixedClock(NOW),
    ...o,
  });
  const stable: Report = replaceInReport(report, /127\.0\.0\.1:(\d+)/g, (_m, port: string) => {
    const i = ports.indexOf(Number(port));
    return `127.0.0.1:<port${i < 0 ? '?' : i + 1}>`;
  });
  for (const format of FORMATS)
    assertGolden(
      `probe/${name}.${format}.golden`,
      zeroTimings(render(stable, format)).replace(OPENSSL_THREAD, '<thread>:error:'),
    );
}

test('probe golden: mTLS server, with and without a client certificate', async (t) => {
  const [ca, server, client] = await Promise.all([caP, serverP, clientP]);
  const port = await nodeTlsServer(t, { ...server, ca: ca.cert, requireClientCert: true });
  await probeGolden('mtls', [port], { ca: ca.cert, cert: client.cert, key: client.key });
  await probeGolden('mtls-no-client-cert', [port], { ca: ca.cert });
});

test('probe golden: open TLS servers, no --ca, another CA, 401 to everyone', async (t) => {
  const [ca, server, client] = await Promise.all([caP, serverP, clientP]);
  const open = await nodeTlsServer(t, server);
  const refusing = await nodeTlsServer(t, { ...server, status: 401 });
  await probeGolden('open', [open, refusing], { ca: ca.cert, cert: client.cert, key: client.key });
  await probeGolden('no-ca', [open], {});
  const other = await makeCa('other-ca', at('2025-01-02T00:00:00Z'), 36500);
  await probeGolden('other-ca', [open], { ca: other.cert });
});

test('probe golden: expired, wrong SAN, wrong EKU, no EKU, expiring', async (t) => {
  const ca = await caP;
  const certs = await Promise.all([
    leaf({
      cn: 'expired',
      ipAddresses: ['127.0.0.1'],
      notBefore: at('2024-01-01T00:00:00Z'),
      notAfter: at('2025-01-01T00:00:00Z'),
    }),
    leaf({ cn: 'wrong-san', dnsNames: ['etcd.example.com'], ipAddresses: ['10.0.0.9'] }),
    leaf({ cn: 'client-only', ipAddresses: ['127.0.0.1'], eku: ['clientAuth'] }),
    leaf({ cn: 'no-eku', ipAddresses: ['127.0.0.1'], eku: [] }),
    leaf({ cn: 'expiring', ipAddresses: ['127.0.0.1'], notAfter: at('2025-06-21T00:00:00Z') }),
  ]);
  const ports = await Promise.all(certs.map((c) => nodeTlsServer(t, c)));
  await probeGolden('certificates', ports, { ca: ca.cert });
});

test('probe golden: a CBC suite under TLS 1.2; a server that demands a client certificate', async (t) => {
  const [ca, server] = await Promise.all([caP, serverP]);
  const cbc = await nodeTlsServer(t, { ...server, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA' });
  // What Go's TLS 1.2 stack answers when a client certificate is required and none comes:
  // a fatal bad_certificate alert (raw bytes, as no Node or OpenSSL server sends that one).
  const demanding = await tcpServer(t, (c) => c.once('data', () => c.end(Buffer.from([0x15, 3, 3, 0, 2, 2, 42]))));
  await probeGolden('tls12', [cbc, demanding], { ca: ca.cert });
});

test('probe golden: what is not TLS (plaintext HTTP, closed, garbage, silent, HTTP answers)', async (t) => {
  const plain = await plainHttpServer(t);
  const { closed, garbage, silent, httpGarbage, goRefusal } = await notTlsPorts(t);
  const bad400 = await tcpServer(t, (c) => c.once('data', () => c.end('HTTP/1.1 400 Bad Request\r\n\r\n')));
  await probeGolden('not-tls', [plain, closed, garbage, silent, httpGarbage, goRefusal, bad400], {
    timeoutMs: 700,
    retries: 1,
  });
});

test(
  'probe golden: openssl s_server accepting TLS 1.0',
  { skip: !hasCommand('openssl') && 'openssl not installed' },
  async (t) => {
    const [ca, server] = await Promise.all([caP, serverP]);
    const port = await opensslTls10Server(t, tmpDir('kubetls-golden-ossl-', t), server);
    await probeGolden('openssl-tls10', [port], { ca: ca.cert, timeoutMs: 3000 });
  },
);

test(
  'probe golden: etcd with and without --client-cert-auth',
  { skip: !hasCommand('etcd') && 'etcd not installed (apt-get install etcd-server)' },
  async (t) => {
    const [ca, server, client] = await Promise.all([caP, serverP, clientP]);
    const { secure, open } = await startEtcdPair(t, tmpDir('kubetls-golden-etcd-', t), ca, server);
    await probeGolden('etcd', [secure.clientPort, open.clientPort, secure.peerPort], {
      ca: ca.cert,
      cert: client.cert,
      key: client.key,
      timeoutMs: 3000,
      path: '/version',
    });
  },
);
