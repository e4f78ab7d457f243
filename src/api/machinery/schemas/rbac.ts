/**
 * rbac.authorization.k8s.io/v1 (k8s.io/api `rbac/v1/types.go`): rules, subjects and every
 * other list are `+listType=atomic` with no patchStrategy, so strategic merge replaces them.
 */
import { listOf, obj, str } from '../schema.js';
import { labelSelector, topLevel } from './meta.js';

export const policyRule = obj('v1.PolicyRule', {
  verbs: listOf(str),
  apiGroups: listOf(str),
  resources: listOf(str),
  resourceNames: listOf(str),
  nonResourceURLs: listOf(str),
});

export const subject = obj('v1.Subject', { kind: str, apiGroup: str, name: str, namespace: str });
export const roleRef = obj('v1.RoleRef', { apiGroup: str, kind: str, name: str });

export const role = topLevel('v1.Role', { rules: listOf(policyRule) });
export const clusterRole = topLevel('v1.ClusterRole', {
  rules: listOf(policyRule),
  aggregationRule: obj('v1.AggregationRule', { clusterRoleSelectors: listOf(labelSelector) }),
});
export const roleBinding = topLevel('v1.RoleBinding', { subjects: listOf(subject), roleRef });
export const clusterRoleBinding = topLevel('v1.ClusterRoleBinding', { subjects: listOf(subject), roleRef });
