/**
 * status.conditions: the per-list rules (a type is required and unique; Approved, Denied and
 * Failed only with status True; Approved and Denied exclusive), the update rules (Approved,
 * Denied and Failed are never removed; outside /approval, Approved and Denied are never
 * added or changed), and the timestamps the server fills in. docs/upstream/csr-api.md Part B §0.
 */
import { fieldError, type FieldError, type FieldPath } from '../../../errors/index.js';
import { formatTime, isZeroTime, timeValue } from '../../time.js';
import { CONDITION_STATUSES, TRUE_ONLY_CONDITIONS, type CertificateSigningRequestCondition } from './types.js';

type Condition = CertificateSigningRequestCondition;

export interface ConditionRules {
  /** tolerated when the stored object already has them (compatibility with existing data) */
  allowEmptyConditionType: boolean;
  allowDuplicateConditionTypes: boolean;
  allowBothApprovedAndDenied: boolean;
}

export function validateConditions(
  conditions: readonly Condition[],
  rules: ConditionRules,
  path: FieldPath,
): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  let approved = false;
  let denied = false;
  conditions.forEach((c, i) => {
    const type = c.type ?? '';
    const status = c.status ?? '';
    const p = path.index(i);
    if (!rules.allowEmptyConditionType && type === '') out.push(fieldError.required(p.child('type')));
    const allowed = TRUE_ONLY_CONDITIONS.includes(type) ? ['True'] : CONDITION_STATUSES;
    if (status === '') out.push(fieldError.required(p.child('status')));
    else if (!allowed.includes(status)) out.push(fieldError.notSupported(p.child('status'), status, allowed));
    if (!rules.allowBothApprovedAndDenied) {
      if (type === 'Approved') approved = true;
      if (type === 'Denied') denied = true;
      if ((type === 'Approved' && denied) || (type === 'Denied' && approved))
        out.push(fieldError.invalid(p.child('type'), type, 'Approved and Denied conditions are mutually exclusive'));
    }
    if (!rules.allowDuplicateConditionTypes) {
      if (seen.has(type)) out.push(fieldError.duplicate(p.child('type'), type));
      seen.add(type);
    }
  });
  return out;
}

export const findConditions = (conditions: readonly Condition[], type: string): Condition[] =>
  conditions.filter((c) => (c.type ?? '') === type);

/** A condition as apimachinery's semantic equality sees it: absent, null and "" alike; times by instant. */
const canonical = (c: Condition) => ({
  type: c.type ?? '',
  status: c.status ?? '',
  reason: c.reason ?? '',
  message: c.message ?? '',
  lastUpdateTime: timeValue(c.lastUpdateTime) ?? null,
  lastTransitionTime: timeValue(c.lastTransitionTime) ?? null,
});

export function sameConditions(a: readonly Condition[], b: readonly Condition[]): boolean {
  return a.length === b.length && a.every((c, i) => JSON.stringify(canonical(c)) === JSON.stringify(canonical(b[i]!)));
}

/** What changed between two lists of one condition type, one line a field (the detail of "may not modify"). */
function describeChange(before: readonly Condition[], after: readonly Condition[]): string {
  const lines: string[] = [];
  before.forEach((c, i) => {
    const o = canonical(c);
    const n = canonical(after[i]!);
    for (const k of Object.keys(o) as Array<keyof typeof o>)
      if (o[k] !== n[k]) {
        const show = (v: string | number | null, t: unknown) =>
          typeof v === 'number' ? JSON.stringify(t) : JSON.stringify(v);
        lines.push(`  [${i}].${k}: ${show(o[k], c[k])} -> ${show(n[k], after[i]![k])}`);
      }
  });
  return lines.join('\n');
}

/**
 * The update rules on conditions (against the stored object's): Approved, Denied and Failed
 * may not be removed; unless `mayChangeApproval` (/approval), Approved and Denied may not be
 * added or modified either.
 */
export function conditionUpdateErrors(
  next: readonly Condition[],
  prev: readonly Condition[],
  mayChangeApproval: boolean,
  path: FieldPath,
): FieldError[] {
  const out: FieldError[] = [];
  for (const t of TRUE_ONLY_CONDITIONS)
    if (findConditions(next, t).length < findConditions(prev, t).length)
      out.push(fieldError.forbidden(path, `updates may not remove a condition of type ${JSON.stringify(t)}`));
  if (!mayChangeApproval)
    for (const t of ['Approved', 'Denied']) {
      const before = findConditions(prev, t);
      const after = findConditions(next, t);
      if (after.length > before.length)
        out.push(fieldError.forbidden(path, `updates may not add a condition of type ${JSON.stringify(t)}`));
      else if (after.length === before.length && !sameConditions(before, after))
        out.push(
          fieldError.forbidden(
            path,
            `updates may not modify a condition of type ${JSON.stringify(t)}\n${describeChange(before, after)}`,
          ),
        );
    }
  return out;
}

/**
 * Fills the server-set times of `next` (mutated): an empty lastUpdateTime becomes `now`; an
 * empty lastTransitionTime is kept from a stored condition of the same type and status, else
 * `now` — so a condition that did not transition keeps its transition time.
 */
export function populateConditionTimestamps(next: Condition[], prev: readonly Condition[], now: Date): void {
  const stamp = formatTime(now);
  for (const c of next) {
    if (isZeroTime(c.lastUpdateTime)) c.lastUpdateTime = stamp;
    if (isZeroTime(c.lastTransitionTime)) {
      const same = prev.find(
        (o) =>
          (o.type ?? '') === (c.type ?? '') &&
          (o.status ?? '') === (c.status ?? '') &&
          !isZeroTime(o.lastTransitionTime),
      );
      c.lastTransitionTime = same ? same.lastTransitionTime! : stamp;
    }
  }
}
