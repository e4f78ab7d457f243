/**
 * The controllers' connection to a Kubernetes API (kubetls serve's own port, or any real
 * kube-apiserver): one `KubeConfig` from @kubernetes/client-node and the typed APIs made from
 * it. Controllers use `ctx.client.certificates`, `.core`, `.authorization`, … and nothing
 * else: they never touch a store directly. `apiError(e)` reads the HTTP code and the Status
 * message of a failed call, whatever shape the client gave it.
 *
 * client-node is loaded when `connect` is called, never by importing a controller module:
 * the CLI registers every controller's flags at start-up and must not pay seconds of
 * loading for commands that run none (src/util/esmimport.ts). So controller modules import
 * only types from '@kubernetes/client-node' (eslint enforces it) and reach its values
 * through `client.lib`.
 */
import { Agent as HttpsAgent } from 'node:https';
import type * as ClientNode from '@kubernetes/client-node';
import { importEsm } from '../../util/esmimport.js';

export type ClientNodeLib = typeof ClientNode;

export interface ControllerClient {
  /** the @kubernetes/client-node module (makeInformer, setHeaderOptions, …) */
  lib: ClientNodeLib;
  kubeConfig: ClientNode.KubeConfig;
  /** the server's URL, for messages */
  server: string;
  certificates: ClientNode.CertificatesV1Api;
  core: ClientNode.CoreV1Api;
  coordination: ClientNode.CoordinationV1Api;
  authorization: ClientNode.AuthorizationV1Api;
  /** TokenReviews (the metrics endpoint's bearer tokens: src/controllers/tokenreview.ts) */
  authentication: ClientNode.AuthenticationV1Api;
}

export interface KubeconfigSource {
  /** a kubeconfig file (its current context) */
  file?: string;
  /** or its text */
  text?: string;
  /** neither: client-node's default (KUBECONFIG, ~/.kube/config, or the in-cluster service account) */
  default?: true;
  /** replaces the cluster's server URL (embedded: serve's bind address and port) */
  server?: string;
  /** replaces only the port of the server URL */
  port?: number;
  /** the name the serving certificate must carry when it differs from the server URL's host */
  tlsServerName?: string;
}

export const loadClientNode = (): Promise<ClientNodeLib> => importEsm<ClientNodeLib>('@kubernetes/client-node');

/** Loads the kubeconfig and makes the typed APIs. */
export async function connect(src: KubeconfigSource): Promise<ControllerClient> {
  const lib = await loadClientNode();
  const kc = new lib.KubeConfig();
  if (src.file !== undefined) kc.loadFromFile(src.file);
  else if (src.text !== undefined) kc.loadFromString(src.text);
  else kc.loadFromDefault();
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  if (src.server || src.port || src.tlsServerName) {
    let server = src.server ?? cluster.server;
    if (src.port) {
      const u = new URL(server);
      u.port = String(src.port);
      server = u.toString().replace(/\/$/, '');
    }
    const clusters = kc.clusters.map((c) =>
      c.name === cluster.name
        ? {
            ...c,
            server,
            ...(src.tlsServerName ? { tlsServerName: src.tlsServerName } : {}),
          }
        : c,
    );
    kc.loadFromOptions({ clusters, users: kc.users, contexts: kc.contexts, currentContext: kc.currentContext });
  }
  const server = kc.getCurrentCluster()?.server ?? '';
  // what kc.makeApiClient does, with connections kept alive (keepAliveAuth)
  const config = lib.createConfiguration({
    baseServer: new lib.ServerConfiguration(server, {}),
    authMethods: { default: keepAliveAuth(kc) },
  });
  return {
    lib,
    kubeConfig: kc,
    server,
    certificates: new lib.CertificatesV1Api(config),
    core: new lib.CoreV1Api(config),
    coordination: new lib.CoordinationV1Api(config),
    authorization: new lib.AuthorizationV1Api(config),
    authentication: new lib.AuthenticationV1Api(config),
  };
}

/**
 * The kubeconfig's authentication with one keep-alive connection pool. client-node 1.4's
 * KubeConfig makes a new `https.Agent` for every API call, without keep-alive (Node's default
 * for a new Agent), so every call paid a TCP connect and a full TLS handshake with a client
 * certificate on both sides: the embedded signer drained 60 CSRs/s where serve takes ~800
 * lifecycles/s from keep-alive clients (bench/RESULTS.md, "csrsigning embedded"). Here the
 * KubeConfig still sets everything on each call (headers, tokens, exec credentials, TLS
 * options); its agent is then swapped for a keep-alive agent made with the same options, one
 * per distinct set of TLS options (a rotated client certificate gets a new pool). Proxy and
 * plain-HTTP agents are left as the KubeConfig made them.
 */
export function keepAliveAuth(kc: ClientNode.KubeConfig): ClientNode.SecurityAuthentication {
  let pool: { id: string; agent: HttpsAgent } | undefined;
  return {
    getName: () => 'kubeconfig (keep-alive)',
    async applySecurityAuthentication(context) {
      await kc.applySecurityAuthentication(context);
      const made = context.getAgent();
      if (!(made instanceof HttpsAgent) || made.constructor !== HttpsAgent) return;
      const o = made.options;
      const id = [o.ca, o.cert, o.key, o.pfx, o.passphrase, o.servername, o.rejectUnauthorized]
        .map((v) => (v === undefined ? '' : String(v)))
        .join('\0');
      if (pool?.id !== id) {
        pool?.agent.destroy();
        pool = { id, agent: new HttpsAgent({ ...o, keepAlive: true }) };
      }
      context.setAgent(pool.agent);
    },
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
