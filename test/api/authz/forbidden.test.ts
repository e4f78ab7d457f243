/**
 * The 403 refusal, word for word as kube-apiserver writes it (responsewriters/errors.go +
 * apimachinery NewForbidden), including real responses captured from clusters (the anonymous
 * `GET /` body, kubectl's selfsubjectrulesreviews refusal).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forbiddenMessage, forbiddenStatus } from '../../../src/api/authz/forbidden.js';
import { goQuote } from '../../../src/api/goquote.js';
import type { RequestAttributes } from '../../../src/api/object.js';

const u = (username: string) => ({ username, groups: ['system:authenticated'] });
const CSR = 'certificatesigningrequests';

const cases: Array<[string, RequestAttributes, string | undefined, string]> = [
  ['list at the cluster scope', { user: u('bob'), verb: 'list', resourceRequest: true, apiGroup: 'certificates.k8s.io', resource: CSR }, undefined,
    'certificatesigningrequests.certificates.k8s.io is forbidden: User "bob" cannot list resource "certificatesigningrequests" in API group "certificates.k8s.io" at the cluster scope'],
  ['a named object and a subresource', { user: u('bob'), verb: 'update', resourceRequest: true, apiGroup: 'certificates.k8s.io', resource: CSR, subresource: 'approval', name: 'my-svc.my-namespace' }, undefined,
    'certificatesigningrequests.certificates.k8s.io "my-svc.my-namespace" is forbidden: User "bob" cannot update resource "certificatesigningrequests/approval" in API group "certificates.k8s.io" at the cluster scope'],
  ['core group, in a namespace', { user: u('system:anonymous'), verb: 'get', resourceRequest: true, apiGroup: '', resource: 'configmaps', namespace: 'kube-public', name: 'cluster-info' }, undefined,
    'configmaps "cluster-info" is forbidden: User "system:anonymous" cannot get resource "configmaps" in API group "" in the namespace "kube-public"'],
  ['captured from a cluster: anonymous selfsubjectrulesreviews', { user: u('system:anonymous'), verb: 'create', resourceRequest: true, apiGroup: 'authorization.k8s.io', resource: 'selfsubjectrulesreviews' }, undefined,
    'selfsubjectrulesreviews.authorization.k8s.io is forbidden: User "system:anonymous" cannot create resource "selfsubjectrulesreviews" in API group "authorization.k8s.io" at the cluster scope'],
  ['captured from a cluster: anonymous GET /', { user: u('system:anonymous'), verb: 'get', resourceRequest: false, path: '/' }, undefined,
    'forbidden: User "system:anonymous" cannot get path "/"'],
  ['with the authorizer reason', { user: u('dan'), verb: 'get', resourceRequest: true, apiGroup: '', resource: 'nodes', name: 'n1' }, 'RBAC: clusterrole.rbac.authorization.k8s.io "gone" not found',
    'nodes "n1" is forbidden: User "dan" cannot get resource "nodes" in API group "" at the cluster scope: RBAC: clusterrole.rbac.authorization.k8s.io "gone" not found'],
  ['signer verbs', { user: u('system:node:w1'), verb: 'sign', resourceRequest: true, apiGroup: 'certificates.k8s.io', resource: 'signers', name: 'example.com/serving' }, undefined,
    'signers.certificates.k8s.io "example.com/serving" is forbidden: User "system:node:w1" cannot sign resource "signers" in API group "certificates.k8s.io" at the cluster scope'],
  ['quotes, backslashes and HTML in a CN are escaped', { user: u('a"b\\c<d>&e'), verb: 'get', resourceRequest: false, path: '/x' }, undefined,
    'forbidden: User "a\\"b\\\\c&lt;d&gt;&amp;e" cannot get path "/x"'],
]; // prettier-ignore

for (const [name, attrs, reason, message] of cases) {
  test(`forbidden: ${name}`, () => {
    assert.equal(forbiddenStatus(attrs, reason).message, message);
  });
}

test('forbidden: the Status object as kube-apiserver sends it', () => {
  assert.deepEqual(forbiddenStatus({ user: u('system:anonymous'), verb: 'get', resourceRequest: false, path: '/' }), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'forbidden: User "system:anonymous" cannot get path "/"',
    reason: 'Forbidden',
    details: {},
    code: 403,
  });
  const s = forbiddenStatus({
    user: u('bob'),
    verb: 'get',
    resourceRequest: true,
    apiGroup: 'certificates.k8s.io',
    apiVersion: 'v1',
    resource: CSR,
    name: 'c1',
  });
  assert.deepEqual(s.details, { name: 'c1', group: 'certificates.k8s.io', kind: CSR });
  const core = forbiddenStatus({
    user: u('bob'),
    verb: 'list',
    resourceRequest: true,
    apiGroup: '',
    resource: 'secrets',
    namespace: 'kube-system',
  });
  assert.deepEqual(core.details, { kind: 'secrets' });
});

test("forbidden: Go's %q quoting", () => {
  const cases: Array<[string, string]> = [
    ['plain', '"plain"'],
    ['tab\there', '"tab\\there"'],
    ['nl\ncr\r', '"nl\\ncr\\r"'],
    ['\x00\x7f', '"\\x00\\x7f"'],
    ['bell\x07', '"bell\\a"'],
    ['é日本', '"é日本"'],
    ['\u00a0', '"\\u00a0"'],
    ['\u2028', '"\\u2028"'],
    ['😀', '"😀"'],
    ['\u{e0001}', '"\\U000e0001"'],
    ['\ud800', '"\\ufffd"'],
  ];
  for (const [s, q] of cases) assert.equal(goQuote(s), q, JSON.stringify(s));
  assert.equal(
    forbiddenMessage({ user: u('x'), verb: 'get', resourceRequest: true, resource: 'pods' }),
    'User "x" cannot get resource "pods" in API group "" at the cluster scope',
  );
});
