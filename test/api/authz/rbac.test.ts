/**
 * The RBAC authorizer over stored objects, table-driven: subjects (User, Group,
 * ServiceAccount), ClusterRoleBindings everywhere, RoleBindings (to a Role or a ClusterRole)
 * in their namespace only, missing roles, the reasons upstream gives; and the index's
 * invalidation (one rebuild for concurrent requests, failures not cached).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RbacAuthorizer, RbacIndex } from '../../../src/api/authz/rbac.js';
import type { RbacObjects } from '../../../src/api/authz/types.js';
import type { KubeObject, RequestAttributes, UserInfo } from '../../../src/api/object.js';
import { resourceRequest } from './attrs.js';

const G = 'rbac.authorization.k8s.io';
const role = (kind: 'Role' | 'ClusterRole', name: string, rules: unknown[], namespace?: string): KubeObject => ({
  apiVersion: `${G}/v1`,
  kind,
  metadata: namespace ? { name, namespace } : { name },
  rules,
});
const binding = (
  kind: 'RoleBinding' | 'ClusterRoleBinding',
  name: string,
  roleRef: [string, string],
  subjects: unknown[],
  namespace?: string,
): KubeObject => ({
  apiVersion: `${G}/v1`,
  kind,
  metadata: namespace ? { name, namespace } : { name },
  roleRef: { apiGroup: G, kind: roleRef[0], name: roleRef[1] },
  subjects,
});

const readConfigMaps = [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['configmaps'] }];
const objects: RbacObjects = {
  clusterRoles: [
    role('ClusterRole', 'cm-reader', readConfigMaps),
    role('ClusterRole', 'csr-approver', [
      { verbs: ['update'], apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/approval'] },
    ]),
    role('ClusterRole', 'health', [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/readyz/*'] }]),
  ],
  roles: [role('Role', 'secret-reader', [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }], 'team-a')],
  clusterRoleBindings: [
    binding(
      'ClusterRoleBinding',
      'alice-approves',
      ['ClusterRole', 'csr-approver'],
      [{ kind: 'User', apiGroup: G, name: 'alice' }],
    ),
    binding(
      'ClusterRoleBinding',
      'ops-health',
      ['ClusterRole', 'health'],
      [{ kind: 'Group', apiGroup: G, name: 'ops' }],
    ),
    binding(
      'ClusterRoleBinding',
      'sa-reads',
      ['ClusterRole', 'cm-reader'],
      [{ kind: 'ServiceAccount', name: 'reader', namespace: 'tools' }],
    ),
    binding(
      'ClusterRoleBinding',
      'sa-without-namespace',
      ['ClusterRole', 'cm-reader'],
      [{ kind: 'ServiceAccount', name: 'nobody' }],
    ),
    binding('ClusterRoleBinding', 'dangling', ['ClusterRole', 'gone'], [{ kind: 'User', apiGroup: G, name: 'dan' }]),
    binding(
      'ClusterRoleBinding',
      'dangling-2',
      ['ClusterRole', 'also-gone'],
      [{ kind: 'Group', apiGroup: G, name: 'danglers' }],
    ),
    binding('ClusterRoleBinding', 'odd-kind', ['Thing', 'x'], [{ kind: 'User', apiGroup: G, name: 'olga' }]),
    binding(
      'ClusterRoleBinding',
      'unknown-subject-kind',
      ['ClusterRole', 'cm-reader'],
      [{ kind: 'Robot', name: 'alice' }],
    ),
  ],
  roleBindings: [
    binding(
      'RoleBinding',
      'bob-cm',
      ['ClusterRole', 'cm-reader'],
      [{ kind: 'User', apiGroup: G, name: 'bob' }],
      'team-a',
    ),
    binding(
      'RoleBinding',
      'bob-secrets',
      ['Role', 'secret-reader'],
      [{ kind: 'User', apiGroup: G, name: 'bob' }],
      'team-a',
    ),
    binding(
      'RoleBinding',
      'carol-secrets-elsewhere',
      ['Role', 'secret-reader'],
      [{ kind: 'User', apiGroup: G, name: 'carol' }],
      'team-b',
    ),
    binding(
      'RoleBinding',
      'local-sa',
      ['ClusterRole', 'cm-reader'],
      [{ kind: 'ServiceAccount', name: 'builder' }],
      'team-a',
    ),
    binding(
      'RoleBinding',
      'dangling-role',
      ['Role', 'missing'],
      [{ kind: 'User', apiGroup: G, name: 'dan' }],
      'team-a',
    ),
  ],
};

const u = (username: string, ...groups: string[]): UserInfo => ({ username, groups });
const r = resourceRequest;

const cases: Array<[string, RequestAttributes, boolean, string | undefined]> = [
  ['user via ClusterRoleBinding', r(u('alice'), 'update', 'certificates.k8s.io', 'certificatesigningrequests', { subresource: 'approval', name: 'x' }), true,
    'RBAC: allowed by ClusterRoleBinding "alice-approves" of ClusterRole "csr-approver" to User "alice"'],
  ['ClusterRoleBinding applies in any namespace', r(u('x', 'ops'), 'get', '', '', { resourceRequest: false, path: '/readyz/etcd' }), true,
    'RBAC: allowed by ClusterRoleBinding "ops-health" of ClusterRole "health" to Group "ops"'],
  ['group via ClusterRoleBinding, other path', r(u('x', 'ops'), 'get', '', '', { resourceRequest: false, path: '/livez' }), false, undefined],
  ['ServiceAccount subject', r(u('system:serviceaccount:tools:reader'), 'list', '', 'configmaps', { namespace: 'anywhere' }), true,
    'RBAC: allowed by ClusterRoleBinding "sa-reads" of ClusterRole "cm-reader" to ServiceAccount "reader/tools"'],
  ['ServiceAccount of another namespace', r(u('system:serviceaccount:other:reader'), 'list', '', 'configmaps'), false, undefined],
  ['ServiceAccount subject without namespace in a ClusterRoleBinding matches nobody', r(u('system:serviceaccount::nobody'), 'list', '', 'configmaps'), false, undefined],
  ['RoleBinding to a ClusterRole: in its namespace', r(u('bob'), 'get', '', 'configmaps', { namespace: 'team-a', name: 'c' }), true,
    'RBAC: allowed by RoleBinding "bob-cm/team-a" of ClusterRole "cm-reader" to User "bob"'],
  ['RoleBinding to a ClusterRole: not in another namespace', r(u('bob'), 'get', '', 'configmaps', { namespace: 'team-b' }), false, undefined],
  ['RoleBinding to a ClusterRole: not at the cluster scope', r(u('bob'), 'list', '', 'configmaps'), false, undefined],
  ['RoleBinding to a Role', r(u('bob'), 'get', '', 'secrets', { namespace: 'team-a', name: 's' }), true,
    'RBAC: allowed by RoleBinding "bob-secrets/team-a" of Role "secret-reader" to User "bob"'],
  ['RoleBinding to a Role of another namespace grants nothing', r(u('carol'), 'get', '', 'secrets', { namespace: 'team-b' }), false,
    'RBAC: role.rbac.authorization.k8s.io "secret-reader" not found'],
  ['ServiceAccount subject defaults to the RoleBinding namespace', r(u('system:serviceaccount:team-a:builder'), 'get', '', 'configmaps', { namespace: 'team-a' }), true,
    'RBAC: allowed by RoleBinding "local-sa/team-a" of ClusterRole "cm-reader" to ServiceAccount "builder/team-a"'],
  ['missing ClusterRole: reason names it', r(u('dan'), 'get', '', 'pods'), false, 'RBAC: clusterrole.rbac.authorization.k8s.io "gone" not found'],
  ['several missing roles: aggregated', r(u('dan', 'danglers'), 'get', '', 'pods', { namespace: 'team-a' }), false,
    'RBAC: [clusterrole.rbac.authorization.k8s.io "gone" not found, clusterrole.rbac.authorization.k8s.io "also-gone" not found, role.rbac.authorization.k8s.io "missing" not found]'],
  ['unsupported roleRef kind', r(u('olga'), 'get', '', 'pods'), false, 'RBAC: unsupported role reference kind: "Thing"'],
  ['unknown subject kind matches nobody', r(u('alice'), 'list', '', 'configmaps'), false, undefined],
  ['a user named like a group is not in it', r(u('ops'), 'get', '', '', { resourceRequest: false, path: '/healthz' }), false, undefined],
  ['nobody', r(u('mallory', 'system:authenticated'), 'get', '', 'configmaps'), false, undefined],
]; // prettier-ignore

const index = new RbacIndex(objects);
for (const [name, attrs, allowed, reason] of cases) {
  test(`rbac: ${name}`, () => {
    const d = index.decide(attrs);
    assert.equal(d.allowed, allowed);
    assert.equal(d.reason, reason);
  });
}

test('rbac: hostile stored objects are tolerated', () => {
  const hostile = {
    clusterRoles: [
      { metadata: { name: 'r' }, rules: 'all' },
      { metadata: {}, rules: [null, 1] },
    ],
    roles: [],
    clusterRoleBindings: [
      {
        metadata: { name: 'b' },
        roleRef: { kind: 'ClusterRole', name: 'r' },
        subjects: [null, { kind: 'User' }, { kind: 'User', name: 'eve' }],
      },
      { metadata: { name: 'no-ref' } },
    ],
    roleBindings: [
      {
        metadata: { name: 'no-namespace' },
        roleRef: { kind: 'Role', name: 'x' },
        subjects: [{ kind: 'User', name: 'eve' }],
      },
    ],
  } as unknown as RbacObjects;
  const idx = new RbacIndex(hostile);
  assert.equal(idx.decide(r(u('eve'), 'get', '', 'pods')).allowed, false);
});

test('rbac: the index is rebuilt after invalidate(), once for concurrent requests; a failed load is retried', async () => {
  let loads = 0;
  let fail = false;
  let current: RbacObjects = { ...objects, clusterRoleBindings: [] };
  const z = new RbacAuthorizer(async () => {
    loads++;
    await new Promise((res) => setTimeout(res, 5));
    if (fail) throw new Error('store unavailable');
    return current;
  });
  const ask = () =>
    z.authorize(
      r(u('alice'), 'update', 'certificates.k8s.io', 'certificatesigningrequests', { subresource: 'approval' }),
    );
  assert.deepEqual(
    (await Promise.all([ask(), ask(), ask()])).map((d) => d.allowed),
    [false, false, false],
  );
  assert.equal(loads, 1);
  await ask();
  assert.equal(loads, 1, 'no reload without a change');
  current = objects; // a ClusterRoleBinding was written
  z.invalidate();
  assert.equal((await ask()).allowed, true);
  assert.equal(loads, 2);
  fail = true;
  z.invalidate();
  await assert.rejects(ask(), /store unavailable/);
  fail = false;
  assert.equal((await ask()).allowed, true);
  assert.equal(loads, 4);
});
