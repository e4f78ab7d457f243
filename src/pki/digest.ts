/**
 * One-shot message digests. Node ≥ 20.12 has `crypto.hash`, which hashes without creating a
 * Hash object (a native object the garbage collector has to finalise); on the signing
 * server that is one object fewer per request for the CSR check and one per certificate for
 * its subjectKeyIdentifier. Older Node 20 releases fall back to createHash.
 */
import * as crypto from 'node:crypto';

const oneShot = typeof crypto.hash === 'function' ? crypto.hash : undefined;

export function digest(algorithm: string, data: Buffer): Buffer {
  return oneShot ? oneShot(algorithm, data, 'buffer') : crypto.createHash(algorithm).update(data).digest();
}
