/** Library entry for the TLS audit: `audit()` (static) and `probe()` (live) return typed findings. */
export * from './finding.js';
export { CHECKS, checkKind, type CheckKind, type CheckName, type CheckSpec } from './checks.js';
export { audit, type AuditOptions } from './audit.js';
export { probe, type ProbeOptions } from './probe.js';
export { render, renderTable, renderJson, renderJunit, OUTPUT_FORMATS, type OutputFormat } from './render.js';
export { PRESETS, presetFor, type EndpointPreset } from './presets.js';
export { parseEndpoint, type Endpoint } from './endpoint.js';
export { judgeCipherSuites, tlsMinorOf, STRONG_SUITES, WEAK_SUITES, RECOMMENDED_SUITES } from './ciphers.js';
