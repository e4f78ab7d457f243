import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideKubeletServing, NODE_WAIT_MS, REASONS } from '../../../src/controllers/approval/kubeletserving.js';
import { NodeIndex } from '../../../src/controllers/approval/nodeaddresses.js';
import { parseKubeletServingPolicy } from '../../../src/controllers/approval/servingpolicy.js';
import { CREATED, csr, type CsrOptions } from './fixtures.js';

const SERVING = 'kubernetes.io/kubelet-serving';
const W1 = { commonName: 'system:node:worker-1', organization: ['system:nodes'] };

/** worker-1 and worker-2 registered; 10.0.0.99 listed by both (a contested address). */
function cluster(): NodeIndex {
  const nodes = new NodeIndex();
  nodes.setNode({
    metadata: { name: 'worker-1' },
    status: {
      addresses: [
        { type: 'Hostname', address: 'worker-1' },
        { type: 'InternalDNS', address: 'worker-1.cluster.internal' },
        { type: 'InternalIP', address: '10.0.0.1' },
        { type: 'InternalIP', address: 'fd00::1' },
        { type: 'ExternalIP', address: '10.0.0.99' },
      ],
    },
  });
  nodes.set('worker-2', ['worker-2', '10.0.0.2', '10.0.0.99']);
  return nodes;
}

const serving = (o: CsrOptions): CsrOptions => ({
  signerName: SERVING,
  subject: W1,
  username: 'system:node:worker-1',
  groups: ['system:nodes', 'system:authenticated'],
  usages: ['digital signature', 'server auth'],
  ...o,
});

const NOW = new Date(Date.parse(CREATED) + 60_000);

interface Row {
  name: string;
  o: CsrOptions;
  kind: 'approve' | 'deny' | 'pending' | 'skip';
  reason?: string;
  message?: RegExp;
  /** an Event with this reason is carried */
  event?: string;
  nodes?: NodeIndex;
  now?: Date;
}

const ROWS: Row[] = [
  { name: 'every SAN owned (any address type)', o: serving({ dnsNames: ['worker-1', 'worker-1.cluster.internal'], ipAddresses: ['10.0.0.1', 'fd00::1'] }), kind: 'approve', reason: 'AutoApproved', message: /Node "worker-1"/ },
  { name: 'ds+ke+server auth', o: serving({ dnsNames: ['worker-1'], usages: ['digital signature', 'key encipherment', 'server auth'] }), kind: 'approve' },
  { name: 'names compared case-insensitively, IPv6 by value', o: serving({ dnsNames: ['WORKER-1.Cluster.Internal'], ipAddresses: ['fd00:0:0::1'] }), kind: 'approve' },
  { name: 'foreign DNS name', o: serving({ dnsNames: ['worker-1', 'worker-2'] }), kind: 'deny', reason: REASONS.sanNotOwned, message: /^DNS name "worker-2" is not an address of Node "worker-1"$/ },
  { name: 'foreign IP', o: serving({ ipAddresses: ['10.0.0.2'] }), kind: 'deny', reason: REASONS.sanNotOwned, message: /IP address 10\.0\.0\.2 is not an address of Node "worker-1"/ },
  { name: 'unknown name', o: serving({ dnsNames: ['kubernetes.default.svc'] }), kind: 'deny', message: /"kubernetes.default.svc" is not an address/ },
  { name: 'contested IP', o: serving({ dnsNames: ['worker-1'], ipAddresses: ['10.0.0.99'] }), kind: 'deny', reason: REASONS.sanNotOwned, message: /^IP address 10\.0\.0\.99 is also an address of Node "worker-2"$/ },
  { name: 'every bad SAN named', o: serving({ dnsNames: ['worker-2'], ipAddresses: ['10.0.0.99', '192.0.2.1'] }), kind: 'deny', message: /"worker-2".*10\.0\.0\.99.*192\.0\.2\.1/ },
  { name: 'a DNS SAN spelled as the node IP is not the IP', o: serving({ dnsNames: ['10.0.0.1'] }), kind: 'deny', reason: REASONS.sanNotOwned },
  { name: 'no Node yet', o: serving({ dnsNames: ['worker-1'] }), nodes: new NodeIndex(), kind: 'pending', reason: REASONS.nodeNotFound, event: REASONS.nodeNotFound, message: /Node "worker-1".*2026-12-05T12:15:00Z/ },
  { name: 'no Node after 14m59s: still waiting', o: serving({ dnsNames: ['worker-1'] }), nodes: new NodeIndex(), now: new Date(Date.parse(CREATED) + NODE_WAIT_MS - 1000), kind: 'pending', event: REASONS.nodeNotFound },
  { name: 'no Node after 15 minutes: denied', o: serving({ dnsNames: ['worker-1'] }), nodes: new NodeIndex(), now: new Date(Date.parse(CREATED) + NODE_WAIT_MS), kind: 'deny', reason: REASONS.nodeNotFound, message: /Node "worker-1" was not registered within 15m0s/ },
  { name: 'another node asks for worker-1', o: serving({ dnsNames: ['worker-1'], username: 'system:node:worker-2' }), kind: 'skip', reason: REASONS.requesterNotNode, event: REASONS.requesterNotNode, message: /"system:node:worker-2" is not the node the certificate names \("system:node:worker-1"\)/ },
  { name: 'a person asks', o: serving({ dnsNames: ['worker-1'], username: 'kubernetes-admin', groups: ['kubeadm:cluster-admins'] }), kind: 'skip', reason: REASONS.requesterNotNode, event: REASONS.requesterNotNode, message: /"kubernetes-admin" is not a node/ },
  { name: 'wrong O', o: serving({ dnsNames: ['worker-1'], subject: { ...W1, organization: ['system:masters'] } }), kind: 'deny', reason: REASONS.invalidRequest, message: /subject organization is not system:nodes/ },
  { name: 'extra O', o: serving({ dnsNames: ['worker-1'], subject: { ...W1, organization: ['system:nodes', 'x'] } }), kind: 'deny', reason: REASONS.invalidRequest },
  { name: 'CN not a node', o: serving({ dnsNames: ['worker-1'], subject: { commonName: 'worker-1', organization: ['system:nodes'] } }), kind: 'deny', message: /common name does not begin with system:node:/ },
  { name: 'no SAN', o: serving({}), kind: 'deny', message: /DNS or IP subjectAltName is required/ },
  { name: 'email SAN', o: serving({ dnsNames: ['worker-1'], emailAddresses: ['a@b.c'] }), kind: 'deny', message: /Email subjectAltNames are not allowed/ },
  { name: 'URI SAN', o: serving({ dnsNames: ['worker-1'], uris: ['spiffe://c/n'] }), kind: 'deny', message: /URI subjectAltNames are not allowed/ },
  { name: 'client auth added', o: serving({ dnsNames: ['worker-1'], usages: ['digital signature', 'server auth', 'client auth'] }), kind: 'deny', message: /usages did not match \[digital signature key encipherment server auth\]/ },
  { name: 'kubelet client signer is not ours', o: serving({ signerName: 'kubernetes.io/kube-apiserver-client-kubelet' }), kind: 'skip', reason: 'OtherSigner' },
  { name: 'already approved', o: serving({ dnsNames: ['worker-2'], conditions: [{ type: 'Approved', status: 'True' }] }), kind: 'skip' },
  { name: 'already denied', o: serving({ dnsNames: ['worker-1'], conditions: [{ type: 'Denied', status: 'True' }] }), kind: 'skip' },
]; // prettier-ignore

for (const row of ROWS) {
  test(`kubelet-serving: ${row.name} → ${row.kind}`, () => {
    const d = decideKubeletServing(csr('s', row.o), { nodes: row.nodes ?? cluster(), now: row.now ?? NOW });
    assert.equal(d.kind, row.kind, `${d.reason}: ${d.message}`);
    if (row.reason) assert.equal(d.reason, row.reason);
    if (row.message) assert.match(d.message, row.message);
    assert.deepEqual(
      d.events.map((e) => e.reason),
      row.event ? [row.event] : [],
    );
  });
}

test('kubelet-serving: pending until the Node appears, then decided on its addresses', () => {
  const nodes = new NodeIndex();
  const req = csr('s', serving({ dnsNames: ['worker-1'], ipAddresses: ['10.0.0.1'] }));
  const first = decideKubeletServing(req, { nodes, now: NOW });
  assert.equal(first.kind, 'pending');
  assert.equal(first.kind === 'pending' && first.recheckAt?.toISOString(), '2026-12-05T12:15:00.000Z');
  nodes.set('worker-1', ['worker-1']);
  const partial = decideKubeletServing(req, { nodes, now: NOW });
  assert.equal(partial.kind, 'deny', 'the IP is not listed yet');
  nodes.set('worker-1', ['worker-1', '10.0.0.1']);
  assert.equal(decideKubeletServing(req, { nodes, now: NOW }).kind, 'approve');
  // the address moves to another node as well: contested
  nodes.set('worker-3', ['10.0.0.1']);
  assert.equal(decideKubeletServing(req, { nodes, now: NOW }).kind, 'deny');
  nodes.delete('worker-3');
  assert.equal(decideKubeletServing(req, { nodes, now: NOW }).kind, 'approve');
  nodes.delete('worker-1');
  assert.equal(decideKubeletServing(req, { nodes, now: NOW }).kind, 'pending');
});

test('kubelet-serving: the extra policy (pattern, ranges, max expiration) denies naming the value', () => {
  const policy = parseKubeletServingPolicy({
    dnsPattern: '[a-z0-9-]+',
    ipRanges: '10.0.0.0/24, fd00::/64',
    maxExpiration: '24h',
  });
  const decide = (o: CsrOptions) => decideKubeletServing(csr('s', serving(o)), { nodes: cluster(), now: NOW, policy });
  assert.equal(
    decide({ dnsNames: ['worker-1'], ipAddresses: ['10.0.0.1', 'fd00::1'], expirationSeconds: 86400 }).kind,
    'approve',
  );
  const dns = decide({ dnsNames: ['worker-1.cluster.internal'] });
  assert.equal(dns.kind, 'deny');
  assert.equal(dns.reason, REASONS.policyViolation);
  assert.equal(dns.message, 'DNS name "worker-1.cluster.internal" does not match [a-z0-9-]+');
  const nodes = cluster();
  nodes.set('worker-1', ['worker-1', '192.0.2.7']);
  const ip = decideKubeletServing(csr('s', serving({ ipAddresses: ['192.0.2.7'] })), { nodes, now: NOW, policy });
  assert.equal(ip.message, 'IP address 192.0.2.7 is not in 10.0.0.0/24,fd00::/64');
  const exp = decide({ dnsNames: ['worker-1'], expirationSeconds: 86401 });
  assert.match(exp.message, /^expirationSeconds 86401 exceeds the maximum 86400 \(24h0m0s\)$/);
  // policy before ownership: a foreign name outside the pattern is denied for the pattern
  assert.equal(decide({ dnsNames: ['worker-2.example'] }).reason, REASONS.policyViolation);
});

test('kubelet-serving: hostile requests — thousands of foreign SANs, control characters — give a bounded, quoted message', () => {
  const many = Array.from({ length: 2000 }, (_, i) => `n${i}.example`);
  const d = decideKubeletServing(csr('s', serving({ dnsNames: ['worker-1\u0007', ...many] })), {
    nodes: cluster(),
    now: NOW,
  });
  assert.equal(d.kind, 'deny');
  assert.match(d.message, /^DNS name "worker-1\\a" is not an address/);
  assert.match(d.message, /; and 1991 more$/);
  assert.ok(d.message.length < 1000, `${d.message.length} characters`);
});
