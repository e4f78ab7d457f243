/** The pki core: keys, names, CSRs, certificates, PEM — nothing about Kubernetes. */
export * from './der.js';
export * from './oid.js';
export * from './pem.js';
export * from './ip.js';
export * from './keys.js';
export * from './name.js';
export * from './extensions.js';
export * from './serial.js';
export * from './clock.js';
export * from './certificate.js';
export * from './certparse.js';
export * from './csr.js';
export * from './signature.js';
export * from './verify.js';
export * from './load.js';
export * from './crl.js';
export * from './spkikey.js';
