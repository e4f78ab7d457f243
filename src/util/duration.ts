/**
 * Go's time.ParseDuration, which cfssl uses for every `expiry`/`backdate` string and kubeadm
 * for `certificateValidityPeriod`/`caCertificateValidityPeriod`: a
 * sequence of decimal numbers with units ns, us (µs, μs), ms, s, m, h — "876000h",
 * "1h30m", "1.5h". There is no "d" or "y" unit in Go, and cfssl users write hours, so a
 * "365d" is an error naming the field rather than a silent guess.
 */
import { KubetlsError } from '../errors/index.js';

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Largest Go duration (int64 nanoseconds, ~292 years), in milliseconds. */
export const MAX_GO_DURATION_MS = 9_223_372_036_854;

/** Milliseconds of a Go duration string; `field` names the JSON field in errors. */
export function parseGoDuration(s: string, field = 'duration'): number {
  const bad = (why: string) =>
    new KubetlsError(
      'InvalidDuration',
      `${field}: invalid duration "${s.length > 40 ? s.slice(0, 40) + '…' : s}" (${why})`,
      'use Go durations such as "8760h" or "90m"; units: h, m, s, ms, us, ns',
    );
  if (s.length > 64) throw bad('too long');
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw bad('empty');
  let total = 0;
  // µ and μ as escapes keep the CLI bundle pure ASCII, which the launcher decodes faster
  const re = /^([0-9]*(?:\.[0-9]*)?)([a-z\u00b5\u03bc]+)/;
  while (rest !== '') {
    const m = re.exec(rest);
    if (!m || m[1] === '' || m[1] === '.') throw bad('expected a number followed by a unit');
    const unit = UNIT_MS[m[2]!];
    if (unit === undefined) throw bad(`unknown unit "${m[2]}"`);
    total += Number(m[1]) * unit;
    rest = rest.slice(m[0].length);
  }
  if (total > MAX_GO_DURATION_MS) throw bad('out of range');
  return sign * Math.round(total);
}

/** Go's Duration.String() for whole seconds (what cfssl prints back, e.g. "8760h0m0s"). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const neg = ms < 0;
  let s = Math.abs(ms) / 1000;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const secs = Number.isInteger(s) ? String(s) : s.toFixed(3).replace(/0+$/, '');
  const out = h ? `${h}h${m}m${secs}s` : m ? `${m}m${secs}s` : `${secs}s`;
  return neg ? '-' + out : out;
}
