/**
 * rbac.authorization.k8s.io/v1 (k8s.io/api `rbac/v1/types.go` and `generated.proto`), with
 * protobuf numbers (kubectl >= 1.32 sends `create role`, `create clusterrole`, `create
 * rolebinding` and `create clusterrolebinding` as protobuf) and Go's JSON presence (`rules`,
 * a rule's `verbs`, a subject's kind and name and the roleRef have no omitempty). Rules,
 * subjects and every other list are `+listType=atomic` with no patchStrategy, so strategic
 * merge replaces them.
 */
import { listOf, obj, pb, str } from '../schema.js';
import { labelSelector, topLevel } from './meta.js';

export const policyRule = obj('v1.PolicyRule', {
  verbs: pb(1, listOf(str), 'always'),
  apiGroups: pb(2, listOf(str)),
  resources: pb(3, listOf(str)),
  resourceNames: pb(4, listOf(str)),
  nonResourceURLs: pb(5, listOf(str)),
});

export const subject = obj('v1.Subject', {
  kind: pb(1, str, 'always'),
  apiGroup: pb(2, str),
  name: pb(3, str, 'always'),
  namespace: pb(4, str),
});
export const roleRef = obj('v1.RoleRef', {
  apiGroup: pb(1, str, 'always'),
  kind: pb(2, str, 'always'),
  name: pb(3, str, 'always'),
});

export const role = topLevel('v1.Role', { rules: pb(2, listOf(policyRule), 'always') });
export const clusterRole = topLevel('v1.ClusterRole', {
  rules: pb(2, listOf(policyRule), 'always'),
  aggregationRule: pb(3, obj('v1.AggregationRule', { clusterRoleSelectors: pb(1, listOf(labelSelector)) }), 'pointer'),
});
export const roleBinding = topLevel('v1.RoleBinding', {
  subjects: pb(2, listOf(subject)),
  roleRef: pb(3, roleRef, 'always'),
});
export const clusterRoleBinding = topLevel('v1.ClusterRoleBinding', {
  subjects: pb(2, listOf(subject)),
  roleRef: pb(3, roleRef, 'always'),
});
