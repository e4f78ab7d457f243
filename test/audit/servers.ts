/** Test-only: ad-hoc certificates for probe servers, and real servers (node TLS, etcd, openssl s_server) that stop themselves. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer as createNetServer, connect, type Server } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import {
  certToPem,
  createIssuer,
  generateKey,
  issueCertificate,
  privateKeyToPem,
  type Issuer,
} from '../../src/pki/index.js';
import { CLI, freePort } from '../helpers.js';

const DAY = 86_400_000;

export interface Pem {
  cert: string;
  key: string;
}

export interface TestCa extends Pem {
  issuer: Issuer;
}

export async function makeCa(cn = 'test-ca', now = new Date(), days = 3650): Promise<TestCa> {
  const k = await generateKey('ECDSA-P256');
  const der = issueCertificate(
    {
      subject: { commonName: cn },
      notBefore: new Date(now.getTime() - DAY),
      notAfter: new Date(now.getTime() + days * DAY),
      isCA: true,
      keyUsage: ['digitalSignature', 'keyEncipherment', 'keyCertSign'],
      dnsNames: [cn],
    },
    { publicKey: k.publicKey, selfSignKey: k.privateKey },
  );
  return { cert: certToPem(der), key: privateKeyToPem(k.privateKey), issuer: createIssuer(der, k.privateKey) };
}

export interface LeafOptions {
  cn: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  eku?: string[];
  notBefore?: Date;
  notAfter?: Date;
}

export async function makeLeaf(ca: TestCa, o: LeafOptions): Promise<Pem> {
  const k = await generateKey('ECDSA-P256');
  const now = Date.now();
  const der = issueCertificate(
    {
      subject: { commonName: o.cn },
      notBefore: o.notBefore ?? new Date(now - DAY),
      notAfter: o.notAfter ?? new Date(now + 365 * DAY),
      keyUsage: ['digitalSignature', 'keyEncipherment'],
      extKeyUsage: o.eku ?? ['serverAuth'],
      dnsNames: o.dnsNames ?? [],
      ipAddresses: o.ipAddresses ?? [],
    },
    { publicKey: k.publicKey, issuer: ca.issuer },
  );
  return { cert: certToPem(der), key: privateKeyToPem(k.privateKey) };
}

export function writePem(dir: string, name: string, p: Pem): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  writeFileSync(cert, p.cert);
  writeFileSync(key, p.key, { mode: 0o600 });
  return { cert, key };
}

type After = { after: (fn: () => void | Promise<void>) => void };

export interface NodeTlsServerOptions extends Pem {
  ca?: string;
  requireClientCert?: boolean;
  maxVersion?: 'TLSv1.2' | 'TLSv1.3';
  ciphers?: string;
  /** HTTP status of every answer (default 200) */
  status?: number;
}

/** A node HTTPS server on 127.0.0.1 answering 200 "ok"; `requireClientCert` makes it mTLS. */
export async function nodeTlsServer(t: After, p: NodeTlsServerOptions): Promise<number> {
  const s = createHttpsServer(
    {
      cert: p.cert,
      key: p.key,
      ...(p.ca ? { ca: p.ca } : {}),
      ...(p.maxVersion ? { maxVersion: p.maxVersion } : {}),
      ...(p.ciphers ? { ciphers: p.ciphers } : {}),
      requestCert: !!p.requireClientCert,
      rejectUnauthorized: !!p.requireClientCert,
    },
    (_req, res) => {
      res.statusCode = p.status ?? 200;
      res.end('ok');
    },
  );
  s.on('tlsClientError', () => {});
  return listenLocal(t, s);
}

/** Listens on a free port of 127.0.0.1 and closes (connections included) after the test. */
async function listenLocal(t: After, s: import('node:http').Server): Promise<number> {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  t.after(
    () =>
      new Promise<void>((r) => {
        s.closeAllConnections();
        s.close(() => r());
      }),
  );
  return (s.address() as { port: number }).port;
}

/** A raw TCP server with a custom behaviour per connection. */
export async function tcpServer(t: After, onConn: (sock: import('node:net').Socket) => void): Promise<number> {
  const socks = new Set<import('node:net').Socket>();
  const s: Server = createNetServer((c) => {
    socks.add(c);
    c.on('error', () => {});
    c.on('close', () => socks.delete(c));
    onConn(c);
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  t.after(
    () =>
      new Promise<void>((r) => {
        for (const c of socks) c.destroy();
        s.close(() => r());
      }),
  );
  return (s.address() as { port: number }).port;
}

/** A plaintext HTTP server on 127.0.0.1 answering 200 "hello" (a listener that should have been TLS). */
export async function plainHttpServer(t: After): Promise<number> {
  const s = createHttpServer((_q, res) => res.end('hello'));
  return listenLocal(t, s);
}

/** Ports that do not speak TLS: closed, garbage bytes, silence, an HTTP answer, Go's plaintext refusal. */
export async function notTlsPorts(
  t: After,
): Promise<{ closed: number; garbage: number; silent: number; httpGarbage: number; goRefusal: number }> {
  return {
    closed: await freePort(),
    garbage: await tcpServer(t, (c) => c.end(Buffer.from('\x00\xffnot tls at all\r\n\r\n'))),
    silent: await tcpServer(t, () => {}),
    httpGarbage: await tcpServer(t, (c) => c.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi')),
    // The exact bytes Go's net/http writes when plaintext reaches a TLS listener (a refusal).
    goRefusal: await tcpServer(t, (c) =>
      c.once('data', () => c.end('HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n')),
    ),
  };
}

/** Waits (bounded) until the port accepts TCP connections. */
export async function waitForPort(port: number, child: ChildProcess, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`process exited early with ${child.exitCode}`);
    const ok = await new Promise<boolean>((r) => {
      const c = connect({ host: '127.0.0.1', port }, () => {
        c.destroy();
        r(true);
      });
      c.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} not ready within ${timeoutMs} ms`);
}

export function spawnKilled(t: After, cmd: string, args: string[]): { child: ChildProcess; log: () => string } {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer): void => {
    if (out.length < 64_000) out += d.toString();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  t.after(
    () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null || child.signalCode !== null) return r();
        child.once('exit', () => r());
        child.kill('SIGKILL');
      }),
  );
  return { child, log: () => out };
}

/**
 * openssl s_server on 127.0.0.1 answering every request (-www) and accepting TLS 1.0 and 1.1:
 * OpenSSL 3 only offers them at security level 0.
 */
export async function opensslTls10Server(t: After, dir: string, pem: Pem): Promise<number> {
  const sv = writePem(dir, 'server', pem);
  const port = await freePort();
  const { child } = spawnKilled(t, 'openssl', [
    's_server',
    '-accept',
    `127.0.0.1:${port}`,
    '-cert',
    sv.cert,
    '-key',
    sv.key,
    '-min_protocol',
    'TLSv1',
    '-cipher',
    'DEFAULT@SECLEVEL=0',
    '-www',
    '-quiet',
  ]);
  await waitForPort(port, child);
  return port;
}

/** A real etcd serving TLS on 127.0.0.1 (client and peer), with or without client-cert auth. */
export async function startEtcd(
  t: After,
  dir: string,
  files: { ca: string; cert: string; key: string },
  clientCertAuth: boolean,
): Promise<{ clientPort: number; peerPort: number }> {
  const clientPort = await freePort();
  const peerPort = await freePort();
  const c = `https://127.0.0.1:${clientPort}`;
  const p = `https://127.0.0.1:${peerPort}`;
  const { child, log } = spawnKilled(t, 'etcd', [
    '--name',
    'default',
    '--data-dir',
    join(dir, `etcd-${clientPort}`),
    '--listen-client-urls',
    c,
    '--advertise-client-urls',
    c,
    '--listen-peer-urls',
    p,
    '--initial-advertise-peer-urls',
    p,
    '--initial-cluster',
    `default=${p}`,
    // etcd 3.4 demands client certificates whenever --trusted-ca-file is set, so the
    // open variant drops both (as a misconfigured etcd would).
    '--cert-file',
    files.cert,
    '--key-file',
    files.key,
    ...(clientCertAuth ? ['--trusted-ca-file', files.ca, '--client-cert-auth=true'] : []),
    '--peer-cert-file',
    files.cert,
    '--peer-key-file',
    files.key,
    '--peer-trusted-ca-file',
    files.ca,
    '--peer-client-cert-auth=true',
    '--log-level',
    'error',
  ]);
  try {
    await waitForPort(clientPort, child);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${log()}`);
  }
  return { clientPort, peerPort };
}

/** Two etcd members' worth of listeners from one CA and server certificate: one requiring client certificates, one not. */
export async function startEtcdPair(
  t: After,
  dir: string,
  ca: Pem,
  server: Pem,
): Promise<{ secure: { clientPort: number; peerPort: number }; open: { clientPort: number; peerPort: number } }> {
  const caFile = writePem(dir, 'ca', ca).cert;
  const sv = writePem(dir, 'server', server);
  const [secure, open] = await Promise.all([
    startEtcd(t, dir, { ca: caFile, ...sv }, true),
    startEtcd(t, dir, { ca: caFile, ...sv }, false),
  ]);
  return { secure, open };
}

/** Runs the built CLI without blocking this process's event loop (the servers under test live here). */
export function cliAsync(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : 1
          : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}
