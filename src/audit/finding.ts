/**
 * The finding model shared by `audit` (static) and `probe` (live): one row per check and
 * target, with the evidence that decided it and what to do about it. Exit codes derive
 * from it: any FAIL is non-zero, WARN and SKIP alone are not.
 */
import { CHECKS, type CheckName } from './checks.js';

export type Result = 'PASS' | 'WARN' | 'FAIL' | 'SKIP';

export interface Finding {
  /** CIS Kubernetes Benchmark ID (e.g. "1.2.5") or a kubetls ID ("KT-…", "P-…") */
  id: string;
  /** kube-apiserver, etcd, kubelet, pki, kubeconfig, or "name host:port" for probes */
  component: string;
  /** short description of what is checked */
  check: string;
  result: Result;
  /** what was observed: flag values, file paths, handshake outcome… */
  evidence: string;
  /** what to do when it is not PASS (empty when PASS) */
  remediation: string;
  /** file path (relative to the audit root) or endpoint the finding is about */
  target?: string;
}

export interface Summary {
  pass: number;
  warn: number;
  fail: number;
  skip: number;
  total: number;
}

export interface Report {
  kind: 'audit' | 'probe';
  findings: Finding[];
  summary: Summary;
  /** milliseconds spent per check id (for the benchmarks and `--timings`) */
  timings: Record<string, number>;
}

export function summarize(findings: readonly Finding[]): Summary {
  const s: Summary = { pass: 0, warn: 0, fail: 0, skip: 0, total: findings.length };
  for (const f of findings) {
    if (f.result === 'PASS') s.pass++;
    else if (f.result === 'WARN') s.warn++;
    else if (f.result === 'FAIL') s.fail++;
    else s.skip++;
  }
  return s;
}

/** 0 when nothing FAILs (WARN alone is fine), 1 otherwise. Usage errors use 2 (CLI). */
export const exitCodeFor = (r: Pick<Report, 'summary'>): number => (r.summary.fail > 0 ? 1 : 0);

/** What a check found, before the catalog fills in its ID, title and default remediation. */
export interface FindingInit {
  check: CheckName;
  component: string;
  result: Result;
  evidence: string;
  /** the file (relative to the audit root) or endpoint the finding is about */
  target?: string | undefined;
  /** instead of the catalog's, when the fix names a file, flag value or address (undefined: the catalog's) */
  remediation?: string | undefined;
}

/**
 * A finding of a catalogued check. PASS and SKIP carry no remediation: there is nothing to
 * fix (SKIP says why in its evidence).
 */
export function finding(o: FindingInit): Finding {
  const spec = CHECKS[o.check];
  return {
    id: spec.id,
    component: o.component,
    check: spec.title,
    result: o.result,
    evidence: o.evidence,
    remediation: o.result === 'PASS' || o.result === 'SKIP' ? '' : (o.remediation ?? spec.remediation),
    ...(o.target ? { target: o.target } : {}),
  };
}

type Observed = Omit<FindingInit, 'result' | 'remediation'>;

/** The findings of one audit or one probed endpoint, in the order the checks ran. */
export class Findings {
  readonly list: Finding[] = [];
  add(o: FindingInit): Finding {
    const f = finding(o);
    this.list.push(f);
    return f;
  }
  pass(o: Observed): void {
    this.add({ ...o, result: 'PASS' });
  }
  warn(o: Omit<FindingInit, 'result'>): void {
    this.add({ ...o, result: 'WARN' });
  }
  fail(o: Omit<FindingInit, 'result'>): void {
    this.add({ ...o, result: 'FAIL' });
  }
  skip(o: Observed): void {
    this.add({ ...o, result: 'SKIP' });
  }
  /** PASS when `ok`, else the check's severity (FAIL, or WARN for advice). */
  verdict(ok: boolean, o: Omit<FindingInit, 'result'>): void {
    this.add({ ...o, result: ok ? 'PASS' : CHECKS[o.check].severity });
  }
}

/** Days (fractional) until `notAfter` from `now`. */
export const daysUntil = (notAfter: Date, now: Date): number => (notAfter.getTime() - now.getTime()) / 86_400_000;

export const WARN_DAYS = 30;
export const FAIL_DAYS = 7;

/** The expiry policy of the seeds: expired or < 7 days FAIL, < 30 days WARN. */
export function expiryResult(notAfter: Date, notBefore: Date, now: Date): { result: Result; evidence: string } {
  const days = daysUntil(notAfter, now);
  const when = notAfter.toISOString();
  if (now < notBefore) return { result: 'FAIL', evidence: `not valid until ${notBefore.toISOString()}` };
  if (days < 0) return { result: 'FAIL', evidence: `expired ${Math.floor(-days)} day(s) ago (${when})` };
  if (days < FAIL_DAYS)
    return { result: 'FAIL', evidence: `expires in ${days.toFixed(1)} days (${when}), under ${FAIL_DAYS}` };
  if (days < WARN_DAYS)
    return { result: 'WARN', evidence: `expires in ${Math.floor(days)} days (${when}), under ${WARN_DAYS}` };
  return { result: 'PASS', evidence: `expires in ${Math.floor(days)} days (${when})` };
}
