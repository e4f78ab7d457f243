/**
 * `kubetls serve` driven by a maintained client library, @kubernetes/client-node (1.x, the
 * Kubernetes project's JavaScript client): admin.conf loaded by its KubeConfig, the typed
 * CertificatesV1Api (list, create, read, /approval, /status, merge patch, a 409 on a stale
 * resourceVersion), an informer (the ListWatch makeInformer builds) seeing what kubectl — another
 * client — creates, approves and deletes, CoreV1Api events found by involvedObject.name,
 * coordination.k8s.io Leases as leader election uses them, and an informer that carries on
 * across a server restart without losing an event.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { certToPem, createCsr, createIssuer, csrToPem, issueCertificate, parseCsrPem } from '../../../src/pki/index.js';
import { kubectl, kubectls, serve, type Served } from './harness.js';

const CSR_PATH = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
const SIGNER = 'example.com/serving';
const kubectlBin = kubectls()[0]?.path;

/** A CSR of a fresh P-256 key, PEM. */
function csrPem(cn: string): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return csrToPem(createCsr({ subject: { commonName: cn }, dnsNames: [`${cn}.example.com`] }, privateKey));
}

/** The body client-node sends for a new CSR: spec.request is the PEM, base64 (the JSON form of []byte). */
function newCsr(name: string, labels?: Record<string, string>): k8s.V1CertificateSigningRequest {
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name, ...(labels ? { labels } : {}) },
    spec: {
      request: Buffer.from(csrPem(name)).toString('base64'),
      signerName: SIGNER,
      usages: ['digital signature', 'key encipherment', 'server auth'],
    },
  };
}

/** What a signer does: issues the CSR's certificate with the cluster CA (D/pki/ca.{crt,key}). */
function sign(s: Served, csr: k8s.V1CertificateSigningRequest): string {
  const ca = new X509Certificate(readFileSync(join(s.dir, 'pki', 'ca.crt')));
  const issuer = createIssuer(ca.raw, createPrivateKey(readFileSync(join(s.dir, 'pki', 'ca.key'))));
  const parsed = parseCsrPem(Buffer.from(csr.spec.request, 'base64'));
  const now = Date.now();
  const der = issueCertificate(
    {
      subject: parsed.subject,
      dnsNames: parsed.dnsNames,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 3600_000),
      keyUsage: ['digitalSignature', 'keyEncipherment'],
      extKeyUsage: ['serverAuth'],
    },
    { publicKey: parsed.spkiDer, issuer },
  );
  return certToPem(der);
}

function client(kubeconfig: string): { kc: k8s.KubeConfig; certs: k8s.CertificatesV1Api } {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  return { kc, certs: kc.makeApiClient(k8s.CertificatesV1Api) };
}

/** Waits (bounded) until `ok()` holds; fails with `what` and the state `show()` gives. */
async function until(ok: () => boolean, what: string, show: () => unknown = () => ''): Promise<void> {
  for (let i = 0; i < 300 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(ok(), `${what}: ${JSON.stringify(show())}`);
}

/** An informer on CSRs recording every callback as "VERB name conditions". */
function recordingInformer(t: TestContext, kc: k8s.KubeConfig, certs: k8s.CertificatesV1Api) {
  // what makeInformer builds, typed as itself: a ListWatch (with latestResourceVersion), not started
  const informer = new k8s.ListWatch(CSR_PATH, new k8s.Watch(kc), () => certs.listCertificateSigningRequest(), false);
  const seen: string[] = [];
  const line = (verb: string) => (o: k8s.V1CertificateSigningRequest) =>
    seen.push(`${verb} ${o.metadata?.name} ${(o.status?.conditions ?? []).map((c) => c.type).join(',')}`.trim());
  informer.on(k8s.ADD, line('ADDED'));
  informer.on(k8s.UPDATE, line('MODIFIED'));
  informer.on(k8s.DELETE, line('DELETED'));
  let stopped = false;
  const errors: unknown[] = [];
  // client-node's ListWatch stops on an error (e.g. connection refused while the server is
  // down) and leaves the restart to its user; what its documentation suggests: start again later
  informer.on(k8s.ERROR, (e: unknown) => {
    errors.push(e);
    if (!stopped) setTimeout(() => void (stopped ? undefined : informer.start()), 200);
  });
  t.after(async () => {
    stopped = true;
    await informer.stop();
  });
  return { informer, seen, errors };
}

test('@kubernetes/client-node against kubetls serve', async (t) => {
  const s = await serve(t);
  const { kc, certs } = client(s.kubeconfig);

  await t.test('list, create, read: typed objects, the caller recorded as requestor', async () => {
    const before = await certs.listCertificateSigningRequest();
    assert.ok(before.metadata?.resourceVersion, 'the list has a resourceVersion');
    const created = await certs.createCertificateSigningRequest({ body: newCsr('cn-create') });
    assert.equal(created.metadata?.name, 'cn-create');
    assert.equal(created.spec.username, 'kubernetes-admin');
    assert.ok(created.spec.groups?.includes('system:authenticated'));
    assert.ok(created.metadata?.creationTimestamp instanceof Date, 'creationTimestamp deserialised as a Date');
    assert.ok(created.metadata?.uid);
    const read = await certs.readCertificateSigningRequest({ name: 'cn-create' });
    assert.equal(read.metadata?.resourceVersion, created.metadata?.resourceVersion);
    assert.equal(read.spec.request, created.spec.request);
    const after = await certs.listCertificateSigningRequest();
    assert.deepEqual(
      after.items.map((c) => c.metadata?.name),
      [...before.items.map((c) => c.metadata?.name), 'cn-create'],
    );
    const bySigner = await certs.listCertificateSigningRequest({ fieldSelector: `spec.signerName=${SIGNER}` });
    assert.ok(bySigner.items.some((c) => c.metadata?.name === 'cn-create'));
  });

  await t.test('approve through /approval, then /status with a certificate', async () => {
    const csr = await certs.createCertificateSigningRequest({ body: newCsr('cn-approve') });
    const lastUpdateTime = new Date(); // client-node writes it with milliseconds (toISOString)
    const approved = await certs.replaceCertificateSigningRequestApproval({
      name: 'cn-approve',
      body: {
        ...csr,
        status: {
          conditions: [
            {
              type: 'Approved',
              status: 'True',
              reason: 'ClientNodeApprove',
              message: 'approved by a test',
              lastUpdateTime,
            },
          ],
        },
      },
    });
    const cond = approved.status?.conditions?.[0];
    assert.equal(cond?.type, 'Approved');
    assert.equal(cond?.reason, 'ClientNodeApprove');
    assert.ok(cond?.lastTransitionTime instanceof Date, 'the server sets lastTransitionTime');
    assert.ok(Number(approved.metadata?.resourceVersion) > Number(csr.metadata?.resourceVersion));

    const pem = sign(s, approved);
    const issued = await certs.replaceCertificateSigningRequestStatus({
      name: 'cn-approve',
      body: { ...approved, status: { ...approved.status, certificate: Buffer.from(pem).toString('base64') } },
    });
    assert.equal(Buffer.from(issued.status?.certificate ?? '', 'base64').toString(), pem);
    assert.deepEqual(
      issued.status?.conditions?.map((c) => c.type),
      ['Approved'],
    );
    // what kubectl prints for it
    if (kubectlBin) {
      const r = kubectl(kubectlBin, s.kubeconfig, ['get', 'csr', 'cn-approve']);
      assert.match(r.stdout, /cn-approve\s+\S+\s+example\.com\/serving\s+kubernetes-admin\s+<none>\s+Approved,Issued/);
    }
  });

  await t.test("merge patch of labels; a JSON patch (client-node's default patch type)", async () => {
    await certs.createCertificateSigningRequest({ body: newCsr('cn-patch', { team: 'a' }) });
    const merged = await certs.patchCertificateSigningRequest(
      { name: 'cn-patch', body: { metadata: { labels: { tier: 'web', team: null } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    assert.deepEqual(merged.metadata?.labels, { tier: 'web' });
    const jsonPatched = await certs.patchCertificateSigningRequest({
      name: 'cn-patch',
      body: [{ op: 'add', path: '/metadata/annotations', value: { note: 'json-patch' } }],
    });
    assert.deepEqual(jsonPatched.metadata?.annotations, { note: 'json-patch' });
    const selected = await certs.listCertificateSigningRequest({ labelSelector: 'tier=web' });
    assert.deepEqual(
      selected.items.map((c) => c.metadata?.name),
      ['cn-patch'],
    );
  });

  await t.test('a stale resourceVersion: ApiException with code 409 and a Conflict Status', async () => {
    const csr = await certs.createCertificateSigningRequest({ body: newCsr('cn-conflict') });
    await certs.replaceCertificateSigningRequest({
      name: 'cn-conflict',
      body: { ...csr, metadata: { ...csr.metadata, labels: { first: 'yes' } } },
    });
    await assert.rejects(
      certs.replaceCertificateSigningRequest({
        name: 'cn-conflict',
        body: { ...csr, metadata: { ...csr.metadata, labels: { second: 'yes' } } },
      }),
      (e: unknown) => {
        assert.ok(e instanceof k8s.ApiException, `an ApiException, got ${String(e)}`);
        assert.equal(e.code, 409);
        const status = JSON.parse(String(e.body)) as { kind: string; reason: string; code: number; message: string };
        assert.equal(status.kind, 'Status');
        assert.equal(status.reason, 'Conflict');
        assert.equal(status.code, 409);
        assert.match(status.message, /the object has been modified; please apply your changes to the latest version/);
        return true;
      },
    );
    const notFound = await certs.readCertificateSigningRequest({ name: 'cn-absent' }).catch((e: unknown) => e);
    assert.ok(notFound instanceof k8s.ApiException);
    assert.equal(notFound.code, 404);
  });

  await t.test('core/v1 events: create, then list by involvedObject.name', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const now = new Date();
    for (const [name, reason] of [
      ['cn-approve', 'Approved'],
      ['cn-approve', 'Issued'],
      ['cn-other', 'Approved'],
    ] as const)
      await core.createNamespacedEvent({
        namespace: 'default',
        body: {
          // generateName is validated as a name prefix: a trailing '.' is refused (as kube-apiserver does)
          metadata: { generateName: `${name}-` },
          involvedObject: { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', name },
          reason,
          message: `${reason} by the client-node test`,
          type: 'Normal',
          count: 1,
          firstTimestamp: now,
          lastTimestamp: now,
          source: { component: 'client-node-test' },
        },
      });
    const events = await core.listNamespacedEvent({
      namespace: 'default',
      fieldSelector: 'involvedObject.name=cn-approve',
    });
    assert.deepEqual(events.items.map((e) => e.reason).sort(), ['Approved', 'Issued']);
    for (const e of events.items) {
      assert.match(e.metadata.name ?? '', /^cn-approve-[a-z0-9]{5}$/);
      assert.ok(e.firstTimestamp instanceof Date);
      assert.equal(e.involvedObject.kind, 'CertificateSigningRequest');
    }
  });

  await t.test(
    'Leases as leader election uses them: create, renew, a rival with a stale version gets 409',
    async () => {
      const coord = kc.makeApiClient(k8s.CoordinationV1Api);
      const acquired = new k8s.V1MicroTime();
      const lease = await coord.createNamespacedLease({
        namespace: 'kube-system',
        body: {
          metadata: { name: 'kubetls-csr-signer' },
          spec: {
            holderIdentity: 'leader-a',
            leaseDurationSeconds: 15,
            acquireTime: acquired,
            renewTime: acquired,
            leaseTransitions: 0,
          },
        },
      });
      assert.equal(lease.spec?.holderIdentity, 'leader-a');
      // MicroTime comes back with its microseconds (client-node keeps it a string)
      assert.match(String(lease.spec?.renewTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      const renewed = await coord.replaceNamespacedLease({
        name: 'kubetls-csr-signer',
        namespace: 'kube-system',
        body: { ...lease, spec: { ...lease.spec, renewTime: new k8s.V1MicroTime(Date.now() + 1000) } },
      });
      assert.notEqual(renewed.metadata?.resourceVersion, lease.metadata?.resourceVersion);
      assert.notEqual(String(renewed.spec?.renewTime), String(lease.spec?.renewTime));
      // a second candidate that read the lease before the renewal tries to take it over
      const takeover = await coord
        .replaceNamespacedLease({
          name: 'kubetls-csr-signer',
          namespace: 'kube-system',
          body: { ...lease, spec: { ...lease.spec, holderIdentity: 'leader-b', leaseTransitions: 1 } },
        })
        .catch((e: unknown) => e);
      assert.ok(takeover instanceof k8s.ApiException);
      assert.equal(takeover.code, 409);
      const current = await coord.readNamespacedLease({ name: 'kubetls-csr-signer', namespace: 'kube-system' });
      assert.equal(current.spec?.holderIdentity, 'leader-a');
      const leases = await coord.listNamespacedLease({ namespace: 'kube-system' });
      assert.ok(leases.items.some((l) => l.metadata?.name === 'kubetls-csr-signer'));
    },
  );

  await t.test(
    'an informer sees ADDED, MODIFIED and DELETED for what kubectl does',
    { skip: kubectlBin ? false : 'kubectl is not installed' },
    async (tt) => {
      const { informer, seen } = recordingInformer(tt, kc, certs);
      await informer.start();
      // the initial list arrives as ADDED for every stored CSR
      assert.ok(seen.includes('ADDED cn-create'), JSON.stringify(seen));
      const from = seen.length;
      const run = (args: string[], input?: string) => {
        const r = kubectl(kubectlBin!, s.kubeconfig, args, input === undefined ? {} : { input });
        assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
      };
      const manifest = JSON.stringify(newCsr('cn-informed'));
      run(['create', '-f', '-'], manifest);
      run(['certificate', 'approve', 'cn-informed']);
      run(['delete', 'csr', 'cn-informed']);
      const want = ['ADDED cn-informed', 'MODIFIED cn-informed Approved', 'DELETED cn-informed Approved'];
      await until(
        () => seen.length >= from + want.length,
        'the informer saw the three changes',
        () => seen.slice(from),
      );
      assert.deepEqual(seen.slice(from), want);
      assert.equal(informer.get('cn-informed'), undefined, 'the cache forgot the deleted CSR');
      assert.equal(informer.get('cn-create')?.spec.username, 'kubernetes-admin');
    },
  );
});

test('an informer carries on across a server restart without losing an event', async (t) => {
  const first = await serve(t);
  const { kc, certs } = client(first.kubeconfig);
  const { informer, seen, errors } = recordingInformer(t, kc, certs);
  await certs.createCertificateSigningRequest({ body: newCsr('before-restart') });
  await certs.createCertificateSigningRequest({ body: newCsr('deleted-while-away') });
  await informer.start();
  await until(
    () => seen.includes('ADDED before-restart') && seen.includes('ADDED deleted-while-away'),
    'initial list',
    () => seen,
  );
  const rvBefore = informer.latestResourceVersion();

  assert.equal(await first.stop(), 0);
  await until(
    () => errors.length > 0,
    'the informer noticed the server going away',
    () => seen,
  );
  const from = seen.length;
  const second = await serve(t, { dir: first.dir, port: first.port });
  // changes made by another client before the informer is back
  const other = client(second.kubeconfig).certs;
  await other.createCertificateSigningRequest({ body: newCsr('after-restart') });
  const csr = await other.readCertificateSigningRequest({ name: 'before-restart' });
  await other.replaceCertificateSigningRequestApproval({
    name: 'before-restart',
    body: {
      ...csr,
      status: { conditions: [{ type: 'Approved', status: 'True', reason: 'Restart', message: 'after the restart' }] },
    },
  });
  await other.deleteCertificateSigningRequest({ name: 'deleted-while-away' });

  const want = ['ADDED after-restart', 'MODIFIED before-restart Approved', 'DELETED deleted-while-away'];
  await until(
    () => want.every((w) => seen.slice(from).includes(w)),
    'the informer saw every change made while it was away',
    () => seen.slice(from),
  );
  // resumed from its resourceVersion (the server kept the history): each change once, in order
  assert.deepEqual(seen.slice(from), want);
  assert.ok(Number(informer.latestResourceVersion()) > Number(rvBefore));
  assert.deepEqual(
    informer
      .list()
      .map((c) => c.metadata?.name)
      .sort(),
    ['after-restart', 'before-restart'],
  );
});
