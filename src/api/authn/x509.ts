/**
 * Client-certificate authentication (kube-apiserver's `--client-ca-file`): a certificate
 * whose path to a client CA verifies (x509chain.ts), valid now and not revoked
 * (revocation.ts), authenticates as user = subject CN, groups = subject O values in order.
 *
 * Path building verifies signatures, which costs far more than the rest of a request's
 * authentication; a kubelet or a controller presents the same certificate on every request,
 * so verified paths are cached by the presented chain (bounded, least recently used first
 * out). The whole presented chain is the key, not the leaf alone, so a client that
 * leaves out its intermediate is refused even after another presented it, as upstream.
 * Validity and revocation are checked on every request, on the cached path too.
 */
import type { ParsedCertificate } from '../../pki/certparse.js';
import { systemClock, type Clock } from '../../pki/clock.js';
import type { UserInfo } from '../object.js';
import type { AuthenticationResult, Authenticator, RequestCredentials } from '../resource.js';
import type { RevocationChecker } from './revocation.js';
import { buildClientPath, checkValidity, ClientCAs, describeCertificate } from './x509chain.js';

export interface ClientCertificateOptions {
  /** the client CA bundle */
  clientCAs: readonly ParsedCertificate[];
  revocation?: RevocationChecker | undefined;
  clock?: Clock;
  /** verified paths kept; default 4096 */
  cacheSize?: number;
}

interface CachedPath {
  chain: ParsedCertificate[];
  user: UserInfo | undefined;
}

export const X509_METHOD = 'x509';

/**
 * The cache key of a presented chain: the certificates' bytes themselves as a latin1 string,
 * each preceded by its length: building the string and letting the Map hash it is cheaper than
 * a SHA-256 of the same bytes (bench/RESULTS.md, "Measurements behind code comments"); a cache
 * of 4,096 one-kilobyte keys is 4 MB.
 */
function chainKey(presented: readonly Buffer[]): string {
  if (presented.length === 1) return presented[0]!.toString('latin1');
  let key = '';
  for (const der of presented) key += `${der.length}:${der.toString('latin1')}`;
  return key;
}

export class ClientCertificateAuthenticator implements Authenticator {
  private cas: ClientCAs;
  private cache = new Map<string, CachedPath>();
  /**
   * The same paths by the presented chain's array: tlspeer.ts reads a connection's chain once
   * and hands every request on it the same array, so a keep-alive client's requests find their
   * path without building and hashing the chain's bytes as a string key (0.3-0.9% of the
   * server's CPU in bench/serve.ts's lifecycle). Validity and revocation are still checked on
   * every request, below.
   */
  private byChain = new WeakMap<readonly Buffer[], CachedPath>();
  private readonly clock: Clock;
  private readonly cacheSize: number;

  constructor(private readonly o: ClientCertificateOptions) {
    this.cas = new ClientCAs(o.clientCAs);
    this.clock = o.clock ?? systemClock;
    this.cacheSize = o.cacheSize ?? 4096;
  }

  /** Replaces the client CA bundle (a reloaded --client-ca-file); cached paths are dropped. */
  setClientCAs(cas: readonly ParsedCertificate[]): void {
    this.cas = new ClientCAs(cas);
    this.cache = new Map();
    this.byChain = new WeakMap();
  }

  authenticate(c: RequestCredentials): Promise<AuthenticationResult> {
    return Promise.resolve(this.authenticateSync(c));
  }

  authenticateSync(c: RequestCredentials): AuthenticationResult {
    const presented = c.peerCertificates;
    if (!presented || presented.length === 0) return { authenticated: false };
    let path = this.byChain.get(presented);
    if (path) return this.accept(path);
    const key = chainKey(presented);
    path = this.cache.get(key);
    if (path) {
      // least recently used goes first: re-insert on every hit
      this.cache.delete(key);
      this.cache.set(key, path);
    } else {
      const built = buildClientPath(presented, this.cas);
      if (!built.ok) return { authenticated: false, method: X509_METHOD, reason: built.reason };
      const leaf = built.chain[0]!;
      const cn = leaf.subject.commonName;
      path = {
        chain: built.chain,
        user: cn ? { username: cn, groups: [...(leaf.subject.organization ?? [])] } : undefined,
      };
      if (this.cache.size >= this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, path);
    }
    this.byChain.set(presented, path);
    return this.accept(path);
  }

  /** A verified path's answer now: refused when expired, not yet valid, revoked or nameless. */
  private accept(path: CachedPath): AuthenticationResult {
    const now = this.clock.now();
    const invalid = checkValidity(path.chain, now);
    if (invalid) return { authenticated: false, method: X509_METHOD, reason: invalid };
    const revoked = this.o.revocation?.check(path.chain, now);
    if (revoked) return { authenticated: false, method: X509_METHOD, reason: revoked, revoked: true };
    // kube-apiserver: a certificate without a CN names no user. It falls through to the next
    // authenticator there (and so possibly to anonymous); here it is refused with a reason,
    // since a verified certificate that names nobody is a mistake worth a 401 and a log line.
    if (!path.user)
      return {
        authenticated: false,
        method: X509_METHOD,
        reason: `client certificate ${describeCertificate(path.chain[0]!)} has no common name (CN), so it names no user`,
      };
    return {
      authenticated: true,
      method: X509_METHOD,
      user: { username: path.user.username, groups: [...path.user.groups] },
    };
  }
}
