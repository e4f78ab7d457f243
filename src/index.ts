/** kubetls library entry point. */
export * from './errors/index.js';
export * as pki from './pki/index.js';
export * as cluster from './cluster/index.js';
export * as audit from './audit/index.js';
export * as signer from './signer/index.js';
