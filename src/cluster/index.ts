/** The cluster PKI: catalog, config, plan/apply, expiry, renewal, scanning, kubeconfigs. */
export * from './catalog.js';
export * from './config.js';
export * from './network.js';
export * from './kubeconfig.js';
export * from './snapshot.js';
export * from './plan.js';
export * from './apply.js';
export * from './init.js';
export * from './templates.js';
export * from './residual.js';
export * from './expiration.js';
export * from './renew.js';
export * from './csrgen.js';
export * from './userkubeconfig.js';
export * from './list.js';
export * from './scan.js';
export * from './scanreport.js';
