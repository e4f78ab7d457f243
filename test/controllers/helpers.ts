/**
 * Helpers for controller tests against a real `kubetls serve`: clients from the kubeconfigs
 * `kubetls init` writes (admin.conf as the cluster admin, controller-manager.conf as
 * system:kube-controller-manager), CSRs made by openssl, and polling with a bound.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { connect as netConnect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import type { V1CertificateSigningRequest } from '@kubernetes/client-node';
import { connect, type ControllerClient } from '../../src/controllers/framework/client.js';
import { createIssuer, issueCertificate } from '../../src/pki/certificate.js';
import { pemDecodeOne, pemEncode } from '../../src/pki/pem.js';
import { CLI, freePort, opensslCsrPem } from '../helpers.js';

export const adminClient = (dir: string): Promise<ControllerClient> => connect({ file: join(dir, 'admin.conf') });
export const controllerClient = (dir: string): Promise<ControllerClient> =>
  connect({ file: join(dir, 'controller-manager.conf') });

/** A PKCS#10 request (ECDSA P-256) made by openssl, PEM. */
export const csrPem = (subj = '/CN=test'): string => opensslCsrPem(subj);

export async function createCsr(
  client: ControllerClient,
  name: string,
  o: { signerName?: string; usages?: string[]; pem?: string } = {},
): Promise<V1CertificateSigningRequest> {
  return client.certificates.createCertificateSigningRequest({
    body: {
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { name },
      spec: {
        request: Buffer.from(o.pem ?? csrPem()).toString('base64'),
        signerName: o.signerName ?? 'example.com/serving',
        usages: o.usages ?? ['digital signature', 'server auth'],
      },
    },
  });
}

/** Polls until fn returns a truthy value (every 50 ms, at most ms); throws with what was last seen. */
export async function eventually<T>(what: string, fn: () => T | Promise<T>, ms = 10_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A client certificate for `cn` (organizations `o`) issued by the cluster CA in `dir`/pki, PEM. */
export function clientCert(dir: string, cn: string, o: string[] = []): { cert: string; key: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const caDer = pemDecodeOne(readFileSync(join(dir, 'pki', 'ca.crt')), ['CERTIFICATE']).der;
  const issuer = createIssuer(caDer, createPrivateKey(readFileSync(join(dir, 'pki', 'ca.key'))));
  const now = Date.now();
  const der = issueCertificate(
    {
      subject: { commonName: cn, ...(o.length ? { organization: o } : {}) },
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 3600_000),
      keyUsage: ['digitalSignature'],
      extKeyUsage: ['clientAuth'],
    },
    { publicKey, issuer },
  );
  return { cert: pemEncode('CERTIFICATE', der), key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** A certificate that expired an hour ago (self-signed; the cleaner reads only its NotAfter), PEM. */
export function expiredCert(): string {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const now = Date.now();
  return pemEncode(
    'CERTIFICATE',
    issueCertificate(
      { subject: { commonName: 'old' }, notBefore: new Date(now - 7200_000), notAfter: new Date(now - 3600_000) },
      { publicKey, selfSignKey: privateKey },
    ),
  );
}

/** GET over HTTPS with an optional client certificate; resolves to status and body. */
export function httpsGet(
  url: string,
  o: { ca?: string; cert?: string; key?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        ...(o.ca ? { ca: o.ca } : { rejectUnauthorized: false }),
        ...(o.cert ? { cert: o.cert, key: o.key } : {}),
        ...(o.headers ? { headers: o.headers } : {}),
        timeout: 10_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.end();
  });
}

export interface RunningCli {
  proc: ChildProcess;
  log(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts a long-running kubetls command (controller-manager); stopped after the test. */
export function startCli(t: { after: (fn: () => Promise<void> | void) => void }, args: string[]): RunningCli {
  let stderr = '';
  const proc = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    return proc.exitCode;
  };
  t.after(async () => {
    await stop();
  });
  return { proc, log: () => stderr, stop };
}

export interface TcpProxy {
  port: number;
  /** drops every open connection and refuses new ones (accepted, then reset) until restore */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/** A TCP proxy on 127.0.0.1 to `target`, for breaking a client's connections (TLS passes through). */
export async function tcpProxy(
  t: { after: (fn: () => Promise<void> | void) => void },
  target: number,
): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let down = false;
  const server = createServer((client) => {
    if (down) return void client.resetAndDestroy();
    const upstream = netConnect(target, '127.0.0.1');
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        open.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const proxy: TcpProxy = {
    port: typeof address === 'object' && address ? address.port : 0,
    cut() {
      down = true;
      for (const s of open) s.resetAndDestroy();
    },
    restore() {
      down = false;
    },
    close: () =>
      new Promise<void>((r) => {
        proxy.cut();
        server.close(() => r());
      }),
  };
  t.after(() => proxy.close());
  return proxy;
}

/**
 * `kubetls controller-manager` running csrcleaner as system:kube-controller-manager against
 * serve `s`, with its /metrics on a free port (client certificates from the cluster CA);
 * resolves once /healthz answers.
 */
export async function startMetricsManager(
  t: { after: (fn: () => Promise<void> | void) => void },
  s: { dir: string },
): Promise<{ cm: RunningCli; url: string }> {
  const port = await freePort();
  const cm = startCli(t, [
    'controller-manager',
    '--kubeconfig', join(s.dir, 'controller-manager.conf'),
    '--controllers=csrcleaner', '--leader-elect=false',
    '--secure-port', String(port), '--client-ca-file', join(s.dir, 'pki', 'ca.crt'),
  ]); // prettier-ignore
  const url = `https://127.0.0.1:${port}`;
  await eventually(
    'the metrics endpoint',
    async () => (await httpsGet(`${url}/healthz`).catch(() => ({ status: 0 }))).status === 200,
    45_000,
  );
  return { cm, url };
}
