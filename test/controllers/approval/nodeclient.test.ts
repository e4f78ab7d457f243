import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AUTO_APPROVED,
  NODE_CLIENT_MESSAGE,
  SELF_NODE_CLIENT_MESSAGE,
  decideNodeClient,
} from '../../../src/controllers/approval/nodeclient.js';
import type { SubjectAccessReviewSpec } from '../../../src/controllers/approval/review.js';
import { csr, type CsrOptions } from './fixtures.js';

const NODE = { commonName: 'system:node:worker-1', organization: ['system:nodes'] };

/** An authorizer with kubeadm's bindings: the bootstrap group may nodeclient, system:nodes may selfnodeclient. */
function kubeadmAuthorizer(calls: SubjectAccessReviewSpec[]) {
  return (spec: SubjectAccessReviewSpec): Promise<boolean> => {
    calls.push(spec);
    const sub = spec.resourceAttributes.subresource;
    if (sub === 'nodeclient') return Promise.resolve(spec.groups.includes('system:bootstrappers'));
    if (sub === 'selfnodeclient') return Promise.resolve(spec.groups.includes('system:nodes'));
    return Promise.resolve(false);
  };
}

interface Row {
  name: string;
  o: CsrOptions;
  kind: 'approve' | 'pending' | 'skip';
  /** the subresource reviewed, or none */
  review?: 'nodeclient' | 'selfnodeclient';
  message?: string | RegExp;
}

const self = { username: 'system:node:worker-1', groups: ['system:nodes', 'system:authenticated'] };

const ROWS: Row[] = [
  { name: 'bootstrap token, ds+client auth', o: { subject: NODE }, kind: 'approve', review: 'nodeclient', message: NODE_CLIENT_MESSAGE },
  { name: 'bootstrap token, ds+ke+client auth', o: { subject: NODE, usages: ['digital signature', 'key encipherment', 'client auth'] }, kind: 'approve', review: 'nodeclient' },
  { name: 'usages in another order', o: { subject: NODE, usages: ['client auth', 'key encipherment', 'digital signature'] }, kind: 'approve', review: 'nodeclient' },
  { name: 'renewal by the node itself', o: { subject: NODE, ...self }, kind: 'approve', review: 'selfnodeclient', message: SELF_NODE_CLIENT_MESSAGE },
  { name: 'another node (requester ≠ CN) reviewed as nodeclient, not allowed', o: { subject: NODE, username: 'system:node:worker-2', groups: ['system:nodes'] }, kind: 'pending', review: 'nodeclient', message: /as nodeClientCert but subject access review was not approved/ },
  { name: 'self without selfnodeclient does not fall through to nodeclient', o: { subject: NODE, username: 'system:node:worker-1', groups: ['system:bootstrappers'] }, kind: 'pending', review: 'selfnodeclient', message: /"n" as selfNodeClientCert but subject access review was not approved/ },
  { name: 'requester with no grant', o: { subject: NODE, username: 'alice', groups: ['devs'] }, kind: 'pending', review: 'nodeclient' },
  { name: 'extra usage', o: { subject: NODE, usages: ['digital signature', 'client auth', 'server auth'] }, kind: 'skip', message: /usages did not match \[client auth digital signature key encipherment\]/ },
  { name: 'missing digital signature', o: { subject: NODE, usages: ['client auth'] }, kind: 'skip' },
  { name: 'key encipherment without digital signature', o: { subject: NODE, usages: ['key encipherment', 'client auth'] }, kind: 'skip' },
  { name: 'wrong CN', o: { subject: { commonName: 'worker-1', organization: ['system:nodes'] } }, kind: 'skip', message: /subject common name does not begin with system:node:/ },
  { name: 'no CN', o: { subject: { organization: ['system:nodes'] } }, kind: 'skip' },
  { name: 'missing O', o: { subject: { commonName: 'system:node:worker-1' } }, kind: 'skip', message: /subject organization is not system:nodes/ },
  { name: 'extra O', o: { subject: { ...NODE, organization: ['system:nodes', 'system:masters'] } }, kind: 'skip', message: /organization/ },
  { name: 'other O', o: { subject: { ...NODE, organization: ['system:masters'] } }, kind: 'skip' },
  { name: 'a DNS SAN', o: { subject: NODE, dnsNames: ['worker-1'] }, kind: 'skip', message: /DNS subjectAltNames are not allowed/ },
  { name: 'an IP SAN', o: { subject: NODE, ipAddresses: ['10.0.0.1'] }, kind: 'skip', message: /IP subjectAltNames/ },
  { name: 'an email SAN', o: { subject: NODE, emailAddresses: ['a@example.com'] }, kind: 'skip', message: /Email subjectAltNames/ },
  { name: 'a URI SAN', o: { subject: NODE, uris: ['spiffe://x/y'] }, kind: 'skip', message: /URI subjectAltNames/ },
  { name: 'another signer', o: { subject: NODE, signerName: 'kubernetes.io/kube-apiserver-client' }, kind: 'skip' },
  { name: 'kubelet-serving is never approved here', o: { subject: NODE, signerName: 'kubernetes.io/kubelet-serving', dnsNames: ['worker-1'], usages: ['digital signature', 'server auth'] }, kind: 'skip' },
  { name: 'already approved', o: { subject: NODE, conditions: [{ type: 'Approved', status: 'True' }] }, kind: 'skip' },
  { name: 'already denied', o: { subject: NODE, conditions: [{ type: 'Denied', status: 'True' }] }, kind: 'skip' },
  { name: 'already issued', o: { subject: NODE, certificate: 'Y2VydA==' }, kind: 'skip' },
  { name: 'request is not a CSR', o: { subject: NODE, rawRequest: Buffer.from('-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n').toString('base64') }, kind: 'skip', message: /PEM block type must be CERTIFICATE REQUEST/ },
]; // prettier-ignore

for (const row of ROWS) {
  test(`nodeclient: ${row.name} → ${row.kind}`, async () => {
    const calls: SubjectAccessReviewSpec[] = [];
    const d = await decideNodeClient(csr('n', row.o), kubeadmAuthorizer(calls));
    assert.equal(d.kind, row.kind, `${d.reason}: ${d.message}`);
    // upstream never denies: only approve, wait or leave alone
    assert.notEqual(d.kind, 'deny');
    assert.deepEqual(
      calls.map((c) => c.resourceAttributes.subresource),
      row.review ? [row.review] : [],
    );
    if (d.kind === 'approve') assert.equal(d.reason, AUTO_APPROVED);
    if (typeof row.message === 'string') assert.equal(d.message, row.message);
    else if (row.message) assert.match(d.message, row.message);
  });
}

test('nodeclient: the review carries the requester and upstream attributes', async () => {
  const calls: SubjectAccessReviewSpec[] = [];
  await decideNodeClient(csr('n', { subject: NODE }), kubeadmAuthorizer(calls));
  assert.deepEqual(calls, [
    {
      user: 'system:bootstrap:abcdef',
      uid: 'uid-1',
      groups: ['system:bootstrappers', 'system:authenticated'],
      extra: { 'example.com/scope': ['a'] },
      resourceAttributes: {
        group: 'certificates.k8s.io',
        resource: 'certificatesigningrequests',
        subresource: 'nodeclient',
        verb: 'create',
        version: '*',
      },
    },
  ]);
});

test('nodeclient: a review that cannot be made rejects (the controller retries)', async () => {
  await assert.rejects(
    decideNodeClient(csr('n', { subject: NODE }), () => Promise.reject(new Error('connection refused'))),
    /connection refused/,
  );
});
