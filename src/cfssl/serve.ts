/**
 * `kubetls cfssl serve`: cfssl's signing API over HTTPS only, on every core. The primary
 * validates the configuration — CA, signing config, serving certificate and key (that they
 * belong together), flags — so mistakes fail with one message before anything listens, then
 * runs a worker pool (src/server/pool.ts); each worker loads the CA once and serves on the
 * shared port through the shared HTTPS layer (src/server/server.ts: TLS 1.2+, timeouts,
 * body cap, graceful stop). Without -tls-cert/-tls-key it refuses to start, unless
 * -tls-throwaway asks for a short-lived serving certificate signed by the CA (and says so).
 * It never listens on plaintext.
 */
import cluster from 'node:cluster';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { availableParallelism } from 'node:os';
import { KubetlsError } from '../errors/index.js';
import { isIpLiteral } from '../pki/ip.js';
import {
  certToPem,
  createIssuer,
  generateEncodedKey,
  issueCertificate,
  parseCertificatesPem,
  parsePrivateKeyPem,
  randomSerial,
} from '../pki/index.js';
import { nativeEcdsaStatus } from '../pki/ecdsanative.js';
import {
  checkClientCa,
  checkServingMaterial,
  DEFAULT_TIMEOUTS,
  formatAccessLog,
  HttpsServer,
  parseCipherSuites,
  parseTlsVersion,
  pathOf,
  readBody,
  runPool,
  verifiedClientCN,
  type ServerTimeouts,
  type TlsVersion,
} from '../server/index.js';
import { parseGoDuration } from '../util/duration.js';
import { readFileBounded } from '../util/read.js';
import { compilePattern, type Pattern } from '../util/pattern.js';
import { escapeControls } from '../util/sanitize.js';
import { CfsslApi, errorResponse, MAX_BODY_BYTES } from './api.js';
import { loadSigner } from './inputs.js';

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
  /** 1.2, 1.3, VersionTLS12, VersionTLS13 */
  minTlsVersion: string;
  /** comma-separated IANA names (kube-apiserver's --tls-cipher-suites) */
  tlsCipherSuites?: string | undefined;
  /** Go durations; defaults in DEFAULT_TIMEOUTS */
  handshakeTimeout?: string | undefined;
  headerTimeout?: string | undefined;
  requestTimeout?: string | undefined;
  idleTimeout?: string | undefined;
  shutdownTimeout?: string | undefined;
  workers: number | undefined;
  throwaway: boolean;
  logLevel: number;
}

/** What the primary hands each worker: checked PEM text and parsed settings, no file is read twice. */
interface WorkerConfig {
  opts: ServeOptions;
  tls: { cert: string; key: string; ca?: string };
  minVersion: TlsVersion;
  ciphers: string | undefined;
  timeouts: ServerTimeouts;
}

type Log = (l: number, m: string) => void;

const LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL', 'FATAL'];
/** cfssl's log lines on stderr; a message quotes request data (a profile name, a path), so control characters are escaped. */
function makeLog(level: number, tag: string): Log {
  return (l: number, msg: string) => {
    if (l < level) return;
    const d = new Date();
    const p = (n: number) => String(n).padStart(2, '0');
    process.stderr.write(
      `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} [${LEVELS[l]}]${tag} ${escapeControls(msg)}\n`,
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

/** A Go-duration timeout flag: positive, at most an hour. */
function timeoutFlag(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const ms = parseGoDuration(v, flag);
  if (ms <= 0 || ms > 3_600_000) throw new KubetlsError('BadFlag', `${flag}: "${v}" must be between 1ms and 1h`);
  return ms;
}

function validate(o: ServeOptions): Pick<WorkerConfig, 'minVersion' | 'ciphers' | 'timeouts'> {
  if (!o.ca)
    throw new KubetlsError('MissingFlag', '-ca: the CA certificate is required (kubetls cfssl serve signs locally)');
  if (!o.caKey) throw new KubetlsError('MissingFlag', '-ca-key: the CA private key is required');
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535)
    throw new KubetlsError('BadFlag', `-port: ${o.port} is not a TCP port`);
  const minVersion = parseTlsVersion(o.minTlsVersion, '-min-tls-version');
  const ciphers = o.tlsCipherSuites === undefined ? undefined : parseCipherSuites(o.tlsCipherSuites);
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
  if (o.mutualTlsCnRegex !== undefined) mutualTlsCnPattern(o.mutualTlsCnRegex);
  if (o.workers !== undefined && (o.workers < 0 || o.workers > 64))
    throw new KubetlsError('BadFlag', `-workers: ${o.workers} is out of range 0..64`);
  const timeouts: ServerTimeouts = {};
  const set = (k: keyof ServerTimeouts, v: string | undefined, flag: string) => {
    const ms = timeoutFlag(v, flag);
    if (ms !== undefined) timeouts[k] = ms;
  };
  set('handshakeMs', o.handshakeTimeout, '-handshake-timeout');
  set('headersMs', o.headerTimeout, '-header-timeout');
  set('requestMs', o.requestTimeout, '-request-timeout');
  set('idleMs', o.idleTimeout, '-idle-timeout');
  set('shutdownMs', o.shutdownTimeout, '-shutdown-timeout');
  return { minVersion, ciphers, timeouts };
}

/** -mutual-tls-cn: RE2, searched unanchored in the client CN as Go's MatchString does. */
function mutualTlsCnPattern(re: string): Pattern {
  return compilePattern(re, { where: '-mutual-tls-cn', code: 'BadFlag', maxLength: 1024 });
}

/**
 * Loads the TLS material in the primary and checks it — the key belongs to the certificate,
 * the client CA parses — so a mistake is one error before any worker starts.
 */
async function tlsMaterial(o: ServeOptions, log: Log): Promise<WorkerConfig['tls']> {
  let tls: WorkerConfig['tls'];
  if (o.tlsCert) {
    const cert = readFileBounded(o.tlsCert, 1024 * 1024).toString('latin1');
    const key = readFileBounded(o.tlsKey!, 1024 * 1024).toString('latin1');
    checkServingMaterial({ cert, key }, `-tls-cert ${o.tlsCert}`, `-tls-key ${o.tlsKey}`);
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
    tls.ca = checkClientCa(ca, `-mutual-tls-ca ${o.mutualTlsCa}`);
  }
  return tls;
}

/** Starts an HTTPS server serving the API; resolves once listening. */
export async function startServer(cfg: WorkerConfig, log: Log): Promise<{ server: HttpsServer; port: number }> {
  const o = cfg.opts;
  const api = new CfsslApi(loadSigner(o.ca, o.caKey, o.config), log);
  const cnRe = o.mutualTlsCnRegex !== undefined ? mutualTlsCnPattern(o.mutualTlsCnRegex) : undefined;
  const server = new HttpsServer(
    {
      tls: {
        cert: cfg.tls.cert,
        key: cfg.tls.key,
        minVersion: cfg.minVersion,
        ciphers: cfg.ciphers,
        clientCertificates: cfg.tls.ca ? 'require' : 'none',
        clientCa: cfg.tls.ca,
      },
      timeouts: cfg.timeouts,
      // the access log is cfssl's DEBUG level: at the default level the hot path logs nothing
      accessLog: o.logLevel <= 0 ? (e) => log(0, formatAccessLog(e)) : undefined,
      log: (level, msg) => log(level === 'debug' ? 0 : 3, msg),
      onHandlerError: (e, _req, res) => send(res, errorResponse(e)),
    },
    (req, res) => onRequest(api, req, res, cnRe),
  );
  const port = await server.listen(o.port, o.address);
  return { server, port };
}

function send(res: ServerResponse, r: { status: number; body: string | Buffer }): void {
  const buf = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
  res.writeHead(r.status, { 'Content-Type': 'application/json', 'Content-Length': buf.length });
  res.end(buf);
}

async function onRequest(
  api: CfsslApi,
  req: IncomingMessage,
  res: ServerResponse,
  cnRe: Pattern | undefined,
): Promise<void> {
  if (cnRe) {
    const cn = verifiedClientCN(req);
    if (!cn || !cnRe.search(cn)) {
      const r = errorResponse(new KubetlsError('Forbidden', 'client certificate CN is not allowed by -mutual-tls-cn'));
      send(res, { status: 403, body: r.body });
      return;
    }
  }
  let body: Buffer;
  try {
    body = await readBody(req, res, MAX_BODY_BYTES);
  } catch (e) {
    send(res, errorResponse(e));
    return;
  }
  send(res, await api.handle(req.method ?? 'GET', pathOf(req), body));
}

/** Entry point of `kubetls cfssl serve` (primary and workers). */
export async function runServe(o: ServeOptions): Promise<number> {
  const n = o.workers ?? availableParallelism();
  if (cluster.isWorker) {
    const log = makeLog(o.logLevel, ` [worker ${process.pid}]`);
    // the configuration comes from the primary, already checked
    return runPool<WorkerConfig | undefined>({
      workers: n,
      config: undefined,
      start: (cfg) => startServer(cfg!, log),
      log: (level, msg) => log(poolLevel(level), msg),
    });
  }
  const log = makeLog(o.logLevel, '');
  const settings = validate(o);
  const checked = loadSigner(o.ca, o.caKey, o.config); // fail fast on the CA and config
  for (const w of checked.policy.warnings ?? []) log(2, w);
  const tls = await tlsMaterial(o, log);
  const nat = nativeEcdsaStatus();
  log(
    1,
    `ECDSA CSR signatures: ${nat.active ? 'native verifier' : `node:crypto (native verifier ${nat.reason ?? 'unavailable'})`}`,
  );
  const scheme = `https://${o.address.includes(':') ? `[${o.address}]` : o.address}`;
  const cfg: WorkerConfig = { opts: o, tls, ...settings };
  return runPool<WorkerConfig | undefined>({
    workers: n,
    config: cfg,
    start: (c) => startServer(c!, log),
    log: (level, msg) => log(poolLevel(level), msg),
    shutdownMs: settings.timeouts.shutdownMs ?? DEFAULT_TIMEOUTS.shutdownMs,
    onListening: (port, processes) =>
      log(
        1,
        `Now listening on ${scheme}:${port} (${n === 0 ? '1 process' : `${processes} ${processes === 1 ? 'worker' : 'workers'}`})`,
      ),
  });
}

function poolLevel(l: 'info' | 'warning' | 'error' | 'fatal'): number {
  return { info: 1, warning: 2, error: 3, fatal: 4 }[l];
}
