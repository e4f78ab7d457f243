/**
 * The csrsigning controller against a real `kubetls serve`, as system:kube-controller-manager
 * through @kubernetes/client-node: the seed's CSR for the custom signer (cfssl genkey, CA by
 * cfssl gencert -initca; `kubectl apply`, `kubectl certificate approve`) → status.certificate
 * written once → `openssl verify`;
 * a request outside the policy → Failed (SignerValidationFailure) and a Warning Event; a
 * built-in kube-apiserver-client request signed by serve's CA; the caBundle ConfigMap; the
 * metrics; a CSR that someone else issued first is left alone; the kube-apiserver-client
 * certificate authenticates to the server as its CN and O (`kubectl auth whoami`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ControllerManager } from '../../src/controllers/manager.js';
import { signingController } from '../../src/controllers/csrsigning.js';
import { realClock } from '../../src/controllers/framework/clock.js';
import { updateApproval, updateStatus, withCertificate, withCondition } from '../../src/controllers/framework/csr.js';
import { parseCertificatePem } from '../../src/pki/index.js';
import { openssl, run, tmpDir } from '../helpers.js';
import { kubectl, serve } from '../api/server/harness.js';

/** serve's own controllers off: this test runs the signer itself */
const SERVE_ARGS: string[] = [];
import { adminClient, controllerClient, eventually } from './helpers.js';

function sh(dir: string, script: string): string {
  const r = run('sh', ['-c', `set -e; cd "${dir}"; ${script}`]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

const SEED_CSR = JSON.stringify({
  hosts: ['my-svc.my-namespace.svc.cluster.local', 'my-pod.my-namespace.pod.cluster.local', '192.0.2.24', '10.0.34.2'],
  CN: 'my-pod.my-namespace.pod.cluster.local',
  key: { algo: 'ecdsa', size: 256 },
});

export function signerFiles(dir: string): string {
  sh(
    dir,
    `echo '{"CN":"My Example Signer","key":{"algo":"rsa","size":2048}}' | cfssl gencert -initca - 2>/dev/null | cfssljson -bare ca
     echo '${SEED_CSR}' | cfssl genkey - 2>/dev/null | cfssljson -bare server
     echo '{"CN":"evil.example.com","hosts":["evil.example.com"],"key":{"algo":"ecdsa","size":256}}' | cfssl genkey - 2>/dev/null | cfssljson -bare evil`,
  );
  writeFileSync(
    join(dir, 'signers.yaml'),
    `apiVersion: kubetls.io/v1alpha1
kind: SignerConfiguration
signers:
- signerName: example.com/serving
  caCertFile: ca.pem
  caKeyFile: ca-key.pem
  maxDuration: 720h
  allowedUsages: ["digital signature", "key encipherment", "server auth"]
  allowedDNSNames: ["*.svc.cluster.local", "*.pod.cluster.local"]
  allowedIPRanges: ["192.0.2.0/24", "10.0.0.0/8"]
  caBundle: kube-public/example-serving-ca
`,
  );
  return join(dir, 'signers.yaml');
}

const RBAC = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "test-custom-signer"}
rules:
- {apiGroups: [certificates.k8s.io], resources: [signers], resourceNames: [example.com/serving], verbs: [sign]}
- {apiGroups: [""], resources: [configmaps], verbs: [get, create, update]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "test-custom-signer"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "test-custom-signer"}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: "system:kube-controller-manager"}
`;

const csrBody = (name: string, signerName: string, pem: string, usages: string[]) => ({
  apiVersion: 'certificates.k8s.io/v1',
  kind: 'CertificateSigningRequest',
  metadata: { name },
  spec: { request: Buffer.from(pem).toString('base64'), signerName, usages },
});

test('csrsigning against kubetls serve: custom and built-in signers, refusals, caBundle, metrics, set once', async (t) => {
  const s = await serve(t, { args: SERVE_ARGS });
  const work = tmpDir('kubetls-csrsigning-', t);
  const config = signerFiles(work);
  const admin = await Promise.resolve(adminClient(s.dir)); // sync or async, whichever the helpers give
  const apply = kubectl('kubectl', s.kubeconfig, ['apply', '-f', '-'], { input: RBAC });
  assert.equal(apply.code, 0, apply.stderr);

  const logs: string[] = [];
  const manager = new ControllerManager({
    client: await Promise.resolve(controllerClient(s.dir)),
    controllers: [signingController],
    flags: { signerConfig: config, clusterSigningDuration: '8760h' },
    pkiDir: join(s.dir, 'pki'),
    leaderElection: false,
    log: (l) => logs.push(l),
  });
  await manager.checkPermissions();
  manager.start();
  t.after(() => manager.stop());
  await manager.whenStarted();

  const approve = (name: string) =>
    updateApproval(admin, name, (c) =>
      withCondition(c, { type: 'Approved', reason: 'Test', message: 'ok' }, realClock),
    );
  const usages = ['digital signature', 'key encipherment', 'server auth'];

  // the seed's CSR, as the documentation submits and approves it: kubectl apply, kubectl certificate approve
  const seed = readFileSync(join(work, 'server.csr'), 'utf8');
  const applied = kubectl('kubectl', s.kubeconfig, ['apply', '-f', '-'], {
    input: JSON.stringify(csrBody('my-svc.my-namespace', 'example.com/serving', seed, usages)),
  });
  assert.equal(applied.code, 0, applied.stderr);
  const approved = kubectl('kubectl', s.kubeconfig, ['certificate', 'approve', 'my-svc.my-namespace']);
  assert.equal(approved.code, 0, approved.stderr);
  const issued = await eventually(
    'status.certificate',
    async () =>
      (await admin.certificates.readCertificateSigningRequest({ name: 'my-svc.my-namespace' })).status?.certificate,
  );
  const pem = Buffer.from(issued, 'base64').toString();
  writeFileSync(join(work, 'server.pem'), pem);
  assert.match(
    openssl(['verify', '-CAfile', join(work, 'ca.pem'), '-purpose', 'sslserver', join(work, 'server.pem')]).stdout,
    /OK/,
  );
  const cert = parseCertificatePem(pem);
  assert.deepEqual(cert.dnsNames, ['my-svc.my-namespace.svc.cluster.local', 'my-pod.my-namespace.pod.cluster.local']);
  assert.deepEqual(cert.ipAddresses, ['192.0.2.24', '10.0.34.2']);
  assert.equal(cert.subject.commonName, 'my-pod.my-namespace.pod.cluster.local');
  assert.deepEqual(cert.extKeyUsage, ['serverAuth']);
  const life = cert.notAfter.getTime() - cert.notBefore.getTime();
  assert.ok(Math.abs(life - 720 * 3_600_000) < 2000, `maxDuration 720h: ${life}`); // NotBefore −5 min, NotAfter +720h −5 min

  // outside the policy: Failed with the rule and the value, and a Warning event
  await admin.certificates.createCertificateSigningRequest({
    body: csrBody('evil', 'example.com/serving', readFileSync(join(work, 'evil.csr'), 'utf8'), usages),
  });
  await approve('evil');
  const failed = await eventually('the Failed condition', async () =>
    (await admin.certificates.readCertificateSigningRequest({ name: 'evil' })).status?.conditions?.find(
      (c) => c.type === 'Failed',
    ),
  );
  assert.equal(failed.reason, 'SignerValidationFailure');
  assert.match(failed.message ?? '', /allowedDNSNames: DNS name "evil\.example\.com" is not allowed/);
  const events = await eventually('the Warning event', async () =>
    (await admin.core.listNamespacedEvent({ namespace: 'default' })).items.find(
      (e) => e.involvedObject.name === 'evil' && e.reason === 'SignerValidationFailure',
    ),
  );
  assert.equal(events.type, 'Warning');
  const ok = (await admin.certificates.readCertificateSigningRequest({ name: 'evil' })).status;
  assert.equal(ok?.certificate, undefined);

  // a built-in signer, with serve's CA (the default --cluster-signing-cert-file)
  const client = openssl([
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    join(work, 'jane.key'),
    '-subj',
    '/O=dev/CN=jane',
  ]).stdout;
  await admin.certificates.createCertificateSigningRequest({
    body: csrBody('jane', 'kubernetes.io/kube-apiserver-client', client, ['client auth']),
  });
  await approve('jane');
  const janeCert = await eventually(
    "jane's certificate",
    async () => (await admin.certificates.readCertificateSigningRequest({ name: 'jane' })).status?.certificate,
  );
  writeFileSync(join(work, 'jane.pem'), Buffer.from(janeCert, 'base64'));
  assert.match(
    openssl(['verify', '-CAfile', join(s.dir, 'pki', 'ca.crt'), '-purpose', 'sslclient', join(work, 'jane.pem')])
      .stdout,
    /OK/,
  );
  // and it authenticates to the same server as its CN and O
  const kc = join(work, 'jane.conf');
  for (const args of [
    ['config', 'set-cluster', 'k', `--server=${s.url}`, `--certificate-authority=${join(s.dir, 'pki', 'ca.crt')}`],
    [
      'config',
      'set-credentials',
      'jane',
      `--client-certificate=${join(work, 'jane.pem')}`,
      `--client-key=${join(work, 'jane.key')}`,
    ],
    ['config', 'set-context', 'jane', '--cluster=k', '--user=jane'],
    ['config', 'use-context', 'jane'],
  ])
    assert.equal(kubectl('kubectl', kc, args).code, 0);
  const who = kubectl('kubectl', kc, ['auth', 'whoami', '-o', 'json']);
  assert.equal(who.code, 0, who.stderr);
  const userInfo = (JSON.parse(who.stdout) as { status: { userInfo: { username: string; groups: string[] } } }).status
    .userInfo;
  assert.equal(userInfo.username, 'jane');
  assert.deepEqual(userInfo.groups, ['dev', 'system:authenticated']);

  // issued by someone else before approval: approved later, the controller writes nothing
  await admin.certificates.createCertificateSigningRequest({
    body: csrBody('raced', 'example.com/serving', seed, usages),
  });
  const first = readFileSync(join(work, 'server.pem'), 'utf8');
  await updateStatus(admin, 'raced', (c) => withCertificate(c, first));
  await approve('raced');
  // the caBundle ConfigMap and the metrics
  const cm = await eventually(
    'the caBundle ConfigMap',
    async () =>
      (
        await admin.core
          .readNamespacedConfigMap({ name: 'example-serving-ca', namespace: 'kube-public' })
          .catch(() => undefined)
      )?.data?.['ca.crt'],
  );
  assert.equal(
    parseCertificatePem(cm).subjectString,
    parseCertificatePem(readFileSync(join(work, 'ca.pem'))).subjectString,
  );
  await new Promise((r) => setTimeout(r, 500));
  const raced = await admin.certificates.readCertificateSigningRequest({ name: 'raced' });
  assert.equal(Buffer.from(raced.status?.certificate ?? '', 'base64').toString(), first);
  assert.equal(
    raced.status?.conditions?.some((c) => c.type === 'Failed'),
    false,
  );
  const metrics = await manager.metrics.render();
  assert.match(metrics, /kubetls_csr_signed_total\{signer_name="example.com\/serving"\} 1\n/);
  assert.match(metrics, /kubetls_csr_signed_total\{signer_name="kubernetes.io\/kube-apiserver-client"\} 1/);
  assert.match(metrics, /kubetls_csr_failed_total\{signer_name="example.com\/serving"\} 1/);
  assert.match(metrics, /kubetls_csr_sign_duration_seconds_count\{signer_name="example.com\/serving"\}/);
  assert.ok(!logs.some((l) => /failed to start/.test(l)), logs.join('\n'));
});

test('embedded in serve: --signer-config is granted its own sign permission, and seed 003 is signed by serve itself', async (t) => {
  const work = tmpDir('kubetls-embedded-signer-', t);
  const config = signerFiles(work);
  const s = await serve(t, { args: ['--controllers=*', '--signer-config', config] });
  await eventually('the controllers to start', () => /controllers started: .*csrsigning/.test(s.log()));
  const request = readFileSync(join(work, 'server.csr'));
  const manifest = JSON.stringify(
    csrBody('my-svc.my-namespace', 'example.com/serving', request.toString('latin1'), [
      'digital signature',
      'key encipherment',
      'server auth',
    ]),
  );
  const k = (args: string[], input?: string) => {
    const r = kubectl('kubectl', s.kubeconfig, args, input === undefined ? {} : { input });
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  k(['apply', '-f', '-'], manifest);
  k(['certificate', 'approve', 'my-svc.my-namespace']);
  const b64 = await eventually('the certificate', () =>
    k(['get', 'csr', 'my-svc.my-namespace', '-o', 'jsonpath={.status.certificate}']).trim(),
  );
  const pem = join(work, 'issued.pem');
  writeFileSync(pem, Buffer.from(b64, 'base64'));
  openssl(['verify', '-CAfile', join(work, 'ca.pem'), pem]);
  assert.doesNotMatch(s.log(), /do not run/);
  // the grant is serve's own object, named for what it is
  const role = JSON.parse(k(['get', 'clusterrole', 'kubetls:kube-controller-manager:declared', '-o', 'json'])) as {
    rules: Array<{ resourceNames?: string[]; verbs: string[] }>;
  };
  assert.ok(role.rules.some((r) => r.resourceNames?.includes('example.com/serving') && r.verbs.includes('sign')));
});
