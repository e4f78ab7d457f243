/**
 * The optional native ECDSA verifier (native/ecdsa_verify.c, built by `npm ci` when a C
 * compiler is present). node:crypto makes every fresh EC public key pass OpenSSL 3.0's
 * full key check and a legacy→provider conversion, which costs more than the verify itself
 * (bench/RESULTS.md, "cfssl-compatible signing", 2026-11-24 and "Reading"); the
 * addon decodes the point (on-curve check) and verifies directly. It matters where each
 * request brings a new key: CSR self-signatures on `kubetls cfssl serve`.
 *
 * Loaded lazily on first use, so commands that never verify a fresh key pay nothing.
 * KUBETLS_NO_NATIVE=1 turns it off (tests and benchmarks compare both paths).
 */
import { lazyAddon } from '../util/native.js';

export interface NativeEcdsa {
  /** 1 valid, 0 invalid, -1 the point is not a public key on that curve (0 P-256, 1 P-384, 2 P-521). */
  verify(curve: number, point: Buffer, digest: Buffer, signature: Buffer): number;
}

const load = lazyAddon<NativeEcdsa>('ecdsa_verify.node', 'verify');

/** The addon, or undefined when it is not built or turned off. */
export function nativeEcdsa(): NativeEcdsa | undefined {
  return load().addon;
}

/** Whether signature checks of fresh EC keys use the addon, and if not, why (for benchmarks and tests). */
export function nativeEcdsaStatus(): { active: boolean; reason?: string } {
  const loaded = load();
  return loaded.addon ? { active: true } : { active: false, ...(loaded.reason ? { reason: loaded.reason } : {}) };
}
