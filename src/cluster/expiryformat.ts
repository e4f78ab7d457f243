import { KubetlsError } from '../errors/index.js';
import { parseGoDuration } from '../util/duration.js';

/** kubeadm's RESIDUAL TIME and EXPIRES renderings (docs/upstream/k8s-pki.md §3). */

/** Like k8s.io/apimachinery duration.ShortHumanDuration: truncated, largest unit only. */
export function residualTime(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.trunc(ms / 3_600_000);
  if (hours < 24) return `${hours}h`;
  if (hours < 24 * 365) return `${Math.trunc(hours / 24)}d`;
  return `${Math.trunc(hours / 24 / 365)}y`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number) => String(n).padStart(2, '0');

/** Go layout "Jan 02, 2006 15:04 MST" in UTC. */
export function formatExpires(d: Date): string {
  return `${MONTHS[d.getUTCMonth()]} ${p2(d.getUTCDate())}, ${d.getUTCFullYear()} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())} UTC`;
}

/** "30d", "12h", "720h30m" → ms (days are not Go syntax but are what people type for thresholds). */
export function parseThreshold(s: string, field = '--threshold'): number {
  const m = /^(\d+)d$/.exec(s.trim());
  if (m) return Number(m[1]) * 86_400_000;
  try {
    return parseGoDuration(s, field);
  } catch (e) {
    // the Go-duration hint alone would hide the days this flag also takes
    if (e instanceof KubetlsError)
      throw new KubetlsError(
        e.code,
        e.message,
        'use days such as "30d" or Go durations such as "720h"; units: d, h, m, s, ms, us, ns',
      );
    throw e;
  }
}
