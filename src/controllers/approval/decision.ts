/**
 * What an approver decides about one CertificateSigningRequest, as plain data: the
 * controller that runs an approver turns it into an `/approval` update (approve, deny), a
 * later re-check (pending) or nothing (skip), and emits the Events it carries. Keeping the
 * decision free of I/O is what lets every rule be tested as a table.
 */
import { formatTime } from '../../api/time.js';

export interface ApprovalEvent {
  type: 'Normal' | 'Warning';
  /** UpperCamelCase, as Kubernetes event reasons are */
  reason: string;
  message: string;
}

interface Base {
  /** machine-readable: the condition's reason for approve/deny, a short cause otherwise */
  reason: string;
  message: string;
  events: ApprovalEvent[];
}

export type ApprovalDecision =
  /** add condition Approved/True with this reason and message */
  | (Base & { kind: 'approve' })
  /** add condition Denied/True with this reason and message */
  | (Base & { kind: 'deny' })
  /**
   * not decided yet: look again when what it waits for changes (a Node appears, a review
   * is allowed), and no later than `recheckAt` when set
   */
  | (Base & { kind: 'pending'; recheckAt?: Date })
  /** not this approver's to decide (another signer, already decided, left for a human) */
  | (Base & { kind: 'skip' });

export type DecisionKind = ApprovalDecision['kind'];

export const approve = (reason: string, message: string, events: ApprovalEvent[] = []): ApprovalDecision => ({
  kind: 'approve',
  reason,
  message,
  events,
});

export const deny = (reason: string, message: string, events: ApprovalEvent[] = []): ApprovalDecision => ({
  kind: 'deny',
  reason,
  message,
  events,
});

export const skip = (reason: string, message = '', events: ApprovalEvent[] = []): ApprovalDecision => ({
  kind: 'skip',
  reason,
  message,
  events,
});

export function pending(
  reason: string,
  message: string,
  events: ApprovalEvent[] = [],
  recheckAt?: Date,
): ApprovalDecision {
  return recheckAt
    ? { kind: 'pending', reason, message, events, recheckAt }
    : { kind: 'pending', reason, message, events };
}

export const warning = (reason: string, message: string): ApprovalEvent => ({ type: 'Warning', reason, message });
export const normal = (reason: string, message: string): ApprovalEvent => ({ type: 'Normal', reason, message });

/** The `status.conditions` entry an approve or deny decision adds through `/approval`. */
export function decisionCondition(
  d: ApprovalDecision,
  now: Date,
):
  { type: 'Approved' | 'Denied'; status: 'True'; reason: string; message: string; lastUpdateTime: string } | undefined {
  if (d.kind !== 'approve' && d.kind !== 'deny') return undefined;
  return {
    type: d.kind === 'approve' ? 'Approved' : 'Denied',
    status: 'True',
    reason: d.reason,
    message: d.message,
    lastUpdateTime: formatTime(now),
  };
}

/** How many problems a condition or Event message lists before summarising the rest. */
export const MAX_LISTED_PROBLEMS = 10;

/**
 * Problems joined for a message, the first few in full: a hostile request with thousands of
 * SANs must not turn into a condition message larger than the object it sits on.
 */
export function listProblems(problems: readonly string[], max = MAX_LISTED_PROBLEMS): string {
  const shown = problems.slice(0, max).join('; ');
  return problems.length > max ? `${shown}; and ${problems.length - max} more` : shown;
}
