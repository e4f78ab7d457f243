/**
 * kube-apiserver's authorizer chain: the privileged group (`system:masters`) is allowed
 * everything before any other authorizer runs (it is hard-wired, not an RBAC binding: deleting
 * the cluster-admin binding cannot lock it out), then the configured authorizers in order; the
 * first that allows wins. Reasons of those that did not allow are joined by newlines, as
 * upstream's union authorizer joins them.
 */
import type { RequestAttributes } from '../object.js';
import type { Authorizer, Decision } from '../resource.js';

export const PRIVILEGED_GROUP = 'system:masters';

export class PrivilegedGroupAuthorizer implements Authorizer {
  private readonly groups: ReadonlySet<string>;

  constructor(groups: readonly string[] = [PRIVILEGED_GROUP]) {
    this.groups = new Set(groups);
  }

  authorize(a: RequestAttributes): Promise<Decision> {
    return Promise.resolve(this.decide(a));
  }

  decide(a: RequestAttributes): Decision {
    // upstream gives no reason for this allow
    return a.user.groups.some((g) => this.groups.has(g)) ? { allowed: true } : { allowed: false };
  }
}

export class UnionAuthorizer implements Authorizer {
  constructor(private readonly authorizers: readonly Authorizer[]) {}

  async authorize(a: RequestAttributes): Promise<Decision> {
    const reasons: string[] = [];
    for (const z of this.authorizers) {
      const d = await z.authorize(a);
      if (d.allowed) return d;
      if (d.reason) reasons.push(d.reason);
    }
    return reasons.length ? { allowed: false, reason: reasons.join('\n') } : { allowed: false };
  }
}
