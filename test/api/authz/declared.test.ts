import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DECLARED_POLICY_NAME, declaredPolicy } from '../../../src/api/authz/declared.js';

const sign = (name: string) => ({ verb: 'sign', group: 'certificates.k8s.io', resource: 'signers', name });

test('declaredPolicy: cluster permissions in one ClusterRole, namespaced ones in a Role per namespace, each bound to the user', () => {
  const objs = declaredPolicy('system:kube-controller-manager', [
    sign('example.com/serving'),
    sign('example.com/serving'), // declared twice (signer and approver): one rule
    { verb: 'update', group: 'certificates.k8s.io', resource: 'certificatesigningrequests', subresource: 'status' },
    { verb: 'get', group: '', resource: 'configmaps', namespace: 'kube-public', name: 'ca' },
    { verb: 'create', group: '', resource: 'configmaps', namespace: 'kube-public' },
  ]);
  assert.deepEqual(
    objs.map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`),
    [
      `ClusterRole /${DECLARED_POLICY_NAME}`,
      `ClusterRoleBinding /${DECLARED_POLICY_NAME}`,
      `Role kube-public/${DECLARED_POLICY_NAME}`,
      `RoleBinding kube-public/${DECLARED_POLICY_NAME}`,
    ],
  );
  const [cr, crb, role] = objs;
  assert.deepEqual(cr?.rules, [
    { apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/status'], verbs: ['update'] },
    {
      apiGroups: ['certificates.k8s.io'],
      resources: ['signers'],
      verbs: ['sign'],
      resourceNames: ['example.com/serving'],
    },
  ]);
  assert.deepEqual(crb?.subjects, [
    { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'system:kube-controller-manager' },
  ]);
  assert.equal((role?.rules as unknown[]).length, 2);
});

test('declaredPolicy: the same permissions in another order give the same objects (a restart writes nothing)', () => {
  const ps = [sign('b.example/x'), sign('a.example/x'), { verb: 'list', group: '', resource: 'nodes' }];
  assert.deepEqual(declaredPolicy('u', ps), declaredPolicy('u', [...ps].reverse()));
  assert.deepEqual(declaredPolicy('u', [])[0]?.rules, [], 'no permissions: an empty role, no stale grant');
});
