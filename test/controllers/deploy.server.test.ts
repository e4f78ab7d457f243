/**
 * deploy/controller-manager-rbac.yaml against a real `kubetls serve`: applied by real kubectl,
 * then `kubetls controller-manager --kubeconfig K --leader-elect` runs as the manifest's
 * ServiceAccount (K holds a client certificate of CN `system:serviceaccount:kube-system:
 * kubetls-controller-manager`, O `system:serviceaccounts` and `system:serviceaccounts:kube-system`,
 * issued by serve's CA: serve authenticates client certificates as CN/O) and does every job
 * with no 403: signs a CSR, approves a kubelet's client CSR, writes an Event for a refused
 * request, holds its Lease, and serves /metrics to a bearer token it checks with a TokenReview
 * (the manifest's binding to system:auth-delegator). Before the manifest is applied, the same
 * identity is refused at start-up, each missing permission named.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { realClock } from '../../src/controllers/framework/clock.js';
import { updateApproval, withCondition } from '../../src/controllers/framework/csr.js';
import { cli, freePort, hasCommand, ROOT, tmpDir } from '../helpers.js';
import { kubectl, serve } from '../api/server/harness.js';
import { adminClient, clientCert, createCsr, csrPem, eventually, httpsGet, startCli } from './helpers.js';

const NS = 'kube-system';
const SA = 'kubetls-controller-manager';
const MANIFEST = join(ROOT, 'deploy', 'controller-manager-rbac.yaml');

/** A kubeconfig for `cn`/`o` with a client certificate issued by serve's CA. */
function kubeconfigFor(dir: string, port: number, cn: string, o: string[], file: string): string {
  const { cert, key } = clientCert(dir, cn, o);
  const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:${port}", certificate-authority-data: ${b64(readFileSync(join(dir, 'pki', 'ca.crt')))}}
users:
- name: u
  user: {client-certificate-data: ${b64(cert)}, client-key-data: ${b64(key)}}
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
`,
    { mode: 0o600 },
  );
  return file;
}

test(
  'deploy/controller-manager-rbac.yaml: applied by kubectl, it is all kubetls controller-manager needs as its ServiceAccount',
  { skip: !hasCommand('kubectl') && 'kubectl not installed' },
  async (t) => {
    const work = tmpDir('kubetls-deploy-', t);
    // Prometheus's token (a ServiceAccount token in a cluster; a static one here), its user bound to get /metrics
    const PROMETHEUS = 'prometheus-token-6c1d9e04b7';
    writeFileSync(join(work, 'tokens.csv'), `${PROMETHEUS},system:serviceaccount:monitoring:prometheus,\n`);
    const s = await serve(t, { args: ['--token-auth-file', join(work, 'tokens.csv')] });
    const k = kubeconfigFor(
      s.dir,
      s.port,
      `system:serviceaccount:${NS}:${SA}`,
      ['system:serviceaccounts', `system:serviceaccounts:${NS}`],
      join(work, 'sa.conf'),
    );
    const pki = join(s.dir, 'pki');
    const metricsPort = await freePort();
    const args = [
      'controller-manager',
      '--kubeconfig',
      k,
      '--secure-port',
      String(metricsPort),
      '--cluster-signing-cert-file',
      join(pki, 'ca.crt'),
      '--cluster-signing-key-file',
      join(pki, 'ca.key'),
    ];

    // without the manifest: refused at start-up, each missing permission named
    const refused = cli([...args, '--leader-elect=false'], { timeout: 60_000 });
    assert.notEqual(refused.code, 0, refused.stderr);
    assert.match(refused.stderr, /refuses the controllers permissions they need: .*list certificatesigningrequests/);
    assert.match(refused.stderr, /sign signers\.certificates\.k8s\.io "kubernetes\.io\/kube-apiserver-client"/);
    // and the API answers the identity's requests 403
    const forbidden = kubectl('kubectl', k, ['get', 'csr']);
    assert.notEqual(forbidden.code, 0);
    assert.match(forbidden.stderr, new RegExp(`Forbidden.*User "system:serviceaccount:${NS}:${SA}" cannot list`));

    // the manifest, by real kubectl: kubetls serve has no ServiceAccounts (the identity is the
    // certificate's), so that one object is refused and every RBAC object is created (kubectl
    // validates the kind the OpenAPI lacks by listing CRDs, which kubetls serve answers empty)
    const applied = kubectl('kubectl', s.kubeconfig, ['apply', '-f', MANIFEST]);
    for (const o of [
      'clusterrole.rbac.authorization.k8s.io/kubetls:controller-manager created',
      'clusterrolebinding.rbac.authorization.k8s.io/kubetls:controller-manager created',
      'role.rbac.authorization.k8s.io/kubetls:controller-manager:leader-election created',
      'rolebinding.rbac.authorization.k8s.io/kubetls:controller-manager:leader-election created',
      'clusterrolebinding.rbac.authorization.k8s.io/kubetls:controller-manager:auth-delegator created',
    ])
      assert.ok(applied.stdout.includes(o), `${o}\n${applied.stdout}${applied.stderr}`);
    if (applied.code !== 0) {
      assert.match(applied.stderr, /no matches for kind "ServiceAccount" in version "v1"/);
      assert.doesNotMatch(applied.stderr, /Role|Binding/, 'only the ServiceAccount may fail');
    }

    const cm = startCli(t, [...args, '--leader-elect']);
    await eventually('the controllers to start', () => /controllers started/.test(cm.log()), 30_000);
    const admin = await adminClient(s.dir);
    const approve = (name: string) =>
      updateApproval(admin, name, (c) =>
        withCondition(c, { type: 'Approved', reason: 'Test', message: 'ok' }, realClock),
      );

    // signing (kubernetes.io/kube-apiserver-client)
    await createCsr(admin, 'jane', {
      signerName: 'kubernetes.io/kube-apiserver-client',
      usages: ['digital signature', 'client auth'],
      pem: csrPem('/O=devs/CN=jane'),
    });
    await approve('jane');
    await eventually(
      'jane signed',
      async () => (await admin.certificates.readCertificateSigningRequest({ name: 'jane' })).status?.certificate,
    );

    // approving: a kubelet renewing its client certificate (selfnodeclient), created as the node
    const node = kubectl('kubectl', join(s.dir, 'kubelet.conf'), ['create', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'certificates.k8s.io/v1',
        kind: 'CertificateSigningRequest',
        metadata: { name: 'kubelet-renewal' },
        spec: {
          request: Buffer.from(csrPem('/O=system:nodes/CN=system:node:cp-0')).toString('base64'),
          signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
          usages: ['digital signature', 'client auth'],
        },
      }),
    });
    assert.equal(node.code, 0, node.stderr);
    const renewed = await eventually('the kubelet CSR approved and signed', async () => {
      const c = await admin.certificates.readCertificateSigningRequest({ name: 'kubelet-renewal' });
      return c.status?.certificate ? c : undefined;
    });
    assert.equal(renewed.status?.conditions?.find((c) => c.type === 'Approved')?.reason, 'AutoApproved');

    // Events: a request the signer refuses (server auth from kube-apiserver-client) → Failed + Warning
    await createCsr(admin, 'refused', {
      signerName: 'kubernetes.io/kube-apiserver-client',
      usages: ['digital signature', 'server auth'],
      pem: csrPem('/CN=refused'),
    });
    await approve('refused');
    const event = await eventually('the Warning event', async () =>
      (await admin.core.listNamespacedEvent({ namespace: 'default' })).items.find(
        (e) => e.involvedObject.name === 'refused' && e.type === 'Warning',
      ),
    );
    assert.equal(event.reason, 'SignerValidationFailure');

    // /metrics for Prometheus's bearer token: a TokenReview and a SubjectAccessReview by the ServiceAccount
    const bound = kubectl('kubectl', s.kubeconfig, [
      'create', 'clusterrolebinding', 'prometheus-metrics', '--clusterrole=system:monitoring',
      '--user=system:serviceaccount:monitoring:prometheus',
    ]); // prettier-ignore
    assert.equal(bound.code, 0, bound.stderr);
    const scraped = await httpsGet(`https://127.0.0.1:${metricsPort}/metrics`, {
      headers: { Authorization: `Bearer ${PROMETHEUS}` },
    });
    assert.equal(scraped.status, 200, `${scraped.body}\n${cm.log()}`);
    assert.match(scraped.body, /^kubetls_controller_leader 1$/m);

    // the Lease, held by this process
    const lease = await admin.coordination.readNamespacedLease({ name: SA, namespace: NS });
    assert.match(lease.spec?.holderIdentity ?? '', /.+/);
    // \b: the log holds the server's port and a random identity, which may contain 403
    assert.doesNotMatch(cm.log(), /\b403\b|[Ff]orbidden|cannot /, cm.log());
  },
);
