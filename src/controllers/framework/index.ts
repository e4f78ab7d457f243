/**
 * The controller framework in one import: `import { runCsrController, updateStatus, … } from
 * './framework/index.js'`. A controller is a ControllerSpec (types.ts) registered in
 * src/controllers/index.ts; worker.ts shows the reconcile loop, csr.ts the CSR helpers,
 * events.ts the event recorder, metrics.ts the counters, clock.ts the injectable clock.
 */
export * from './clock.js';
export * from './client.js';
export * from './csr.js';
export * from './events.js';
export * from './informer.js';
export * from './metrics.js';
export * from './queue.js';
export * from './ratelimit.js';
export * from './types.js';
export * from './worker.js';
