/**
 * How long a certificate the signer issues lives (docs/upstream/csr-api.md Part B §1, "TTL
 * for expirationSeconds"): `spec.expirationSeconds` when set, capped at the signer's
 * maximum (a custom signer's maxDuration, else --cluster-signing-duration) and floored at
 * 10 minutes; the maximum when not set. The arithmetic itself is kube-controller-manager's
 * (src/signer/kcm.ts `kcmTtl`), so built-in and custom signers cannot drift apart.
 */
import { kcmTtl, KCM_DEFAULT_MAX_TTL_MS, KCM_MIN_TTL_MS } from '../../signer/kcm.js';

export { KCM_DEFAULT_MAX_TTL_MS as DEFAULT_CLUSTER_SIGNING_DURATION_MS, KCM_MIN_TTL_MS as MIN_SIGNING_DURATION_MS };

/** spec.expirationSeconds in milliseconds; undefined when absent, null or not a positive number. */
export function requestedDurationMs(expirationSeconds: number | null | undefined): number | undefined {
  return typeof expirationSeconds === 'number' && Number.isFinite(expirationSeconds) && expirationSeconds > 0
    ? expirationSeconds * 1000
    : undefined;
}

/** The lifetime the signer gives a request (before the backdate and the CA's NotAfter cut). */
export function signingDurationMs(expirationSeconds: number | null | undefined, maxDurationMs: number): number {
  return kcmTtl(requestedDurationMs(expirationSeconds), maxDurationMs);
}
