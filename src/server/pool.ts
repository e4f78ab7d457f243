/**
 * How a server's processes are arranged. Two shapes:
 * - a worker pool (`workers` ≥ 1): the primary forks workers with node:cluster, hands each
 *   the same configuration over IPC, restarts one that dies (and gives up when they keep
 *   dying), and on SIGTERM/SIGINT stops them all; every worker listens on the shared port.
 *   For stateless work: `cfssl serve` signs in every worker.
 *   For stateful work the primary keeps the state and serves the workers over IPC
 *   (`primary` hooks): `kubetls serve --workers` keeps its store there (src/api/workers.ts).
 *   A worker exits at once when the primary is gone (its IPC channel closed), so a primary
 *   killed with SIGKILL leaves no orphan holding the port.
 * - one process (`workers` = 0): the server runs here, its state with it.
 * Either way a stop is graceful (HttpsServer.stop): in-flight requests finish, idle
 * connections close, streams are ended, and the process exits within the shutdown timeout.
 */
import cluster, { type Worker } from 'node:cluster';
import { errorMessage } from '../errors/index.js';

export type PoolLogLevel = 'info' | 'warning' | 'error' | 'fatal';

export interface PoolOptions<C> {
  /** worker processes; 0 serves from this process */
  workers: number;
  /** handed to each worker (structured clone over IPC): PEM text, not KeyObjects */
  config: C;
  /** starts serving in this process (a worker, or the only process) and resolves once listening */
  start(config: C): Promise<{ server: { stop(): Promise<void> }; port: number }>;
  log(level: PoolLogLevel, msg: string): void;
  /** called once every process listens */
  onListening?(port: number, processes: number): void;
  /** how long a stop may take before workers are killed (default 5 s, the server's shutdown timeout) */
  shutdownMs?: number;
  /** IPC message encoding (node:cluster's `serialization`; 'advanced' keeps Buffers, Maps, typed arrays) */
  serialization?: 'json' | 'advanced';
  /** the primary's own part of a stateful pool */
  primary?: PrimaryHooks;
}

export interface PrimaryHooks {
  /** a worker was forked (its messages beside the pool's own are the hook's to answer) */
  onFork?(worker: Worker): void;
  /** on SIGTERM/SIGINT, before the workers are told to stop (they still serve meanwhile) */
  beforeStop?(): Promise<void>;
  /** once every worker has exited */
  afterStop?(): Promise<void>;
}

/** More exits than this within a minute stop the pool: a broken environment, not a rare crash. */
const MAX_EXITS_PER_MINUTE = 10;

/**
 * Runs the server in the chosen shape until SIGTERM/SIGINT; resolves with the exit code.
 * Call it in the primary and in the workers alike (node:cluster runs the same entry point).
 */
export function runPool<C>(o: PoolOptions<C>): Promise<number> {
  if (cluster.isWorker) return runWorker(o);
  if (o.workers === 0) return runSingle(o);
  return runPrimary(o);
}

async function runSingle<C>(o: PoolOptions<C>): Promise<number> {
  const { server, port } = await o.start(o.config);
  o.onListening?.(port, 1);
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      o.log('info', `${sig}: stopping`);
      void server.stop().then(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}

interface WorkerMessage {
  type?: string;
  port?: number;
  error?: string;
}

function runPrimary<C>(o: PoolOptions<C>): Promise<number> {
  const n = o.workers;
  return new Promise((resolve) => {
    let listening = 0;
    let stopping = false;
    // exit times of workers in the last minute: a worker that keeps dying (a broken
    // environment) stops the server, while rare crashes over a long uptime never add up to that
    let exits: number[] = [];
    let port = 0;
    if (o.serialization) cluster.setupPrimary({ serialization: o.serialization });
    const fork = () => {
      const w = cluster.fork();
      o.primary?.onFork?.(w);
      w.on('message', (m: WorkerMessage) => {
        if (m?.type === 'ready') w.send({ type: 'config', config: o.config });
        else if (m?.type === 'listening') {
          // with port 0 every cluster worker shares one random port (node:cluster semantics)
          if (m.port) port = m.port;
          if (++listening === n) o.onListening?.(port, n);
        } else if (m?.type === 'error') {
          o.log('fatal', m.error ?? 'worker failed');
          stop(1);
        }
      });
    };
    const stopWorkers = () =>
      new Promise<void>((done) => {
        const workers = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
        let alive = workers.length;
        if (alive === 0) return done();
        cluster.on('exit', () => {
          if (--alive <= 0) done();
        });
        // a signal, not worker.kill(): that first waits for a graceful IPC disconnect
        for (const w of workers) w.process.kill('SIGTERM');
        setTimeout(
          () => {
            for (const w of workers) if (w.process.exitCode === null) w.process.kill('SIGKILL');
            done();
          },
          (o.shutdownMs ?? 5000) + 1000,
        ).unref();
      });
    const stop = (code: number) => {
      if (stopping) return;
      stopping = true;
      const hook = (f: (() => Promise<void>) | undefined, what: string) =>
        Promise.resolve(f?.()).catch((e: unknown) => o.log('error', `${what}: ${errorMessage(e)}`));
      void hook(o.primary?.beforeStop, 'before stopping the workers')
        .then(stopWorkers)
        .then(() => hook(o.primary?.afterStop, 'after stopping the workers'))
        .then(() => resolve(code));
    };
    cluster.on('exit', (w, code, signal) => {
      if (stopping) return;
      o.log('error', `worker ${w.process.pid} exited (${signal ?? code})`);
      listening--;
      const now = Date.now();
      exits = [...exits.filter((t) => now - t < 60_000), now];
      if (exits.length > MAX_EXITS_PER_MINUTE) {
        o.log('fatal', `workers keep dying (more than ${MAX_EXITS_PER_MINUTE} exits in a minute); stopping`);
        stop(1);
      } else fork();
    });
    const onSignal = (sig: string) => {
      o.log('info', `${sig}: stopping`);
      stop(0);
    };
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    process.once('SIGINT', () => onSignal('SIGINT'));
    for (let i = 0; i < n; i++) fork();
  });
}

function runWorker<C>(o: PoolOptions<C>): Promise<number> {
  return new Promise((resolve) => {
    process.once('message', (m: { type?: string; config?: C }) => {
      if (m?.type !== 'config' || m.config === undefined) return resolve(1);
      o.start(m.config).then(
        ({ server, port }) => {
          process.send?.({ type: 'listening', port });
          process.once('SIGTERM', () => {
            // the IPC channel would keep this process alive: exit once the server has stopped
            void server.stop().then(() => process.exit(0));
          });
          // SIGINT from a terminal reaches every process of the group: the primary decides
          process.on('SIGINT', () => {});
        },
        (e: unknown) => {
          process.send?.({ type: 'error', error: errorMessage(e) });
          resolve(1);
        },
      );
    });
    // the primary is gone (SIGKILL, a crash): nobody will stop this worker, and a new primary
    // needs the port
    process.once('disconnect', () => process.exit(1));
    // the worker loads its modules asynchronously; ask for the config only once listening for it
    process.send?.({ type: 'ready' });
  });
}
