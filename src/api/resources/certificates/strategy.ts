/**
 * How the API prepares CertificateSigningRequests on each write path (kube-apiserver's CSR
 * registry strategies; docs/upstream/csr-api.md Part B §0):
 *  - create: the requester is whoever made the request (spec.username/uid/groups/extra
 *    come from the caller, never from the body) and status starts empty, so nobody creates
 *    a pre-approved request;
 *  - main resource update: spec and status are kept from the stored object, only metadata
 *    changes;
 *  - /approval: only status.conditions is taken from the request (approvers add Approved or
 *    Denied); spec and the certificate are kept;
 *  - /status: spec is kept and the stored Approved/Denied conditions are restored, so a
 *    signer sets the certificate and may add Failed but cannot approve.
 * On both subresources an empty lastUpdateTime becomes now, and an empty lastTransitionTime
 * is kept from a stored condition of the same type and status, else now (ctx.now: the clock
 * is the caller's).
 */
import { isPlainObject, type KubeObject, type UserInfo } from '../../object.js';
import type { Strategy, StrategyContext } from '../../resource.js';
import { findConditions, populateConditionTimestamps } from './conditions.js';
import type { CertificateSigningRequestCondition as Condition } from './types.js';
import { validateCreate, validateUpdate, type UpdatePath } from './validation.js';

/** The conditions list when it is a list of objects; undefined when absent or misshapen (validation reports it). */
function conditionList(obj: KubeObject): Condition[] | undefined {
  const status = obj['status'];
  const list = isPlainObject(status) ? status['conditions'] : undefined;
  return Array.isArray(list) && list.every(isPlainObject) ? list : undefined;
}

/** The stored object's part, copied so the request's object never aliases what the store holds. */
const copyOf = <T>(v: T): T => (v === undefined ? v : structuredClone(v));

function setRequester(spec: Record<string, unknown>, user: UserInfo): void {
  for (const k of ['username', 'uid', 'groups', 'extra']) delete spec[k];
  // Go prints these with omitempty: an empty value is no field at all
  if (user.username) spec['username'] = user.username;
  if (user.uid) spec['uid'] = user.uid;
  if (user.groups.length) spec['groups'] = [...user.groups];
  const extra = Object.entries(user.extra ?? {});
  if (extra.length) spec['extra'] = Object.fromEntries(extra.map(([k, v]) => [k, [...v]]));
}

/** /status: the request may not add, remove or change Approved/Denied; the stored instances win where counts match. */
function restoreApprovalConditions(next: Condition[], prev: readonly Condition[]): void {
  for (const type of ['Approved', 'Denied']) {
    const before = findConditions(prev, type);
    const positions = next.flatMap((c, i) => ((c.type ?? '') === type ? [i] : []));
    // a different count is an attempt to add or remove one: left as sent, validation refuses it
    if (positions.length !== before.length) continue;
    positions.forEach((at, k) => (next[at] = copyOf(before[k]!)));
  }
}

const updatePath = (ctx: StrategyContext): UpdatePath =>
  ctx.subresource === 'approval' ? 'approval' : ctx.subresource === 'status' ? 'status' : 'main';

export const csrStrategy: Strategy = {
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,

  prepareForCreate(obj, ctx) {
    if (obj['spec'] === undefined || obj['spec'] === null) obj['spec'] = {};
    const spec = obj['spec'];
    if (isPlainObject(spec)) setRequester(spec, ctx.user);
    obj['status'] = {};
    return obj;
  },

  validate(obj) {
    return validateCreate(obj);
  },

  prepareForUpdate(obj, old, ctx) {
    const path = updatePath(ctx);
    const prevConditions = conditionList(old) ?? [];
    obj['spec'] = copyOf(old['spec']);
    if (path === 'main') {
      obj['status'] = copyOf(old['status']);
      return obj;
    }
    const next = conditionList(obj);
    if (path === 'status' && next) restoreApprovalConditions(next, prevConditions);
    if (next) populateConditionTimestamps(next, prevConditions, ctx.now);
    if (path === 'approval') {
      const sent = isPlainObject(obj['status']) ? obj['status']['conditions'] : undefined;
      const stored = old['status'];
      const status: Record<string, unknown> = isPlainObject(stored) ? copyOf(stored) : {};
      delete status['conditions'];
      if (sent !== undefined && sent !== null) status['conditions'] = sent;
      obj['status'] = status;
    }
    return obj;
  },

  validateUpdate(obj, old, ctx) {
    return validateUpdate(obj, old, updatePath(ctx));
  },
};
