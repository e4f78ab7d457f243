/**
 * Anonymous requests (kube-apiserver's `--anonymous-auth`): a request that carries no
 * credentials at all becomes `system:anonymous` in the group `system:unauthenticated`, and RBAC
 * decides what it may do (the default policy lets it read the health and version endpoints
 * and `kube-public/cluster-info`). Optionally restricted to paths, as kube-apiserver's
 * structured authentication configuration (`anonymous.conditions[].path`, exact paths) does:
 * with `paths` set, a request elsewhere is not authenticated at all (401, not 403).
 */
import type { UserInfo } from '../object.js';
import type { AuthenticationResult, Authenticator, RequestCredentials } from '../resource.js';

export const ANONYMOUS_USER = 'system:anonymous';
export const UNAUTHENTICATED_GROUP = 'system:unauthenticated';
export const AUTHENTICATED_GROUP = 'system:authenticated';
export const ANONYMOUS_METHOD = 'anonymous';

/** The paths the issue lets anonymous requests reach: health, version and the cluster-info ConfigMap. */
export const ANONYMOUS_PATHS: readonly string[] = [
  '/healthz',
  '/livez',
  '/readyz',
  '/version',
  '/api/v1/namespaces/kube-public/configmaps/cluster-info',
];

export const anonymousUser = (): UserInfo => ({ username: ANONYMOUS_USER, groups: [UNAUTHENTICATED_GROUP] });

export class AnonymousAuthenticator implements Authenticator {
  private readonly paths: ReadonlySet<string> | undefined;

  /** `paths`: exact request paths anonymous requests may reach; every path when omitted. */
  constructor(o: { paths?: readonly string[] | undefined } = {}) {
    this.paths = o.paths ? new Set(o.paths) : undefined;
  }

  authenticate(c: RequestCredentials): Promise<AuthenticationResult> {
    return Promise.resolve(this.authenticateSync(c));
  }

  authenticateSync(c: RequestCredentials): AuthenticationResult {
    if (this.paths && (c.path === undefined || !this.paths.has(c.path))) return { authenticated: false };
    return { authenticated: true, method: ANONYMOUS_METHOD, user: anonymousUser() };
  }
}
