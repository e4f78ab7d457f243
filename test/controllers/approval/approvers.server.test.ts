/**
 * The three approvers as controllers against a real `kubetls serve`, run as
 * system:kube-controller-manager (controller-manager.conf) with serve's default RBAC; CSRs
 * made by openssl and created by kubectl as the node itself (kubelet.conf:
 * system:node:cp-0 in system:nodes), Nodes applied by kubectl as the admin.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1CertificateSigningRequest } from '@kubernetes/client-node';
import { APPROVAL_CONTROLLERS, policyApproverController } from '../../../src/controllers/approval/controllers.js';
import { ControllerManager } from '../../../src/controllers/manager.js';
import { hasCommand, opensslCsrPem } from '../../helpers.js';
import { kubectl, serve } from '../../api/server/harness.js';
import { adminClient, controllerClient, eventually } from '../helpers.js';

const request = opensslCsrPem;

const csrManifest = (name: string, pem: string, signerName: string, usages: string[]): string =>
  JSON.stringify({
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name },
    spec: { request: Buffer.from(pem).toString('base64'), signerName, usages },
  });

const nodeManifest = (name: string, addresses: Array<[string, string]>): string =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    status: { addresses: addresses.map(([type, address]) => ({ type, address })) },
  });

const condition = (csr: V1CertificateSigningRequest | undefined) => {
  const c = csr?.status?.conditions?.find((x) => x.type === 'Approved' || x.type === 'Denied');
  return c && { type: c.type, reason: c.reason, message: c.message };
};

test('approvers against kubetls serve: kubelet serving owned/foreign/node-later, kubelet client self-renewal', { skip: !hasCommand('kubectl') || !hasCommand('openssl') }, async (t) => {
  const s = await serve(t);
  const admin = await adminClient(s.dir);
  const kubelet = join(s.dir, 'kubelet.conf');
  const logs: string[] = [];
  const manager = new ControllerManager({
    client: await controllerClient(s.dir),
    controllers: APPROVAL_CONTROLLERS,
    flags: {},
    leaderElection: false,
    log: (l) => logs.push(l),
  });
  // serve's default RBAC grants system:kube-controller-manager what the approvers declare
  await manager.checkPermissions();
  manager.start();
  t.after(() => manager.stop());
  await manager.whenStarted();

  const create = (name: string, pem: string, signer: string, usages: string[]) => {
    const r = kubectl('kubectl', kubelet, ['create', '-f', '-'], { input: csrManifest(name, pem, signer, usages) });
    assert.equal(r.code, 0, r.stderr);
  };
  const read = (name: string) => admin.certificates.readCertificateSigningRequest({ name });
  const serving = ['digital signature', 'server auth'];
  const NODE_SUBJ = '/O=system:nodes/CN=system:node:cp-0';

  // the node asks before its Node is registered: pending, with an Event naming the node
  create('serving-early', request(NODE_SUBJ, 'DNS:cp-0,IP:127.0.0.1'), 'kubernetes.io/kubelet-serving', serving);
  await eventually('the waiting Event', async () => {
    const ev = await admin.core.listNamespacedEvent({ namespace: 'default', fieldSelector: 'involvedObject.name=serving-early' });
    return ev.items.find((e) => e.reason === 'NodeNotFound' && /Node "cp-0"/.test(e.message ?? ''));
  });
  assert.equal(condition(await read('serving-early')), undefined, 'still pending');

  // the Node appears (kubectl apply keeps status on create), listing the address; another Node lists 10.9.9.9 too
  for (const n of [nodeManifest('cp-0', [['Hostname', 'cp-0'], ['InternalIP', '127.0.0.1'], ['InternalIP', '10.9.9.9']]), nodeManifest('cp-1', [['InternalIP', '10.9.9.9']])]) {
    const r = kubectl('kubectl', s.kubeconfig, ['apply', '-f', '-'], { input: n });
    assert.equal(r.code, 0, r.stderr);
  } // prettier-ignore
  const early = await eventually('serving-early decided', async () => condition(await read('serving-early')));
  assert.equal(early.type, 'Approved', JSON.stringify(early));
  assert.equal(early.reason, 'AutoApproved');

  // owned: approved
  create('serving-owned', request(NODE_SUBJ, 'DNS:cp-0,IP:127.0.0.1'), 'kubernetes.io/kubelet-serving', serving);
  const owned = await eventually('serving-owned decided', async () => condition(await read('serving-owned')));
  assert.equal(owned.type, 'Approved');

  // foreign: denied naming the SAN
  create('serving-foreign', request(NODE_SUBJ, 'DNS:cp-0,DNS:kubernetes.default.svc'), 'kubernetes.io/kubelet-serving', serving);
  const foreign = await eventually('serving-foreign decided', async () => condition(await read('serving-foreign')));
  assert.deepEqual(foreign, { type: 'Denied', reason: 'SubjectAltNameNotOwned', message: 'DNS name "kubernetes.default.svc" is not an address of Node "cp-0"' });

  // contested: cp-1 lists 10.9.9.9 as well
  create('serving-contested', request(NODE_SUBJ, 'IP:10.9.9.9'), 'kubernetes.io/kubelet-serving', serving);
  const contested = await eventually('serving-contested decided', async () => condition(await read('serving-contested')));
  assert.equal(contested.type, 'Denied');
  assert.equal(contested.message, 'IP address 10.9.9.9 is also an address of Node "cp-1"');

  // kubectl shows the decisions as a person sees them
  const get = kubectl('kubectl', s.kubeconfig, ['get', 'csr', 'serving-owned', 'serving-foreign']);
  assert.match(get.stdout, /serving-owned .*Approved/);
  assert.match(get.stdout, /serving-foreign .*Denied/);

  // the kubelet renewing its client certificate: selfnodeclient (kubeadm's binding for system:nodes)
  create('client-self', request(NODE_SUBJ), 'kubernetes.io/kube-apiserver-client-kubelet', ['digital signature', 'client auth']);
  const self = await eventually('client-self decided', async () => condition(await read('client-self')));
  assert.deepEqual(self, { type: 'Approved', reason: 'AutoApproved', message: 'Auto approving self kubelet client certificate after SubjectAccessReview.' });

  // a client request for another node: reviewed as nodeclient, which system:nodes may not: left pending
  create('client-other', request('/O=system:nodes/CN=system:node:cp-9'), 'kubernetes.io/kube-apiserver-client-kubelet', ['digital signature', 'client auth']);
  await eventually('the review to be refused', () => logs.find((l) => /client-other.*as nodeClientCert but subject access review was not approved/.test(l)));
  assert.equal(condition(await read('client-other')), undefined);

  const metrics = await manager.metrics.render();
  assert.match(metrics, /kubetls_csr_approved_total\{signer_name="kubernetes\.io\/kubelet-serving"\} 2/);
  assert.match(metrics, /kubetls_csr_denied_total\{signer_name="kubernetes\.io\/kubelet-serving"\} 2/);
  assert.match(metrics, /kubetls_csr_approved_total\{signer_name="kubernetes\.io\/kube-apiserver-client-kubelet"\} 1/);
}); // prettier-ignore

test('policy approver against kubetls serve: needs approve on the signer, approves within a rule, leaves the rest with an Event', { skip: !hasCommand('kubectl') || !hasCommand('openssl') }, async (t) => {
  const s = await serve(t);
  const admin = await adminClient(s.dir);
  const config = join(s.dir, 'approvers.yaml');
  writeFileSync(config, `apiVersion: kubetls.io/v1alpha1
kind: ApproverConfiguration
rules:
- name: admins-web
  signerName: example.com/serving
  groups: [kubeadm:cluster-admins]
  allowedUsages: [digital signature, server auth]
  allowedDNSNames: ["*.web.example.com"]
`);
  const logs: string[] = [];
  const manager = new ControllerManager({
    client: await controllerClient(s.dir),
    controllers: [policyApproverController],
    flags: { approverConfig: config },
    leaderElection: false,
    log: (l) => logs.push(l),
  });
  // serve's default RBAC does not let the controller manager approve a custom signer
  await assert.rejects(manager.checkPermissions(), /approve signers\.certificates\.k8s\.io "example\.com\/serving"/);
  const rbac = [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'example-serving-approver' }, rules: [{ apiGroups: ['certificates.k8s.io'], resources: ['signers'], resourceNames: ['example.com/serving'], verbs: ['approve'] }] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'example-serving-approver' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'example-serving-approver' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:kube-controller-manager' }] },
  ];
  const applied = kubectl('kubectl', s.kubeconfig, ['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: rbac }) });
  assert.equal(applied.code, 0, applied.stderr);
  await manager.checkPermissions();
  manager.start();
  t.after(() => manager.stop());
  await manager.whenStarted();

  const create = (name: string, san: string) => {
    const r = kubectl('kubectl', s.kubeconfig, ['create', '-f', '-'], {
      input: csrManifest(name, request('/CN=shop.web.example.com', san), 'example.com/serving', ['digital signature', 'server auth']),
    });
    assert.equal(r.code, 0, r.stderr);
  };
  const read = (name: string) => admin.certificates.readCertificateSigningRequest({ name });
  create('web-ok', 'DNS:shop.web.example.com');
  const ok = await eventually('web-ok decided', async () => condition(await read('web-ok')));
  assert.equal(ok.type, 'Approved');
  assert.equal(ok.reason, 'PolicyApproved');
  assert.match(ok.message ?? '', /rule "admins-web"/);

  create('web-outside', 'DNS:shop.web.example.com,DNS:evil.example.net');
  const ev = await eventually('the PolicyNotSatisfied Event', async () => {
    const list = await admin.core.listNamespacedEvent({ namespace: 'default', fieldSelector: 'involvedObject.name=web-outside' });
    return list.items.find((e) => e.reason === 'PolicyNotSatisfied');
  });
  assert.equal(ev.type, 'Warning');
  assert.match(ev.message ?? '', /allowedDNSNames: DNS name "evil\.example\.net" is not allowed/);
  assert.equal(condition(await read('web-outside')), undefined, 'left for a person, never denied');
  const describe = kubectl('kubectl', s.kubeconfig, ['describe', 'csr', 'web-outside']);
  assert.match(describe.stdout, /PolicyNotSatisfied/);

  const metrics = await manager.metrics.render();
  assert.match(metrics, /kubetls_csr_approved_total\{signer_name="example\.com\/serving"\} 1/);
}); // prettier-ignore
