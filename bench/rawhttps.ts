/**
 * A minimal keep-alive HTTPS/1.1 client for benchmarks: one TLS connection, one request at a
 * time, the request written as one string, the response read as a status code and a body of
 * `Content-Length` bytes (kubetls serve answers every non-watch request that way).
 *
 * Why not node:https: in bench/serve.ts's lifecycle the node:https client (Agent, ClientRequest,
 * the HTTP parser, IncomingMessage streams, a string body per response) used ~0.47 of the
 * machine's 2 cores, competing with the server it measures, while cfssl serve's anchor is
 * driven by wrk (C). This client does what wrk does per request: write bytes, scan the head,
 * count the body.
 */
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';

export interface RawResponse {
  status: number;
  body: Buffer;
}

const HEAD_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)/i;

export class RawHttpsConnection {
  private chunks: Buffer[] = [];
  private size = 0;
  /** where the body starts and how long it is, once the head is in */
  private bodyAt = -1;
  private bodyLength = 0;
  private status = 0;
  private pending: { resolve(r: RawResponse): void; reject(e: Error): void } | undefined;
  private failed: Error | undefined;

  private constructor(
    private readonly socket: TLSSocket,
    private readonly host: string,
  ) {
    socket.on('data', (c: Buffer) => this.onData(c));
    const fail = (e: Error) => {
      this.failed ??= e;
      this.pending?.reject(e);
      this.pending = undefined;
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  static open(o: ConnectionOptions & { host: string; port: number }): Promise<RawHttpsConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(o, () => {
        socket.setNoDelay(true);
        socket.off('error', reject);
        resolve(new RawHttpsConnection(socket, `${o.host}:${o.port}`));
      });
      socket.once('error', reject);
    });
  }

  /** Sends one request (`body` ASCII/UTF-8 JSON) and resolves with the status and the raw body. */
  request(method: string, path: string, body?: string, accept = 'application/json'): Promise<RawResponse> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.pending) return Promise.reject(new Error('one request at a time'));
    const head =
      `${method} ${path} HTTP/1.1\r\nHost: ${this.host}\r\nAccept: ${accept}\r\n` +
      (body === undefined
        ? '\r\n'
        : `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(head);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(c: Buffer): void {
    this.chunks.push(c);
    this.size += c.length;
    if (this.bodyAt < 0) {
      const all = this.chunks.length === 1 ? c : Buffer.concat(this.chunks, this.size);
      this.chunks = [all];
      const end = all.indexOf(HEAD_END);
      if (end < 0) return;
      const head = all.toString('latin1', 0, end);
      // "HTTP/1.1 201 Created"
      this.status = Number(head.slice(9, 12));
      const m = CONTENT_LENGTH.exec(head);
      if (!m) return this.fail(new Error(`no Content-Length in the response: ${head}`));
      this.bodyAt = end + 4;
      this.bodyLength = Number(m[1]);
    }
    const total = this.bodyAt + this.bodyLength;
    if (this.size < total) return;
    if (this.size > total) return this.fail(new Error('more bytes than the response: a request was not asked for'));
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
    const r = { status: this.status, body: all.subarray(this.bodyAt) };
    this.chunks = [];
    this.size = 0;
    this.bodyAt = -1;
    const p = this.pending;
    this.pending = undefined;
    p?.resolve(r);
  }

  private fail(e: Error): void {
    this.failed = e;
    this.socket.destroy(e);
  }
}

/** The value of the first `"<field>":"…"` string in a JSON body, without parsing it (undefined when absent). */
export function scanString(body: Buffer, field: Buffer): string | undefined {
  const at = body.indexOf(field);
  if (at < 0) return undefined;
  const start = at + field.length;
  const end = body.indexOf(0x22, start);
  return end < 0 ? undefined : body.toString('latin1', start, end);
}
