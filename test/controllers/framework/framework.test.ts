import { test } from 'node:test';
import assert from 'node:assert/strict';
import { realClock } from '../../../src/controllers/framework/clock.js';
import { apiError } from '../../../src/controllers/framework/client.js';
import { isApproved, updateApproval, withCondition } from '../../../src/controllers/framework/csr.js';
import { EventRecorder, csrRef } from '../../../src/controllers/framework/events.js';
import { InformerFactory } from '../../../src/controllers/framework/informer.js';
import { checkPermissions } from '../../../src/controllers/permissions.js';
import { hasCommand } from '../../helpers.js';
import { kubectl, serve } from '../../api/server/harness.js';
import { adminClient, controllerClient, createCsr, eventually } from '../helpers.js';

test('the framework against a real kubetls serve, as system:kube-controller-manager', async (t) => {
  const s = await serve(t);
  const admin = await adminClient(s.dir);
  const ctl = await controllerClient(s.dir);
  const logs: string[] = [];
  const log = (l: string) => logs.push(l);

  // informer: list then watch, cache lookups
  const stop = new AbortController();
  t.after(() => stop.abort());
  await createCsr(admin, 'before-start');
  const informers = new InformerFactory(ctl, realClock, log);
  const seen: string[] = [];
  informers.csrs().onChange((csr, type) => seen.push(`${type} ${csr.metadata?.name}`));
  informers.start(stop.signal);
  await informers.waitForSync();
  assert.ok(informers.csrs().hasSynced());
  assert.deepEqual(seen, ['add before-start'], 'the initial list reaches handlers registered before the start');
  const created = await createCsr(admin, 'after-start');
  await eventually('the watch to deliver the new CSR', () => informers.csrs().get('after-start'));
  assert.equal(informers.csrs().list().length, 2);

  // updateApproval with a stale copy: the 409 makes it re-read and re-evaluate
  await updateApproval(admin, 'after-start', (csr) =>
    withCondition(csr, { type: 'Approved', reason: 'ByAdmin', message: 'first' }, realClock),
  );
  let calls = 0;
  const r = await updateApproval(
    ctl,
    'after-start',
    (csr) => {
      calls++;
      return isApproved(csr) ? undefined : withCondition(csr, { type: 'Denied', reason: 'X', message: 'y' }, realClock);
    },
    { current: created },
  );
  assert.equal(r, undefined, 'nothing written once the fresh copy shows it approved');
  assert.equal(calls, 2, 'evaluated on the stale copy, then again on the fresh one after 409');
  const fresh = await admin.certificates.readCertificateSigningRequest({ name: 'after-start' });
  assert.deepEqual(
    fresh.status?.conditions?.map((c) => c.type),
    ['Approved'],
  );
  await eventually('the approval in the cache', () => informers.csrs().get('after-start')?.status?.conditions?.length);
  assert.ok(seen.includes('update after-start'));

  // a gone CSR: undefined, no throw
  assert.equal(await updateApproval(ctl, 'no-such-csr', (c) => c), undefined);

  // events: core/v1, found by the uid, repeated ones counted on one object
  const recorder = new EventRecorder(ctl, 'csrtest', realClock, log, 'host-1');
  recorder.event(csrRef(fresh), 'Normal', 'Checked', 'looked at it');
  await recorder.flush();
  recorder.event(csrRef(fresh), 'Normal', 'Checked', 'looked at it');
  recorder.event(csrRef(fresh), 'Warning', 'Odd', 'x'.repeat(5000));
  await recorder.flush();
  const events = await admin.core.listNamespacedEvent({
    namespace: 'default',
    fieldSelector: `involvedObject.uid=${fresh.metadata!.uid!},involvedObject.kind=CertificateSigningRequest`,
  });
  const byReason = new Map(events.items.map((e) => [e.reason, e]));
  assert.equal(events.items.length, 2, JSON.stringify(logs));
  assert.equal(byReason.get('Checked')?.count, 2);
  assert.equal(byReason.get('Checked')?.source?.component, 'csrtest');
  assert.equal(byReason.get('Odd')?.type, 'Warning');
  assert.ok(Buffer.byteLength(byReason.get('Odd')!.message!) <= 1024, 'long messages are cut to the API limit');
  if (hasCommand('kubectl')) {
    const d = kubectl('kubectl', s.kubeconfig, ['describe', 'csr', 'after-start']);
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stdout, /Events:[\s\S]*Normal\s+Checked\s+.*\(x2 over .*\)\s+csrtest\s+looked at it/);
    assert.match(d.stdout, /Warning\s+Odd/);
  }

  // the start-up check names what the identity may not do
  await checkPermissions(ctl, [{ verb: 'list', group: 'certificates.k8s.io', resource: 'certificatesigningrequests' }]);
  await assert.rejects(
    checkPermissions(ctl, [
      { verb: 'list', group: 'certificates.k8s.io', resource: 'certificatesigningrequests' },
      { verb: 'sign', group: 'certificates.k8s.io', resource: 'signers', name: 'example.com/serving' },
      { verb: 'update', group: '', resource: 'nodes', name: 'cp-0' },
    ]),
    (e: Error) => {
      assert.match(e.message, /sign signers\.certificates\.k8s\.io "example\.com\/serving"; update nodes "cp-0"$/);
      return true;
    },
  );

  stop.abort();
  await informers.stopped();
  assert.equal(apiError(new Error('x\ny')).message, 'x');
});
