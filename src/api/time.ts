/**
 * metav1.Time in JSON: RFC 3339 in UTC to the second (`2026-12-05T12:00:00Z`), `null` for the
 * zero time. Reading accepts what Go's time.Parse(time.RFC3339) accepts (fractions, offsets);
 * comparing goes by instant, as apimachinery's semantic equality does, so
 * `…T13:00:00+01:00` equals `…T12:00:00Z`.
 */

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Go's zero time (0001-01-01T00:00:00Z) in Unix milliseconds: parses, but prints as null. */
const GO_ZERO_MS = -62_135_596_800_000;

/** `2026-12-05T12:00:00Z`: seconds precision, UTC (years 0000–9999, as Go's MarshalJSON allows). */
export function formatTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeapYear = (y: number): boolean => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);

/**
 * Unix milliseconds of an RFC 3339 string, or undefined when it is not one (Go's rules: valid
 * dates, offsets ≤ 23:59). Checked arithmetically rather than through a Date round trip:
 * every time field of every request body passes here (measured: bench/RESULTS.md, "Measurements behind code comments").
 */
export function parseTime(s: string): number | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const h = Number(m[4]);
  const mi = Number(m[5]);
  const sec = Number(m[6]);
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59) return undefined;
  if (d > (mo === 2 && isLeapYear(y) ? 29 : DAYS_IN_MONTH[mo - 1]!)) return undefined; // 31 April, 29 February of a common year
  let ms: number;
  if (y >= 100) ms = Date.UTC(y, mo - 1, d, h, mi, sec);
  else {
    // Date.UTC reads years 0-99 as 1900-1999
    const utc = new Date(0);
    utc.setUTCFullYear(y, mo - 1, d);
    utc.setUTCHours(h, mi, sec, 0);
    ms = utc.getTime();
  }
  if (m[7]) ms += Math.floor(Number(`0${m[7]}`) * 1000);
  const zone = m[8]!;
  if (zone !== 'Z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) return undefined;
    ms -= (zone[0] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  return ms;
}

/**
 * A JSON time field's instant: undefined for the zero time (absent, null, "" or Go's zero
 * value) and for text that is not RFC 3339 (decoding refuses those).
 */
export function timeValue(v: unknown): number | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  const ms = parseTime(v);
  return ms === undefined || ms === GO_ZERO_MS ? undefined : ms;
}

/** Go's IsZero for a JSON time field: absent, null, "" or Go's zero value (text that is not a time is not zero). */
export const isZeroTime = (v: unknown): boolean =>
  v === undefined || v === null || v === '' || (typeof v === 'string' && parseTime(v) === GO_ZERO_MS);
