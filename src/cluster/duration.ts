/** Go/Kubernetes duration strings ("8760h", "8760h0m0s", "1h30m", "90s") ↔ milliseconds. */
import { KubetlsError } from '../errors.js';

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a Go duration (time.ParseDuration syntax, non-negative); `field` names the input in errors. */
export function parseGoDuration(s: string, field = 'duration'): number {
  const text = String(s).trim();
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    consumed = re.lastIndex;
  }
  if (consumed === 0 || consumed !== text.length) {
    throw new KubetlsError('InvalidDuration', `${field}: invalid duration "${s}"`, 'use Go duration syntax, e.g. "8760h" or "720h30m"');
  }
  if (!Number.isFinite(total) || total > 1e15) throw new KubetlsError('InvalidDuration', `${field}: duration "${s}" is too large`);
  return Math.round(total);
}

/** Formats milliseconds the way Go's time.Duration.String() does for whole seconds ("8760h0m0s"). */
export function formatGoDuration(ms: number): string {
  const totalS = Math.floor(ms / 1000);
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = totalS % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
