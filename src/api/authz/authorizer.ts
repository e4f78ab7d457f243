/**
 * Builds the request authorizer as kube-apiserver's `--authorization-mode=RBAC` chain does:
 * the privileged group system:masters first, then RBAC over the stored objects. The core
 * keeps `rbac` to call invalidate() when RBAC objects change.
 */
import type { Authorizer } from '../resource.js';
import { RbacAuthorizer, type RbacSource } from './rbac.js';
import { PrivilegedGroupAuthorizer, UnionAuthorizer } from './union.js';

export interface RequestAuthorization {
  authorizer: Authorizer;
  rbac: RbacAuthorizer;
}

export function createRequestAuthorization(source: RbacSource): RequestAuthorization {
  const rbac = new RbacAuthorizer(source);
  return { authorizer: new UnionAuthorizer([new PrivilegedGroupAuthorizer(), rbac]), rbac };
}
