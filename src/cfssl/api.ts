/**
 * The cfssl HTTP API (`/api/v1/cfssl/<endpoint>`) as transport-free handlers: each takes the
 * request body and returns an HTTP status plus cfssl's response envelope
 * `{success, result, errors:[{code,message}], messages}`. serve.ts does the HTTPS part.
 * Every body is size-capped and validated field by field; any failure is an envelope with
 * a one-line message, never a crash.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { KubetlsError, errorMessage } from '../errors/index.js';
import { parseCertificatesPem } from '../pki/index.js';
import { asObject, field, goJson, jsonType, optString, optStringArray, parseJson, type JsonObject } from './json.js';
import { parseCsrRequest, parseSubjectOverride } from './csrjson.js';
import { selectProfile, type SigningProfile } from './config.js';
import type { LocalSigner } from '../signer/local.js';
import type { SignRequest } from '../signer/signer.js';
import { certinfo } from './certinfo.js';
import { certificateReply } from './signreply.js';

/** Request bodies: a CSR is < 64 KiB; authsign wraps it in base64 (4/3) plus JSON. */
export const MAX_BODY_BYTES = 256 * 1024;

export interface ApiResponse {
  status: number;
  /** JSON text; the sign endpoints hand over ready bytes (see signreply.ts) */
  body: string | Buffer;
}

export function envelope(result: unknown, messages: string[] = []): string {
  return goJson({ success: true, result, errors: [], messages: messages.map((m) => ({ code: 0, message: m })) });
}

export function errorResponse(e: unknown): ApiResponse {
  // cfssl's numeric code and HTTP status come from the error registry; anything unexpected is a 500
  const [num, status] = e instanceof KubetlsError ? e.spec.cfssl : [500, 500];
  const message = e instanceof KubetlsError ? e.message : `internal error: ${errorMessage(e)}`;
  return { status, body: goJson({ success: false, result: null, errors: [{ code: num, message }], messages: [] }) };
}

const ok = (result: unknown, messages: string[] = []): ApiResponse => ({
  status: 200,
  body: envelope(result, messages),
});

function bodyObject(body: Buffer, what: string): JsonObject {
  if (body.length === 0) throw new KubetlsError('MalformedJSON', `${what}: empty request body`);
  return asObject(parseJson(body, `${what} request`, MAX_BODY_BYTES), `${what} request`);
}

/** Reads cfssl's signer.SignRequest fields. */
export function parseSignRequest(o: JsonObject): SignRequest {
  const csr = optString(o, 'certificate_request', '');
  if (!csr) throw new KubetlsError('InvalidField', 'certificate_request: missing (a PEM CSR is required)');
  if (field(o, 'bundle') === true)
    throw new KubetlsError('Unsupported', 'bundle: bundling is not supported by kubetls cfssl serve');
  const hostsV = field(o, 'hosts');
  return {
    csr,
    hosts: hostsV === undefined || hostsV === null ? undefined : optStringArray(o, 'hosts', '', 1000),
    subject: parseSubjectOverride(field(o, 'subject')),
    profile: optString(o, 'profile', ''),
    label: optString(o, 'label', ''),
  };
}

export class CfsslApi {
  constructor(
    readonly signer: LocalSigner,
    private readonly log: (level: number, msg: string) => void = () => {},
  ) {}

  /** Routes one request; `path` is the URL path without the query. */
  async handle(method: string, path: string, body: Buffer): Promise<ApiResponse> {
    try {
      const name = path.startsWith('/api/v1/cfssl/') ? path.slice('/api/v1/cfssl/'.length) : undefined;
      if (name === 'health') {
        if (method !== 'GET' && method !== 'POST')
          throw new KubetlsError('MethodNotAllowed', `method ${method} not allowed`);
        return ok({ healthy: true });
      }
      // a Map, not an object: a path like /api/v1/cfssl/constructor must not find Object's members
      const h = name === undefined ? undefined : this.routes.get(name);
      if (!h) throw new KubetlsError('NotFound', `no such endpoint: ${path.slice(0, 100)}`);
      if (method !== 'POST') throw new KubetlsError('MethodNotAllowed', `method ${method} not allowed; use POST`);
      return await h(body);
    } catch (e) {
      if (!(e instanceof KubetlsError)) this.log(3, `internal error on ${path.slice(0, 100)}: ${errorMessage(e)}`);
      return errorResponse(e);
    }
  }

  private readonly routes = new Map<string, (body: Buffer) => ApiResponse | Promise<ApiResponse>>([
    ['sign', (b) => this.sign(b)],
    ['authsign', (b) => this.authsign(b)],
    ['info', (b) => this.info(b)],
    ['certinfo', (b) => this.certinfo(b)],
    ['newkey', (b) => this.newkey(b)],
    ['newcert', (b) => this.newcert(b)],
    ['init_ca', (b) => this.initCa(b)],
  ]);

  private signWith(req: SignRequest, profile: SigningProfile, warnings: string[]): ApiResponse {
    const r = this.signer.issue(req, profile);
    for (const w of warnings) this.log(2, w);
    for (const w of r.warnings) this.log(2, w);
    return { status: 200, body: certificateReply(r.der) };
  }

  sign(body: Buffer): ApiResponse {
    const req = parseSignRequest(bodyObject(body, 'sign'));
    const warnings: string[] = [];
    const profile = this.signer.profileFor(req.profile, warnings);
    if (profile.authKey)
      throw new KubetlsError(
        'AuthRequired',
        `profile "${profile.name}" requires authentication; use /api/v1/cfssl/authsign`,
      );
    return this.signWith(req, profile, warnings);
  }

  /** authsign: token = HMAC-SHA256(hex-decoded auth key, request bytes), both base64 in the body. */
  authsign(body: Buffer): ApiResponse {
    const o = bodyObject(body, 'authsign');
    const token = b64Field(o, 'token');
    const request = b64Field(o, 'request');
    const inner = asObject(parseJson(request, 'authsign request', MAX_BODY_BYTES), 'authsign request');
    const req = parseSignRequest(inner);
    const warnings: string[] = [];
    const profile = this.signer.profileFor(req.profile, warnings);
    if (!profile.authKey)
      throw new KubetlsError(
        'AuthRequired',
        `profile "${profile.name}" has no auth_key; authenticated signing is not configured for it`,
      );
    const want = createHmac('sha256', profile.authKey).update(request).digest();
    if (token.length !== want.length || !timingSafeEqual(token, want))
      throw new KubetlsError('BadToken', "invalid token: the HMAC does not match the profile's auth key");
    return this.signWith(req, profile, warnings);
  }

  info(body: Buffer): ApiResponse {
    const o = body.length ? bodyObject(body, 'info') : {};
    const { profile } = selectProfile(this.signer.policy, optString(o, 'profile', ''));
    return ok({ certificate: this.signer.certificatePem(), usages: profile.usages, expiry: profile.expiryString });
  }

  certinfo(body: Buffer): ApiResponse {
    const o = bodyObject(body, 'certinfo');
    const pem = optString(o, 'certificate', '');
    if (!pem) {
      if (field(o, 'domain') !== undefined)
        throw new KubetlsError(
          'Unsupported',
          'domain: fetching certificates from live hosts is not supported; send "certificate"',
        );
      throw new KubetlsError('InvalidField', 'certificate: missing');
    }
    return ok(certinfo(parseCertificatesPem(pem, 'certificate')[0]!));
  }

  async newkey(body: Buffer): Promise<ApiResponse> {
    const req = parseCsrRequest(bodyObject(body, 'newkey'), 'newkey request');
    requireName(req, 'newkey request');
    const { generateKeyAndCsr } = await import('./genkey.js');
    const r = await generateKeyAndCsr(req);
    return ok({ private_key: r.keyPem, certificate_request: r.csrPem });
  }

  async newcert(body: Buffer): Promise<ApiResponse> {
    const o = bodyObject(body, 'newcert');
    const reqV = field(o, 'request');
    if (reqV === undefined || reqV === null)
      throw new KubetlsError('InvalidField', 'request: missing (a CSR JSON object)');
    const req = parseCsrRequest(asObject(reqV, 'request'), 'newcert request');
    requireName(req, 'newcert request');
    const warnings: string[] = [];
    const profile = this.signer.profileFor(optString(o, 'profile', ''), warnings);
    if (profile.authKey) throw new KubetlsError('AuthRequired', `profile "${profile.name}" requires authentication`);
    const { generateKeyAndCsr } = await import('./genkey.js');
    const kc = await generateKeyAndCsr(req);
    const r = this.signer.issue({ csr: kc.csrDer, hosts: req.hosts }, profile);
    for (const w of [...warnings, ...r.warnings]) this.log(2, w);
    return ok({ private_key: kc.keyPem, certificate_request: kc.csrPem, certificate: r.pem });
  }

  async initCa(body: Buffer): Promise<ApiResponse> {
    const req = parseCsrRequest(bodyObject(body, 'init_ca'), 'init_ca request');
    requireName(req, 'init_ca request');
    const { initCa } = await import('./genkey.js');
    const r = await initCa(req);
    return ok({ private_key: r.keyPem, certificate: r.certPem });
  }
}

/** An API key request must name something: an empty subject with no SANs is a useless, unaccountable key. */
function requireName(req: ReturnType<typeof parseCsrRequest>, what: string): void {
  if (!req.subject.commonName && req.hosts.length === 0)
    throw new KubetlsError('InvalidField', `${what}: CN: missing (a request needs a CN or hosts)`);
}

function b64Field(o: JsonObject, name: string): Buffer {
  const v = field(o, name);
  if (typeof v !== 'string' || v === '')
    throw new KubetlsError(
      name === 'token' ? 'BadToken' : 'InvalidField',
      `${name}: missing or not a base64 string (got ${jsonType(v)})`,
    );
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0)
    throw new KubetlsError(name === 'token' ? 'BadToken' : 'InvalidField', `${name}: not valid base64`);
  return Buffer.from(v, 'base64');
}
