/**
 * Bootstrap tokens (kube-apiserver's `--enable-bootstrap-token-auth`; docs/upstream/k8s-pki.md §6):
 * a bearer token `<id>.<secret>` is checked against the Secret `kube-system/bootstrap-token-<id>`
 * of type `bootstrap.kubernetes.io/token` and authenticates as `system:bootstrap:<id>` with
 * the group `system:bootstrappers` plus the Secret's valid `auth-extra-groups`.
 *
 * Refusal rules as upstream: a token that is not of the bootstrap format is not this
 * authenticator's (no opinion); a token of the format whose Secret is missing, being
 * deleted, of the wrong type, with another secret (compared in constant time), another
 * token-id, expired (an unparseable expiration counts as expired), without
 * `usage-bootstrap-authentication: "true"`, or with an invalid extra group, is refused. The
 * reasons are for the server's log only: the client sees a plain 401, and no reason ever
 * contains the token's secret.
 */
import { systemClock, type Clock } from '../../pki/clock.js';
import { secretEqual } from '../../util/secretequal.js';
import type { KubeObject } from '../object.js';
import type { AuthenticationResult, Authenticator, RequestCredentials } from '../resource.js';

/** Reads one object; the core backs it with the store (a cache of kube-system Secrets is fine). */
export type SecretLookup = (namespace: string, name: string) => Promise<KubeObject | undefined>;

export const BOOTSTRAP_TOKEN_METHOD = 'bootstrap-token';
export const BOOTSTRAP_TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
export const BOOTSTRAP_TOKEN_SECRET_PREFIX = 'bootstrap-token-';
export const BOOTSTRAP_DEFAULT_GROUP = 'system:bootstrappers';
export const BOOTSTRAP_USER_PREFIX = 'system:bootstrap:';

/** `\A([a-z0-9]{6})\.([a-z0-9]{16})\z` (JS `$` without the m flag is end of input, like \z). */
export const BOOTSTRAP_TOKEN_PATTERN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
/** `\Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\z` */
export const BOOTSTRAP_GROUP_PATTERN = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

/** RFC 3339 as Go's time.Parse(time.RFC3339) reads it: seconds required, fraction optional, Z or ±hh:mm. */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/;

/** Parses an RFC 3339 time strictly; undefined for anything Go would reject (month 13, Feb 30, …). */
export function parseRfc3339(s: string): Date | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec, , zone, zh, zm] = m;
  const n = (x: string | undefined): number => Number(x);
  if (n(mo) < 1 || n(mo) > 12 || n(d) < 1 || n(h) > 23 || n(mi) > 59 || n(sec) > 59) return undefined;
  if (zone !== 'Z' && (n(zh) > 23 || n(zm) > 59)) return undefined;
  const daysInMonth = new Date(Date.UTC(n(y), n(mo), 0)).getUTCDate();
  if (n(d) > daysInMonth) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : new Date(t);
}

/** The string value of a Secret's `data` key (base64 there); '' when absent or not base64. */
export function secretData(secret: KubeObject, key: string): string {
  const data = secret.data;
  if (!data || typeof data !== 'object') return '';
  const v = (data as Record<string, unknown>)[key];
  if (typeof v !== 'string') return '';
  return Buffer.from(v, 'base64').toString('utf8');
}

/**
 * The groups of a bootstrap token Secret: `system:bootstrappers` plus each valid extra group,
 * de-duplicated and sorted (upstream returns a sorted set); an error string for the first
 * invalid group.
 */
export function bootstrapGroups(secret: KubeObject): string[] | string {
  const groups = new Set([BOOTSTRAP_DEFAULT_GROUP]);
  const extra = secretData(secret, 'auth-extra-groups');
  if (extra !== '') {
    for (const g of extra.split(',')) {
      if (!BOOTSTRAP_GROUP_PATTERN.test(g)) return `bootstrap group ${JSON.stringify(g)} is invalid`;
      groups.add(g);
    }
  }
  return [...groups].sort();
}

export interface BootstrapTokenOptions {
  secrets: SecretLookup;
  clock?: Clock;
}

export class BootstrapTokenAuthenticator implements Authenticator {
  private readonly clock: Clock;

  constructor(private readonly o: BootstrapTokenOptions) {
    this.clock = o.clock ?? systemClock;
  }

  async authenticate(c: RequestCredentials): Promise<AuthenticationResult> {
    const m = c.bearerToken ? BOOTSTRAP_TOKEN_PATTERN.exec(c.bearerToken) : null;
    if (!m) return { authenticated: false };
    const [, id, tokenSecret] = m as unknown as [string, string, string];
    const name = BOOTSTRAP_TOKEN_SECRET_PREFIX + id;
    const refuse = (why: string): AuthenticationResult => ({
      authenticated: false,
      method: BOOTSTRAP_TOKEN_METHOD,
      reason: `bootstrap token ${id}: secret kube-system/${name} ${why}`,
    });
    const secret = await this.o.secrets('kube-system', name);
    if (!secret) return refuse('not found');
    if (secret.metadata.deletionTimestamp) return refuse('is deleted and awaiting removal');
    if (secret.type !== BOOTSTRAP_TOKEN_SECRET_TYPE || !secret.data || typeof secret.data !== 'object')
      return refuse(`has invalid type, expected ${BOOTSTRAP_TOKEN_SECRET_TYPE}`);
    if (!secretEqual(secretData(secret, 'token-secret'), tokenSecret)) return refuse('has a different token-secret');
    if (secretData(secret, 'token-id') !== id) return refuse('has a different token-id');
    const expiration = secretData(secret, 'expiration');
    if (expiration !== '') {
      const at = parseRfc3339(expiration);
      if (!at) return refuse(`has an unparseable expiration ${JSON.stringify(expiration)}, so it counts as expired`);
      if (this.clock.now() > at) return refuse(`expired at ${at.toISOString()}`);
    }
    if (secretData(secret, 'usage-bootstrap-authentication') !== 'true')
      return refuse('is not marked usage-bootstrap-authentication=true');
    const groups = bootstrapGroups(secret);
    if (typeof groups === 'string') return refuse(`has an invalid auth-extra-groups: ${groups}`);
    return {
      authenticated: true,
      method: BOOTSTRAP_TOKEN_METHOD,
      user: { username: BOOTSTRAP_USER_PREFIX + id, groups },
    };
  }
}
