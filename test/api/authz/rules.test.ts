/** RBAC rule matching, table-driven: every field, wildcard and the resource / non-resource split. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRule, ruleAllows } from '../../../src/api/authz/rules.js';
import type { PolicyRule } from '../../../src/api/authz/types.js';
import type { RequestAttributes } from '../../../src/api/object.js';
import { pathRequest, resourceRequest } from './attrs.js';

const user = { username: 'u', groups: [] };
const res = (verb: string, group: string, resource: string, o: Partial<RequestAttributes> = {}) =>
  resourceRequest(user, verb, group, resource, o);
const url = (verb: string, path: string) => pathRequest(user, verb, path);

const CSR = 'certificatesigningrequests';
const CERTS = 'certificates.k8s.io';

const cases: Array<[string, PolicyRule, RequestAttributes, boolean]> = [
  ['exact', { verbs: ['get'], apiGroups: [CERTS], resources: [CSR] }, res('get', CERTS, CSR), true],
  ['other verb', { verbs: ['get'], apiGroups: [CERTS], resources: [CSR] }, res('list', CERTS, CSR), false],
  ['verbs are case-sensitive', { verbs: ['GET'], apiGroups: [CERTS], resources: [CSR] }, res('get', CERTS, CSR), false],
  ['verb *', { verbs: ['*'], apiGroups: [CERTS], resources: [CSR] }, res('deletecollection', CERTS, CSR), true],
  ['custom verb approve', { verbs: ['approve'], apiGroups: [CERTS], resources: ['signers'] }, res('approve', CERTS, 'signers'), true],
  ['other group', { verbs: ['get'], apiGroups: [CERTS], resources: [CSR] }, res('get', '', CSR), false],
  ['core group is ""', { verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }, res('get', '', 'configmaps'), true],
  ['no apiGroups matches nothing', { verbs: ['get'], resources: ['configmaps'] }, res('get', '', 'configmaps'), false],
  ['group *', { verbs: ['get'], apiGroups: ['*'], resources: [CSR] }, res('get', 'anything.io', CSR), true],
  ['other resource', { verbs: ['get'], apiGroups: [CERTS], resources: [CSR] }, res('get', CERTS, 'signers'), false],
  ['resource * covers subresources', { verbs: ['update'], apiGroups: [CERTS], resources: ['*'] }, res('update', CERTS, CSR, { subresource: 'approval' }), true],
  ['the resource does not grant its subresource', { verbs: ['update'], apiGroups: [CERTS], resources: [CSR] }, res('update', CERTS, CSR, { subresource: 'approval' }), false],
  ['resource/subresource exact', { verbs: ['update'], apiGroups: [CERTS], resources: [`${CSR}/approval`] }, res('update', CERTS, CSR, { subresource: 'approval' }), true],
  ['resource/subresource does not grant another subresource', { verbs: ['update'], apiGroups: [CERTS], resources: [`${CSR}/approval`] }, res('update', CERTS, CSR, { subresource: 'status' }), false],
  ['resource/subresource does not grant the resource', { verbs: ['update'], apiGroups: [CERTS], resources: [`${CSR}/status`] }, res('update', CERTS, CSR), false],
  ['*/status on any resource', { verbs: ['update'], apiGroups: ['*'], resources: ['*/status'] }, res('update', CERTS, CSR, { subresource: 'status' }), true],
  ['*/status not the resource itself', { verbs: ['update'], apiGroups: ['*'], resources: ['*/status'] }, res('update', CERTS, CSR), false],
  ['*/status not another subresource', { verbs: ['update'], apiGroups: ['*'], resources: ['*/status'] }, res('update', CERTS, CSR, { subresource: 'approval' }), false],
  ['resourceNames: listed name', { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['cluster-info'] }, res('get', '', 'configmaps', { name: 'cluster-info', namespace: 'kube-public' }), true],
  ['resourceNames: other name', { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['cluster-info'] }, res('get', '', 'configmaps', { name: 'kubeadm-config' }), false],
  ['resourceNames: a list has no name', { verbs: ['list'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['cluster-info'] }, res('list', '', 'configmaps'), false],
  ['resourceNames: signer with a slash', { verbs: ['sign'], apiGroups: [CERTS], resources: ['signers'], resourceNames: ['kubernetes.io/kubelet-serving'] }, res('sign', CERTS, 'signers', { name: 'kubernetes.io/kubelet-serving' }), true],
  ['resource rule never matches a path', { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, url('get', '/healthz'), false],
  ['path rule never matches a resource', { verbs: ['*'], nonResourceURLs: ['*'] }, res('get', '', 'pods'), false],
  ['path exact', { verbs: ['get'], nonResourceURLs: ['/healthz'] }, url('get', '/healthz'), true],
  ['path exact is exact', { verbs: ['get'], nonResourceURLs: ['/healthz'] }, url('get', '/healthz/etcd'), false],
  ['path prefix*', { verbs: ['get'], nonResourceURLs: ['/apis/*'] }, url('get', '/apis/certificates.k8s.io/v1'), true],
  ['path prefix* needs the prefix', { verbs: ['get'], nonResourceURLs: ['/apis/*'] }, url('get', '/apis'), false],
  ['path *', { verbs: ['*'], nonResourceURLs: ['*'] }, url('post', '/anything'), true],
  ['path verb', { verbs: ['get'], nonResourceURLs: ['/version'] }, url('post', '/version'), false],
  ['apiGroups do not matter for paths', { verbs: ['get'], apiGroups: ['nothing'], nonResourceURLs: ['/version'] }, url('get', '/version'), true],
]; // prettier-ignore

for (const [name, rule, attrs, want] of cases) {
  test(`rule: ${name}`, () => assert.equal(ruleAllows(attrs, compileRule(rule)), want));
}

test('rule: hostile stored shapes compile to rules that match nothing unexpected', () => {
  const hostile = [
    { verbs: 'get', apiGroups: '', resources: 'pods' },
    { verbs: [1, null, {}], apiGroups: [[]], resources: [true] },
    {},
  ] as unknown as PolicyRule[];
  for (const r of hostile) {
    assert.equal(ruleAllows(res('get', '', 'pods'), compileRule(r)), false);
    assert.equal(ruleAllows(url('get', '/'), compileRule(r)), false);
  }
});
