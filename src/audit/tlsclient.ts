/**
 * Low-level live attempts used by the prober: one TLS handshake, one HTTPS request, one
 * plaintext HTTP request. Each is bounded by a hard timeout, always destroys its socket,
 * and resolves (never rejects) with what happened, so a hostile or dead endpoint yields a
 * finding instead of a hang or a crash. Certificates are never verified by Node here
 * (rejectUnauthorized: false); the prober judges chain and name itself and reports both.
 */
import { connect as netConnect, isIP } from 'node:net';
import { connect as tlsConnect, type PeerCertificate, type SecureVersion, type TLSSocket } from 'node:tls';
import { request as httpsRequest } from 'node:https';
import type { Endpoint } from './endpoint.js';

export interface TlsCredentials {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  servername?: string;
}

export interface HandshakeOk {
  ok: true;
  protocol: string;
  cipher: string;
  /** leaf first, as DER */
  chainDer: Buffer[];
  peer: PeerCertificate;
  authorized: boolean;
  authorizationError: string | undefined;
}

export interface NetFailure {
  ok: false;
  /** tcp: no connection; tls: connected but the handshake failed; timeout: no answer in time */
  stage: 'tcp' | 'tls' | 'timeout';
  code: string;
  message: string;
}

const TCP_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
  'EAI_NONAME',
]);

function failure(e: unknown, connected: boolean): NetFailure {
  const err = e as NodeJS.ErrnoException & { reason?: string };
  const code = err.code ?? 'ERROR';
  const stage = TCP_CODES.has(code) || !connected ? 'tcp' : 'tls';
  return {
    ok: false,
    stage,
    code,
    message: String(err.reason ?? err.message ?? e)
      .split('\n')[0]!
      .slice(0, 200),
  };
}

/** SNI only for DNS names: RFC 6066 forbids IP literals there. */
export function sniFor(ep: Endpoint, servername?: string): string | undefined {
  if (servername) return servername;
  return isIP(ep.host) ? undefined : ep.host;
}

function chainOf(sock: TLSSocket): Buffer[] {
  const out: Buffer[] = [];
  let c: (PeerCertificate & { issuerCertificate?: PeerCertificate }) | undefined = sock.getPeerCertificate(true);
  const seen = new Set<string>();
  // Bounded walk: a self-signed root points at itself.
  while (c && c.raw && out.length < 10 && !seen.has(c.fingerprint256)) {
    seen.add(c.fingerprint256);
    out.push(Buffer.from(c.raw));
    c = c.issuerCertificate;
  }
  return out;
}

export interface HandshakeOptions extends TlsCredentials {
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
  ciphers?: string;
  timeoutMs: number;
}

/** One TLS handshake; resolves at secureConnect (before any TLS 1.3 post-handshake alert). */
export function handshake(ep: Endpoint, o: HandshakeOptions): Promise<HandshakeOk | NetFailure> {
  return new Promise((resolve) => {
    let done = false;
    let connected = false;
    let sock: TLSSocket;
    const finish = (r: HandshakeOk | NetFailure): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock?.destroy();
      resolve(r);
    };
    const timer = setTimeout(
      () =>
        finish({
          ok: false,
          stage: 'timeout',
          code: 'ETIMEDOUT',
          message: `no TLS handshake within ${o.timeoutMs} ms`,
        }),
      o.timeoutMs,
    );
    try {
      sock = tlsConnect({
        host: ep.host,
        port: ep.port,
        servername: sniFor(ep, o.servername),
        rejectUnauthorized: false,
        // Node folds the hostname check into `authorized`; keep `authorized` about the chain
        // only, the prober checks the name separately (P-NAME) with the same function.
        checkServerIdentity: () => undefined,
        ...(o.ca ? { ca: o.ca } : {}),
        ...(o.cert && o.key ? { cert: o.cert, key: o.key } : {}),
        ...(o.minVersion ? { minVersion: o.minVersion } : {}),
        ...(o.maxVersion ? { maxVersion: o.maxVersion } : {}),
        ...(o.ciphers ? { ciphers: o.ciphers } : {}),
      });
    } catch (e) {
      finish(failure(e, false));
      return;
    }
    sock.once('connect', () => {
      connected = true;
    });
    sock.once('secureConnect', () => {
      const c = sock.getCipher();
      finish({
        ok: true,
        protocol: sock.getProtocol() ?? 'unknown',
        cipher: c?.standardName ?? c?.name ?? 'unknown',
        chainDer: chainOf(sock),
        peer: sock.getPeerCertificate(),
        authorized: sock.authorized,
        authorizationError: sock.authorizationError ? String(sock.authorizationError) : undefined,
      });
    });
    sock.on('error', (e) => finish(failure(e, connected)));
    sock.once('close', () =>
      finish({
        ok: false,
        stage: connected ? 'tls' : 'tcp',
        code: 'ECLOSED',
        message: 'connection closed during the TLS handshake',
      }),
    );
  });
}

export interface HttpOk {
  ok: true;
  status: number;
  /** first bytes of the body, for evidence */
  bodyStart: string;
}

export interface RequestOptions extends TlsCredentials {
  path: string;
  timeoutMs: number;
}

const MAX_BODY_SAMPLE = 512;

/** One GET over TLS; resolves with the status, or with how it failed. */
export function httpsGet(ep: Endpoint, o: RequestOptions): Promise<HttpOk | NetFailure> {
  return new Promise((resolve) => {
    let done = false;
    let connected = false;
    const finish = (r: HttpOk | NetFailure): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve(r);
    };
    const timer = setTimeout(
      () =>
        finish({
          ok: false,
          stage: 'timeout',
          code: 'ETIMEDOUT',
          message: `no HTTP response within ${o.timeoutMs} ms`,
        }),
      o.timeoutMs,
    );
    const req = httpsRequest({
      host: ep.host,
      port: ep.port,
      path: o.path,
      method: 'GET',
      agent: false,
      servername: sniFor(ep, o.servername) as string,
      rejectUnauthorized: false,
      headers: { connection: 'close', 'user-agent': 'kubetls-probe' },
      ...(o.ca ? { ca: o.ca } : {}),
      ...(o.cert && o.key ? { cert: o.cert, key: o.key } : {}),
    });
    req.on('socket', (s) => s.once('connect', () => (connected = true)));
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        if (body.length < MAX_BODY_SAMPLE) body += d.toString('latin1');
        if (body.length >= MAX_BODY_SAMPLE)
          finish({ ok: true, status: res.statusCode ?? 0, bodyStart: body.slice(0, MAX_BODY_SAMPLE) });
      });
      res.on('end', () => finish({ ok: true, status: res.statusCode ?? 0, bodyStart: body }));
      res.on('error', () => finish({ ok: true, status: res.statusCode ?? 0, bodyStart: body }));
    });
    req.on('error', (e) => finish(failure(e, connected)));
    req.end();
  });
}

export interface PlainAnswer {
  /** bytes received (at most 4 KiB) */
  data: Buffer;
  failure?: NetFailure;
}

/** Sends a plaintext HTTP request and collects what comes back (bounded in size and time). */
export function plaintextGet(ep: Endpoint, path: string, timeoutMs: number): Promise<PlainAnswer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    let connected = false;
    const finish = (f?: NetFailure): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ data: Buffer.concat(chunks).subarray(0, 4096), ...(f ? { failure: f } : {}) });
    };
    const timer = setTimeout(
      () =>
        finish(
          size > 0
            ? undefined
            : { ok: false, stage: 'timeout', code: 'ETIMEDOUT', message: `no plaintext answer within ${timeoutMs} ms` },
        ),
      timeoutMs,
    );
    const sock = netConnect({ host: ep.host, port: ep.port });
    sock.once('connect', () => {
      connected = true;
      sock.write(`GET ${path} HTTP/1.1\r\nHost: ${ep.label}\r\nUser-Agent: kubetls-probe\r\nConnection: close\r\n\r\n`);
    });
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      size += d.length;
      if (size >= 4096) finish();
    });
    sock.on('error', (e) => finish(size > 0 ? undefined : failure(e, connected)));
    sock.once('close', () => finish());
  });
}
