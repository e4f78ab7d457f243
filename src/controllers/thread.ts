/**
 * `kubetls serve`'s embedded controllers run in a worker thread of their own
 * (threadmain.ts). They are a Kubernetes client of serve's port either way; in a thread,
 * their work — decoding every watch event, signing, building each request — runs on another
 * core instead of the API server's event loop, which the CSR lifecycle and the signer's drain
 * both saturate (bench/RESULTS.md, "the controllers in a thread"). It also keeps them apart:
 * a slow or crashing controller never stalls or takes down the API.
 *
 * serve's side: /metrics asks the thread for its registry's text (bounded: 5 s); a thread that
 * fails to start (a missing permission, say) is reported once and not retried, as before; one
 * that dies is restarted with a growing delay; `stop()` asks the thread to release its lease
 * and flush its events (bounded), then ends it — at any point of its start.
 */
import { Worker } from 'node:worker_threads';
import { errorMessage } from '../errors/index.js';
import type { ControllerThreadData, FromControllerThread, ToControllerThread } from './threadprotocol.js';

const METRICS_TIMEOUT_MS = 5000;
const STOP_TIMEOUT_MS = 5000;
const FIRST_RESTART_MS = 1000;
const MAX_RESTART_MS = 30_000;
/** a thread that ran this long before dying starts the restart delays again from the first */
const HEALTHY_RUN_MS = 60_000;

export interface ControllerThreadOptions {
  /** the metrics' content type (the thread's registry renders it) */
  contentType: string;
  log: (line: string) => void;
  /** where the thread's entry module is (tests); default threadmain.js beside this module */
  entry?: URL;
  /** how long a stop waits for the lease's release (default 5 s) */
  stopTimeoutMs?: number;
  /** the first restart's delay after the thread died (default 1 s; doubled each time, at most 30 s) */
  firstRestartMs?: number;
}

export class ControllerThread {
  /** serve's /metrics: the thread's registry, '' while no controller runs */
  readonly metrics: { contentType: string; render(): Promise<string> };
  private worker: Worker | undefined;
  private data: ControllerThreadData | undefined;
  private stopping: Promise<void> | undefined;
  private restartDelayMs: number;
  private restartTimer: NodeJS.Timeout | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, (body: string) => void>();

  constructor(private readonly o: ControllerThreadOptions) {
    this.metrics = { contentType: o.contentType, render: () => this.render() };
    this.restartDelayMs = o.firstRestartMs ?? FIRST_RESTART_MS;
  }

  /** Starts the thread (once; later calls do nothing). */
  start(data: ControllerThreadData): void {
    if (this.data || this.stopping) return;
    this.data = data;
    this.spawn();
  }

  private spawn(): void {
    const data = this.data!;
    // the bundled CLI sits in dist/src/cli, as deep as this module: the same relative path
    // finds dist/src/controllers/threadmain.js from both
    const entry = this.o.entry ?? new URL('../controllers/threadmain.js', import.meta.url);
    const worker = new Worker(entry, { workerData: data });
    const born = Date.now();
    let failed = false;
    this.worker = worker;
    worker.on('message', (m: FromControllerThread) => {
      if (m.type === 'log') this.o.log(`controllers: ${m.line}`);
      else if (m.type === 'metrics') this.pending.get(m.id)?.(m.body);
      else if (m.type === 'failed') {
        // as before the thread: the API keeps serving, what the controllers lack is said once
        failed = true;
        this.o.log(`the controllers do not run: ${m.message}`);
        void worker.terminate();
      }
    });
    worker.on('error', (e) => this.o.log(`the controllers' thread failed: ${errorMessage(e)}`));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = undefined;
      for (const reply of this.pending.values()) reply('');
      this.pending.clear();
      if (failed || this.stopping) return;
      if (Date.now() - born >= HEALTHY_RUN_MS) this.restartDelayMs = this.o.firstRestartMs ?? FIRST_RESTART_MS;
      const delay = this.restartDelayMs;
      this.restartDelayMs = Math.min(MAX_RESTART_MS, delay * 2);
      this.o.log(`the controllers' thread exited (code ${code}); restarting it in ${delay / 1000}s`);
      this.restartTimer = setTimeout(() => this.spawn(), delay);
    });
  }

  private render(): Promise<string> {
    const worker = this.worker;
    if (!worker) return Promise.resolve('');
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error('the controllers did not answer for /metrics within 5 s'));
      }, METRICS_TIMEOUT_MS);
      this.pending.set(id, (body) => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(body);
      });
      worker.postMessage({ type: 'metrics', id } satisfies ToControllerThread);
    });
  }

  /** Releases the lease and flushes events (at most 5 s), then ends the thread. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      clearTimeout(this.restartTimer);
      const worker = this.worker;
      if (!worker) return;
      const timeoutMs = this.o.stopTimeoutMs ?? STOP_TIMEOUT_MS;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.o.log(`the controllers did not stop within ${timeoutMs / 1000}s: ending their thread`);
          resolve();
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        worker.on('message', (m: FromControllerThread) => m.type === 'stopped' && done());
        worker.once('exit', done);
        worker.postMessage({ type: 'stop' } satisfies ToControllerThread);
      });
      await worker.terminate();
    })();
    return this.stopping;
  }
}
