/**
 * The RBAC that lets serve's embedded controllers do what their flags make them do. The
 * default policy (policy.ts) covers what every configuration needs — the built-in signers,
 * the CSR subresources, leases, events; what depends on flags (`sign` on each signerName of
 * `--signer-config`, `approve` on each signer `--approver-config` approves for, the caBundle
 * ConfigMaps) cannot be seeded once. So serve turns the permissions the selected controllers
 * declare into one ClusterRole (cluster-wide permissions) and one Role per namespace
 * (namespaced ones), each bound to the controllers' identity, and rewrites them on every
 * start: a signer removed from the file loses its grant at the next start. The objects are
 * kubetls's own (name prefix `kubetls:`), so rewriting them overrides no administrator's
 * choice; the standalone `kubetls controller-manager` is granted by deploy/ instead.
 */
import type { KubeObject } from '../object.js';

/** One permission as a controller declares it (controllers/framework/types.ts Permission). */
export interface DeclaredPermission {
  verb: string;
  group: string;
  resource: string;
  subresource?: string | undefined;
  name?: string | undefined;
  namespace?: string | undefined;
}

export const DECLARED_POLICY_NAME = 'kubetls:kube-controller-manager:declared';
const RBAC_V1 = 'rbac.authorization.k8s.io/v1';

function rule(p: DeclaredPermission): Record<string, string[]> {
  return {
    apiGroups: [p.group],
    resources: [p.subresource ? `${p.resource}/${p.subresource}` : p.resource],
    verbs: [p.verb],
    ...(p.name ? { resourceNames: [p.name] } : {}),
  };
}

/** One rule per distinct permission, in a stable order (a restart with the same flags writes nothing). */
function rules(ps: readonly DeclaredPermission[]): Array<Record<string, string[]>> {
  const byKey = new Map(ps.map((p) => [JSON.stringify(rule(p)), rule(p)]));
  return [...byKey.keys()].sort().map((k) => byKey.get(k)!);
}

/** The ClusterRole, Roles and their bindings granting `user` exactly `permissions`. */
export function declaredPolicy(user: string, permissions: readonly DeclaredPermission[]): KubeObject[] {
  const meta = (namespace?: string) => ({
    name: DECLARED_POLICY_NAME,
    ...(namespace ? { namespace } : {}),
    labels: { 'app.kubernetes.io/managed-by': 'kubetls' },
  });
  const subjects = [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: user }];
  const out: KubeObject[] = [];
  const cluster = permissions.filter((p) => !p.namespace);
  out.push(
    { apiVersion: RBAC_V1, kind: 'ClusterRole', metadata: meta(), rules: rules(cluster) },
    {
      apiVersion: RBAC_V1,
      kind: 'ClusterRoleBinding',
      metadata: meta(),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: DECLARED_POLICY_NAME },
      subjects,
    },
  );
  const namespaces = [...new Set(permissions.flatMap((p) => (p.namespace ? [p.namespace] : [])))].sort();
  for (const ns of namespaces)
    out.push(
      {
        apiVersion: RBAC_V1,
        kind: 'Role',
        metadata: meta(ns),
        rules: rules(permissions.filter((p) => p.namespace === ns)),
      },
      {
        apiVersion: RBAC_V1,
        kind: 'RoleBinding',
        metadata: meta(ns),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: DECLARED_POLICY_NAME },
        subjects,
      },
    );
  return out;
}
