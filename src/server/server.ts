/**
 * The HTTPS listener every kubetls server runs on (`cfssl serve` now, `kubetls serve` next).
 * It owns the connection: TLS (1.2 floor, optional client certificates), the timeouts that
 * keep a slow or silent peer from holding a connection, the body cap, graceful stop and
 * the access log. It knows nothing of what it serves: a handler gets each request, reads
 * the body with `readBody`, and answers in its own format.
 *
 * Timeouts (defaults; every one configurable, see ServerTimeouts):
 * - handshake 10 s: a TCP connection that never completes TLS (Node's default is 120 s);
 * - request headers 10 s, whole request 30 s: Node checks these only every
 *   `connectionsCheckingInterval` (30 s by default, which let slow headers live ~23 s past a
 *   10 s limit), so the interval is set to a fraction of the shortest;
 * - idle keep-alive 60 s between requests.
 * Long-lived responses (watch streams) are not cut by any of these: they register with
 * `trackStream` and are ended by the server's stop.
 */
import { createServer, type Server, type ServerOptions } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { KubetlsError, errorMessage } from '../errors/index.js';
import type { TlsVersion } from './tls.js';
import { escapeControls } from '../util/sanitize.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface ServerTimeouts {
  /** the TLS handshake must complete within this (default 10 s) */
  handshakeMs?: number;
  /** request headers must arrive within this after the connection or the previous response (default 10 s) */
  headersMs?: number;
  /** the whole request, headers and body, must arrive within this (default 30 s) */
  requestMs?: number;
  /** an idle keep-alive connection is closed after this (default 60 s) */
  idleMs?: number;
  /** on stop, in-flight requests get this long before their connections are cut (default 5 s) */
  shutdownMs?: number;
}

export const DEFAULT_TIMEOUTS: Readonly<Required<ServerTimeouts>> = {
  handshakeMs: 10_000,
  headersMs: 10_000,
  requestMs: 30_000,
  idleMs: 60_000,
  shutdownMs: 5_000,
};

/**
 * Client certificates: 'none' asks for none; 'request' asks and verifies one against
 * `clientCa` when sent, but lets clients without one in (their requests go on to token or
 * anonymous authentication: the handler reads `peerInfo(req).verified`); 'require' fails
 * the handshake without a certificate from `clientCa`.
 */
export type ClientCertificateMode = 'none' | 'request' | 'require';

export interface ServerTls {
  /** serving certificate chain (leaf first) and key, PEM — check them with checkServingMaterial first */
  cert: string;
  key: string;
  minVersion?: TlsVersion;
  /** OpenSSL cipher string for TLS 1.2 (parseCipherSuites); Node's defaults when absent */
  ciphers?: string | undefined;
  clientCertificates?: ClientCertificateMode;
  /** PEM bundle verifying client certificates (required unless clientCertificates is 'none') */
  clientCa?: string | undefined;
}

export interface AccessLogEntry {
  remote: string;
  method: string;
  /** the URL path, without the query */
  path: string;
  status: number;
  /** bytes written to the connection for this response (headers and body) */
  bytes: number;
  durationMs: number;
  /** the CN of a verified client certificate */
  clientCN: string | undefined;
}

export interface HttpsServerOptions {
  tls: ServerTls;
  timeouts?: ServerTimeouts;
  /** request header lines allowed (default 100) */
  maxHeadersCount?: number;
  /** called after each response; leave it out on hot paths that log nothing (no per-request listener then) */
  accessLog?: ((e: AccessLogEntry) => void) | undefined;
  /** where the server reports handshake failures and handler crashes */
  log?: ((level: 'debug' | 'error', msg: string) => void) | undefined;
  /**
   * Answers a request whose handler threw or rejected (default: 500 text/plain
   * "internal error"): the server does not know the handler's response format.
   */
  onHandlerError?: ((e: unknown, req: IncomingMessage, res: ServerResponse) => void) | undefined;
  /**
   * The body of the answer to a request Node's parser refused before any handler saw it (an
   * unknown method, a malformed request line or header, headers too large, a request that
   * timed out): default Node's empty one. The server does not know the handler's format.
   */
  clientErrorBody?: ((status: number, message: string) => { contentType: string; body: string }) | undefined;
}

/** The status Node itself answers a parser error with (its default clientError answers). */
function clientErrorStatus(code: string | undefined): { status: number; message: string } {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, message: 'request header fields too large' };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, message: 'request chunk extensions too large' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, message: 'the request did not arrive in time' };
    case 'HPE_INVALID_METHOD':
      return { status: 400, message: 'the request method is not a known HTTP method' };
    default:
      return { status: 400, message: 'the request is not valid HTTP' };
  }
}

const REASON_PHRASES: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  431: 'Request Header Fields Too Large',
};

/** What the TLS layer knows about the peer of a request. */
export interface PeerInfo {
  /** a client certificate was sent and verified against the client CA */
  verified: boolean;
  /** why a sent certificate was not verified (mode 'request') */
  authorizationError: string | undefined;
  /** the client certificate chain as sent, leaf first; empty without one */
  chain: PeerCertificate[];
}

export function peerInfo(req: IncomingMessage): PeerInfo {
  const s = req.socket as TLSSocket;
  if (typeof s.getPeerCertificate !== 'function') return { verified: false, authorizationError: undefined, chain: [] };
  const leaf = s.getPeerCertificate(true);
  const chain: PeerCertificate[] = [];
  // the detailed certificate links each issuer; a self-issued root links to itself
  let c: (PeerCertificate & { issuerCertificate?: PeerCertificate }) | undefined =
    leaf && Object.keys(leaf).length ? leaf : undefined;
  while (c && chain.length < 10 && !chain.includes(c)) {
    chain.push(c);
    c = c.issuerCertificate;
  }
  const err = s.authorizationError as Error | string | null | undefined;
  return {
    verified: chain.length > 0 && s.authorized,
    authorizationError: err ? String(err instanceof Error ? err.message : err) : undefined,
    chain,
  };
}

/** The CN of the verified client certificate, if any (cheaper than peerInfo: the leaf only). */
export function verifiedClientCN(req: IncomingMessage): string | undefined {
  const s = req.socket as TLSSocket;
  if (!s.authorized || typeof s.getPeerCertificate !== 'function') return undefined;
  // typed as a string, but an array when the certificate has several CNs
  const cn: unknown = s.getPeerCertificate()?.subject?.CN;
  if (Array.isArray(cn)) return typeof cn[0] === 'string' ? cn[0] : undefined;
  return typeof cn === 'string' ? cn : undefined;
}

/**
 * Reads a request body up to `max` bytes. Over the cap (declared by Content-Length or
 * counted while reading) it rejects with TooLarge — the handler answers 413 in its own
 * format — and the connection is closed after that answer rather than reading the rest.
 */
export function readBody(req: IncomingMessage, res: ServerResponse, max: number): Promise<Buffer> {
  const tooLarge = (what: string) => {
    res.shouldKeepAlive = false;
    res.setHeader('Connection', 'close');
    return new KubetlsError('TooLarge', `request body ${what} over the ${max}-byte limit`);
  };
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) {
    req.pause();
    return Promise.reject(tooLarge(`of ${declared} bytes is`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > max) {
        done = true;
        req.pause();
        reject(tooLarge('is'));
        return;
      }
      chunks.push(c);
    });
    req.on('error', (e) => {
      if (!done) {
        done = true;
        reject(e);
      }
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
  });
}

/** A stream a handler keeps open (a watch): `end` is called on stop and must finish the response. */
export interface TrackedStream {
  end(): void;
}

export class HttpsServer {
  readonly server: Server;
  private readonly timeouts: Required<ServerTimeouts>;
  private readonly streams = new Set<TrackedStream>();
  /** every TLS connection with the requests it is handling (Node's own list misses those that never sent one) */
  private readonly connections = new Map<TLSSocket, { active: number; seen: boolean }>();
  private stopping: Promise<void> | undefined;
  private inFlight = 0;
  /** responses of requests in flight, so a stop can announce `Connection: close` on them */
  private readonly responses = new Set<ServerResponse>();

  constructor(
    private readonly o: HttpsServerOptions,
    private readonly handler: RequestHandler,
  ) {
    const t = { ...DEFAULT_TIMEOUTS, ...o.timeouts };
    for (const [k, v] of Object.entries(t))
      if (!Number.isFinite(v) || v <= 0) throw new KubetlsError('BadFlag', `timeout ${k}: must be positive`);
    this.timeouts = t;
    const mode = o.tls.clientCertificates ?? (o.tls.clientCa ? 'require' : 'none');
    if (mode !== 'none' && !o.tls.clientCa)
      throw new KubetlsError('MissingFlag', `client certificates "${mode}": a client CA is needed to verify them`);
    const serverOptions: ServerOptions = {
      cert: o.tls.cert,
      key: o.tls.key,
      minVersion: o.tls.minVersion ?? 'TLSv1.2',
      ...(o.tls.ciphers ? { ciphers: o.tls.ciphers } : {}),
      ...(mode !== 'none' ? { ca: o.tls.clientCa, requestCert: true, rejectUnauthorized: mode === 'require' } : {}),
      handshakeTimeout: t.handshakeMs,
      headersTimeout: t.headersMs,
      requestTimeout: Math.max(t.requestMs, t.headersMs),
      keepAliveTimeout: t.idleMs,
      // Node enforces headersTimeout/requestTimeout only when this periodic check runs
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(Math.min(t.headersMs, t.requestMs) / 4))),
    };
    this.server = createServer(serverOptions, (req, res) => this.onRequest(req, res));
    this.server.maxHeadersCount = o.maxHeadersCount ?? 100;
    this.server.on('secureConnection', (s: TLSSocket) => this.onConnection(s));
    if (o.clientErrorBody) {
      const body = o.clientErrorBody;
      // Node's own answer with the handler's format: the same statuses, written only when no
      // response has started on the connection (else the peer would read a corrupt answer)
      this.server.on('clientError', (e: Error & { code?: string }, socket: Socket) => {
        const inFlight = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
        if (e.code !== 'ECONNRESET' && socket.writable && !inFlight?.headersSent) {
          const { status, message } = clientErrorStatus(e.code);
          const b = body(status, message);
          socket.write(
            `HTTP/1.1 ${status} ${REASON_PHRASES[status]}\r\nContent-Type: ${b.contentType}\r\n` +
              `Content-Length: ${Buffer.byteLength(b.body)}\r\nConnection: close\r\n\r\n${b.body}`,
          );
        }
        socket.destroy(e);
      });
    }
    this.server.on('tlsClientError', (e: Error, s: TLSSocket) => {
      o.log?.('debug', `TLS handshake with ${s.remoteAddress ?? '?'} failed: ${e.message}`);
    });
  }

  /** Listens; resolves with the bound port (useful with port 0). */
  listen(port: number, address: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, address, () => {
        this.server.off('error', reject);
        const a = this.server.address();
        resolve(typeof a === 'object' && a ? a.port : port);
      });
    });
  }

  /** Registers a long-lived response; `end` is called when the server stops. Returns the unregister function. */
  trackStream(s: TrackedStream): () => void {
    if (this.stopping) {
      s.end();
      return () => {};
    }
    this.streams.add(s);
    return () => this.streams.delete(s);
  }

  /**
   * Graceful stop: no new connections, idle keep-alive connections closed, streams ended,
   * in-flight requests given `shutdownMs` to finish (their connections then close), and
   * after that every remaining connection is cut. Resolves when the server is closed.
   */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopping = new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.server.closeAllConnections(), this.timeouts.shutdownMs);
      timer.unref();
      // keep-alive connections that finish their request become idle: close them as they do
      const sweep = setInterval(() => this.server.closeIdleConnections(), 100);
      sweep.unref();
      this.server.close(() => {
        clearTimeout(timer);
        clearInterval(sweep);
        resolve();
      });
      this.server.closeIdleConnections();
      for (const [socket, state] of this.connections) if (state.active === 0) socket.destroy();
      // requests already in flight finish, but say `Connection: close`: their connection is
      // closed after the answer, and a client must not send its next request on it
      for (const res of this.responses) if (!res.headersSent) res.shouldKeepAlive = false;
      for (const s of [...this.streams]) {
        try {
          s.end();
        } catch (e) {
          this.o.log?.('error', `ending a stream on stop: ${errorMessage(e)}`);
        }
      }
      this.streams.clear();
    });
    return this.stopping;
  }

  /**
   * Node's headersTimeout starts with the first byte of a request: a peer that completes the
   * handshake and then sends nothing would hold the connection for good. It gets the header
   * timeout from the handshake on.
   */
  private onConnection(s: TLSSocket): void {
    const state = { active: 0, seen: false };
    this.connections.set(s, state);
    const timer = setTimeout(() => {
      if (!state.seen) s.destroy();
    }, this.timeouts.headersMs);
    timer.unref();
    s.once('close', () => {
      clearTimeout(timer);
      this.connections.delete(s);
    });
    if (this.stopping) s.destroy();
  }

  /** Requests being handled now. */
  get activeRequests(): number {
    return this.inFlight;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    this.inFlight++;
    const conn = this.connections.get(req.socket as TLSSocket);
    if (conn) {
      conn.seen = true;
      conn.active++;
    }
    this.responses.add(res);
    res.once('close', () => {
      this.inFlight--;
      this.responses.delete(res);
      if (conn) conn.active--;
    });
    // a stopping server answers what it has, then closes the connection
    if (this.stopping) res.shouldKeepAlive = false;
    if (this.o.accessLog) this.logWhenDone(req, res, this.o.accessLog);
    let r: void | Promise<void>;
    try {
      r = this.handler(req, res);
    } catch (e) {
      this.handlerFailed(e, req, res);
      return;
    }
    if (r) r.catch((e: unknown) => this.handlerFailed(e, req, res));
  }

  private handlerFailed(e: unknown, req: IncomingMessage, res: ServerResponse): void {
    // a bug must cost one request, never the process (and with it every connection it holds)
    this.o.log?.('error', `${req.method ?? '?'} ${pathOf(req)}: ${errorMessage(e)}`);
    try {
      if (res.headersSent) res.destroy();
      else if (this.o.onHandlerError) this.o.onHandlerError(e, req, res);
      else {
        res.writeHead(500, { 'Content-Type': 'text/plain', Connection: 'close' });
        res.end('internal error\n');
      }
    } catch {
      res.destroy();
    }
  }

  private logWhenDone(req: IncomingMessage, res: ServerResponse, log: (e: AccessLogEntry) => void): void {
    const start = process.hrtime.bigint();
    const socket: Socket = req.socket;
    const bytesBefore = socket.bytesWritten;
    res.once('finish', () => {
      log({
        remote: socket.remoteAddress ?? '?',
        method: req.method ?? '?',
        path: pathOf(req),
        status: res.statusCode,
        bytes: Math.max(0, socket.bytesWritten - bytesBefore),
        durationMs: Number(process.hrtime.bigint() - start) / 1e6,
        clientCN: verifiedClientCN(req),
      });
    });
  }
}

/** The URL path without the query, capped (it goes into logs). */
export function pathOf(req: IncomingMessage): string {
  const u = req.url ?? '/';
  const q = u.indexOf('?');
  return (q >= 0 ? u.slice(0, q) : u).slice(0, 200);
}

/** One access-log line: `remote "METHOD path" status bytes ms [cn]`, control characters escaped. */
export function formatAccessLog(e: AccessLogEntry): string {
  // JSON's escapes for quotes, backslashes and C0 controls; then what JSON leaves raw: DEL, the
  // C1 controls (a latin1-decoded URL byte 0x9b is a terminal's CSI), bidi overrides, U+2028/9
  const clean = (s: string) => escapeControls(JSON.stringify(s).slice(1, -1));
  return `${e.remote} "${clean(e.method)} ${clean(e.path)}" ${e.status} ${e.bytes} ${e.durationMs.toFixed(1)}ms${
    e.clientCN ? ` cn=${clean(e.clientCN)}` : ''
  }`;
}
