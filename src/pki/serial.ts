/** Certificate serial numbers. Randomness is injectable so tests can be deterministic. */
import { randomBytes } from 'node:crypto';

/** Returns `n` random bytes; node's CSPRNG by default, a seeded source in tests. */
export type RandomSource = (n: number) => Buffer;

/**
 * Node's CSPRNG, drawn in 4 KiB blocks. A synchronous `randomBytes(8)` per certificate
 * was a visible share of the issuing path in profiles (each call is a trip into OpenSSL's
 * RAND with its locking; bench/RESULTS.md, "Measurements behind code comments"); one draw per 512 serials removes that. Every byte is handed out once and
 * the block is never reused, so the output is as unpredictable as `randomBytes(n)`
 * (node's own `randomUUID` buffers its entropy the same way).
 */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolOffset = 0;
export const cryptoRandom: RandomSource = (n) => {
  if (n > POOL_BYTES / 8) return randomBytes(n);
  if (poolOffset + n > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolOffset = 0;
  }
  const out = pool.subarray(poolOffset, poolOffset + n);
  poolOffset += n;
  return out;
};

/**
 * The unsigned big-endian bytes of a random serial in [1, 2^bits − 1], ready for `integer()`:
 * the issuing path writes these directly instead of going through a bigint and hex text.
 * Consumes the random source exactly as `randomSerial` does, so both give the same value.
 */
export function randomSerialBytes(bits = 63, random: RandomSource = cryptoRandom): Buffer {
  const nbytes = Math.ceil(bits / 8);
  // bits of the first byte that belong to the number (8 when bits is a multiple of 8)
  const topMask = 0xff >> (nbytes * 8 - bits);
  for (;;) {
    const b = Buffer.from(random(nbytes));
    b[0]! &= topMask;
    if (b.some((x) => x !== 0)) return b;
  }
}

/**
 * A random serial in [1, 2^bits − 1]. kubeadm uses 63 bits (a positive int64);
 * the Kubernetes CSR signer uses 128.
 */
export function randomSerial(bits = 63, random: RandomSource = cryptoRandom): bigint {
  return BigInt('0x' + randomSerialBytes(bits, random).toString('hex'));
}
