/**
 * `kubetls controller-manager`'s own HTTPS endpoint (kube-controller-manager's --secure-port,
 * 10257): `/metrics` in Prometheus's text format, and `/healthz`, `/livez`, `/readyz`.
 * As kube-controller-manager serves it:
 * - HTTPS only (src/server), TLS ≥ 1.2; with no --tls-cert-file a self-signed certificate for
 *   localhost/127.0.0.1 is made in memory at start (kube-controller-manager writes one to
 *   --cert-dir; kubetls keeps the key off disk);
 * - the health paths are always allowed (--authorization-always-allow-paths' default);
 * - everything else needs an authenticated caller: a client certificate verified against
 *   --client-ca-file (CN → user, O → groups), or else `Authorization: Bearer <token>`, which
 *   the API server authenticates through a TokenReview (./tokenreview.ts: answers cached 10 s
 *   by a hash of the token, bounded, one review for concurrent requests). A certificate wins
 *   when both are sent. Neither, a token the API server does not know, or an API server that
 *   cannot be asked: 401. This is how Prometheus scrapes it in a cluster, with its
 *   ServiceAccount's token; the controller manager's identity needs `create tokenreviews`
 *   (the ClusterRole system:auth-delegator, which deploy/controller-manager-rbac.yaml binds);
 * - and an authorized one: a SubjectAccessReview to the API server for `get` on the
 *   non-resource URL, decisions cached 10 s (as kube-controller-manager's delegating
 *   authorizer caches them); refused is 403.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { issueCertificate } from '../pki/certificate.js';
import { pemEncode } from '../pki/pem.js';
import { HttpsServer, pathOf, peerInfo, type TlsVersion } from '../server/index.js';
import { apiError, type ControllerClient } from './framework/client.js';
import type { ControllerClock } from './framework/clock.js';
import type { ControllerMetrics } from './framework/metrics.js';
import { bearerTokenOf, TokenReviewer, type MetricsCaller } from './tokenreview.js';

export const ALWAYS_ALLOW_PATHS = ['/healthz', '/readyz', '/livez'];
const DECISION_TTL_MS = 10_000;

export interface MetricsServerOptions {
  bindAddress: string;
  port: number;
  /** serving certificate and key (PEM); a self-signed pair when absent */
  tls?: { cert: string; key: string };
  minVersion?: TlsVersion;
  /** verifies client certificates; without it only bearer tokens (TokenReview) authenticate */
  clientCaPem?: string | undefined;
  client: ControllerClient;
  metrics: ControllerMetrics;
  clock: ControllerClock;
  healthy: () => boolean;
  log: (line: string) => void;
  /** bearer-token answers' lifetime and count (TokenReviewer's defaults: 10 s, 1024) */
  tokenCache?: { ttlMs?: number; maxEntries?: number };
}

/** A self-signed ECDSA P-256 serving pair for localhost and 127.0.0.1, valid a year. */
export function selfSignedServing(now: Date): { cert: string; key: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const der = issueCertificate(
    {
      subject: { commonName: `localhost@${Math.floor(now.getTime() / 1000)}` },
      serialNumber: randomBytes(16),
      notBefore: new Date(now.getTime() - 5 * 60_000),
      notAfter: new Date(now.getTime() + 365 * 24 * 3600_000),
      keyUsage: ['digitalSignature'],
      extKeyUsage: ['serverAuth'],
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
    },
    { publicKey, selfSignKey: privateKey },
  );
  return { cert: pemEncode('CERTIFICATE', der), key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** CN and O of the verified client certificate (undefined without one). */
function certificateCaller(req: IncomingMessage): MetricsCaller | undefined {
  const p = peerInfo(req);
  const leaf = p.verified ? p.chain[0] : undefined;
  if (!leaf) return undefined;
  const list = (v: unknown): string[] =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];
  const user = list(leaf.subject?.CN)[0];
  if (!user) return undefined;
  return { user, groups: [...list(leaf.subject?.O), 'system:authenticated'] };
}

export interface RunningMetricsServer {
  port: number;
  /** TokenReviews sent so far */
  tokenReviews(): number;
  stop(): Promise<void>;
}

export async function startMetricsServer(o: MetricsServerOptions): Promise<RunningMetricsServer> {
  const tls = o.tls ?? selfSignedServing(o.clock.now());
  const decisions = new Map<string, { allowed: boolean; at: number }>();
  const tokens = new TokenReviewer({ client: o.client, clock: o.clock, log: o.log, ...o.tokenCache });

  /** the certificate's caller, else the bearer token's (undefined: 401) */
  const authenticate = (req: IncomingMessage): Promise<MetricsCaller | undefined> | MetricsCaller | undefined => {
    const fromCertificate = certificateCaller(req);
    if (fromCertificate) return fromCertificate;
    const token = bearerTokenOf(req.headers.authorization);
    return token ? tokens.authenticate(token) : undefined;
  };

  const authorize = async (caller: MetricsCaller, path: string): Promise<boolean> => {
    const key = JSON.stringify([caller.user, caller.groups, caller.uid ?? '', caller.extra ?? {}, path]);
    const now = o.clock.now().getTime();
    const cached = decisions.get(key);
    if (cached && now - cached.at < DECISION_TTL_MS) return cached.allowed;
    const review = await o.client.authorization.createSubjectAccessReview({
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: caller.user,
          groups: caller.groups,
          ...(caller.uid ? { uid: caller.uid } : {}),
          ...(caller.extra ? { extra: caller.extra } : {}),
          nonResourceAttributes: { path, verb: 'get' },
        },
      },
    });
    const allowed = review.status?.allowed === true;
    if (decisions.size > 1000) decisions.clear();
    decisions.set(key, { allowed, at: now });
    return allowed;
  };

  const text = (res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8') => {
    res.writeHead(status, {
      'Content-Type': type,
      'Content-Length': Buffer.byteLength(body),
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(body);
  };

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = pathOf(req);
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'method not allowed\n');
    if (ALWAYS_ALLOW_PATHS.includes(path)) return o.healthy() ? text(res, 200, 'ok') : text(res, 500, 'not ready\n');
    const caller = await authenticate(req);
    if (!caller) return text(res, 401, 'Unauthorized\n');
    let allowed: boolean;
    try {
      allowed = await authorize(caller, path);
    } catch (e) {
      o.log(`metrics: SubjectAccessReview failed: ${apiError(e).message}`);
      return text(res, 500, 'Internal Server Error: authorization failed\n');
    }
    // kube's delegated authorizer words its refusal this way
    if (!allowed) return text(res, 403, `Forbidden: "${path}", Reason: ""\n`);
    if (path !== '/metrics') return text(res, 404, '404 page not found\n');
    return text(res, 200, await o.metrics.render(), o.metrics.contentType);
  };

  const server = new HttpsServer(
    {
      tls: {
        cert: tls.cert,
        key: tls.key,
        ...(o.minVersion ? { minVersion: o.minVersion } : {}),
        ...(o.clientCaPem ? { clientCertificates: 'request' as const, clientCa: o.clientCaPem } : {}),
      },
      log: (level, msg) => {
        if (level === 'error') o.log(`metrics: ${msg}`);
      },
    },
    handler,
  );
  const port = await server.listen(o.port, o.bindAddress);
  return { port, tokenReviews: () => tokens.reviews, stop: () => server.stop() };
}
