/**
 * The controllers as users run them, against a real `kubetls serve`: embedded (its /metrics
 * behind RBAC), and `kubetls controller-manager` standalone (the cleaner deleting what
 * kube-controller-manager's would, leader election with a kill -9 of the leader, the metrics
 * endpoint's authentication and authorization, the start-up permission check).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { realClock } from '../../src/controllers/framework/clock.js';
import { updateApproval, updateStatus, withCertificate, withCondition } from '../../src/controllers/framework/csr.js';
import { cli, tmpDir } from '../helpers.js';
import { serve } from '../api/server/harness.js';
import {
  adminClient,
  clientCert,
  createCsr,
  eventually,
  expiredCert,
  httpsGet,
  startCli,
  startMetricsManager,
} from './helpers.js';

const HOUR = 3600_000;

test('embedded in serve: the controllers run as system:kube-controller-manager; /metrics needs RBAC get on /metrics', async (t) => {
  const s = await serve(t, { args: ['--controllers=*'] });
  await eventually('the controllers to start', () => /controllers started: .*csrcleaner/.test(s.log()));
  const ca = readFileSync(join(s.dir, 'pki', 'ca.crt'), 'latin1');
  const admin = clientCert(s.dir, 'kubernetes-admin', ['kubeadm:cluster-admins']);
  const ok = await httpsGet(`${s.url}/metrics`, { ca, ...admin });
  assert.equal(ok.status, 200, ok.body);
  assert.match(ok.body, /^kubetls_controller_leader 1$/m);
  assert.match(ok.body, /# TYPE kubetls_csr_signed_total counter/);
  const nobody = await httpsGet(`${s.url}/metrics`, { ca, ...clientCert(s.dir, 'nobody') });
  assert.equal(nobody.status, 403);
  assert.match(nobody.body, /User \\"nobody\\" cannot get path \\"\/metrics\\"/);
  const monitor = await httpsGet(`${s.url}/metrics`, { ca, ...clientCert(s.dir, 'prometheus', ['system:monitoring']) });
  assert.equal(monitor.status, 200, "the system:monitoring group reads it (kube-apiserver's default role)");
  assert.equal((await httpsGet(`${s.url}/metrics`, { ca })).status, 401, 'anonymous: not past authentication');

  // --controllers=-csrcleaner runs none; /metrics is then not served
  const none = await serve(t, { args: ['--controllers=-csrcleaner'] });
  assert.equal((await httpsGet(`${none.url}/metrics`, { ca: readFileSync(join(none.dir, 'pki', 'ca.crt'), 'latin1'), ...clientCert(none.dir, 'a', ['system:masters']) })).status, 404); // prettier-ignore
  assert.doesNotMatch(none.log(), /controllers started/);
});

test('--controllers: unknown names stop start-up (exit 2) before anything is written; --help lists the names', () => {
  for (const cmd of ['serve', 'controller-manager']) {
    const r = cli([cmd, '--controllers=*,-nope', ...(cmd === 'serve' ? ['--dir', '/nonexistent/never-made'] : [])]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--controllers: "nope" is not in the list of known controllers/);
    const h = cli([cmd, '--help']);
    assert.match(h.stdout, /--controllers <names>[\s\S]*known: [^\n]*csrcleaner/);
    assert.match(h.stdout, /--leader-elect-resource-name <name>[\s\S]*kubetls-controller-manager/);
  }
  const bad = cli(['controller-manager', '--leader-elect-renew-deadline=20s']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--leader-elect-renew-deadline must be less than --leader-elect-lease-duration/);
});

test('kubetls controller-manager --kubeconfig: a missing, special, malformed or context-less file is one line naming it (exit 2)', (t) => {
  const dir = tmpDir('kubetls-cm-kubeconfig-', t);
  writeFileSync(join(dir, 'bad.conf'), 'garbage: [\n');
  writeFileSync(join(dir, 'nocontext.conf'), 'apiVersion: v1\nkind: Config\n');
  for (const [file, message] of [
    [join(dir, 'absent.conf'), /^error: cannot read .*absent\.conf: no such file\n$/],
    [dir, /^error: .* is a directory, not a regular file\n$/],
    [join(dir, 'bad.conf'), /^error: .*bad\.conf: not valid YAML: [^\n]+\n$/],
    [join(dir, 'nocontext.conf'), /^error: .*nocontext\.conf: no current-context\n$/],
  ] as const) {
    const r = cli(['controller-manager', '--kubeconfig', file, '--secure-port', '0']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
  }
});

test('kubetls controller-manager: the cleaner deletes what kube-controller-manager deletes, and keeps the rest', async (t) => {
  const s = await serve(t, { args: ['--controllers=-csrcleaner'] });
  const admin = await adminClient(s.dir);
  const old = new Date(Date.now() - 2 * HOUR);
  const fresh = new Date();
  const approve = (at: Date) => (c: Parameters<typeof withCondition>[0]) =>
    withCondition(c, { type: 'Approved', reason: 'Test', message: 't' }, { now: () => at });
  const deny = (at: Date) => (c: Parameters<typeof withCondition>[0]) =>
    withCondition(c, { type: 'Denied', reason: 'Test', message: 't' }, { now: () => at });
  for (const n of ['denied-old', 'denied-new', 'pending', 'issued-old', 'issued-expired', 'approved-unissued'])
    await createCsr(admin, n);
  await updateApproval(admin, 'denied-old', deny(old));
  await updateApproval(admin, 'denied-new', deny(fresh));
  await updateApproval(admin, 'issued-old', approve(old));
  await updateApproval(admin, 'issued-expired', approve(fresh));
  await updateApproval(admin, 'approved-unissued', approve(old));
  const valid = readFileSync(join(s.dir, 'pki', 'ca.crt'), 'latin1');
  await updateStatus(admin, 'issued-old', (c) => withCertificate(c, valid));
  await updateStatus(admin, 'issued-expired', (c) => withCertificate(c, expiredCert()));

  const cm = startCli(t, [
    'controller-manager',
    '--kubeconfig', join(s.dir, 'controller-manager.conf'),
    '--controllers=csrcleaner', '--leader-elect=false', '--secure-port=0',
  ]); // prettier-ignore
  const names = async () =>
    (await admin.certificates.listCertificateSigningRequest()).items.map((c) => c.metadata!.name!).sort();
  await eventually('the cleaner to delete three CSRs', async () => (await names()).length === 3, 45_000);
  assert.deepEqual(await names(), ['approved-unissued', 'denied-new', 'pending']);
  for (const [n, why] of [
    ['denied-old', 'denied more than 1h ago'],
    ['issued-old', 'issued more than 1h ago'],
    ['issued-expired', 'its certificate expired at'],
  ])
    // the line follows the DELETE's answer: the list above may see the deletion first
    await eventually(`the log line for ${n}`, () => new RegExp(`csrcleaner: deleted ${n}: ${why}`).test(cm.log()));
  assert.equal(await cm.stop(), 0, cm.log());
  void realClock;
});

test('leader election: two controller managers, one leads; killed (-9), the other takes over within the lease duration', async (t) => {
  const s = await serve(t, { args: ['--controllers=-csrcleaner'] });
  const admin = await adminClient(s.dir);
  const args = [
    'controller-manager',
    '--kubeconfig', join(s.dir, 'controller-manager.conf'),
    '--controllers=csrcleaner', '--secure-port=0',
    '--leader-elect-lease-duration=3s', '--leader-elect-renew-deadline=2s', '--leader-elect-retry-period=500ms',
  ]; // prettier-ignore
  const a = startCli(t, args);
  const b = startCli(t, args);
  const lease = () =>
    admin.coordination.readNamespacedLease({ name: 'kubetls-controller-manager', namespace: 'kube-system' });
  const leads = (p: { log(): string }) => /leader election: \S+ leads \(lease/.test(p.log());
  await eventually(
    'a leader',
    async () => !!(await lease().catch(() => undefined))?.spec?.holderIdentity && (leads(a) || leads(b)),
    45_000,
  );
  await new Promise((r) => setTimeout(r, 1500)); // a few renewals: the other stays a follower
  assert.ok(leads(a) !== leads(b), `exactly one leads:\nA: ${a.log()}\nB: ${b.log()}`);
  const [leader, follower] = leads(a) ? [a, b] : [b, a];
  assert.match(leader.log(), /controllers started: csrcleaner/);
  assert.doesNotMatch(follower.log(), /controllers started/, 'the follower runs no controller');
  const before = await lease();
  assert.equal(before.spec?.leaseDurationSeconds, 3);

  const killed = Date.now();
  leader.proc.kill('SIGKILL');
  await eventually('the follower to lead', () => leads(follower), 10_000);
  const took = Date.now() - killed;
  // the lease (3 s) plus one retry period (×1.2), and slack for a loaded machine
  assert.ok(took < 3000 + 600 + 2500, `took over in ${took} ms (lease 3 s)`);
  await eventually('the follower to run the controllers', () =>
    follower.log().includes('controllers started: csrcleaner'),
  );
  const after = await lease();
  assert.notEqual(after.spec?.holderIdentity, before.spec?.holderIdentity);
  assert.equal(after.spec?.leaseTransitions, (before.spec?.leaseTransitions ?? 0) + 1);

  // a graceful stop releases the lease at once
  assert.equal(await follower.stop('SIGTERM'), 0, follower.log());
  assert.equal((await lease()).spec?.holderIdentity ?? '', '');
  assert.match(follower.log(), /released the lease/);
});

test('kubetls controller-manager: /metrics on its own HTTPS port needs a client certificate and RBAC (SubjectAccessReview)', async (t) => {
  const s = await serve(t, { args: ['--controllers=-csrcleaner'] });
  const { cm, url } = await startMetricsManager(t, s);
  assert.equal((await httpsGet(`${url}/metrics`)).status, 401, 'no certificate, no token: 401');
  const nobody = await httpsGet(`${url}/metrics`, clientCert(s.dir, 'nobody'));
  assert.equal(nobody.status, 403);
  assert.equal(nobody.body, 'Forbidden: "/metrics", Reason: ""\n');
  const monitor = await httpsGet(`${url}/metrics`, clientCert(s.dir, 'prometheus', ['system:monitoring']));
  assert.equal(monitor.status, 200, monitor.body);
  assert.match(monitor.body, /^kubetls_controller_leader 1$/m);
  assert.match(cm.log(), /metrics on https:\/\/127\.0\.0\.1:\d+\/metrics/);
});

test('kubetls controller-manager: an identity without the permissions it needs is refused at start, each missing one named', async (t) => {
  const s = await serve(t, { args: ['--controllers=-csrcleaner'] });
  // the kubelet's credentials (system:node:cp-0, system:nodes) may not delete CSRs nor hold the lease
  const r = cli([
    'controller-manager',
    '--kubeconfig',
    join(s.dir, 'kubelet.conf'),
    '--controllers=csrcleaner',
    '--secure-port=0',
  ]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /the API server refuses the controllers permissions they need: /);
  assert.match(r.stderr, /get leases\.coordination\.k8s\.io "kubetls-controller-manager" in namespace kube-system/);
  assert.match(r.stderr, /delete certificatesigningrequests\.certificates\.k8s\.io/);
  assert.match(r.stderr, /create events in namespace default/);
});
