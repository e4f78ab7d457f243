/**
 * Bearer tokens: the token authenticators (static token file, bootstrap tokens) tried in
 * kube-apiserver's order. As upstream, a request that carries a token no authenticator
 * accepts is refused ("invalid bearer token", 401), never treated as anonymous: a client that
 * sent a wrong token must learn that, not silently get fewer rights.
 */
import type { AuthenticationResult, Authenticator, RequestCredentials } from '../resource.js';

export class BearerTokenAuthenticator implements Authenticator {
  constructor(private readonly tokenAuthenticators: readonly Authenticator[]) {}

  async authenticate(c: RequestCredentials): Promise<AuthenticationResult> {
    if (!c.bearerToken) return { authenticated: false };
    const reasons: string[] = [];
    for (const a of this.tokenAuthenticators) {
      const r = await a.authenticate(c);
      if (r.authenticated) return r;
      if (r.reason) reasons.push(r.reason);
    }
    return {
      authenticated: false,
      method: 'bearer-token',
      reason: reasons.length ? `invalid bearer token: ${reasons.join('; ')}` : 'invalid bearer token',
    };
  }
}
