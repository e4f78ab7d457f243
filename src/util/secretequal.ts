/**
 * Comparing secrets (tokens) without leaking, through timing, how much of a guess was right.
 * Both sides are hashed first so the comparison always runs over 32 bytes whatever the
 * lengths: timingSafeEqual alone throws on different lengths, and a length check before it
 * would tell an attacker the secret's length.
 */
import { timingSafeEqual } from 'node:crypto';
import { digest } from '../pki/digest.js';

/** SHA-256 of a secret, the form secrets are indexed and compared in. */
export const secretDigest = (s: string | Buffer): Buffer =>
  digest('sha256', Buffer.isBuffer(s) ? s : Buffer.from(s, 'utf8'));

/** True when the two secrets are equal; constant time in their content. */
export function secretEqual(a: string | Buffer, b: string | Buffer): boolean {
  return timingSafeEqual(secretDigest(a), secretDigest(b));
}
