/**
 * rbac.authorization.k8s.io/v1 objects as the authorizer reads them: Roles and ClusterRoles
 * (rules), RoleBindings and ClusterRoleBindings (subjects → roleRef). Plain JSON, as stored.
 */
import type { KubeObject } from '../object.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';
export const RBAC_API_VERSION = `${RBAC_GROUP}/v1`;

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject {
  /** User, Group or ServiceAccount */
  kind: string;
  name: string;
  /** ServiceAccount only; a RoleBinding's own namespace when empty */
  namespace?: string;
  apiGroup?: string;
}

export interface RoleRef {
  apiGroup: string;
  /** Role or ClusterRole */
  kind: string;
  name: string;
}

export interface RoleObject extends KubeObject {
  rules?: PolicyRule[] | null;
}

export interface BindingObject extends KubeObject {
  subjects?: Subject[] | null;
  roleRef: RoleRef;
}

/** Everything RBAC decides from: the current objects of the four kinds. */
export interface RbacObjects {
  roles: readonly KubeObject[];
  clusterRoles: readonly KubeObject[];
  roleBindings: readonly KubeObject[];
  clusterRoleBindings: readonly KubeObject[];
}
