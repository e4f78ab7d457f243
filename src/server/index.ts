/** The HTTPS layer every kubetls listener shares (docs/architecture.md, "The server layer"). */
export * from './tls.js';
export * from './server.js';
export * from './pool.js';
