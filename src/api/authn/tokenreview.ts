/**
 * authentication.k8s.io/v1 TokenReview: a component that delegates authentication (kube-
 * controller-manager's and `kubetls controller-manager`'s /metrics, an aggregated API server, a
 * webhook) asks who a bearer token is. The answer comes from the same token authenticators a
 * request's `Authorization: Bearer` goes through (`--token-auth-file`, bootstrap tokens), so a
 * review says exactly what a request carrying the token would be: authenticated as whom, or
 * not. Facts from kube-apiserver's TokenReview REST and authenticator chain:
 * - an empty spec.token is a 400 ("token is required for TokenReview in authentication");
 * - the user carries `system:authenticated`, as every authenticated request's does;
 * - a token no authenticator accepts answers 201 with `status.error: "invalid bearer token"`
 *   and no `authenticated` (Go's omitempty); why it was refused (expired, wrong secret…) stays
 *   out of the answer, as upstream keeps it out (the token's secret is never in it either);
 * - audiences: spec.audiences, or the server's own API audiences when empty; the static and
 *   bootstrap tokens are audience-agnostic, so they answer only for an audience the server
 *   itself has, and the answer's status.audiences is that intersection. kubetls serve has no
 *   ServiceAccount token issuer and so no API audiences: a review naming audiences is refused,
 *   one naming none is answered without status.audiences.
 * Nothing is stored; the audit log records the create at Metadata level (no body, no token).
 * The answer echoes the spec, token included, as upstream's does: only its sender receives it.
 */
import { AUTHENTICATION_API_VERSION } from '../authz/review.js';
import { badRequest } from '../machinery/status.js';
import { isPlainObject, type KubeObject, type UserInfo } from '../object.js';
import type { Authenticator } from '../resource.js';
import { withAuthenticatedGroup } from './union.js';

/** upstream's answer for a token no authenticator accepts (bearertoken's error, not a reason) */
export const INVALID_BEARER_TOKEN = 'invalid bearer token';

export interface TokenReviewStatus {
  authenticated?: true;
  user: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  audiences?: string[];
  error?: string;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function userOf(u: UserInfo): TokenReviewStatus['user'] {
  const out: TokenReviewStatus['user'] = { username: u.username };
  if (u.uid) out.uid = u.uid;
  if (u.groups.length) out.groups = [...u.groups];
  if (u.extra && Object.keys(u.extra).length) out.extra = structuredClone(u.extra);
  return out;
}

/**
 * The status of a review of `token` by `tokens` (the bearer-token authenticators), for the
 * requested `audiences` against the server's `apiAudiences`.
 */
export async function reviewToken(
  token: string,
  tokens: Authenticator | undefined,
  audiences: readonly string[],
  apiAudiences: readonly string[],
): Promise<TokenReviewStatus> {
  const refused: TokenReviewStatus = { user: {}, error: INVALID_BEARER_TOKEN };
  // a token a request could not carry in `Authorization: Bearer …` (src/api/http.ts reads one
  // run of non-space characters) authenticates nobody there, so it does not here either
  if (!tokens || /\s/.test(token)) return refused;
  const wanted = audiences.length ? audiences : apiAudiences;
  let granted: string[] | undefined;
  if (wanted.length) {
    granted = apiAudiences.filter((a) => wanted.includes(a));
    if (!granted.length) return refused;
  }
  const r = await tokens.authenticate({ bearerToken: token });
  if (!r.authenticated) return refused;
  const status: TokenReviewStatus = { authenticated: true, user: userOf(withAuthenticatedGroup(r.user)) };
  if (granted) status.audiences = granted;
  return status;
}

/** Answers a decoded TokenReview (its schema checked the JSON types); throws a 400 Status for an empty token. */
export async function tokenReview(
  obj: KubeObject,
  tokens: Authenticator | undefined,
  apiAudiences: readonly string[] = [],
): Promise<KubeObject> {
  const spec = isPlainObject(obj.spec) ? obj.spec : {};
  const token = typeof spec.token === 'string' ? spec.token : '';
  if (token === '') throw badRequest('token is required for TokenReview in authentication');
  const status = await reviewToken(token, tokens, strings(spec.audiences), apiAudiences);
  return {
    apiVersion: AUTHENTICATION_API_VERSION,
    kind: 'TokenReview',
    metadata: isPlainObject(obj.metadata) ? obj.metadata : {},
    spec,
    status,
  };
}
