/** Certificate serial numbers. Randomness is injectable so tests can be deterministic. */
import { randomBytes } from 'node:crypto';

/** Returns `n` random bytes; node's CSPRNG by default, a seeded source in tests. */
export type RandomSource = (n: number) => Buffer;
export const cryptoRandom: RandomSource = (n) => randomBytes(n);

/**
 * A random serial in [1, 2^bits − 1]. kubeadm uses 63 bits (a positive int64);
 * the Kubernetes CSR signer uses 128.
 */
export function randomSerial(bits = 63, random: RandomSource = cryptoRandom): bigint {
  const nbytes = Math.ceil(bits / 8);
  const mask = (1n << BigInt(bits)) - 1n;
  for (;;) {
    const v = BigInt('0x' + random(nbytes).toString('hex')) & mask;
    if (v > 0n) return v;
  }
}
