/** Authentication: who a request is (no HTTP here; the core wires it). */
export * from './anonymous.js';
export * from './authenticator.js';
export * from './bearer.js';
export * from './bootstrap.js';
export * from './crlset.js';
export * from './denylist.js';
export * from './revocation.js';
export * from './tokenfile.js';
export * from './union.js';
export * from './x509.js';
export * from './x509chain.js';
export * from './tlspeer.js';
