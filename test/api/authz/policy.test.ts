/**
 * The seeded default policy: its objects (upstream names, labels, annotations, sorted rules,
 * no dangling reference) and, table-driven, what each identity of the TLS workflow may do
 * through the full chain (system:masters + RBAC) — admin.conf, super-admin.conf, anonymous,
 * any authenticated user, a bootstrap token, a node, the controller manager, a stranger.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequestAuthorization } from '../../../src/api/authz/authorizer.js';
import { forbiddenStatus } from '../../../src/api/authz/forbidden.js';
import { defaultPolicy } from '../../../src/api/authz/policy.js';
import type { BindingObject, RoleObject } from '../../../src/api/authz/types.js';
import type { RequestAttributes, UserInfo } from '../../../src/api/object.js';

const p = defaultPolicy();
const { authorizer } = createRequestAuthorization(() => Promise.resolve(p));

const AUTH = 'system:authenticated';
const who: Record<string, UserInfo> = {
  admin: { username: 'kubernetes-admin', groups: ['kubeadm:cluster-admins', AUTH] },
  superAdmin: { username: 'kubernetes-super-admin', groups: ['system:masters', AUTH] },
  anonymous: { username: 'system:anonymous', groups: ['system:unauthenticated'] },
  user: { username: 'jane', groups: ['devs', AUTH] },
  bootstrap: { username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token', AUTH] },
  otherBootstrap: { username: 'system:bootstrap:zzzzzz', groups: ['system:bootstrappers', AUTH] },
  node: { username: 'system:node:worker-1', groups: ['system:nodes', AUTH] },
  kcm: { username: 'system:kube-controller-manager', groups: [AUTH] },
}; // prettier-ignore

const CERTS = 'certificates.k8s.io';
const CSR = 'certificatesigningrequests';
const res = (verb: string, group: string, resource: string, o: Partial<RequestAttributes> = {}) => ({
  verb,
  resourceRequest: true,
  apiGroup: group,
  resource,
  ...o,
});
const path = (p: string, verb = 'get') => ({ verb, resourceRequest: false, path: p });

const cases: Array<[keyof typeof who, Omit<RequestAttributes, 'user'>, boolean]> = [
  ['admin', res('delete', '', 'secrets', { namespace: 'kube-system', name: 'x' }), true],
  ['admin', res('approve', CERTS, 'signers', { name: 'example.com/serving' }), true],
  ['admin', path('/metrics'), true],
  ['superAdmin', res('escalate', 'rbac.authorization.k8s.io', 'clusterroles'), true],
  ['anonymous', path('/healthz'), true],
  ['anonymous', path('/livez'), true],
  ['anonymous', path('/readyz'), true],
  ['anonymous', path('/version'), true],
  ['anonymous', path('/version/'), true],
  ['anonymous', res('get', '', 'configmaps', { namespace: 'kube-public', name: 'cluster-info' }), true],
  ['anonymous', res('get', '', 'configmaps', { namespace: 'kube-public', name: 'other' }), false],
  ['anonymous', res('get', '', 'configmaps', { namespace: 'kube-system', name: 'cluster-info' }), false],
  ['anonymous', res('list', '', 'configmaps', { namespace: 'kube-public' }), false],
  ['anonymous', res('watch', '', 'configmaps', { namespace: 'kube-public', name: 'cluster-info' }), false],
  ['anonymous', path('/api'), false],
  ['anonymous', path('/apis/certificates.k8s.io/v1'), false],
  ['anonymous', path('/healthz', 'post'), false],
  ['anonymous', res('create', 'authorization.k8s.io', 'selfsubjectaccessreviews'), false],
  ['anonymous', res('list', CERTS, CSR), false],
  ['user', path('/api'), true],
  ['user', path('/api/v1'), true],
  ['user', path('/apis'), true],
  ['user', path('/apis/certificates.k8s.io/v1'), true],
  ['user', path('/openapi/v2'), true],
  ['user', path('/openapi/v3/apis/certificates.k8s.io/v1'), true],
  ['user', path('/version'), true],
  ['user', path('/metrics'), false],
  ['user', res('create', 'authorization.k8s.io', 'selfsubjectaccessreviews'), true],
  ['user', res('create', 'authorization.k8s.io', 'selfsubjectrulesreviews'), true],
  ['user', res('create', 'authentication.k8s.io', 'selfsubjectreviews'), true],
  ['user', res('create', 'authorization.k8s.io', 'subjectaccessreviews'), false],
  ['user', res('create', 'authentication.k8s.io', 'tokenreviews'), false],
  ['user', res('list', CERTS, CSR), false],
  ['user', res('create', CERTS, CSR), false],
  ['bootstrap', res('create', CERTS, CSR), true],
  ['bootstrap', res('get', CERTS, CSR, { name: 'node-csr-x' }), true],
  ['bootstrap', res('list', CERTS, CSR), true],
  ['bootstrap', res('watch', CERTS, CSR), true],
  ['bootstrap', res('delete', CERTS, CSR, { name: 'node-csr-x' }), false],
  ['bootstrap', res('create', CERTS, CSR, { subresource: 'nodeclient' }), true],
  ['bootstrap', res('create', CERTS, CSR, { subresource: 'selfnodeclient' }), false],
  ['bootstrap', res('get', '', 'nodes', { name: 'worker-1' }), true],
  ['bootstrap', res('list', '', 'nodes'), false],
  ['bootstrap', res('update', CERTS, CSR, { subresource: 'approval', name: 'x' }), false],
  ['otherBootstrap', res('create', CERTS, CSR), false],
  ['node', res('create', CERTS, CSR), true],
  ['node', res('get', CERTS, CSR, { name: 'csr-1' }), true],
  ['node', res('list', CERTS, CSR), true],
  ['node', res('watch', CERTS, CSR), true],
  ['node', res('update', CERTS, CSR, { name: 'csr-1' }), false],
  ['node', res('create', CERTS, CSR, { subresource: 'selfnodeclient' }), true],
  ['node', res('create', CERTS, CSR, { subresource: 'nodeclient' }), false],
  ['node', res('get', '', 'secrets', { namespace: 'kube-system', name: 'x' }), false],
  ['node', res('update', '', 'nodes', { subresource: 'status', name: 'worker-1' }), false],
  ['kcm', res('create', 'authentication.k8s.io', 'tokenreviews'), true],
  ['kcm', res('list', CERTS, CSR), true],
  ['kcm', res('watch', CERTS, CSR), true],
  ['kcm', res('get', CERTS, CSR, { name: 'c' }), true],
  ['kcm', res('delete', CERTS, CSR, { name: 'c' }), true],
  ['kcm', res('update', CERTS, CSR, { subresource: 'approval', name: 'c' }), true],
  ['kcm', res('update', CERTS, CSR, { subresource: 'status', name: 'c' }), true],
  ['kcm', res('update', CERTS, CSR, { name: 'c' }), false],
  ['kcm', res('approve', CERTS, 'signers', { name: 'kubernetes.io/kube-apiserver-client-kubelet' }), true],
  // kubetls's kubelet-serving-approver runs as the controller manager (upstream grants this to nobody)
  ['kcm', res('approve', CERTS, 'signers', { name: 'kubernetes.io/kubelet-serving' }), true],
  ['kcm', res('approve', CERTS, 'signers', { name: 'kubernetes.io/kube-apiserver-client' }), false],
  ['kcm', res('sign', CERTS, 'signers', { name: 'kubernetes.io/kube-apiserver-client' }), true],
  ['kcm', res('sign', CERTS, 'signers', { name: 'kubernetes.io/kube-apiserver-client-kubelet' }), true],
  ['kcm', res('sign', CERTS, 'signers', { name: 'kubernetes.io/kubelet-serving' }), true],
  ['kcm', res('sign', CERTS, 'signers', { name: 'kubernetes.io/legacy-unknown' }), true],
  ['kcm', res('sign', CERTS, 'signers', { name: 'example.com/serving' }), false],
  ['kcm', res('create', 'authorization.k8s.io', 'subjectaccessreviews'), true],
  ['kcm', res('create', '', 'events', { namespace: 'default' }), true],
  ['kcm', res('patch', 'events.k8s.io', 'events', { namespace: 'default', name: 'e' }), true],
  ['kcm', res('create', 'coordination.k8s.io', 'leases', { namespace: 'kube-system' }), true],
  ['kcm', res('update', 'coordination.k8s.io', 'leases', { namespace: 'kube-system', name: 'kubetls-csr-signer' }), true],
  ['kcm', res('update', 'coordination.k8s.io', 'leases', { namespace: 'default', name: 'kubetls-csr-signer' }), false],
  ['kcm', res('get', 'coordination.k8s.io', 'leases', { namespace: 'default', name: 'kube-controller-manager' }), true],
  ['kcm', res('create', CERTS, CSR), false],
  ['kcm', res('delete', '', 'configmaps', { namespace: 'kube-system', name: 'x' }), false],
]; // prettier-ignore

for (const [id, attrs, allowed] of cases) {
  const what = attrs.resourceRequest
    ? `${attrs.verb} ${attrs.resource}${attrs.subresource ? `/${attrs.subresource}` : ''}${attrs.name ? ` ${attrs.name}` : ''}${attrs.namespace ? ` in ${attrs.namespace}` : ''}`
    : `${attrs.verb} ${attrs.path}`;
  test(`default policy: ${id} ${allowed ? 'may' : 'may not'} ${what}`, async () => {
    const d = await authorizer.authorize({ ...attrs, user: who[id]! });
    assert.equal(d.allowed, allowed, d.reason);
  });
}

test('default policy: reasons name the binding, as upstream', async () => {
  const d = await authorizer.authorize({
    user: who.admin!,
    verb: 'list',
    resourceRequest: true,
    apiGroup: CERTS,
    resource: CSR,
  });
  assert.equal(
    d.reason,
    'RBAC: allowed by ClusterRoleBinding "kubeadm:cluster-admins" of ClusterRole "cluster-admin" to Group "kubeadm:cluster-admins"',
  );
  const a = await authorizer.authorize({
    user: who.anonymous!,
    verb: 'get',
    resourceRequest: true,
    apiGroup: '',
    resource: 'configmaps',
    namespace: 'kube-public',
    name: 'cluster-info',
  });
  assert.equal(
    a.reason,
    'RBAC: allowed by RoleBinding "kubeadm:bootstrap-signer-clusterinfo/kube-public" of Role "kubeadm:bootstrap-signer-clusterinfo" to User "system:anonymous"',
  );
  // a stranger gets no reason, so the 403 is exactly kube-apiserver's
  const attrs: RequestAttributes = {
    user: who.user!,
    verb: 'list',
    resourceRequest: true,
    apiGroup: CERTS,
    resource: CSR,
  };
  const no = await authorizer.authorize(attrs);
  assert.deepEqual(no, { allowed: false });
  assert.equal(
    forbiddenStatus(attrs, no.reason).message,
    'certificatesigningrequests.certificates.k8s.io is forbidden: User "jane" cannot list resource "certificatesigningrequests" in API group "certificates.k8s.io" at the cluster scope',
  );
});

test('default policy: system:masters is hard-wired, not only bound', async () => {
  const none = createRequestAuthorization(() =>
    Promise.resolve({ clusterRoles: [], clusterRoleBindings: [], roles: [], roleBindings: [] }),
  );
  const d = await none.authorizer.authorize({
    user: who.superAdmin!,
    verb: 'delete',
    resourceRequest: true,
    apiGroup: '',
    resource: 'nodes',
    name: 'n',
  });
  assert.equal(d.allowed, true);
});

test('default policy: the objects (upstream names and metadata, sorted rules, no dangling reference)', () => {
  const names = (xs: typeof p.clusterRoles) => xs.map((o) => o.metadata.name);
  assert.deepEqual(names(p.clusterRoles).sort(), [
    'cluster-admin',
    'kubeadm:get-nodes',
    'system:auth-delegator',
    'system:basic-user',
    'system:certificates.k8s.io:certificatesigningrequests:nodeclient',
    'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient',
    'system:certificates.k8s.io:kube-apiserver-client-approver',
    'system:certificates.k8s.io:kube-apiserver-client-kubelet-approver',
    'system:certificates.k8s.io:kubelet-serving-approver',
    'system:certificates.k8s.io:legacy-unknown-approver',
    'system:controller:certificate-controller',
    'system:discovery',
    'system:kube-controller-manager',
    'system:monitoring',
    'system:node-bootstrapper',
    'system:public-info-viewer',
  ]);
  assert.deepEqual(names(p.clusterRoleBindings).sort(), [
    'cluster-admin',
    'kubeadm:cluster-admins',
    'kubeadm:get-nodes',
    'kubeadm:kubelet-bootstrap',
    'kubeadm:node-autoapprove-bootstrap',
    'kubeadm:node-autoapprove-certificate-rotation',
    'kubetls:kube-controller-manager:certificate-controller',
    'kubetls:kube-controller-manager:kubelet-serving-approver',
    'kubetls:nodes-certificatesigningrequests',
    'system:basic-user',
    'system:discovery',
    'system:kube-controller-manager',
    'system:monitoring',
    'system:public-info-viewer',
  ]);
  const all = [...p.clusterRoles, ...p.clusterRoleBindings, ...p.roles, ...p.roleBindings];
  for (const o of all) {
    assert.equal(o.apiVersion, 'rbac.authorization.k8s.io/v1');
    const upstream = /^(system:|cluster-admin$)/.test(o.metadata.name!);
    assert.deepEqual(
      o.metadata.labels,
      upstream ? { 'kubernetes.io/bootstrapping': 'rbac-defaults' } : undefined,
      o.metadata.name,
    );
    assert.deepEqual(
      o.metadata.annotations,
      upstream ? { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } : undefined,
    );
  }
  for (const r of [...p.clusterRoles, ...p.roles] as RoleObject[])
    for (const rule of r.rules ?? [])
      for (const list of [rule.verbs, rule.apiGroups, rule.resources, rule.resourceNames, rule.nonResourceURLs])
        if (list) assert.deepEqual(list, [...list].sort(), `${r.metadata.name}: lists sorted as upstream writes them`);
  for (const b of p.clusterRoleBindings as BindingObject[])
    assert.ok(
      p.clusterRoles.some((r) => r.metadata.name === b.roleRef.name),
      `${b.metadata.name} → ${b.roleRef.name}`,
    );
  for (const b of p.roleBindings as BindingObject[])
    assert.ok(p.roles.some((r) => r.metadata.name === b.roleRef.name && r.metadata.namespace === b.metadata.namespace));
  assert.deepEqual((p.clusterRoles.find((r) => r.metadata.name === 'system:discovery') as RoleObject).rules, [
    {
      verbs: ['get'],
      nonResourceURLs: [
        '/api',
        '/api/*',
        '/apis',
        '/apis/*',
        '/healthz',
        '/livez',
        '/openapi',
        '/openapi/*',
        '/readyz',
        '/version',
        '/version/',
      ],
    },
  ]);
  // upstream's system:auth-delegator: what delegated authentication and authorization need, bound to nobody
  assert.deepEqual((p.clusterRoles.find((r) => r.metadata.name === 'system:auth-delegator') as RoleObject).rules, [
    { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'] },
    { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'] },
  ]);
  assert.ok(!(p.clusterRoleBindings as BindingObject[]).some((b) => b.roleRef.name === 'system:auth-delegator'));
  // every call returns fresh objects: the core may stamp them
  const q = defaultPolicy();
  q.clusterRoles[0]!.metadata.resourceVersion = '1';
  assert.equal(defaultPolicy().clusterRoles[0]!.metadata.resourceVersion, undefined);
});
