/**
 * The finding model shared by `audit` (static) and `probe` (live): one row per check and
 * target, with the evidence that decided it and what to do about it. Exit codes derive
 * from it: any FAIL is non-zero, WARN and SKIP alone are not.
 */
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

/** Collects findings for one component with less ceremony. */
export class Findings {
  readonly list: Finding[] = [];
  add(f: Finding): Finding {
    this.list.push(f);
    return f;
  }
  pass(id: string, component: string, check: string, evidence: string, target?: string): void {
    this.add({ id, component, check, result: 'PASS', evidence, remediation: '', ...(target ? { target } : {}) });
  }
  warn(id: string, component: string, check: string, evidence: string, remediation: string, target?: string): void {
    this.add({ id, component, check, result: 'WARN', evidence, remediation, ...(target ? { target } : {}) });
  }
  fail(id: string, component: string, check: string, evidence: string, remediation: string, target?: string): void {
    this.add({ id, component, check, result: 'FAIL', evidence, remediation, ...(target ? { target } : {}) });
  }
  skip(id: string, component: string, check: string, evidence: string, target?: string): void {
    this.add({ id, component, check, result: 'SKIP', evidence, remediation: '', ...(target ? { target } : {}) });
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
