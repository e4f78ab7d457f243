/**
 * SubjectAccessReview, SelfSubjectAccessReview and SelfSubjectReview over the default policy,
 * with the request bodies kubectl sends (`auth can-i` with resource and non-resource
 * attributes, `auth whoami`), kube-apiserver's validation, and hostile bodies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequestAuthorization } from '../../../src/api/authz/authorizer.js';
import { defaultPolicy } from '../../../src/api/authz/policy.js';
import { selfSubjectAccessReview, selfSubjectReview, subjectAccessReview } from '../../../src/api/authz/review.js';
import { formatFieldError } from '../../../src/errors/index.js';
import { decodeJsonObject } from '../../../src/api/machinery/decode.js';
import {
  selfSubjectAccessReview as selfSubjectAccessReviewSchema,
  subjectAccessReview as subjectAccessReviewSchema,
} from '../../../src/api/machinery/schemas/index.js';
import { toStatus } from '../../../src/api/machinery/status.js';
import type { KubeObject, UserInfo } from '../../../src/api/object.js';

const { authorizer } = createRequestAuthorization(() => Promise.resolve(defaultPolicy()));
const jane: UserInfo = { username: 'jane', groups: ['devs', 'system:authenticated'] };
const admin: UserInfo = { username: 'kubernetes-admin', groups: ['kubeadm:cluster-admins', 'system:authenticated'] };

/** What `kubectl auth can-i <verb> <resource>` posts (metadata creationTimestamp null, an empty status). */
const ssar = (spec: Record<string, unknown>): KubeObject => ({
  kind: 'SelfSubjectAccessReview',
  apiVersion: 'authorization.k8s.io/v1',
  metadata: { creationTimestamp: null } as unknown as KubeObject['metadata'],
  spec,
  status: { allowed: false },
});

const cases: Array<[string, UserInfo, Record<string, unknown>, { allowed: boolean; reason?: string }]> = [
  ['can-i list csr (admin)', admin, { resourceAttributes: { verb: 'list', group: 'certificates.k8s.io', resource: 'certificatesigningrequests' } },
    { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "kubeadm:cluster-admins" of ClusterRole "cluster-admin" to Group "kubeadm:cluster-admins"' }],
  ['can-i list csr (jane)', jane, { resourceAttributes: { verb: 'list', group: 'certificates.k8s.io', resource: 'certificatesigningrequests' } }, { allowed: false }],
  ['can-i create selfsubjectaccessreviews', jane, { resourceAttributes: { verb: 'create', group: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' } },
    { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "system:basic-user" of ClusterRole "system:basic-user" to Group "system:authenticated"' }],
  ['can-i with namespace, subresource and name', admin, { resourceAttributes: { namespace: 'default', verb: 'update', group: 'certificates.k8s.io', resource: 'certificatesigningrequests', subresource: 'approval', name: 'c1', version: 'v1' } }, { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "kubeadm:cluster-admins" of ClusterRole "cluster-admin" to Group "kubeadm:cluster-admins"' }],
  ['can-i get /version (non-resource)', jane, { nonResourceAttributes: { path: '/version', verb: 'get' } },
    { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" to Group "system:authenticated"' }],
  ['can-i get /metrics (non-resource)', jane, { nonResourceAttributes: { path: '/metrics', verb: 'get' } }, { allowed: false }],
]; // prettier-ignore

for (const [name, requester, spec, status] of cases) {
  test(`SelfSubjectAccessReview: ${name}`, async () => {
    const r = await selfSubjectAccessReview(ssar(spec), requester, authorizer);
    assert.ok(r.ok);
    assert.deepEqual(r.object, {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      metadata: {},
      spec,
      status,
    });
  });
}

test('SubjectAccessReview: the user and groups come from the spec, with no system:authenticated added', async () => {
  const sar = (spec: Record<string, unknown>): KubeObject => ({
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    metadata: {},
    spec,
  });
  const ra = {
    verb: 'create',
    group: 'certificates.k8s.io',
    resource: 'certificatesigningrequests',
    subresource: 'selfnodeclient',
  };
  // what the CSR approver asks for a node's renewal
  let r = await subjectAccessReview(
    sar({ user: 'system:node:w1', groups: ['system:nodes', 'system:authenticated'], resourceAttributes: ra }),
    authorizer,
  );
  assert.ok(r.ok);
  assert.deepEqual(r.object.status, {
    allowed: true,
    reason:
      'RBAC: allowed by ClusterRoleBinding "kubeadm:node-autoapprove-certificate-rotation" of ClusterRole "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient" to Group "system:nodes"',
  });
  r = await subjectAccessReview(
    sar({
      user: 'jane',
      resourceAttributes: { verb: 'create', group: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' },
    }),
    authorizer,
  );
  assert.ok(r.ok);
  assert.deepEqual(
    r.object.status,
    { allowed: false },
    'jane without system:authenticated in the spec has no basic-user',
  );
  r = await subjectAccessReview(
    sar({ groups: ['system:masters'], nonResourceAttributes: { path: '/anything', verb: 'delete' } }),
    authorizer,
  );
  assert.ok(r.ok);
  assert.deepEqual(r.object.status, { allowed: true });
  r = await subjectAccessReview(
    sar({ user: 'u', uid: '42', extra: { scopes: ['a', 'b'] }, resourceAttributes: { verb: 'get', resource: 'pods' } }),
    authorizer,
  );
  assert.ok(r.ok);
});

test('reviews: validation errors as kube-apiserver words them', async () => {
  const bad = async (obj: KubeObject, self: boolean) => {
    const r = self ? await selfSubjectAccessReview(obj, jane, authorizer) : await subjectAccessReview(obj, authorizer);
    assert.ok(!r.ok);
    return r.errors.map(formatFieldError);
  };
  const base = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata: {} };
  assert.deepEqual(await bad({ ...base, spec: { user: 'u' } }, false), [
    'spec.resourceAttributes: Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes must be specified',
  ]);
  assert.deepEqual(await bad({ ...base, spec: { resourceAttributes: { verb: 'get' } } }, false), [
    'spec.user: Invalid value: "": at least one of user or group must be specified',
  ]);
  assert.deepEqual(
    await bad(
      { ...base, spec: { user: 'u', resourceAttributes: { verb: 'get' }, nonResourceAttributes: { path: '/' } } },
      false,
    ),
    [
      'spec.nonResourceAttributes: Invalid value: {"path":"/"}: cannot be specified in combination with resourceAttributes',
    ],
  );
  assert.deepEqual(
    await bad({ ...base, metadata: { name: 'x' }, spec: { user: 'u', resourceAttributes: {} } }, false),
    ['metadata: Invalid value: {"name":"x"}: must be empty'],
  );
  assert.deepEqual(await bad({ ...base, kind: 'SelfSubjectAccessReview', spec: {} }, true), [
    'spec.resourceAttributes: Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes must be specified',
  ]);
});

test("reviews: hostile bodies are refused when decoded (400, Go's words); the reviews never crash on them", async () => {
  const hostile: unknown[] = [
    { metadata: {}, spec: 'x' },
    { metadata: 'x', spec: {} },
    { metadata: {}, spec: { resourceAttributes: 'get pods' } },
    { metadata: {}, spec: { resourceAttributes: { verb: 7, resource: ['pods'] } } },
    { metadata: {}, spec: { nonResourceAttributes: [] } },
    { metadata: {}, spec: { user: 5, groups: 'g', resourceAttributes: {} } },
    { metadata: {}, spec: { user: 'u', extra: [1], resourceAttributes: {} } },
    { metadata: {}, spec: { user: 'u', extra: { k: 'v' }, resourceAttributes: {} } },
    { metadata: {}, spec: { user: 'u', groups: [1, 2], resourceAttributes: {} } },
  ];
  // the first five are wrong for both kinds; the others in fields only a SubjectAccessReview has
  for (const [i, h] of hostile.entries()) {
    for (const [kind, schema] of [
      ['SubjectAccessReview', subjectAccessReviewSchema],
      ...(i < 5 ? ([['SelfSubjectAccessReview', selfSubjectAccessReviewSchema]] as const) : []),
    ] as const)
      assert.throws(
        () => decodeJsonObject(JSON.stringify(h), schema, 'Ignore', { kind, version: 'v1' }),
        (e: unknown) =>
          toStatus(e).code === 400 &&
          toStatus(e).message!.startsWith(
            `${kind} in version "v1" cannot be handled as a ${kind}: json: cannot unmarshal`,
          ),
        `${kind} ${JSON.stringify(h)}`,
      );
    // what the decoder would refuse, the reviews still take without throwing
    await subjectAccessReview(h as KubeObject, authorizer);
    await selfSubjectAccessReview(h as KubeObject, jane, authorizer);
  }
});

test('SelfSubjectReview (kubectl auth whoami): the requester as authenticated', () => {
  const now = new Date('2026-06-01T12:34:56.789Z');
  assert.deepEqual(selfSubjectReview(jane, now), {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'SelfSubjectReview',
    metadata: { creationTimestamp: '2026-06-01T12:34:56Z' },
    status: { userInfo: { username: 'jane', groups: ['devs', 'system:authenticated'] } },
  });
  const withAll = selfSubjectReview({ username: 'u', uid: '7', groups: [], extra: { k: ['v'] } }, now);
  assert.deepEqual(withAll.status, { userInfo: { username: 'u', uid: '7', groups: [], extra: { k: ['v'] } } });
  const anonymous = selfSubjectReview({ username: 'system:anonymous', groups: ['system:unauthenticated'] }, now);
  assert.deepEqual(anonymous.status, {
    userInfo: { username: 'system:anonymous', groups: ['system:unauthenticated'] },
  }); // v1beta1 (kubectl 1.27): the same answer in the version asked
  const beta = selfSubjectReview(jane, now, 'authentication.k8s.io/v1beta1');
  assert.deepEqual(beta, { ...selfSubjectReview(jane, now), apiVersion: 'authentication.k8s.io/v1beta1' });
});
