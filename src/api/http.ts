/**
 * The API server's request pipeline, in kube-apiserver's filter order: read the URL into a
 * RequestInfo, authenticate (client certificate, bearer token, or anonymous where allowed;
 * bad credentials are 401 even when anonymous access is on), authorize (RBAC; 403 in
 * kube-apiserver's words), then serve — discovery and health for non-resource paths, the
 * generic resource handlers otherwise — and write the answer: JSON, a Table, a watch stream,
 * or a `Status` for every error. Writes and refused authentications go to the audit log.
 * This module owns no socket: it is the request handler the HTTPS layer calls.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { isKubetlsError } from '../errors/index.js';
import type { AuditLog } from './auditlog.js';
import { checkPathNames, checkRoute, dispatch } from './handlers/index.js';
import type { ApiRequest, Reply, Representation, ServerState } from './handlers/context.js';
import { requestInfo, type RequestInfo } from './requestinfo.js';
import type { Authenticator, RequestCredentials } from './resource.js';
import type { RequestAttributes, UserInfo } from './object.js';
import {
  pathNotFound,
  requestEntityTooLarge,
  toStatus,
  unauthorized,
  unsupportedMediaType,
} from './machinery/status.js';
import { forbiddenStatus } from './authz/forbidden.js';
import { presentedChain } from './authn/tlspeer.js';
import { MAX_BODY_BYTES } from './machinery/jsonBody.js';
import { warningHeader } from './machinery/schema.js';
import { deprecationAnnotations, deprecationWarning } from './machinery/deprecation.js';
import { negotiateOutput, type OutputTarget } from './machinery/mediaType.js';
import { parseTableOptions } from './machinery/queryOptions.js';
import { serveNonResource, type NonResourceContext } from './nonresource.js';

export interface ApiServerOptions {
  state: ServerState;
  authenticator: Authenticator;
  audit: AuditLog;
  nonResource: NonResourceContext;
  /** request bodies above this are 413 (kube-apiserver: 3 MiB) */
  maxBodyBytes?: number;
  /** long-lived watch responses are registered here, so a graceful stop can end them */
  trackStream?: (end: () => void) => () => void;
  log?: (line: string) => void;
}

const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);
const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];
/** A watch response whose socket buffer grows past this is a client that stopped reading: ended. */
const MAX_STREAM_BUFFER = 16 * 1024 * 1024;

/**
 * The credentials the authenticators see: the client certificate chain exactly as the client
 * presented it (the x509 authenticator validates it against the client CAs itself, with
 * revocation), a bearer token, and the path (anonymous access is limited by path).
 */
export function credentialsOf(req: IncomingMessage, path: string): RequestCredentials {
  const c: RequestCredentials = { path };
  const socket = req.socket as TLSSocket;
  if (typeof socket.getPeerCertificate === 'function') {
    const chain = presentedChain(socket);
    if (chain.length) c.peerCertificates = chain;
  }
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^bearer\s+(\S+)\s*$/i.exec(auth);
    c.bearerToken = m ? m[1]! : '';
  }
  return c;
}

/** How the answer is encoded: a Table when kubectl asks for one, else JSON (406 for what no one can read). */
export function representationOf(accept: string | undefined, query: URLSearchParams): Representation {
  const out = negotiated(accept);
  if (out.as !== 'Table') return { as: 'object' };
  const t = parseTableOptions(query);
  return { as: 'table', version: out.version, includeObject: t.includeObject, noHeaders: t.noHeaders };
}

const URL_BASE = 'https://kubetls.invalid';
/**
 * a path of plain segments (no '.' or '..' segment, nothing to percent-decode or re-encode, not
 * starting with '//', which URL reads as a host) and a query without '?', a fragment or spaces
 */
const PLAIN_TARGET = /^(\/[A-Za-z0-9\-._~:@!$&'()*+,;=]*)*(\?[\x21\x22\x24-\x3e\x40-\x7e]*)?$/;
const DOT_SEGMENT = /\/\.\.?(\/|\?|$)/;

/**
 * The request target's path and query, as `new URL(target, base)` reads them. The usual target
 * (kubectl's and client-go's) is split by hand: URL's full parse was ~1% of the server's CPU in
 * bench/serve.ts's lifecycle. Anything unusual (dot segments, percent-escapes that URL would
 * keep or add, a fragment) goes through URL, so both give the same pathname and parameters.
 */
export function requestTarget(target: string): { pathname: string; searchParams: URLSearchParams } {
  if (!PLAIN_TARGET.test(target) || DOT_SEGMENT.test(target) || target.startsWith('//')) {
    const url = new URL(target, URL_BASE);
    return { pathname: url.pathname, searchParams: url.searchParams };
  }
  const q = target.indexOf('?');
  return q < 0
    ? { pathname: target, searchParams: new URLSearchParams() }
    : { pathname: target.slice(0, q), searchParams: new URLSearchParams(target.slice(q + 1)) };
}

/**
 * negotiateOutput of an Accept header, remembered: clients send the same few headers on every
 * request (parsing and sorting the clauses was 0.8% of the server's CPU in bench/serve.ts's
 * lifecycle). Refusals (406) are not remembered; at most 64 headers, then the memory starts over.
 */
const negotiatedByAccept = new Map<string, OutputTarget>();
function negotiated(accept: string | undefined): OutputTarget {
  if (accept === undefined) return negotiateOutput(accept);
  let out = negotiatedByAccept.get(accept);
  if (!out) {
    out = negotiateOutput(accept);
    if (negotiatedByAccept.size >= 64) negotiatedByAccept.clear();
    negotiatedByAccept.set(accept, out);
  }
  return out;
}

/**
 * The request body, refused with 413 as soon as it passes `limit` (declared or read). The
 * connection closes after that answer: the rest of the body is never read (a keep-alive
 * connection would have to drain it before its next request).
 */
function readBody(req: IncomingMessage, res: ServerResponse, limit: number): Promise<Buffer> {
  const tooLarge = () => {
    res.shouldKeepAlive = false;
    res.setHeader('Connection', 'close');
    return requestEntityTooLarge(`the request body is larger than ${limit} bytes`);
  };
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      // stop reading: the connection closes after the answer instead of draining megabytes
      req.pause();
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.pause();
        reject(tooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function writeJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | string[]> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function apiRequestHandler(o: ApiServerOptions) {
  const maxBody = o.maxBodyBytes ?? MAX_BODY_BYTES;
  const { state } = o;

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const received = state.now();
    const url = requestTarget(req.url ?? '/');
    const info = requestInfo(req.method ?? 'GET', url.pathname, url.searchParams.get('watch'));
    let user: UserInfo | undefined;
    let code = 500;
    /** what a create made: its name is in no URL (generateName chose it), the audit event names it */
    let written: { name?: string; uid?: string } | undefined;
    const annotations: Record<string, string> = {};
    /** the deprecation warning of the version asked, when upstream deprecated it */
    let deprecation: string | undefined;
    /**
     * Writes the request's audit event (writes and refused credentials only), once, before
     * the response is sent: the line is in the file (and, for a file, synced to disk) by the
     * time the client sees its answer, so neither kill -9 nor a power loss right after an
     * acknowledged write can leave the write without its event (docs/architecture.md,
     * "The audit log"). A failure to write it is logged and does not fail the request,
     * whose write is already committed.
     */
    let auditDone = false;
    const audited = async (): Promise<void> => {
      if (auditDone || !((info.kind === 'resource' && WRITE_VERBS.has(info.verb)) || code === 401)) return;
      auditDone = true;
      try {
        await o.audit.record({
          verb: info.verb,
          requestURI: req.url ?? '/',
          user,
          sourceIP: req.socket.remoteAddress ?? '',
          userAgent: req.headers['user-agent'],
          ...(info.kind === 'resource'
            ? {
                objectRef: {
                  apiGroup: info.apiGroup,
                  apiVersion: info.apiVersion,
                  resource: info.resource,
                  namespace: info.namespace || undefined,
                  name: info.name || written?.name || undefined,
                  uid: written?.uid,
                  subresource: info.subresource || undefined,
                },
              }
            : {}),
          code,
          received,
          completed: state.now(),
          annotations,
        });
      } catch (e) {
        o.log?.(`audit log: ${e instanceof Error ? e.message : String(e)}`);
      }
    };
    try {
      // ---- authentication
      const creds = credentialsOf(req, url.pathname);
      const authn = await o.authenticator.authenticate(creds);
      if (!authn.authenticated) {
        // refused credentials, or none where anonymous requests may not go: 401 (the reason is logged, never sent)
        if (authn.reason) annotations['authentication.kubetls.io/failure'] = authn.reason;
        if (authn.revoked) annotations['authentication.kubetls.io/revoked'] = 'true';
        throw unauthorized();
      }
      user = authn.user;

      // ---- authorization
      const attrs = attributesOf(info, user);
      const decision = await state.authorizer.authorize(attrs);
      annotations['authorization.k8s.io/decision'] = decision.allowed ? 'allow' : 'forbid';
      if (decision.reason) annotations['authorization.k8s.io/reason'] = decision.reason;
      if (!decision.allowed) {
        code = 403;
        await audited();
        writeJson(res, 403, forbiddenStatus(attrs, decision.reason));
        return;
      }

      // ---- serve
      if (info.kind === 'nonresource') {
        const r = await serveNonResource(o.nonResource, req, info, new URL(req.url ?? '/', URL_BASE));
        code = r.status;
        res.writeHead(r.status, r.headers);
        res.end(req.method === 'HEAD' ? undefined : r.body);
        return;
      }
      const def = state.registry.lookup(info.apiGroup, info.apiVersion, info.resource);
      if (!def) throw pathNotFound();
      if (def.deprecation) {
        // on every answer from here on, errors too, as kube-apiserver's installer adds it
        deprecation = deprecationWarning(def.names, def.deprecation);
        Object.assign(annotations, deprecationAnnotations(def.deprecation));
      }
      checkRoute(info, def);
      checkPathNames(info);
      const representation = representationOf(req.headers.accept, url.searchParams);
      const contentType = String(req.headers['content-type'] ?? '')
        .split(';')[0]!
        .trim()
        .toLowerCase();
      let rawBody: Buffer = Buffer.alloc(0);
      if (info.verb === 'create' || info.verb === 'update' || info.verb === 'patch' || info.verb.startsWith('delete')) {
        if (info.verb === 'patch' && !PATCH_TYPES.includes(contentType)) throw unsupportedMediaType(PATCH_TYPES);
        rawBody = await readBody(req, res, maxBody);
      }
      const apiReq: ApiRequest = {
        info,
        def,
        user,
        query: url.searchParams,
        headers: req.headers,
        rawBody,
        contentType,
        representation,
      };
      const reply: Reply = await dispatch(state, apiReq);
      if (reply.kind === 'stream') {
        code = 200;
        stream(reply, req, res);
        return;
      }
      code = reply.status;
      const headers: Record<string, string[]> = {};
      const warnings = [...(deprecation ? [deprecation] : []), ...(reply.warnings ?? [])];
      if (warnings.length) headers.Warning = warnings.map(warningHeader);
      annotateCsrWrite(info, reply.body, annotations);
      if (info.kind === 'resource' && !info.name && info.verb === 'create') written = metadataOf(reply.body);
      await audited();
      writeJson(res, reply.status, reply.body, headers);
    } catch (e) {
      const status = toStatus(e);
      code = status.code ?? 500;
      if (code >= 500) o.log?.(`${req.method} ${url.pathname}: ${isKubetlsError(e) ? e.message : String(e)}`);
      // a Status with retryAfterSeconds carries it as Retry-After too, as kube-apiserver's error writer does
      const retry = status.details?.retryAfterSeconds;
      await audited();
      const headers: Record<string, string | string[]> = retry ? { 'Retry-After': String(retry) } : {};
      if (deprecation) headers.Warning = [warningHeader(deprecation)];
      if (!res.headersSent) writeJson(res, code, status, headers);
      else res.destroy();
    } finally {
      // paths that answered without going through `audited` (a stream, readBody's own 413)
      void audited();
    }
  };

  function stream(reply: Extract<Reply, { kind: 'stream' }>, req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    // send the headers now, as kube-apiserver flushes them: Node holds them until the first
    // event otherwise, and a client watching from a resourceVersion with nothing new would
    // wait for its response (client-go's Watch returns only once the headers are in)
    res.flushHeaders();
    let ended = false;
    // declared before start(): a reply may end its stream while starting (one ERROR event for a
    // too-old resourceVersion), and end() must then still end the response
    const hooks: { stop?: () => void; untrack?: (() => void) | undefined } = {};
    const end = (): void => {
      if (ended) return;
      ended = true;
      hooks.stop?.();
      hooks.untrack?.();
      res.end();
    };
    const stop = (hooks.stop = reply.start({
      write(event) {
        if (ended) return false;
        if (res.writableLength > MAX_STREAM_BUFFER) {
          end();
          return false;
        }
        return res.write(Buffer.isBuffer(event) ? event : `${JSON.stringify(event)}\n`);
      },
      end,
    }));
    if (ended) return stop();
    hooks.untrack = o.trackStream?.(end);
    req.on('close', end);
    res.on('close', end);
  }
}

function attributesOf(info: RequestInfo, user: UserInfo): RequestAttributes {
  if (info.kind === 'nonresource') return { user, verb: info.verb, resourceRequest: false, path: info.path };
  return {
    user,
    verb: info.verb,
    resourceRequest: true,
    apiGroup: info.apiGroup,
    apiVersion: info.apiVersion,
    resource: info.resource,
    ...(info.subresource ? { subresource: info.subresource } : {}),
    ...(info.namespace ? { namespace: info.namespace } : {}),
    ...(info.name ? { name: info.name } : {}),
  };
}

/** The name and uid of an object in a reply body (a create's answer), as kube-apiserver completes objectRef. */
function metadataOf(body: unknown): { name?: string; uid?: string } | undefined {
  const m = (body as { metadata?: { name?: unknown; uid?: unknown } } | undefined)?.metadata;
  if (!m) return undefined;
  return {
    ...(typeof m.name === 'string' ? { name: m.name } : {}),
    ...(typeof m.uid === 'string' ? { uid: m.uid } : {}),
  };
}

/** Who approved and who signed a CSR, answerable from the audit log: what a write to /approval or /status added. */
function annotateCsrWrite(info: RequestInfo, body: unknown, annotations: Record<string, string>): void {
  if (info.kind !== 'resource' || info.apiGroup !== 'certificates.k8s.io') return;
  if (info.subresource !== 'approval' && info.subresource !== 'status') return;
  const status = (body as { status?: { conditions?: Array<{ type?: string }>; certificate?: string } }).status;
  const types = (status?.conditions ?? []).map((c) => c.type).filter(Boolean);
  if (types.length) annotations['certificates.kubetls.io/conditions'] = types.join(',');
  if (info.subresource === 'status' && status?.certificate) annotations['certificates.kubetls.io/certificate'] = 'set';
}
