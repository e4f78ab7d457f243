/** cfssl's validity and serial rules for the certificates it signs (signer/local, initca). */
import type { SigningProfile } from './config.js';

/** 20 random bytes with the top bit clear, as cfssl makes serials (a positive 159-bit integer). */
export const CFSSL_SERIAL_BITS = 159;

/** cfssl's notBefore: now rounded to the minute (Go's Round: halves up), minus the backdate. */
export function cfsslNotBefore(now: Date, backdateMs: number): Date {
  const t = now.getTime();
  const rounded = Math.floor((t + 30_000) / 60_000) * 60_000;
  return new Date(rounded - backdateMs);
}

/** Validity for a profile: explicit not_before/not_after win, else backdated now + expiry. */
export function profileValidity(
  profile: SigningProfile,
  fallbackExpiryMs: number,
  now: Date,
): { notBefore: Date; notAfter: Date } {
  const notBefore = profile.notBefore ?? cfsslNotBefore(now, profile.backdateMs);
  const notAfter = profile.notAfter ?? new Date(notBefore.getTime() + (profile.expiryMs || fallbackExpiryMs));
  return { notBefore, notAfter };
}
