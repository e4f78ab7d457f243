import { isIpLiteral } from '../pki/ip.js';
/**
 * `kubetls cfssl serve`: cfssl's signing API over HTTPS only (TLS 1.2+, optional client
 * certificates), on every core. The primary process validates the configuration (so
 * mistakes fail fast with one message), then forks one worker per CPU with node:cluster;
 * each worker loads the CA once and serves on the shared port. Without -tls-cert/-tls-key
 * it refuses to start, unless -tls-throwaway asks for a short-lived serving certificate
 * signed by the CA (and says so). It never listens on plaintext.
 */
import cluster from 'node:cluster';
import { createServer, type ServerOptions } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { availableParallelism } from 'node:os';
import type { TLSSocket } from 'node:tls';
import { KubetlsError, errorMessage } from '../errors/index.js';
import {
  certToPem,
  createIssuer,
  generateEncodedKey,
  issueCertificate,
  parseCertificatesPem,
  parsePrivateKeyPem,
  randomSerial,
} from '../pki/index.js';
import { readFileBounded } from '../util/read.js';
import { CfsslApi, errorResponse, MAX_BODY_BYTES } from './api.js';
import { loadSigner } from './io.js';
import { nativeEcdsaStatus } from '../pki/ecdsanative.js';

export interface ServeOptions {
  address: string;
  port: number;
  ca: string | undefined;
  caKey: string | undefined;
  config: string | undefined;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  mutualTlsCa: string | undefined;
  mutualTlsCnRegex: string | undefined;
  minTlsVersion: string;
  workers: number | undefined;
  throwaway: boolean;
  logLevel: number;
}

interface WorkerConfig {
  opts: ServeOptions;
  tls: { cert: string; key: string; ca?: string };
}

const LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL', 'FATAL'];
function makeLog(level: number, tag: string) {
  return (l: number, msg: string) => {
    if (l < level) return;
    const d = new Date();
    const p = (n: number) => String(n).padStart(2, '0');
    process.stderr.write(
      `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} [${LEVELS[l]}]${tag} ${msg}\n`,
    );
  };
}

/** A serving certificate for the listen address, signed by the CA, valid 7 days. */
async function throwawayServingCert(o: ServeOptions): Promise<{ cert: string; key: string }> {
  const caDer = parseCertificatesPem(readFileBounded(o.ca!), o.ca)[0]!.der;
  const issuer = createIssuer(caDer, parsePrivateKeyPem(readFileBounded(o.caKey!), o.caKey), 'cfssl');
  const k = await generateEncodedKey('ECDSA-P256');
  const ips = new Set<string>(['127.0.0.1', '::1']);
  const dns = new Set<string>(['localhost']);
  if (isIpLiteral(o.address) && o.address !== '0.0.0.0' && o.address !== '::') ips.add(o.address);
  else if (!isIpLiteral(o.address) && o.address) dns.add(o.address);
  const now = Date.now();
  const der = issueCertificate(
    {
      subject: { commonName: 'kubetls cfssl serve (throwaway)' },
      serialNumber: randomSerial(159),
      notBefore: new Date(now - 5 * 60_000),
      notAfter: new Date(now + 7 * 24 * 3600_000),
      keyUsage: ['digitalSignature'],
      extKeyUsage: ['serverAuth'],
      dnsNames: [...dns],
      ipAddresses: [...ips],
    },
    { publicKey: k.spki, issuer },
  );
  return { cert: certToPem(der) + certToPem(caDer), key: k.privatePem };
}

function validate(o: ServeOptions): void {
  if (!o.ca)
    throw new KubetlsError('MissingFlag', '-ca: the CA certificate is required (kubetls cfssl serve signs locally)');
  if (!o.caKey) throw new KubetlsError('MissingFlag', '-ca-key: the CA private key is required');
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535)
    throw new KubetlsError('BadFlag', `-port: ${o.port} is not a TCP port`);
  if (!['1.2', '1.3'].includes(o.minTlsVersion))
    throw new KubetlsError('BadFlag', `-min-tls-version: "${o.minTlsVersion}" is not supported; use 1.2 or 1.3`);
  if (!!o.tlsCert !== !!o.tlsKey)
    throw new KubetlsError(
      'MissingFlag',
      `${o.tlsCert ? '-tls-key' : '-tls-cert'}: -tls-cert and -tls-key go together`,
    );
  if (!o.tlsCert && !o.throwaway) {
    throw new KubetlsError(
      'NoTLS',
      'kubetls cfssl serve is HTTPS-only: give -tls-cert and -tls-key',
      'or add -tls-throwaway for a 7-day serving certificate signed by -ca',
    );
  }
  if (o.mutualTlsCnRegex) {
    try {
      new RegExp(o.mutualTlsCnRegex);
    } catch (e) {
      throw new KubetlsError('BadFlag', `-mutual-tls-cn: ${(e as Error).message}`);
    }
  }
  if (o.workers !== undefined && (o.workers < 0 || o.workers > 64))
    throw new KubetlsError('BadFlag', `-workers: ${o.workers} is out of range 0..64`);
}

/** Loads the TLS material in the primary so bad files fail before any worker starts. */
async function tlsMaterial(o: ServeOptions, log: (l: number, m: string) => void): Promise<WorkerConfig['tls']> {
  let tls: WorkerConfig['tls'];
  if (o.tlsCert) {
    const cert = readFileBounded(o.tlsCert, 1024 * 1024).toString('latin1');
    parseCertificatesPem(cert, o.tlsCert);
    const key = readFileBounded(o.tlsKey!, 1024 * 1024).toString('latin1');
    parsePrivateKeyPem(key, o.tlsKey);
    tls = { cert, key };
  } else {
    tls = await throwawayServingCert(o);
    log(
      2,
      'no -tls-cert/-tls-key: serving with a throwaway 7-day certificate signed by the CA (clients must trust the CA)',
    );
  }
  if (o.mutualTlsCa) {
    const ca = readFileBounded(o.mutualTlsCa, 4 * 1024 * 1024).toString('latin1');
    parseCertificatesPem(ca, o.mutualTlsCa);
    tls.ca = ca;
  }
  return tls;
}

/** Starts an HTTPS server serving the API; resolves once listening. */
export function startServer(
  cfg: WorkerConfig,
  log: (l: number, m: string) => void,
): Promise<import('node:https').Server> {
  const o = cfg.opts;
  const signer = loadSigner(o.ca, o.caKey, o.config);
  const api = new CfsslApi(signer, log);
  const cnRe = o.mutualTlsCnRegex ? new RegExp(o.mutualTlsCnRegex) : undefined;
  const tlsOpts: ServerOptions = {
    cert: cfg.tls.cert,
    key: cfg.tls.key,
    minVersion: o.minTlsVersion === '1.3' ? 'TLSv1.3' : 'TLSv1.2',
    ...(cfg.tls.ca ? { ca: cfg.tls.ca, requestCert: true, rejectUnauthorized: true } : {}),
  };
  const server = createServer(tlsOpts, (req, res) => onRequest(api, req, res, cnRe, log));
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 30_000;
  server.maxHeadersCount = 100;
  server.on('tlsClientError', (e) => log(0, `TLS handshake failed: ${e.message}`));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.address, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function send(res: ServerResponse, status: number, body: string | Buffer): void {
  const buf = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': buf.length });
  res.end(buf);
}

function onRequest(
  api: CfsslApi,
  req: IncomingMessage,
  res: ServerResponse,
  cnRe: RegExp | undefined,
  log: (l: number, m: string) => void,
): void {
  if (cnRe) {
    const cn = (req.socket as TLSSocket).getPeerCertificate?.()?.subject?.CN;
    const cnText = Array.isArray(cn) ? cn[0] : cn;
    if (!cnText || !cnRe.test(cnText)) {
      const r = errorResponse(new KubetlsError('Forbidden', 'client certificate CN is not allowed by -mutual-tls-cn'));
      send(res, 403, r.body);
      return;
    }
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) {
    const r = errorResponse(
      new KubetlsError('TooLarge', `request body of ${declared} bytes is over the ${MAX_BODY_BYTES}-byte limit`),
    );
    res.setHeader('Connection', 'close');
    send(res, r.status, r.body);
    req.destroy();
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let aborted = false;
  req.on('data', (c: Buffer) => {
    if (aborted) return;
    size += c.length;
    if (size > MAX_BODY_BYTES) {
      aborted = true;
      const r = errorResponse(new KubetlsError('TooLarge', `request body is over the ${MAX_BODY_BYTES}-byte limit`));
      res.setHeader('Connection', 'close');
      send(res, r.status, r.body);
      req.destroy();
      return;
    }
    chunks.push(c);
  });
  req.on('error', () => {});
  req.on('end', () => {
    if (aborted) return;
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    const q = req.url?.indexOf('?') ?? -1;
    const path = q >= 0 ? req.url!.slice(0, q) : (req.url ?? '/');
    api
      .handle(req.method ?? 'GET', path, body)
      .then((r) => send(res, r.status, r.body))
      .catch((e: unknown) => {
        // a bug must cost one request, never the worker (and with it every connection it holds)
        log(3, `request failed: ${errorMessage(e)}`);
        try {
          if (res.headersSent) res.destroy();
          else {
            const r = errorResponse(e);
            send(res, r.status, r.body);
          }
        } catch {
          res.destroy();
        }
      });
  });
}

/** Entry point of `kubetls cfssl serve` (primary and workers). */
export async function runServe(o: ServeOptions): Promise<number> {
  if (cluster.isWorker) return runWorker(o.logLevel);
  const log = makeLog(o.logLevel, '');
  validate(o);
  const checked = loadSigner(o.ca, o.caKey, o.config); // fail fast on the CA and config
  for (const w of checked.policy.warnings ?? []) log(2, w);
  const tls = await tlsMaterial(o, log);
  const nat = nativeEcdsaStatus();
  log(
    1,
    `ECDSA CSR signatures: ${nat.active ? 'native verifier' : `node:crypto (native verifier ${nat.reason ?? 'unavailable'})`}`,
  );
  const n = o.workers ?? availableParallelism();
  const scheme = `https://${o.address.includes(':') ? `[${o.address}]` : o.address}`;
  if (n === 0) {
    const server = await startServer({ opts: o, tls }, log);
    const a = server.address();
    log(1, `Now listening on ${scheme}:${typeof a === 'object' && a ? a.port : o.port} (1 process)`);
    await new Promise<void>((resolve) => {
      const stop = () => server.close(() => resolve());
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    return 0;
  }
  return runPrimary({ opts: o, tls }, n, log, scheme);
}

function runPrimary(
  cfg: WorkerConfig,
  n: number,
  log: (l: number, m: string) => void,
  scheme: string,
): Promise<number> {
  return new Promise((resolve) => {
    let listening = 0;
    let stopping = false;
    // exit times of workers in the last minute: a worker that keeps dying (a broken
    // environment) stops the server, while rare crashes over a long uptime never add up to that
    let exits: number[] = [];
    let port = cfg.opts.port;
    const fork = () => {
      const w = cluster.fork();
      w.on('message', (m: { type?: string; port?: number; error?: string }) => {
        if (m?.type === 'ready') w.send({ type: 'config', cfg });
        else if (m?.type === 'listening') {
          // with -port 0 every cluster worker shares one random port (node:cluster semantics)
          if (m.port) port = m.port;
          if (++listening === n) log(1, `Now listening on ${scheme}:${port} (${n} ${n === 1 ? 'worker' : 'workers'})`);
        } else if (m?.type === 'error') {
          log(4, m.error ?? 'worker failed');
          stop(1);
        }
      });
    };
    const stop = (code: number) => {
      if (stopping) return;
      stopping = true;
      const workers = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
      let alive = workers.length;
      if (alive === 0) return resolve(code);
      cluster.on('exit', () => {
        if (--alive <= 0) resolve(code);
      });
      // a signal, not worker.kill(): that first waits for a graceful IPC disconnect
      for (const w of workers) w.process.kill('SIGTERM');
      setTimeout(() => {
        for (const w of workers) if (w.process.exitCode === null) w.process.kill('SIGKILL');
        resolve(code);
      }, 3000).unref();
    };
    cluster.on('exit', (w, code, signal) => {
      if (stopping) return;
      log(3, `worker ${w.process.pid} exited (${signal ?? code})`);
      listening--;
      const now = Date.now();
      exits = [...exits.filter((t) => now - t < 60_000), now];
      if (exits.length > 10) {
        log(4, 'workers keep dying (more than 10 exits in a minute); stopping');
        stop(1);
      } else fork();
    });
    process.once('SIGTERM', () => stop(0));
    process.once('SIGINT', () => stop(0));
    for (let i = 0; i < n; i++) fork();
  });
}

function runWorker(logLevel: number): Promise<number> {
  const log = makeLog(logLevel, ` [worker ${process.pid}]`);
  return new Promise((resolve) => {
    process.once('message', (m: { type?: string; cfg?: WorkerConfig }) => {
      if (m?.type !== 'config' || !m.cfg) return resolve(1);
      startServer(m.cfg, log).then(
        (server) => {
          const a = server.address();
          process.send?.({ type: 'listening', port: typeof a === 'object' && a ? a.port : 0 });
          process.once('SIGTERM', () => {
            // the IPC channel would keep this process alive: exit once connections are closed
            server.close(() => process.exit(0));
            server.closeAllConnections();
            setTimeout(() => process.exit(0), 2000).unref();
          });
        },
        (e: unknown) => {
          process.send?.({ type: 'error', error: errorMessage(e) });
          resolve(1);
        },
      );
    });
    // the worker loads its modules asynchronously; ask for the config only once listening for it
    process.send?.({ type: 'ready' });
  });
}
