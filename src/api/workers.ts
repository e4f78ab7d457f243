/**
 * `kubetls serve`'s processes. With `--workers 0` one process owns the store and serves. With
 * N ≥ 1 the primary owns the store — the data directory's lock, the single writer and its
 * group commit, compaction, the default objects — and runs the embedded controllers, which
 * connect to the port like any client; N worker processes (node:cluster, src/server/pool.ts)
 * each run the whole API pipeline (TLS, authentication, authorization, handlers) on the
 * shared port over a read replica of the store (src/store/sqlite-replica.ts): reads on their
 * own SQLite connection, writes sent to the primary over IPC and acknowledged once durable,
 * watches fed locally from the log. So the CPU-bound part of a request runs on every core,
 * and the one thing that must be in one place — deciding and committing writes — is.
 *
 * A worker answers `/metrics` (the controllers' registry lives in the primary) by asking the
 * primary; its `/readyz` fails once the primary is gone, and it exits at once then.
 */
import cluster, { type Worker } from 'node:cluster';
import { writeSync } from 'node:fs';
import { errorMessage } from '../errors/index.js';
import { runPool, type PoolLogLevel } from '../server/pool.js';
import { ipcLink, openStoreReplica, revisionMessage, serveStoreRequests, StoreHost } from '../store/index.js';
import { openApiStore, startApiServer, type ApiServerOptions } from './apiserver.js';
import { auditEvent, type AuditLog } from './auditlog.js';

export interface ServeProcessesOptions {
  /** worker processes; 0 serves from this process */
  workers: number;
  /** the API server's options (every process computes the same from the same command line) */
  api: Omit<ApiServerOptions, 'replica' | 'readyChecks' | 'metrics' | 'auditLog'>;
  /** the embedded controllers' metrics, served at /metrics */
  metrics?: { contentType: string; render(): Promise<string> } | undefined;
  /**
   * the embedded controllers (in the primary, or the only process): started once the API
   * serves on `port` (later calls do nothing), stopped before the API so they can release
   * their lease and flush their events through it — at any point of their start
   */
  controllers?: { start(port: number): void; stop(): Promise<void> } | undefined;
  /** the port serves (every worker listens) */
  onListening?: (port: number, processes: number) => void;
  log: (line: string) => void;
}

/** what the primary hands each worker */
interface WorkerConfig {
  metricsContentType?: string | undefined;
}

type MetricsMessage = { type: 'metrics-request'; id: number } | { type: 'metrics-reply'; id: number; body: string };
/** an audit line for stdout (`--audit-log-path -`), written by the primary */
type AuditMessage = { type: 'audit-line'; line: string };

const poolLog =
  (log: (line: string) => void) =>
  (level: PoolLogLevel, msg: string): void =>
    log(`kubetls serve: ${level === 'info' ? '' : `${level}: `}${msg}`);

/** whether this process is one of the API workers (it serves only: no controllers, no seed) */
export const isApiWorker = (): boolean => cluster.isWorker;

/** Runs the API server in the chosen shape until SIGTERM/SIGINT; resolves with the exit code. */
export async function runApiServerProcesses(o: ServeProcessesOptions): Promise<number> {
  if (cluster.isWorker) return runWorker(o);
  if (o.workers === 0) return runSingle(o);
  return runPrimary(o);
}

async function runSingle(o: ServeProcessesOptions): Promise<number> {
  return runPool<undefined>({
    workers: 0,
    config: undefined,
    start: async () => {
      const api = await startApiServer({ ...o.api, metrics: o.metrics });
      return {
        port: api.port,
        server: {
          // the controllers first: they release their lease and flush events through the server
          stop: async () => {
            await o.controllers?.stop().catch(() => undefined);
            await api.stop();
          },
        },
      };
    },
    log: poolLog(o.log),
    onListening: (port, n) => {
      o.onListening?.(port, n);
      o.controllers?.start(port);
    },
  });
}

async function runPrimary(o: ServeProcessesOptions): Promise<number> {
  const store = await openApiStore(o.api);
  // a revision is announced once per event-loop turn, to every worker (they tail the log on it)
  const host = new StoreHost(store, (revision) => {
    const m = revisionMessage(revision);
    for (const w of Object.values(cluster.workers ?? {})) if (w?.isConnected()) w.send(m);
  });
  const answerMetrics = (w: Worker) => (m: MetricsMessage) => {
    if (m?.type !== 'metrics-request') return;
    void (o.metrics?.render() ?? Promise.resolve('')).then(
      (body) => {
        const reply: MetricsMessage = { type: 'metrics-reply', id: m.id, body };
        if (w.isConnected()) w.send(reply);
      },
      (e: unknown) => o.log(`kubetls serve: /metrics: ${errorMessage(e)}`),
    );
  };
  return runPool<WorkerConfig>({
    workers: o.workers,
    config: { metricsContentType: o.metrics?.contentType },
    serialization: 'advanced',
    start: () => Promise.reject(new Error('the primary does not serve')),
    log: poolLog(o.log),
    primary: {
      onFork: (w) => {
        serveStoreRequests(host, w);
        w.on('message', answerMetrics(w));
        w.on('message', (m: AuditMessage) => {
          if (m?.type === 'audit-line' && typeof m.line === 'string') writeSync(1, m.line);
        });
      },
      // the controllers first, while the workers still serve them (lease release, events)
      beforeStop: async () => {
        await o.controllers?.stop().catch(() => undefined);
      },
      // every worker has exited: no write can arrive any more
      afterStop: () => store.close(),
    },
    onListening: (port, n) => {
      o.onListening?.(port, n);
      // again after a worker was replaced: the controllers start once
      o.controllers?.start(port);
    },
  });
}

async function runWorker(o: ServeProcessesOptions): Promise<number> {
  return runPool<WorkerConfig>({
    workers: o.workers,
    config: {},
    start: async (cfg) => {
      const link = ipcLink(process as Parameters<typeof ipcLink>[0]);
      const replica = await openStoreReplica({ backend: 'sqlite', dataDir: o.api.dataDir, link });
      const api = await startApiServer({
        ...o.api,
        replica,
        metrics: cfg.metricsContentType
          ? { contentType: cfg.metricsContentType, render: metricsFromPrimary() }
          : undefined,
        readyChecks: [{ name: 'primary', check: () => (process.connected ? undefined : 'the primary is gone') }],
        // a file is appended to by every worker, one write(2) a line (O_APPEND: lines never
        // interleave); a pipe only promises that up to PIPE_BUF bytes, so stdout's lines go
        // through the primary, its one writer
        ...(o.api.auditLogPath === '-' ? { auditLog: auditThroughPrimary() } : {}),
      });
      return {
        port: api.port,
        server: {
          stop: async () => {
            await api.stop();
            link.close();
          },
        },
      };
    },
    log: poolLog(o.log),
  });
}

function auditThroughPrimary(): AuditLog {
  return {
    record: (r) => {
      const m: AuditMessage = { type: 'audit-line', line: `${JSON.stringify(auditEvent(r))}\n` };
      if (process.connected) process.send?.(m);
    },
    close: () => undefined,
  };
}

/** renders /metrics by asking the primary (bounded: 5 s) */
function metricsFromPrimary(): () => Promise<string> {
  let nextId = 0;
  return () =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const onMessage = (m: MetricsMessage) => {
        if (m?.type !== 'metrics-reply' || m.id !== id) return;
        done();
        resolve(m.body);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error('the primary did not answer for /metrics'));
      }, 5000);
      const done = () => {
        clearTimeout(timer);
        process.off('message', onMessage);
      };
      process.on('message', onMessage);
      process.send?.({ type: 'metrics-request', id } satisfies MetricsMessage);
    });
}
