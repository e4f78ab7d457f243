/** Signers: the interface, the local CA, a remote cfssl-compatible server, kube-controller-manager's template. */
export * from './signer.js';
export * from './local.js';
export * from './remote.js';
export * from './kcm.js';
