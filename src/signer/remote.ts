/**
 * The remote signer (cfssl's signer/remote): sends each request to a cfssl-compatible
 * server — `kubetls cfssl serve` or `cfssl serve` — over HTTPS and returns the certificate
 * it issued. With an auth key it uses `/api/v1/cfssl/authsign`: the token is
 * HMAC-SHA256(key, request bytes), both base64 in the body (cfssl's auth "standard"
 * provider); without, `/api/v1/cfssl/sign`. The server's certificate is verified against
 * `ca` (or Node's roots): kubetls never signs through a server it has not authenticated,
 * and never over plaintext.
 */
import { createHmac } from 'node:crypto';
import { request } from 'node:https';
import { KubetlsError } from '../errors/index.js';
import { csrToPem, parseCertificatesPem, type DistinguishedName } from '../pki/index.js';
import { Issued, type Signer, type SignerInfo, type SignRequest, type SignResult } from './signer.js';

export interface RemoteSignerOptions {
  /** `https://host:port` (a path prefix is kept) or `host:port`; plain `http://` is refused */
  url: string;
  /** the HMAC key of the remote profile (decoded bytes): requests go to authsign */
  authKey?: Buffer | undefined;
  /** the profile for requests that name none */
  profile?: string | undefined;
  /** CA certificates (PEM) that the server's certificate must chain to; Node's roots when absent */
  ca?: string | Buffer | undefined;
  /** a client certificate and key (PEM) for servers that require mutual TLS */
  clientCert?: string | Buffer | undefined;
  clientKey?: string | Buffer | undefined;
  /** for the whole exchange; default 30 s */
  timeoutMs?: number | undefined;
}

/** A certificate response is a few KiB; anything much larger is not one. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/** Parses a remote's address as cfssl's -remote does, HTTPS only. */
export function remoteUrl(remote: string): URL {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(remote) ? remote : `https://${remote}`;
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new KubetlsError('InvalidEndpoint', `remote "${remote.slice(0, 100)}": not a URL or host:port`);
  }
  if (u.protocol === 'http:')
    throw new KubetlsError(
      'NoTLS',
      `remote ${remote.slice(0, 100)}: kubetls signs through HTTPS only`,
      'use https:// (the remote must serve TLS)',
    );
  if (u.protocol !== 'https:')
    throw new KubetlsError('InvalidEndpoint', `remote "${remote.slice(0, 100)}": scheme ${u.protocol} is not https`);
  if (u.search || u.hash || u.username || u.password)
    throw new KubetlsError('InvalidEndpoint', `remote "${remote.slice(0, 100)}": no query, fragment or user info`);
  return u;
}

/** A subject override in cfssl's sign-request shape: {CN, names: [{C, ST, L, O, OU, SerialNumber}]}. */
export function cfsslSubject(dn: DistinguishedName): Record<string, unknown> {
  const names: Array<Record<string, string>> = [];
  const each = (vals: readonly string[] | undefined, key: string) => {
    for (const v of vals ?? []) names.push({ [key]: v });
  };
  each(dn.country, 'C');
  each(dn.province, 'ST');
  each(dn.locality, 'L');
  each(dn.organization, 'O');
  each(dn.organizationalUnit, 'OU');
  if (dn.serialNumber) names.push({ SerialNumber: dn.serialNumber });
  return { ...(dn.commonName ? { CN: dn.commonName } : {}), ...(names.length ? { names } : {}) };
}

interface Envelope {
  success?: unknown;
  result?: unknown;
  errors?: unknown;
}

export class RemoteSigner implements Signer {
  readonly url: URL;

  constructor(private readonly o: RemoteSignerOptions) {
    this.url = remoteUrl(o.url);
  }

  async sign(req: SignRequest): Promise<SignResult> {
    if (req.usages !== undefined || req.durationMs !== undefined)
      throw new KubetlsError(
        'InvalidRequest',
        'a remote signer cannot take usages or a duration from the request: its profile decides them',
      );
    const csr = Buffer.isBuffer(req.csr) && req.csr[0] === 0x30 ? csrToPem(req.csr) : req.csr.toString();
    const profile = req.profile || this.o.profile;
    const body = Buffer.from(
      JSON.stringify({
        certificate_request: csr,
        ...(req.hosts ? { hosts: req.hosts } : {}),
        ...(req.subject ? { subject: cfsslSubject(req.subject) } : {}),
        ...(profile ? { profile } : {}),
        ...(req.label ? { label: req.label } : {}),
      }),
    );
    const result = this.o.authKey
      ? await this.call('authsign', {
          token: createHmac('sha256', this.o.authKey).update(body).digest('base64'),
          timestamp: Math.floor(Date.now() / 1000),
          request: body.toString('base64'),
        })
      : await this.call('sign', body);
    const pem = stringField(result, 'certificate', this.url);
    const cert = parseCertificatesPem(pem, `the certificate from ${this.url.origin}`)[0]!;
    return new Issued(cert.der, []);
  }

  async info(profile?: string): Promise<SignerInfo> {
    const p = profile || this.o.profile;
    const result = await this.call('info', p ? { profile: p } : {});
    const usages = isRecord(result) && Array.isArray(result.usages) ? result.usages.filter(isString) : [];
    const expiry = isRecord(result) && typeof result.expiry === 'string' ? result.expiry : '';
    return { certificatePem: stringField(result, 'certificate', this.url), usages, expiry };
  }

  /** POSTs to /api/v1/cfssl/<endpoint> and returns `result`, or throws with the server's first error. */
  private call(endpoint: string, payload: object | Buffer): Promise<unknown> {
    const body = Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload));
    const base = this.url.pathname.replace(/\/+$/, '');
    const where = `remote ${this.url.origin}`;
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.url.hostname.replace(/^\[|\]$/g, ''),
          port: this.url.port || 443,
          path: `${base}/api/v1/cfssl/${endpoint}`,
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Content-Length': body.length },
          minVersion: 'TLSv1.2',
          ...(this.o.ca ? { ca: this.o.ca } : {}),
          ...(this.o.clientCert ? { cert: this.o.clientCert } : {}),
          ...(this.o.clientKey ? { key: this.o.clientKey } : {}),
          timeout: this.o.timeoutMs ?? 30_000,
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_RESPONSE_BYTES) {
              req.destroy(new KubetlsError('TooLarge', `${where}: response over ${MAX_RESPONSE_BYTES} bytes`));
              return;
            }
            chunks.push(c);
          });
          res.on('error', (e) => reject(e));
          res.on('end', () => {
            try {
              resolve(unwrap(Buffer.concat(chunks), res.statusCode ?? 0, where));
            } catch (e) {
              reject(e instanceof Error ? e : new Error(String(e)));
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new KubetlsError('Timeout', `${where}: no answer in time`)));
      req.on('error', (e) => {
        reject(
          e instanceof KubetlsError
            ? e
            : new KubetlsError('RequestFailed', `${where}: ${e.message}`, {
                cause: e,
                ...(/certificate|self.signed|CERT/i.test(e.message)
                  ? { hint: "the server's certificate is not trusted: pass its CA with -tls-remote-ca" }
                  : {}),
              }),
        );
      });
      req.end(body);
    });
  }
}

/** cfssl's envelope: `result` on success, else the first error's message and code. */
function unwrap(bytes: Buffer, status: number, where: string): unknown {
  let env: Envelope;
  try {
    env = JSON.parse(bytes.toString('utf8')) as Envelope;
  } catch {
    throw new KubetlsError('RequestFailed', `${where}: HTTP ${status}, not a cfssl JSON response`);
  }
  if (env.success === true) return env.result;
  const first = Array.isArray(env.errors) && isRecord(env.errors[0]) ? env.errors[0] : {};
  const message = typeof first.message === 'string' ? printable(first.message).slice(0, 300) : '';
  const code = typeof first.code === 'number' ? ` (code ${first.code})` : '';
  throw new KubetlsError('RequestFailed', `${where}: ${message || `HTTP ${status}`}${code}`);
}

function stringField(result: unknown, name: string, url: URL): string {
  const v = isRecord(result) ? result[name] : undefined;
  if (typeof v !== 'string' || !v)
    throw new KubetlsError('RequestFailed', `remote ${url.origin}: the response has no "${name}"`);
  return v;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isString = (v: unknown): v is string => typeof v === 'string';

/** A remote's message without control characters (they would reach the user's terminal). */
function printable(s: string): string {
  let out = '';
  for (const ch of s) out += ch < ' ' || ch === '\x7f' ? ' ' : ch;
  return out;
}
