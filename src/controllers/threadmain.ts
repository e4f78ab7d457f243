/**
 * The embedded controllers' thread (started by thread.ts): runs the controller manager exactly
 * as `kubetls controller-manager` does — a Kubernetes client of serve's own port — and answers
 * serve's requests for its metrics and for a stop. Everything it says goes to serve as `log`
 * messages, which serve writes to its stderr.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../errors/index.js';
import { CONTROLLERS } from './index.js';
import type { ControllerManager } from './manager.js';
import { runControllers } from './run.js';
import type { ControllerThreadData, FromControllerThread, ToControllerThread } from './threadprotocol.js';

const port = parentPort;
if (!port) throw new Error('src/controllers/threadmain.ts runs only as a worker thread (src/controllers/thread.ts)');
const data = workerData as ControllerThreadData;
const send = (m: FromControllerThread): void => port.postMessage(m);
const log = (line: string): void => send({ type: 'log', line });

let manager: ControllerManager | undefined;
let stopping = false;

port.on('message', (m: ToControllerThread) => {
  if (m.type === 'metrics')
    void (manager?.metrics.render() ?? Promise.resolve('')).then(
      (body) => send({ type: 'metrics', id: m.id, body }),
      (e: unknown) => send({ type: 'metrics', id: m.id, body: `# metrics failed: ${errorMessage(e)}\n` }),
    );
  else if (m.type === 'stop') {
    stopping = true;
    // before runControllers returns the manager has not started: no lease is held, nothing to flush
    void (manager?.stop() ?? Promise.resolve()).finally(() => send({ type: 'stopped' }));
  }
});

const byName = new Map(CONTROLLERS.map((s) => [s.name, s]));
runControllers({
  kubeconfig: data.kubeconfig,
  specs: data.controllers.map((n) => {
    const spec = byName.get(n);
    if (!spec) throw new Error(`unknown controller ${n}`);
    return spec;
  }),
  leaderElection: data.leaderElection,
  flags: data.flags,
  pkiDir: data.pkiDir,
  log,
}).then(
  (m) => {
    manager = m;
    if (stopping) void m.stop();
    else send({ type: 'running' });
  },
  (e: unknown) => send({ type: 'failed', message: errorMessage(e) }),
);
