/**
 * The shared HTTPS layer (src/server/) in-process, driven by raw TCP sockets, Node's TLS
 * client, curl and openssl: the timeouts (a silent TCP peer, trickled headers, an idle
 * keep-alive connection), the TLS floor, client certificates in the three modes, the body
 * cap, a crashing handler, graceful stop with an in-flight request and a tracked stream,
 * and the checks of the serving pair. Certificates come from openssl. Every server binds
 * 127.0.0.1 on a free port and is stopped after its test; time bounds carry margins for a
 * loaded 2-core machine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkServingMaterial,
  DEFAULT_TIMEOUTS,
  formatAccessLog,
  HttpsServer,
  parseCipherSuites,
  parseTlsVersion,
  peerInfo,
  readBody,
  type AccessLogEntry,
  type HttpsServerOptions,
  type RequestHandler,
} from '../../src/server/index.js';
import { KubetlsError } from '../../src/errors/index.js';
import { openssl, run, tmpDir } from '../helpers.js';

interface Pki {
  dir: string;
  ca: string;
  cert: string;
  key: string;
  clientCert: string;
  clientKey: string;
  otherClientCert: string;
  otherClientKey: string;
  otherEcKey: string;
  rsaKey: string;
}

let pki: Pki | undefined;
/** A CA, a serving pair for localhost/127.0.0.1, a client pair from the CA and one from another CA, spare keys. */
function makePki(): Pki {
  if (pki) return pki;
  const dir = tmpDir('kubetls-server-');
  const p = (n: string) => join(dir, n);
  const sh = (script: string) => {
    const r = run('sh', ['-c', `set -e; cd "${dir}"; ${script}`]);
    assert.equal(r.code, 0, r.stderr);
  };
  const ec = (name: string) =>
    `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ${name} 2>/dev/null`;
  sh(`
    ${ec('ca.key')}; openssl req -x509 -new -key ca.key -subj /CN=test-ca -days 2 -out ca.crt
    ${ec('other-ca.key')}; openssl req -x509 -new -key other-ca.key -subj /CN=other-ca -days 2 -out other-ca.crt
    ${ec('server.key')}; openssl req -new -key server.key -subj /CN=localhost -out server.csr
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n' > server.ext
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext -out server.crt 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\\n' > client.ext
    ${ec('client.key')}; openssl req -new -key client.key -subj /CN=alice/O=devs -out client.csr
    openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile client.ext -out client.crt 2>/dev/null
    ${ec('mallory.key')}; openssl req -new -key mallory.key -subj /CN=mallory -out mallory.csr
    openssl x509 -req -in mallory.csr -CA other-ca.crt -CAkey other-ca.key -CAcreateserial -days 2 -extfile client.ext -out mallory.crt 2>/dev/null
    ${ec('spare-ec.key')}
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out spare-rsa.key 2>/dev/null
  `);
  const r = (n: string) => readFileSync(p(n), 'latin1');
  pki = {
    dir,
    ca: r('ca.crt'),
    cert: r('server.crt'),
    key: r('server.key'),
    clientCert: r('client.crt'),
    clientKey: r('client.key'),
    otherClientCert: r('mallory.crt'),
    otherClientKey: r('mallory.key'),
    otherEcKey: r('spare-ec.key'),
    rsaKey: r('spare-rsa.key'),
  };
  return pki;
}

const hello: RequestHandler = (_req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.end('hello\n');
};

async function startServer(
  t: { after: (fn: () => Promise<void> | void) => void },
  handler: RequestHandler = hello,
  o: Partial<HttpsServerOptions> = {},
): Promise<{ server: HttpsServer; port: number }> {
  const k = makePki();
  const server = new HttpsServer({ ...o, tls: { ...o.tls, cert: k.cert, key: k.key } }, handler);
  const port = await server.listen(0, '127.0.0.1');
  t.after(() => server.stop());
  return { server, port };
}

/** Resolves with the milliseconds until the peer closes `s` (or rejects after `maxMs`). */
function closedWithin(s: Socket, maxMs: number): Promise<number> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`the connection was still open after ${maxMs} ms`));
    }, maxMs);
    s.on('error', () => {});
    // read what the server sends before closing (Node's own 408 when its header check fires
    // first): a paused socket with unread data never sees the end, and so never closes
    s.resume();
    s.once('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - start);
    });
  });
}

function get(
  port: number,
  o: { path?: string; method?: string; body?: Buffer | string; cert?: string; key?: string; agent?: false } = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: o.path ?? '/',
        method: o.method ?? 'GET',
        ca: makePki().ca,
        servername: 'localhost',
        agent: false,
        timeout: 10_000,
        ...(o.cert ? { cert: o.cert, key: o.key } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.end(o.body);
  });
}

function tlsOpen(port: number, extra: Record<string, unknown> = {}): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, ca: makePki().ca, servername: 'localhost', ...extra });
    s.once('secureConnect', () => resolve(s));
    s.once('error', reject);
  });
}

test('defaults: handshake 10 s, headers 10 s, request 30 s, idle keep-alive 60 s, applied to the Node server', async (t) => {
  assert.deepEqual(DEFAULT_TIMEOUTS, {
    handshakeMs: 10_000,
    headersMs: 10_000,
    requestMs: 30_000,
    idleMs: 60_000,
    shutdownMs: 5_000,
  });
  const { server } = await startServer(t);
  assert.equal(server.server.headersTimeout, 10_000);
  assert.equal(server.server.requestTimeout, 30_000);
  assert.equal(server.server.keepAliveTimeout, 60_000);
  // checked often enough that the header timeout holds to within a second
  const interval = (server.server as unknown as { connectionsCheckingInterval: number }).connectionsCheckingInterval;
  assert.ok(interval <= 1000, `connectionsCheckingInterval ${interval}`);
});

test('a TCP connection that never sends a ClientHello is closed within the handshake timeout', async (t) => {
  const { port } = await startServer(t, hello, { timeouts: { handshakeMs: 1000 } });
  const sockets = await Promise.all(
    [0, 1, 2].map(
      () =>
        new Promise<Socket>((resolve, reject) => {
          const s = tcpConnect(port, '127.0.0.1', () => resolve(s));
          s.on('error', reject);
        }),
    ),
  );
  // three at once, and one that sends half a ClientHello then stalls
  sockets[2]!.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]));
  const times = await Promise.all(sockets.map((s) => closedWithin(s, 4000)));
  for (const ms of times) assert.ok(ms >= 800 && ms < 4000, `closed after ${ms} ms`);
});

test('slow request headers are cut at the header timeout, not ~20 s later (Node checks only periodically)', async (t) => {
  const { port } = await startServer(t, hello, { timeouts: { headersMs: 1500, requestMs: 1500 } });
  const s = await tlsOpen(port);
  s.write('GET / HTTP/1.1\r\nHost: localhost\r\n');
  // a byte every 200 ms keeps the socket busy, never finishing the headers
  const drip = setInterval(() => s.writable && s.write('X-Slow: y\r\n'), 200);
  t.after(() => clearInterval(drip));
  let answer = '';
  s.on('data', (c: Buffer) => (answer += c.toString()));
  const ms = await closedWithin(s, 6000);
  clearInterval(drip);
  assert.ok(ms >= 1200 && ms < 6000, `closed after ${ms} ms`);
  // Node answers 408 when it can
  if (answer) assert.match(answer, /^HTTP\/1\.1 408/);
});

test('a TLS connection that sends nothing is closed at the header timeout', async (t) => {
  const { port } = await startServer(t, hello, { timeouts: { headersMs: 1000, requestMs: 1000 } });
  // timed from before the connect: the server's timer starts when it accepts the connection,
  // and a slow handshake (a loaded machine) would otherwise eat into the measured part
  const t0 = Date.now();
  const s = await tlsOpen(port);
  await closedWithin(s, 5000);
  const ms = Date.now() - t0;
  assert.ok(ms >= 950 && ms < 5000, `closed ${ms} ms after the connect`);
});

test('an idle keep-alive connection is closed after the idle timeout, and serves requests until then', async (t) => {
  const { port } = await startServer(t, hello, { timeouts: { idleMs: 1500 } });
  const s = await tlsOpen(port);
  let data = '';
  s.on('data', (c: Buffer) => (data += c.toString()));
  const ask = async () => {
    const before = data.length;
    s.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    for (let i = 0; i < 100 && !data.slice(before).includes('hello'); i++) await new Promise((r) => setTimeout(r, 20));
    assert.match(data.slice(before), /^HTTP\/1\.1 200[\s\S]*Keep-Alive: timeout=1[\s\S]*hello/);
  };
  await ask();
  await new Promise((r) => setTimeout(r, 700));
  await ask(); // still open within the timeout
  const ms = await closedWithin(s, 6000);
  assert.ok(ms >= 1200 && ms < 6000, `closed after ${ms} ms`);
});

test('TLS floor: 1.2 by default (1.1 refused), 1.3 only when asked; version and cipher flags parsed', async (t) => {
  const { port } = await startServer(t);
  await assert.rejects(tlsOpen(port, { maxVersion: 'TLSv1.1', minVersion: 'TLSv1' }));
  const s12 = await tlsOpen(port, { maxVersion: 'TLSv1.2' });
  assert.equal(s12.getProtocol(), 'TLSv1.2');
  s12.destroy();
  const { port: p13 } = await startServer(t, hello, { tls: { cert: '', key: '', minVersion: 'TLSv1.3' } });
  await assert.rejects(tlsOpen(p13, { maxVersion: 'TLSv1.2' }));
  const s13 = await tlsOpen(p13);
  assert.equal(s13.getProtocol(), 'TLSv1.3');
  s13.destroy();
  // a cipher list is applied: a client offering only another suite is refused
  const ciphers = parseCipherSuites('TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384');
  const { port: pc } = await startServer(t, hello, { tls: { cert: '', key: '', ciphers } });
  const sc = await tlsOpen(pc, { maxVersion: 'TLSv1.2' });
  assert.equal(sc.getCipher().name, 'ECDHE-ECDSA-AES256-GCM-SHA384');
  sc.destroy();
  await assert.rejects(tlsOpen(pc, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' }));

  for (const [v, want] of [
    ['1.2', 'TLSv1.2'],
    ['VersionTLS12', 'TLSv1.2'],
    ['TLSv1.2', 'TLSv1.2'],
    ['1.3', 'TLSv1.3'],
    ['VersionTLS13', 'TLSv1.3'],
  ] as const)
    assert.equal(parseTlsVersion(v), want);
  for (const [v, re] of [
    ['1.1', /below TLS 1\.2/],
    ['VersionTLS10', /below TLS 1\.2/],
    ['SSLv3', /below TLS 1\.2/],
    ['1.4', /not a TLS version/],
    ['', /not a TLS version/],
  ] as const)
    assert.throws(() => parseTlsVersion(v), re);
  assert.equal(parseCipherSuites('TLS_AES_128_GCM_SHA256'), undefined);
  assert.equal(
    parseCipherSuites('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305'),
    'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305',
  );
  for (const bad of [
    'TLS_RSA_WITH_RC4_128_SHA',
    'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA',
    'TLS_RSA_WITH_AES_128_GCM_SHA256',
    ',',
  ])
    assert.throws(() => parseCipherSuites(bad), KubetlsError);
});

test("client certificates 'request': no certificate and a foreign one get in unverified; the CA's is verified with its chain", async (t) => {
  const k = makePki();
  const handler: RequestHandler = (req, res) => {
    const p = peerInfo(req);
    res.end(JSON.stringify({ verified: p.verified, cn: p.chain[0]?.subject?.CN ?? null, depth: p.chain.length }));
  };
  const { port } = await startServer(t, handler, {
    tls: { cert: '', key: '', clientCertificates: 'request', clientCa: k.ca },
  });
  assert.deepEqual(JSON.parse((await get(port)).body), { verified: false, cn: null, depth: 0 });
  const alice = JSON.parse((await get(port, { cert: k.clientCert, key: k.clientKey })).body);
  assert.equal(alice.verified, true);
  assert.equal(alice.cn, 'alice');
  const mallory = JSON.parse((await get(port, { cert: k.otherClientCert, key: k.otherClientKey })).body);
  assert.deepEqual([mallory.verified, mallory.cn], [false, 'mallory']);
});

test("client certificates 'require': the handshake fails without a certificate from the CA", async (t) => {
  const k = makePki();
  const { port } = await startServer(t, hello, { tls: { cert: '', key: '', clientCa: k.ca } });
  await assert.rejects(get(port));
  await assert.rejects(get(port, { cert: k.otherClientCert, key: k.otherClientKey }));
  assert.equal((await get(port, { cert: k.clientCert, key: k.clientKey })).status, 200);
  assert.throws(
    () => new HttpsServer({ tls: { cert: k.cert, key: k.key, clientCertificates: 'require' } }, hello),
    /a client CA is needed/,
  );
});

test('readBody: a body over the cap (declared or streamed) is refused and the connection closed; one under it is read', async (t) => {
  const handler: RequestHandler = async (req, res) => {
    try {
      const b = await readBody(req, res, 1024);
      res.end(`got ${b.length}`);
    } catch (e) {
      res.writeHead(e instanceof KubetlsError && e.code === 'TooLarge' ? 413 : 500);
      res.end((e as Error).message);
    }
  };
  const { port } = await startServer(t, handler);
  assert.equal((await get(port, { method: 'POST', body: 'x'.repeat(1000) })).body, 'got 1000');
  const big = await get(port, { method: 'POST', body: 'x'.repeat(4096) });
  assert.equal(big.status, 413);
  assert.equal(big.headers.connection, 'close');
  // streamed without a length: chunked encoding, counted while reading
  const s = await tlsOpen(port);
  let answer = '';
  s.on('data', (c: Buffer) => (answer += c.toString()));
  s.write('POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n');
  for (let i = 0; i < 5 && s.writable; i++) s.write(`400\r\n${'y'.repeat(0x400)}\r\n`);
  await closedWithin(s, 5000);
  assert.match(answer, /^HTTP\/1\.1 413/);
});

test('a handler that throws or rejects costs one request (500), never the server; the access log sees every request', async (t) => {
  const entries: AccessLogEntry[] = [];
  const logs: string[] = [];
  const handler: RequestHandler = (req, res) => {
    if (req.url === '/throw') throw new Error('boom');
    if (req.url?.startsWith('/reject')) return Promise.reject(new Error('later boom'));
    return hello(req, res);
  };
  const { port } = await startServer(t, handler, {
    accessLog: (e) => entries.push(e),
    log: (_l, m) => logs.push(m),
  });
  assert.equal((await get(port, { path: '/throw' })).status, 500);
  assert.equal((await get(port, { path: '/reject?x=1' })).status, 500);
  assert.equal((await get(port, { path: '/ok' })).status, 200);
  assert.ok(logs.some((l) => l.includes('boom')));
  assert.deepEqual(
    entries.map((e) => [e.method, e.path, e.status]),
    [
      ['GET', '/throw', 500],
      ['GET', '/reject', 500],
      ['GET', '/ok', 200],
    ],
  );
  assert.ok(entries.every((e) => e.remote === '127.0.0.1' && e.bytes > 0 && e.durationMs >= 0));
});

test('graceful stop: in-flight requests finish, idle connections close, streams are ended, new connections refused', async (t) => {
  let streamEnded = 0;
  const holder: { server?: HttpsServer } = {};
  // the stop begins once the server holds both requests (fixed sleeps lost that race on a loaded machine)
  let slowArrived: () => void = () => {};
  let watchArrived: () => void = () => {};
  const arrived = {
    slow: new Promise<void>((r) => (slowArrived = r)),
    watch: new Promise<void>((r) => (watchArrived = r)),
  };
  const handler: RequestHandler = (req, res) => {
    if (req.url === '/slow') {
      slowArrived();
      setTimeout(() => res.end('slow done'), 800);
      return;
    }
    if (req.url === '/watch') {
      watchArrived();
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('event 1\n');
      const untrack = holder.server!.trackStream({
        end: () => {
          streamEnded++;
          res.end('bye\n');
        },
      });
      res.on('close', untrack);
      return;
    }
    void hello(req, res);
  };
  const started = await startServer(t, handler, { timeouts: { shutdownMs: 3000 } });
  holder.server = started.server;
  const { server, port } = started;
  const idle = await tlsOpen(port); // an idle TLS connection
  const watch = get(port, { path: '/watch' });
  await arrived.watch;
  const slow = get(port, { path: '/slow' });
  await arrived.slow;
  const t0 = Date.now();
  const stopped = server.stop();
  const idleClosed = closedWithin(idle, 3000);
  assert.equal((await slow).body, 'slow done');
  assert.equal((await watch).body, 'event 1\nbye\n');
  await idleClosed;
  await stopped;
  assert.equal(streamEnded, 1);
  assert.ok(Date.now() - t0 < 3000, `stop took ${Date.now() - t0} ms`);
  await assert.rejects(get(port));
});

test('graceful stop cuts a request that outlives the shutdown timeout', async (t) => {
  const handler: RequestHandler = () => {}; // never answers
  const { server, port } = await startServer(t, handler, { timeouts: { shutdownMs: 500 } });
  const hung = get(port).catch((e: Error) => e);
  await new Promise((r) => setTimeout(r, 200));
  const t0 = Date.now();
  await server.stop();
  assert.ok(Date.now() - t0 < 2500, `stop took ${Date.now() - t0} ms`);
  assert.ok((await hung) instanceof Error);
});

test('checkServingMaterial: a key of the same or another type that is not the pair, garbage, and a good pair', () => {
  const k = makePki();
  checkServingMaterial({ cert: k.cert, key: k.key }, '-tls-cert s.crt', '-tls-key s.key');
  assert.throws(
    () => checkServingMaterial({ cert: k.cert, key: k.otherEcKey }, '-tls-cert s.crt', '-tls-key o.key'),
    /^KubetlsError: -tls-key o\.key does not belong to -tls-cert s\.crt \("CN=localhost"\): it is another ec key$/,
  );
  assert.throws(
    () => checkServingMaterial({ cert: k.cert, key: k.rsaKey }, '-tls-cert s.crt', '-tls-key r.key'),
    /the certificate's key is ec, this key is rsa/,
  );
  assert.throws(() => checkServingMaterial({ cert: 'nope', key: k.key }, '-tls-cert x', '-tls-key y'), /-tls-cert x/);
  assert.throws(() => checkServingMaterial({ cert: k.cert, key: 'nope' }, '-tls-cert x', '-tls-key y'), /-tls-key y/);
  // openssl agrees that the pairs differ
  const mod = (pem: string) => openssl(['pkey', '-pubout'], true, pem).stdout;
  assert.notEqual(mod(k.key), mod(k.otherEcKey));
});

test('formatAccessLog: one line whatever the method, path and client CN hold; every control and bidi character visibly escaped', () => {
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  const raw = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
  const hostile = [
    ['\u001b[2J\u001b]0;owned\u0007', '\\u001b[2J\\u001b]0;owned\\u0007'],
    ['a\r\n127.0.0.1 "GET /forged" 200', 'a\\r\\n127.0.0.1 \\"GET /forged\\" 200'],
    ['\u009b31m\u0085', '\\x9b31m\\x85'],
    ['del\u007f', 'del\\x7f'],
    ['\u202egnp.exe\u2066\u2069', '\\u202egnp.exe\\u2066\\u2069'],
    ['line\u2028sep\u2029', 'line\\u2028sep\\u2029'],
    ['back\\slash', 'back\\\\slash'],
  ];
  for (const [value, shown] of hostile) {
    const line = formatAccessLog({
      remote: '127.0.0.1',
      method: 'GET',
      path: `/p/${value}`,
      status: 200,
      bytes: 10,
      durationMs: 1.25,
      clientCN: value,
    });
    assert.doesNotMatch(line, raw, JSON.stringify(line));
    assert.equal(line, `127.0.0.1 "GET /p/${shown}" 200 10 1.3ms cn=${shown}`);
  }
});
