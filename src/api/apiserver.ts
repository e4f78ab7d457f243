/**
 * `kubetls serve`'s server, assembled: the store, the resources, the default objects, the
 * authenticators (client certificates with revocation, tokens, bootstrap tokens, anonymous),
 * the RBAC authorizer (its index rebuilt when an RBAC object changes), the audit log, and the
 * HTTPS listener of src/server (client certificates requested, not required, so token and
 * anonymous requests reach their authenticators). `stop()` ends watch streams, lets
 * in-flight writes finish, and closes the store.
 */
import type { KubeObject } from './object.js';
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KubetlsError } from '../errors/index.js';
import type { ParsedCertificate } from '../pki/certparse.js';
import { systemClock, type Clock } from '../pki/clock.js';
import { HttpsServer, type ServerTimeouts, type TlsVersion } from '../server/index.js';
import { openStore } from '../store/index.js';
import { objectKey, resourcePrefix } from '../store/keys.js';
import type { ReplicaStore, Store } from '../store/index.js';
import { noAuditLog, openAuditLog, type AuditLog } from './auditlog.js';
import { ANONYMOUS_PATHS } from './authn/anonymous.js';
import { createRequestAuthentication, type RequestAuthentication } from './authn/authenticator.js';
import { createRequestAuthorization } from './authz/authorizer.js';
import { defaultPolicy } from './authz/policy.js';
import type { ServerState } from './handlers/context.js';
import { apiRequestHandler } from './http.js';
import { protocolErrorStatus, toStatus } from './machinery/status.js';
import type { HealthCheck } from './nonresource.js';
import { ResourceRegistry } from './registry.js';
import { servedResources } from './resources/index.js';
import { seed } from './seed.js';

export interface ApiServerOptions {
  bindAddress: string;
  /** 0 picks a free port (tests) */
  securePort: number;
  dataDir: string;
  /** serving certificate chain and key, PEM (checked before listening) */
  tls: { cert: string; key: string; minVersion?: TlsVersion; ciphers?: string | undefined };
  /** `--client-ca-file`'s PEM and its parsed certificates */
  clientCa?: { pem: string; certificates: ParsedCertificate[] } | undefined;
  clientCrlFile?: string | undefined;
  clientDenyListFile?: string | undefined;
  tokenAuthFile?: string | undefined;
  enableBootstrapTokenAuth: boolean;
  anonymousAuth: boolean;
  auditLogPath?: string | undefined;
  /** what cluster-info publishes to joining nodes: this server's URL and CA bundle */
  clusterInfo?: { server: string; caPem: string } | undefined;
  timeouts?: ServerTimeouts;
  /**
   * the watch history kept (`--etcd-compaction-interval`: kube-apiserver compacts etcd on that
   * period); it is applied every half window, at most every 10 s
   */
  history?: { windowMs: number };
  /** RBAC rewritten on every start: what the embedded controllers declare (authz/declared.ts) */
  controllerPolicy?: KubeObject[] | undefined;
  /** served at /metrics (the embedded controllers' metrics) */
  metrics?: { contentType: string; render(): Promise<string> } | undefined;
  /**
   * serve from a replica of a store another process owns and seeded (`--workers`): this
   * server neither opens nor seeds one, and closes the replica when it stops
   */
  replica?: ReplicaStore | undefined;
  /** where audit events go instead of `auditLogPath` (a worker's `-`: through the primary) */
  auditLog?: AuditLog | undefined;
  /** more /readyz checks (a worker's: the primary is there) */
  readyChecks?: HealthCheck[] | undefined;
  clock?: Clock;
  log?: (line: string) => void;
}

export interface RunningApiServer {
  port: number;
  store: Store;
  registry: ResourceRegistry;
  stop(): Promise<void>;
}

/** The Kubernetes version whose API kubetls serves (kubectl compares it for its version-skew warning). */
export const SERVED_KUBERNETES_VERSION = { major: '1', minor: '33', gitVersion: 'v1.33.0' };

/** generateName's alphabet (apimachinery's: no vowels, no look-alikes, so no words or confusions). */
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * Opens the store and writes the default objects (RBAC, namespaces, cluster-info, what the
 * embedded controllers declare): what the process that owns the store does before serving.
 */
export async function openApiStore(
  o: Pick<ApiServerOptions, 'dataDir' | 'history' | 'clusterInfo' | 'controllerPolicy' | 'clock'>,
): Promise<Store> {
  const clock = o.clock ?? systemClock;
  const store = await openStore({
    backend: 'sqlite',
    dataDir: o.dataDir,
    ...(o.history
      ? {
          history: { windowMs: o.history.windowMs },
          compactIntervalMs: Math.min(10_000, Math.max(100, o.history.windowMs / 2)),
        }
      : {}),
  });
  try {
    // the default objects, before anyone can ask
    const policy = defaultPolicy();
    await seed(store, new ResourceRegistry(servedResources()), {
      policy: [...policy.clusterRoles, ...policy.clusterRoleBindings, ...policy.roles, ...policy.roleBindings],
      ...(o.clusterInfo ? { clusterInfo: o.clusterInfo } : {}),
      ...(o.controllerPolicy ? { reconciled: o.controllerPolicy } : {}),
      now: clock.now(),
      uid: () => randomUUID(),
    });
    return store;
  } catch (e) {
    await store.close();
    throw e;
  }
}

export async function startApiServer(o: ApiServerOptions): Promise<RunningApiServer> {
  const clock = o.clock ?? systemClock;
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  // a worker's replica: the primary opened and seeded the store
  const replica = o.replica;
  const store: Store = replica ?? (await openApiStore(o));
  let authn: RequestAuthentication | undefined;
  let audit: AuditLog = noAuditLog;
  const rbacWatches: Array<{ stop(): void }> = [];
  try {
    const registry = new ResourceRegistry(servedResources());
    const state: ServerState = {
      store,
      registry,
      authorizer: { authorize: () => Promise.resolve({ allowed: false }) },
      now: () => clock.now(),
      uid: () => randomUUID(),
      randomSuffix: (n) => [...randomBytes(n)].map((b) => NAME_ALPHABET[b % NAME_ALPHABET.length]).join(''),
    };

    // RBAC from the store; any change to a role or binding rebuilds the index before the next decision
    const rbacPrefix = (resource: string) => resourcePrefix('rbac.authorization.k8s.io', resource);
    const listAll = async (resource: string) => (await store.list(rbacPrefix(resource))).items;
    const authz = createRequestAuthorization(async () => ({
      roles: await listAll('roles'),
      clusterRoles: await listAll('clusterroles'),
      roleBindings: await listAll('rolebindings'),
      clusterRoleBindings: await listAll('clusterrolebindings'),
    }));
    for (const r of ['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'])
      rbacWatches.push(
        store.watch(rbacPrefix(r), () => authz.rbac.invalidate(), {
          onClose: (reason) => log(`RBAC watch of ${r} ended (${reason}); decisions may be stale until restart`),
        }),
      );
    state.authorizer = authz.authorizer;

    authn = await createRequestAuthentication({
      clientCAs: o.clientCa?.certificates,
      clientCrlFile: o.clientCrlFile,
      clientDenyListFile: o.clientDenyListFile,
      tokenAuthFile: o.tokenAuthFile,
      bootstrapTokenSecrets: o.enableBootstrapTokenAuth
        ? (namespace, name) => store.get(objectKey('', 'secrets', namespace, name))
        : undefined,
      // anonymous requests reach only the health checks, /version and kube-public/cluster-info
      anonymous: o.anonymousAuth ? { paths: ANONYMOUS_PATHS } : false,
      clock,
      log: (msg: string) => log(msg),
    });
    state.tokenAuthenticator = authn.tokens;
    for (const w of authn.warnings) log(`warning: ${w}`);
    if (o.auditLog) audit = o.auditLog;
    else if (o.auditLogPath) audit = openAuditLog(o.auditLogPath);

    let ready = false;
    const live: HealthCheck[] = [{ name: 'ping', check: () => undefined }];
    const readyChecks: HealthCheck[] = [
      { name: 'store', check: () => (store.revision() > 0 ? undefined : 'the store is not open') },
      { name: 'poststarthook/rbac/bootstrap-roles', check: () => (ready ? undefined : 'not finished') },
      ...(o.readyChecks ?? []),
    ];

    // the handler registers watch streams with the listener it is given to (made just below)
    const listener: { server?: HttpsServer } = {};
    const handler = apiRequestHandler({
      state,
      authenticator: authn.authenticator,
      audit,
      nonResource: {
        registry,
        version: {
          ...SERVED_KUBERNETES_VERSION,
          gitCommit: '',
          gitTreeState: '',
          buildDate: '',
          goVersion: '',
          compiler: 'kubetls',
          platform: `${process.platform}/${process.arch}`,
        },
        live,
        ready: readyChecks,
        metrics: o.metrics,
      },
      trackStream: (end) => listener.server!.trackStream({ end }),
      log,
    });
    const server = new HttpsServer(
      {
        tls: {
          cert: o.tls.cert,
          key: o.tls.key,
          ...(o.tls.minVersion ? { minVersion: o.tls.minVersion } : {}),
          ciphers: o.tls.ciphers,
          // requested, not required: token and anonymous requests must reach their authenticators
          ...(o.clientCa ? { clientCertificates: 'request' as const, clientCa: o.clientCa.pem } : {}),
        },
        ...(o.timeouts ? { timeouts: o.timeouts } : {}),
        log: (level, msg) => {
          if (level === 'error') log(msg);
        },
        clientErrorBody: (code: number, message: string) => ({
          contentType: 'application/json',
          body: JSON.stringify(protocolErrorStatus(code, message)),
        }),
        onHandlerError: (e: unknown, _req: IncomingMessage, res: ServerResponse) => {
          const status = toStatus(e);
          if (res.headersSent) return res.destroy();
          res.writeHead(status.code ?? 500, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(status));
        },
      },
      o.replica
        ? (req, res) => {
            // every write acknowledged before this request began reaches this process's caches
            // (the RBAC index, through its watch) before the request is decided
            replica!.catchUp();
            return handler(req, res);
          }
        : (req, res) => handler(req, res),
    );
    listener.server = server;
    const port = await server.listen(o.securePort, o.bindAddress);
    ready = true;
    const running = server;
    const auth = authn;
    let stopping: Promise<void> | undefined;
    return {
      port,
      store,
      registry,
      stop: () =>
        (stopping ??= (async () => {
          await running.stop();
          for (const w of rbacWatches) w.stop();
          auth.close();
          audit.close();
          await store.close();
        })()),
    };
  } catch (e) {
    for (const w of rbacWatches) w.stop();
    authn?.close();
    audit.close();
    await store.close();
    if (e instanceof KubetlsError) throw e;
    throw e;
  }
}
