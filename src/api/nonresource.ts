/**
 * The paths that name no resource: health checks (`/healthz`, `/livez`, `/readyz`, with
 * `?verbose` listing the checks), `/version`, `/metrics` when the controllers run embedded
 * (authorized like any non-resource URL: RBAC `get` on `/metrics`), OpenAPI (`/openapi/v2` and
 * `/openapi/v3/…`, generated from the schemas once: ./openapi/documents.ts), and discovery
 * (`/api`, `/apis`, and their groups and versions). Anything else is kube's 404.
 */
import type { IncomingMessage } from 'node:http';
import { pathNotFound } from './machinery/status.js';
import { discoveryForPath } from './machinery/discovery.js';
import type { NonResourceRequestInfo } from './requestinfo.js';
import type { ResourceRegistry } from './registry.js';
import { OpenAPIDocuments } from './openapi/documents.js';

export interface HealthCheck {
  name: string;
  /** undefined when healthy, else why not */
  check: () => string | undefined;
}

export interface NonResourceContext {
  registry: ResourceRegistry;
  /** `/version`'s body */
  version: Record<string, string>;
  /** checks of /livez and /healthz */
  live: HealthCheck[];
  /** checks of /readyz (the live ones too) */
  ready: HealthCheck[];
  /** `/metrics` (the embedded controllers' Prometheus registry); 404 when absent */
  metrics?: { contentType: string; render(): Promise<string> } | undefined;
}

const built = new WeakMap<ResourceRegistry, OpenAPIDocuments>();
/**
 * The OpenAPI documents of a registry, built on the first /openapi request and kept (the
 * served resources never change while the server runs). Built then rather than at start-up:
 * it takes ~0.1 s of CPU (measured: 70–140 ms), which most servers' start-up need not pay.
 */
export function openAPIFor(registry: ResourceRegistry, version: string): OpenAPIDocuments {
  let d = built.get(registry);
  if (!d)
    built.set(
      registry,
      (d = new OpenAPIDocuments(
        registry.all.map((r) => r.names),
        { version },
      )),
    );
  return d;
}

export interface NonResourceReply {
  status: number;
  headers: Record<string, string | number>;
  body: string | Buffer;
}

const text = (status: number, body: string): NonResourceReply => ({
  status,
  headers: {
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    'Content-Length': Buffer.byteLength(body),
  },
  body,
});

const json = (status: number, body: unknown, contentType = 'application/json'): NonResourceReply => {
  const s = JSON.stringify(body);
  return { status, headers: { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(s) }, body: s };
};

/** kube's health endpoint: `ok`, or with ?verbose each check as `[+]name ok` / `[-]name failed: reason`. */
function health(kind: string, checks: HealthCheck[], url: URL, only?: string): NonResourceReply {
  const selected = only ? checks.filter((c) => c.name === only) : checks;
  if (only && !selected.length) throw pathNotFound();
  const results = selected.map((c) => ({ name: c.name, failure: c.check() }));
  const failed = results.filter((r) => r.failure !== undefined);
  if (!url.searchParams.has('verbose') && !failed.length) return text(200, 'ok');
  const lines = results.map((r) =>
    r.failure === undefined
      ? `[+]${r.name} ok`
      : `[-]${r.name} failed: ${url.searchParams.has('verbose') ? r.failure : 'reason withheld'}`,
  );
  lines.push(failed.length ? `${kind} check failed` : `${kind} check passed`);
  return text(failed.length ? 500 : 200, `${lines.join('\n')}\n`);
}

export async function serveNonResource(
  c: NonResourceContext,
  req: IncomingMessage,
  info: NonResourceRequestInfo,
  url: URL,
): Promise<NonResourceReply> {
  const path = info.path.replace(/\/+$/, '') || '/';
  if (info.verb !== 'get' && info.verb !== 'head') throw pathNotFound();
  const hm = /^\/(healthz|livez|readyz)(?:\/([a-z0-9-]+))?$/.exec(path);
  if (hm) {
    const kind = hm[1]!;
    return health(kind, kind === 'readyz' ? [...c.live, ...c.ready] : c.live, url, hm[2]);
  }
  if (path === '/version') return json(200, c.version);
  if (path === '/metrics' && c.metrics) {
    const body = await c.metrics.render();
    return {
      status: 200,
      headers: { 'Content-Type': c.metrics.contentType, 'Content-Length': Buffer.byteLength(body) },
      body,
    };
  }
  if (path === '/openapi' || path.startsWith('/openapi/'))
    return openAPIFor(c.registry, c.version.gitVersion ?? '').reply(path, url.searchParams, {
      accept: req.headers.accept,
      'if-none-match': req.headers['if-none-match'],
    });
  const d = discoveryForPath(c.registry.all, path, req.headers.accept);
  if (d) {
    // aggregated documents carry an ETag; a client that has it gets 304 (kubectl's discovery cache)
    if (d.etag && req.headers['if-none-match'] === d.etag)
      return { status: 304, headers: { ETag: d.etag, Vary: 'Accept' }, body: '' };
    const r = json(200, d.body, d.contentType);
    if (d.etag) Object.assign(r.headers, { ETag: d.etag, Vary: 'Accept' });
    return r;
  }
  throw pathNotFound();
}
