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
  return {
    lib,
    kubeConfig: kc,
    server: kc.getCurrentCluster()?.server ?? '',
    certificates: kc.makeApiClient(lib.CertificatesV1Api),
    core: kc.makeApiClient(lib.CoreV1Api),
    coordination: kc.makeApiClient(lib.CoordinationV1Api),
    authorization: kc.makeApiClient(lib.AuthorizationV1Api),
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
