/**
 * The RBAC objects `kubetls serve` seeds on first start: the part of kube-apiserver's
 * bootstrap policy and of kubeadm's init phase that the certificates workflow needs, with
 * upstream's names and rule contents (facts: bootstrappolicy's policy.go, controller_policy.go
 * and their golden testdata; kubeadm's bootstraptoken phases; docs/upstream/csr-api.md Part B §4), plus
 * four kubetls bindings where upstream relies on machinery kubetls does not have.
 *
 * From kube-apiserver (label `kubernetes.io/bootstrapping: rbac-defaults`, annotation
 * `rbac.authorization.kubernetes.io/autoupdate: "true"`, rule lists sorted as upstream writes
 * them):
 * - cluster-admin, bound to the group system:masters (which is also hard-wired: union.ts);
 * - system:discovery and system:basic-user, bound to system:authenticated;
 * - system:public-info-viewer, bound to system:authenticated and system:unauthenticated;
 * - system:auth-delegator (create TokenReviews and SubjectAccessReviews: what a component that
 *   delegates authentication and authorization to the API server needs, such as a controller
 *   manager's /metrics), bound to nobody, as upstream;
 * - system:node-bootstrapper; the nodeclient / selfnodeclient CSR roles; the four approver
 *   roles (system:certificates.k8s.io:*-approver), none bound (upstream binds none);
 * - system:kube-controller-manager, bound to the user system:kube-controller-manager (the
 *   identity of kubeadm's controller-manager.conf), with upstream's rules;
 * - system:controller:certificate-controller, upstream's role for the CSR signing, approving
 *   and cleaning controllers;
 * - system:monitoring (get on /metrics and the health paths), bound to the group
 *   system:monitoring: who may read the embedded controllers' /metrics.
 * From kubeadm (no labels, as kubeadm creates them):
 * - kubeadm:cluster-admins → cluster-admin, group kubeadm:cluster-admins (admin.conf's O);
 * - kubeadm:kubelet-bootstrap → system:node-bootstrapper, and kubeadm:node-autoapprove-bootstrap
 *   → nodeclient, both for the group system:bootstrappers:kubeadm:default-node-token;
 * - kubeadm:node-autoapprove-certificate-rotation → selfnodeclient, group system:nodes;
 * - kubeadm:get-nodes, a ClusterRole and binding: get nodes for the bootstrap token group;
 * - kubeadm:bootstrap-signer-clusterinfo, a Role and RoleBinding in kube-public: get the
 *   ConfigMap cluster-info for the user system:anonymous.
 * kubetls's own (named kubetls:…):
 * - kubetls:nodes-certificatesigningrequests → system:node-bootstrapper, group system:nodes.
 *   Upstream a node creates and watches its CSRs through the system:node role, which the Node
 *   authorizer applies (its default binding has no subjects); kubetls has no Node authorizer
 *   and system:node grants far more than CSRs (every Secret, for one), so nodes get exactly
 *   create/get/list/watch on CSRs, which kubelet rotation needs.
 * - kubetls:kube-controller-manager:certificate-controller → system:controller:certificate-
 *   controller, user system:kube-controller-manager. Upstream that role is bound to the
 *   service account kube-system:certificate-controller, which the controller manager uses with
 *   --use-service-account-credentials; kubetls's controllers run as the controller manager's
 *   own certificate identity, so the role is bound to that user instead.
 * - kubetls:kube-controller-manager:kubelet-serving-approver → system:certificates.k8s.io:
 *   kubelet-serving-approver, user system:kube-controller-manager: kubetls's
 *   kubelet-serving-approver controller (on by default; src/controllers/approval/) approves
 *   kubelet serving CSRs whose SANs the node owns, and the API lets an approver approve only
 *   for signers it may `approve`. Upstream approves no serving certificate, so grants none.
 * - kubetls:kube-controller-manager:leader-election, a Role and RoleBinding in kube-system:
 *   leases read and write for that user. Upstream's system:kube-controller-manager may only
 *   get/update the lease named kube-controller-manager; kubetls's controllers each hold their
 *   own lease in kube-system.
 */
import { ANONYMOUS_USER, AUTHENTICATED_GROUP, UNAUTHENTICATED_GROUP } from '../authn/anonymous.js';
import type { KubeObject, ObjectMeta } from '../object.js';
import { GROUP as CERTS, SIGNERS } from '../resources/certificates/types.js';
import { RBAC_API_VERSION, RBAC_GROUP, type PolicyRule, type Subject } from './types.js';
import { PRIVILEGED_GROUP } from './union.js';

export const BOOTSTRAP_LABELS = { 'kubernetes.io/bootstrapping': 'rbac-defaults' } as const;
export const AUTOUPDATE_ANNOTATIONS = { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } as const;

export const KUBEADM_NODE_TOKEN_GROUP = 'system:bootstrappers:kubeadm:default-node-token';
export const KUBEADM_CLUSTER_ADMINS_GROUP = 'kubeadm:cluster-admins';
export const KUBE_CONTROLLER_MANAGER_USER = 'system:kube-controller-manager';

/** A rule with its lists sorted, as upstream's rule builder writes them. */
function rule(
  verbs: string[],
  o: { groups?: string[]; resources?: string[]; names?: string[]; urls?: string[] },
): PolicyRule {
  const sorted = (xs: string[]) => [...xs].sort();
  const r: PolicyRule = { verbs: sorted(verbs) };
  if (o.groups) r.apiGroups = sorted(o.groups);
  if (o.resources) r.resources = sorted(o.resources);
  if (o.names) r.resourceNames = sorted(o.names);
  if (o.urls) r.nonResourceURLs = sorted(o.urls);
  return r;
}

const eventsRule = (): PolicyRule =>
  rule(['create', 'update', 'patch'], { groups: ['', 'events.k8s.io'], resources: ['events'] });

const group = (name: string): Subject => ({ kind: 'Group', apiGroup: RBAC_GROUP, name });
const user = (name: string): Subject => ({ kind: 'User', apiGroup: RBAC_GROUP, name });

function meta(name: string, upstream: boolean, namespace?: string): ObjectMeta {
  const m: ObjectMeta = { name };
  if (namespace) m.namespace = namespace;
  if (upstream) {
    m.labels = { ...BOOTSTRAP_LABELS };
    m.annotations = { ...AUTOUPDATE_ANNOTATIONS };
  }
  return m;
}

function clusterRole(name: string, rules: PolicyRule[], upstream = true): KubeObject {
  return { apiVersion: RBAC_API_VERSION, kind: 'ClusterRole', metadata: meta(name, upstream), rules };
}

function clusterRoleBinding(name: string, role: string, subjects: Subject[], upstream = true): KubeObject {
  return {
    apiVersion: RBAC_API_VERSION,
    kind: 'ClusterRoleBinding',
    metadata: meta(name, upstream),
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: role },
    subjects,
  };
}

export interface RbacPolicy {
  clusterRoles: KubeObject[];
  clusterRoleBindings: KubeObject[];
  /** namespaced: kube-public and kube-system */
  roles: KubeObject[];
  roleBindings: KubeObject[];
}

/** The objects to create when the store holds no RBAC objects yet (a fresh copy on each call). */
export function defaultPolicy(): RbacPolicy {
  const approver = (signer: string) => [
    rule(['approve'], { groups: [CERTS], resources: ['signers'], names: [signer] }),
  ];
  const clusterRoles = [
    clusterRole('cluster-admin', [
      rule(['*'], { groups: ['*'], resources: ['*'] }),
      rule(['*'], { urls: ['*'] }),
    ]),
    clusterRole('system:discovery', [
      rule(['get'], {
        urls: ['/livez', '/readyz', '/healthz', '/version', '/version/', '/openapi', '/openapi/*', '/api', '/api/*', '/apis', '/apis/*'],
      }),
    ]),
    clusterRole('system:basic-user', [
      rule(['create'], { groups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] }),
      rule(['create'], { groups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] }),
    ]),
    clusterRole('system:auth-delegator', [
      rule(['create'], { groups: ['authentication.k8s.io'], resources: ['tokenreviews'] }),
      rule(['create'], { groups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'] }),
    ]),
    clusterRole('system:public-info-viewer', [
      rule(['get'], { urls: ['/livez', '/readyz', '/healthz', '/version', '/version/'] }),
    ]),
    clusterRole('system:node-bootstrapper', [
      rule(['create', 'get', 'list', 'watch'], { groups: [CERTS], resources: ['certificatesigningrequests'] }),
    ]),
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:nodeclient', [
      rule(['create'], { groups: [CERTS], resources: ['certificatesigningrequests/nodeclient'] }),
    ]),
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [
      rule(['create'], { groups: [CERTS], resources: ['certificatesigningrequests/selfnodeclient'] }),
    ]),
    clusterRole('system:certificates.k8s.io:kube-apiserver-client-approver', approver(SIGNERS.kubeAPIServerClient)),
    clusterRole('system:certificates.k8s.io:kube-apiserver-client-kubelet-approver', approver(SIGNERS.kubeAPIServerClientKubelet)),
    clusterRole('system:certificates.k8s.io:kubelet-serving-approver', approver(SIGNERS.kubeletServing)),
    clusterRole('system:certificates.k8s.io:legacy-unknown-approver', approver(SIGNERS.legacyUnknown)),
    clusterRole('system:kube-controller-manager', [
      eventsRule(),
      rule(['create'], { groups: ['coordination.k8s.io'], resources: ['leases'] }),
      rule(['get', 'update'], { groups: ['coordination.k8s.io'], resources: ['leases'], names: ['kube-controller-manager'] }),
      rule(['create'], { groups: [''], resources: ['secrets', 'serviceaccounts'] }),
      rule(['delete'], { groups: [''], resources: ['secrets'] }),
      rule(['get'], { groups: [''], resources: ['namespaces', 'secrets', 'serviceaccounts', 'configmaps'] }),
      rule(['update'], { groups: [''], resources: ['secrets', 'serviceaccounts'] }),
      rule(['create'], { groups: ['authentication.k8s.io'], resources: ['tokenreviews'] }),
      rule(['create'], { groups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'] }),
      rule(['list', 'watch'], { groups: ['*'], resources: ['*'] }),
      rule(['create'], { groups: [''], resources: ['serviceaccounts/token'] }),
    ]),
    clusterRole('system:controller:certificate-controller', [
      rule(['get', 'list', 'watch', 'delete'], { groups: [CERTS], resources: ['certificatesigningrequests'] }),
      rule(['update'], { groups: [CERTS], resources: ['certificatesigningrequests/status', 'certificatesigningrequests/approval'] }),
      rule(['approve'], { groups: [CERTS], resources: ['signers'], names: [SIGNERS.kubeAPIServerClientKubelet] }),
      rule(['sign'], {
        groups: [CERTS],
        resources: ['signers'],
        names: [SIGNERS.legacyUnknown, SIGNERS.kubeAPIServerClient, SIGNERS.kubeAPIServerClientKubelet, SIGNERS.kubeletServing],
      }),
      rule(['create'], { groups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'] }),
      eventsRule(),
    ]),
    clusterRole('system:monitoring', [
      rule(['get'], { urls: ['/healthz', '/healthz/*', '/livez', '/livez/*', '/metrics', '/metrics/slis', '/readyz', '/readyz/*'] }),
    ]),
    clusterRole('kubeadm:get-nodes', [rule(['get'], { groups: [''], resources: ['nodes'] })], false),
  ]; // prettier-ignore

  const clusterRoleBindings = [
    clusterRoleBinding('cluster-admin', 'cluster-admin', [group(PRIVILEGED_GROUP)]),
    clusterRoleBinding('system:discovery', 'system:discovery', [group(AUTHENTICATED_GROUP)]),
    clusterRoleBinding('system:basic-user', 'system:basic-user', [group(AUTHENTICATED_GROUP)]),
    clusterRoleBinding('system:public-info-viewer', 'system:public-info-viewer', [group(AUTHENTICATED_GROUP), group(UNAUTHENTICATED_GROUP)]),
    clusterRoleBinding('system:kube-controller-manager', 'system:kube-controller-manager', [user(KUBE_CONTROLLER_MANAGER_USER)]),
    clusterRoleBinding('kubeadm:cluster-admins', 'cluster-admin', [group(KUBEADM_CLUSTER_ADMINS_GROUP)], false),
    clusterRoleBinding('kubeadm:kubelet-bootstrap', 'system:node-bootstrapper', [group(KUBEADM_NODE_TOKEN_GROUP)], false),
    clusterRoleBinding('kubeadm:node-autoapprove-bootstrap', 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', [group(KUBEADM_NODE_TOKEN_GROUP)], false),
    clusterRoleBinding('kubeadm:node-autoapprove-certificate-rotation', 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [group('system:nodes')], false),
    clusterRoleBinding('kubeadm:get-nodes', 'kubeadm:get-nodes', [group(KUBEADM_NODE_TOKEN_GROUP)], false),
    clusterRoleBinding('kubetls:nodes-certificatesigningrequests', 'system:node-bootstrapper', [group('system:nodes')], false),
    clusterRoleBinding('system:monitoring', 'system:monitoring', [group('system:monitoring')]),
    clusterRoleBinding('kubetls:kube-controller-manager:kubelet-serving-approver', 'system:certificates.k8s.io:kubelet-serving-approver', [user(KUBE_CONTROLLER_MANAGER_USER)], false),
    clusterRoleBinding('kubetls:kube-controller-manager:certificate-controller', 'system:controller:certificate-controller', [user(KUBE_CONTROLLER_MANAGER_USER)], false),
  ]; // prettier-ignore

  const roles: KubeObject[] = [
    {
      apiVersion: RBAC_API_VERSION,
      kind: 'Role',
      metadata: meta('kubeadm:bootstrap-signer-clusterinfo', false, 'kube-public'),
      rules: [rule(['get'], { groups: [''], resources: ['configmaps'], names: ['cluster-info'] })],
    },
    {
      apiVersion: RBAC_API_VERSION,
      kind: 'Role',
      metadata: meta('kubetls:kube-controller-manager:leader-election', false, 'kube-system'),
      rules: [
        rule(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], {
          groups: ['coordination.k8s.io'],
          resources: ['leases'],
        }),
      ],
    },
  ];
  const roleBinding = (name: string, namespace: string, subjects: Subject[]): KubeObject => ({
    apiVersion: RBAC_API_VERSION,
    kind: 'RoleBinding',
    metadata: meta(name, false, namespace),
    roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name },
    subjects,
  });
  const roleBindings = [
    roleBinding('kubeadm:bootstrap-signer-clusterinfo', 'kube-public', [user(ANONYMOUS_USER)]),
    roleBinding('kubetls:kube-controller-manager:leader-election', 'kube-system', [user(KUBE_CONTROLLER_MANAGER_USER)]),
  ];
  return { clusterRoles, clusterRoleBindings, roles, roleBindings };
}
