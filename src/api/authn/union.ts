/**
 * The request authenticator: every configured authenticator in kube-apiserver's order
 * (client certificate, then bearer tokens), the first that accepts the request wins and its
 * user gets the group `system:authenticated`; then, when enabled and nothing was refused,
 * anonymous. As upstream:
 * - credentials that one authenticator refuses may still be accepted by another (a client with
 *   an expired certificate and a valid token is the token's user);
 * - when credentials were refused and none accepted, the request is refused (401) even with
 *   anonymous access enabled;
 * - a request with no credentials is anonymous when enabled, else refused without a reason.
 * Beyond upstream: a revoked client certificate ends the evaluation (see AuthenticationResult).
 */
import type { UserInfo } from '../object.js';
import type { AuthenticationResult, Authenticator, RequestCredentials } from '../resource.js';
import { AUTHENTICATED_GROUP } from './anonymous.js';

/** The user with `system:authenticated` added (once), as kube-apiserver's AuthenticatedGroupAdder. */
export function withAuthenticatedGroup(user: UserInfo): UserInfo {
  if (user.groups.includes(AUTHENTICATED_GROUP)) return user;
  return { ...user, groups: [...user.groups, AUTHENTICATED_GROUP] };
}

export class UnionAuthenticator implements Authenticator {
  constructor(
    private readonly authenticators: readonly Authenticator[],
    private readonly anonymous?: Authenticator | undefined,
  ) {}

  async authenticate(c: RequestCredentials): Promise<AuthenticationResult> {
    const refusals: Array<{ reason: string; method?: string }> = [];
    for (const a of this.authenticators) {
      const r = await a.authenticate(c);
      if (r.authenticated) return { ...r, user: withAuthenticatedGroup(r.user) };
      if (r.revoked) return r;
      if (r.reason) refusals.push(r.method ? { reason: r.reason, method: r.method } : { reason: r.reason });
    }
    if (refusals.length) {
      const out: AuthenticationResult = {
        authenticated: false,
        reason: refusals.map((f) => f.reason).join('; '),
      };
      if (refusals.length === 1 && refusals[0]!.method) out.method = refusals[0]!.method;
      return out;
    }
    return this.anonymous ? this.anonymous.authenticate(c) : { authenticated: false };
  }
}
