/**
 * The controllers' connection to a Kubernetes API (kubetls serve's own port, or any real
 * kube-apiserver): one `KubeConfig` from @kubernetes/client-node and the typed APIs made from
 * it. Controllers use `ctx.client.certificates`, `.core`, `.authorization`, … and nothing
 * else: they never touch a store directly. `apiError(e)` reads the HTTP code and the Status
 * message of a failed call, whatever shape the client gave it.
 */
import {
  AuthorizationV1Api,
  CertificatesV1Api,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
} from '@kubernetes/client-node';

export interface ControllerClient {
  kubeConfig: KubeConfig;
  /** the server's URL, for messages */
  server: string;
  certificates: CertificatesV1Api;
  core: CoreV1Api;
  coordination: CoordinationV1Api;
  authorization: AuthorizationV1Api;
}

export interface KubeconfigSource {
  /** a kubeconfig file (its current context) */
  file?: string;
  /** or its text */
  text?: string;
  /** replaces the cluster's server URL (embedded: serve's actual port); the TLS name stays the file's host */
  server?: string;
}

export function loadKubeConfig(src: KubeconfigSource): KubeConfig {
  const kc = new KubeConfig();
  if (src.file !== undefined) kc.loadFromFile(src.file);
  else if (src.text !== undefined) kc.loadFromString(src.text);
  else throw new Error('loadKubeConfig: a file or a text is needed');
  if (src.server) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    const original = new URL(cluster.server);
    const clusters = kc.clusters.map((c) =>
      c.name === cluster.name
        ? {
            ...c,
            server: src.server!,
            // the serving certificate names the original host; keep verifying against it
            tlsServerName: c.tlsServerName ?? original.hostname.replace(/^\[|\]$/g, ''),
          }
        : c,
    );
    kc.loadFromOptions({
      clusters,
      users: kc.users,
      contexts: kc.contexts,
      currentContext: kc.currentContext,
    });
  }
  return kc;
}

export function makeClient(kc: KubeConfig): ControllerClient {
  return {
    kubeConfig: kc,
    server: kc.getCurrentCluster()?.server ?? '',
    certificates: kc.makeApiClient(CertificatesV1Api),
    core: kc.makeApiClient(CoreV1Api),
    coordination: kc.makeApiClient(CoordinationV1Api),
    authorization: kc.makeApiClient(AuthorizationV1Api),
  };
}

export interface ApiErrorInfo {
  /** HTTP status, 0 when the request never got an answer */
  code: number;
  /** the Status message, or the error's own */
  message: string;
  /** the Status reason (Conflict, NotFound, Forbidden…) when the server sent one */
  reason?: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** What a client-node call's rejection says (ApiException carries code and body; network errors carry neither). */
export function apiError(e: unknown): ApiErrorInfo {
  if (!isRecord(e)) return { code: 0, message: String(e) };
  const code = typeof e.code === 'number' ? e.code : 0;
  let body: unknown = e.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      /* not JSON: keep the text */
    }
  }
  if (isRecord(body) && typeof body.message === 'string') {
    const info: ApiErrorInfo = { code: typeof body.code === 'number' ? body.code : code, message: body.message };
    if (typeof body.reason === 'string') info.reason = body.reason;
    return info;
  }
  if (typeof body === 'string' && body) return { code, message: body };
  return { code, message: e instanceof Error ? (e.message.split('\n')[0] ?? e.message) : String(e) };
}

export const isConflict = (e: unknown): boolean => apiError(e).code === 409;
export const isNotFound = (e: unknown): boolean => apiError(e).code === 404;
