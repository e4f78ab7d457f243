/**
 * k8s.io/apimachinery's HumanDuration, which kube-apiserver's Table printers use for `AGE`
 * and similar columns: two or three significant figures, more precision for short spans
 * (`90s`, `2m30s`, `45m`, `3h20m`, `30h`, `4d12h`, `60d`, `3y120d`, `12y`). Truncates, never
 * rounds. A span up to 2 s negative prints `0s` (clocks disagree a little); further in the
 * future is `<invalid>`. `humanAge` is the AGE cell of a timestamp, as kubectl's printers
 * write it (`<unknown>` without one).
 */
import { timeValue } from './time.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** `ms` milliseconds, as kubectl shows them in AGE columns. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(ms / HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const d = days % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${years}y`;
}

/**
 * An AGE cell: the time from `timestamp` (a metav1.Time in JSON) to `now`; `<unknown>` when
 * it is absent, zero or not a time, as kube's translateTimestampSince prints it.
 */
export function humanAge(timestamp: unknown, now: Date): string {
  const t = timeValue(timestamp);
  return t === undefined ? '<unknown>' : humanDuration(now.getTime() - t);
}
