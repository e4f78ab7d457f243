/**
 * Bearer tokens of the controller manager's /metrics callers, checked by the API server:
 * kube-controller-manager's delegated authentication. A token is sent to the API server in an
 * authentication.k8s.io/v1 TokenReview through the controllers' client, and the answer (who,
 * or nobody) is kept for a short TTL — 10 s, kube's delegating authenticator's default for
 * both outcomes — so Prometheus scraping every few seconds costs one review per token per
 * TTL, not one per scrape. As there:
 * - the cache is keyed by a SHA-256 of the token, never the token itself (a heap dump or a
 *   debugger shows no usable credential), and bounded: the oldest entry goes when it is full;
 * - concurrent requests with the same uncached token share one review;
 * - a review that fails (API server unreachable, 5xx, no RBAC to create TokenReviews) is not
 *   cached and the request is unauthenticated (401): a caller is never let in on a guess. The
 *   failure is logged once, and once more when reviews work again, so a scrape every few
 *   seconds against a down API server does not flood the log. Nothing logged holds the token.
 * The review names no audiences: kubetls serve and kube-apiserver then check the token for
 * their own (kube-controller-manager's delegating authenticator sends none either).
 */
import { createHash } from 'node:crypto';
import { apiError, type ControllerClient } from './framework/client.js';
import type { Clock } from '../pki/clock.js';

/** Who a /metrics request is from: a client certificate's CN/O, or a reviewed token's user. */
export interface MetricsCaller {
  user: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

export interface TokenReviewerOptions {
  client: Pick<ControllerClient, 'authentication'>;
  clock: Clock;
  log: (line: string) => void;
  /** how long an answer is kept; default 10 s (kube's --authentication-token-webhook-cache-ttl) */
  ttlMs?: number;
  /** answers kept at most; default 1024 */
  maxEntries?: number;
}

export const TOKEN_REVIEW_TTL_MS = 10_000;
export const TOKEN_REVIEW_CACHE_SIZE = 1024;

interface Entry {
  caller: MetricsCaller | undefined;
  at: number;
}

/** The bearer token of an `Authorization: Bearer <token>` header (one run of non-space characters, as kubetls serve reads it). */
export function bearerTokenOf(header: string | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const m = /^bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : undefined;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export class TokenReviewer {
  private readonly cache = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<MetricsCaller | undefined>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private failing = false;
  /** TokenReviews sent (for tests and a future metric) */
  reviews = 0;

  constructor(private readonly o: TokenReviewerOptions) {
    this.ttlMs = o.ttlMs ?? TOKEN_REVIEW_TTL_MS;
    this.maxEntries = Math.max(1, o.maxEntries ?? TOKEN_REVIEW_CACHE_SIZE);
  }

  /** The token's user, or undefined when the API server does not authenticate it or cannot be asked. */
  authenticate(token: string): Promise<MetricsCaller | undefined> {
    const key = createHash('sha256').update(token).digest('base64');
    const now = this.o.clock.now().getTime();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < this.ttlMs && now >= hit.at) return Promise.resolve(hit.caller);
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const p = this.review(token, key).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  private async review(token: string, key: string): Promise<MetricsCaller | undefined> {
    this.reviews++;
    let status;
    try {
      const r = await this.o.client.authentication.createTokenReview({
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
      });
      status = r.status;
    } catch (e) {
      if (!this.failing) {
        this.failing = true;
        // the API's message names no token; split/join makes sure of it whatever the client wrote
        const why = apiError(e).message.split(token).join('<token>');
        this.o.log(`metrics: TokenReview failed, bearer tokens are refused (401) until it works: ${why}`);
      }
      return undefined;
    }
    if (this.failing) {
      this.failing = false;
      this.o.log('metrics: TokenReview works again');
    }
    const u = status?.user;
    const caller: MetricsCaller | undefined =
      status?.authenticated === true && u?.username
        ? {
            user: u.username,
            groups: strings(u.groups),
            ...(u.uid ? { uid: u.uid } : {}),
            ...(u.extra && Object.keys(u.extra).length
              ? { extra: Object.fromEntries(Object.entries(u.extra).map(([k, v]) => [k, strings(v)])) }
              : {}),
          }
        : undefined;
    this.cache.delete(key);
    while (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, { caller, at: this.o.clock.now().getTime() });
    return caller;
  }
}
