/** Authorization: what a request may do (no HTTP here; the core wires it). */
export * from './authorizer.js';
export * from './forbidden.js';
export * from './policy.js';
export * from './rbac.js';
export * from './review.js';
export * from './rules.js';
export * from './types.js';
export * from './union.js';
