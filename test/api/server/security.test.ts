/**
 * `kubetls serve`'s security matrix, one case a test, against a real server with node:https,
 * curl and openssl s_client: anonymous requests, client certificates (another CA, expired,
 * revoked by CRL and by the deny list, reloaded while the server runs), bootstrap tokens
 * (Secrets created through the API), the static token file, RBAC refusals in kube-apiserver's
 * words, the CSR admission checks, the TLS floor and plaintext.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, freePort, openssl, run, tmpDir } from '../../helpers.js';
import { OpensslCa } from '../authn/fixtures.js';
import { serve, servePki, type Served } from './harness.js';
import {
  admin,
  call,
  createBootstrapTokenSecret,
  eventually,
  fileScope,
  expiredClientCert,
  issueClientCert,
  makeCa,
  whoami,
  type Identity,
} from './client.js';

const hooks = fileScope();
let s: Served;
let revocable: OpensslCa;
let crlPath: string;
let denyPath: string;
let auditPath: string;

before(async () => {
  const port = await freePort();
  const dir = servePki(hooks, port);
  // a second client CA run by openssl ca, whose CRL the server enforces
  revocable = OpensslCa.create(join(dir, 'ossl'), 'revocable-clients');
  const bundle = join(dir, 'client-cas.pem');
  writeFileSync(
    bundle,
    readFileSync(join(dir, 'pki', 'ca.crt'), 'utf8') + readFileSync(join(revocable.dir, 'ca.crt'), 'utf8'),
  );
  crlPath = join(dir, 'clients.crl');
  renameSync(revocable.gencrl('crl-0'), crlPath);
  denyPath = join(dir, 'deny.txt');
  writeFileSync(denyPath, '# nobody yet\n');
  auditPath = join(dir, 'audit.log');
  writeFileSync(join(dir, 'tokens.csv'), 'static-token-0123456789,carol,uid-carol,"ops,auditors"\n');
  s = await serve(hooks, {
    dir,
    port,
    args: [
      '--client-ca-file', bundle,
      '--client-crl-file', crlPath,
      '--client-deny-list', denyPath,
      '--token-auth-file', join(dir, 'tokens.csv'),
      '--audit-log-path', auditPath,
    ], // prettier-ignore
  });
});

const userOf = (a: { json(): Record<string, unknown> }) =>
  (a.json() as { status: { userInfo: { username: string; groups: string[] } } }).status.userInfo;

const auditEvents = () =>
  readFileSync(auditPath, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown> & { annotations?: Record<string, string> });

const UNAUTHORIZED = {
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'Unauthorized',
  reason: 'Unauthorized',
  code: 401,
};

test('no client certificate: anonymous reaches the health checks, /version and cluster-info only', async () => {
  for (const p of ['/healthz', '/livez', '/readyz', '/version']) assert.equal((await call(s, 'GET', p)).status, 200, p);
  const info = await call(s, 'GET', '/api/v1/namespaces/kube-public/configmaps/cluster-info');
  assert.equal(info.status, 200, info.text);
  assert.match(String((info.json() as { data: { kubeconfig: string } }).data.kubeconfig), /certificate-authority-data/);
  // everything else: 401, as kube-apiserver with anonymous conditions on these paths answers
  for (const p of [
    '/api',
    '/apis',
    '/openapi/v2',
    '/healthz/ping',
    '/api/v1/namespaces/kube-public/configmaps',
    '/api/v1/namespaces/kube-system/secrets',
    '/apis/certificates.k8s.io/v1/certificatesigningrequests',
  ]) {
    const r = await call(s, 'GET', p);
    assert.equal(r.status, 401, p);
    assert.deepEqual(r.json(), UNAUTHORIZED);
  }
  // anonymous on the cluster-info path may read, not write: RBAC forbids it (403, as kube-apiserver)
  const put = await call(s, 'PUT', '/api/v1/namespaces/kube-public/configmaps/cluster-info', {
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cluster-info', namespace: 'kube-public' } },
  });
  assert.equal(put.status, 403, put.text);
  assert.equal(
    put.json().message,
    'configmaps "cluster-info" is forbidden: User "system:anonymous" cannot update resource "configmaps" in API group "" in the namespace "kube-public"',
  );
});

test('a client certificate from another CA is refused (401), not treated as anonymous', async () => {
  mkdirSync(join(s.dir, 'other-ca'));
  const other = makeCa(join(s.dir, 'other-ca'), 'other-ca');
  const mallory = issueClientCert(s, '/O=system:masters/CN=mallory', { caDir: other });
  assert.equal((await whoami(s, mallory)).status, 401);
  // even on a path anonymous requests may use: bad credentials are never downgraded
  assert.equal((await call(s, 'GET', '/version', { as: mallory })).status, 401);
});

test('an expired client certificate is refused (401)', async () => {
  const old = await expiredClientCert(s, 'old-timer');
  const r = await whoami(s, old);
  assert.equal(r.status, 401);
  assert.deepEqual(r.json(), UNAUTHORIZED);
});

/** Waits (≤ 5 s, the reload promise) until `who` gets 401; the audit log then holds the refusal. */
async function refusedWithin5s(who: Identity, cn: string): Promise<void> {
  const start = Date.now();
  const refused = await eventually(async () => (await whoami(s, who)).status === 401, 5000);
  assert.ok(refused, `still accepted ${Date.now() - start} ms after the change`);
  const mineOf = () =>
    auditEvents().filter(
      (e) =>
        e.annotations?.['authentication.kubetls.io/revoked'] === 'true' &&
        (e.responseStatus as { code: number }).code === 401 &&
        e.annotations['authentication.kubetls.io/failure']!.includes(`CN=${cn}`),
    );
  // the line is written just after the answer leaves (kube-apiserver's ResponseComplete stage): wait for it
  assert.ok(
    await eventually(() => mineOf().length > 0, 2000),
    `${JSON.stringify(auditEvents().slice(-3))}\n${s.log()}`,
  );
  const mine = mineOf();
  // a refused credential is no user at all (not system:anonymous), as kube-apiserver records it
  assert.deepEqual(mine[0]!.user, {});
}

test('a certificate revoked in --client-crl-file is refused within 5 s, without a restart, and audited', async () => {
  const dave = revocable.issue('/O=devs/CN=dave');
  const id = { cert: readFileSync(dave.path, 'utf8'), key: readFileSync(dave.path.replace(/\.crt$/, '.key'), 'utf8') };
  const ok = await whoami(s, id);
  assert.equal(ok.status, 201, ok.text);
  assert.equal(userOf(ok).username, 'dave');
  revocable.revoke(dave.path);
  renameSync(revocable.gencrl('crl-1'), crlPath);
  await refusedWithin5s(id, 'dave');
  // the other certificates of that CA still work
  const erin = revocable.issue('/CN=erin');
  const e = { cert: readFileSync(erin.path, 'utf8'), key: readFileSync(erin.path.replace(/\.crt$/, '.key'), 'utf8') };
  assert.equal((await whoami(s, e)).status, 201);
});

test('a serial number added to --client-deny-list is refused within 5 s, and audited', async () => {
  const frank = issueClientCert(s, '/CN=frank');
  assert.equal((await whoami(s, frank)).status, 201);
  appendFileSync(denyPath, `serial=${frank.serial}\n`);
  await refusedWithin5s(frank, 'frank');
});

test('a SHA-256 fingerprint added to --client-deny-list is refused within 5 s, and audited', async () => {
  const grace = issueClientCert(s, '/CN=grace');
  assert.equal((await whoami(s, grace)).status, 201);
  const fp = openssl(['x509', '-in', grace.path, '-noout', '-fingerprint', '-sha256']).stdout.trim();
  appendFileSync(denyPath, `${fp}\n`);
  await refusedWithin5s(grace, 'grace');
  // a certificate whose serial or fingerprint is not listed is still let in
  assert.equal((await whoami(s, issueClientCert(s, '/CN=heidi'))).status, 201);
});

/** A bootstrap-token Secret in kube-system, created by the admin through the API. */
const bootstrapSecret = (id: string, secret: string, data: Record<string, string>): Promise<void> =>
  createBootstrapTokenSecret(s, id, secret, data);

test('bootstrap token: unknown token id is refused (401)', async () => {
  assert.equal((await whoami(s, { token: 'zzzzzz.0123456789abcdef' })).status, 401);
});

test('bootstrap token: an expired token is refused (401)', async () => {
  await bootstrapSecret('exp001', '0123456789abcdef', {
    'usage-bootstrap-authentication': 'true',
    expiration: new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z'),
  });
  assert.equal((await whoami(s, { token: 'exp001.0123456789abcdef' })).status, 401);
});

test('bootstrap token: a wrong secret is refused (401)', async () => {
  await bootstrapSecret('wrong1', '0123456789abcdef', { 'usage-bootstrap-authentication': 'true' });
  assert.equal((await whoami(s, { token: 'wrong1.0123456789abcdee' })).status, 401);
});

test('bootstrap token: one without usage-bootstrap-authentication "true" is refused (401)', async () => {
  await bootstrapSecret('nouse1', '0123456789abcdef', { 'usage-bootstrap-signing': 'true' });
  assert.equal((await whoami(s, { token: 'nouse1.0123456789abcdef' })).status, 401);
  await bootstrapSecret('nouse2', '0123456789abcdef', { 'usage-bootstrap-authentication': 'yes' });
  assert.equal((await whoami(s, { token: 'nouse2.0123456789abcdef' })).status, 401);
});

test('bootstrap token: a good one is system:bootstrap:<id> in system:bootstrappers and its extra groups', async () => {
  await bootstrapSecret('good01', '0123456789abcdef', {
    'usage-bootstrap-authentication': 'true',
    expiration: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
    'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token',
  });
  const r = await whoami(s, { token: 'good01.0123456789abcdef' });
  assert.equal(r.status, 201, r.text);
  const u = userOf(r);
  assert.equal(u.username, 'system:bootstrap:good01');
  assert.deepEqual(
    [...u.groups].sort(),
    ['system:authenticated', 'system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token'].sort(),
  );
  // kubeadm binds that group to create CSRs (system:node-bootstrapper)
  const can = await call(s, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
    as: { token: 'good01.0123456789abcdef' },
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: {
        resourceAttributes: { group: 'certificates.k8s.io', resource: 'certificatesigningrequests', verb: 'create' },
      },
    },
  });
  assert.equal((can.json() as { status: { allowed: boolean } }).status.allowed, true, can.text);
});

test('static token file: the token is its user, uid and groups; an unknown token is 401', async () => {
  const r = await whoami(s, { token: 'static-token-0123456789' });
  assert.equal(r.status, 201, r.text);
  const u = userOf(r) as { username: string; uid?: string; groups: string[] };
  assert.equal(u.username, 'carol');
  assert.equal(u.uid, 'uid-carol');
  assert.deepEqual(u.groups, ['ops', 'auditors', 'system:authenticated']);
  assert.equal((await whoami(s, { token: 'static-token-012345678' })).status, 401);
  // a bad bearer token is refused even where anonymous requests may go (kube-apiserver: 401)
  assert.equal((await call(s, 'GET', '/version', { as: { token: 'garbage' } })).status, 401);
  // an Authorization header that is not a bearer token is no credential at all (anonymous, as upstream)
  assert.equal((await call(s, 'GET', '/version', { headers: { Authorization: 'Bearer' } })).status, 200);
});

test('a user without RBAC: 403 in kube-apiserver words, at the cluster scope and in a namespace', async () => {
  const ivan = issueClientCert(s, '/O=team-b/CN=ivan');
  const list = await call(s, 'GET', '/apis/certificates.k8s.io/v1/certificatesigningrequests', { as: ivan });
  assert.equal(list.status, 403);
  assert.deepEqual(list.json(), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message:
      'certificatesigningrequests.certificates.k8s.io is forbidden: User "ivan" cannot list resource "certificatesigningrequests" in API group "certificates.k8s.io" at the cluster scope',
    reason: 'Forbidden',
    details: { group: 'certificates.k8s.io', kind: 'certificatesigningrequests' },
    code: 403,
  });
  const get = await call(s, 'GET', '/api/v1/namespaces/default/configmaps/x', { as: ivan });
  assert.equal(get.status, 403);
  assert.equal(
    get.json().message,
    'configmaps "x" is forbidden: User "ivan" cannot get resource "configmaps" in API group "" in the namespace "default"',
  );
  const sub = await call(s, 'PUT', '/apis/certificates.k8s.io/v1/certificatesigningrequests/x/approval', {
    as: ivan,
    body: {},
  });
  assert.equal(
    sub.json().message,
    'certificatesigningrequests.certificates.k8s.io "x" is forbidden: User "ivan" cannot update resource "certificatesigningrequests/approval" in API group "certificates.k8s.io" at the cluster scope',
  );
  // discovery is still open to every authenticated user (system:discovery)
  assert.equal((await call(s, 'GET', '/apis', { as: ivan })).status, 200);
});

/** A PEM CSR made by openssl, base64 as the API carries it. */
function csrRequest(subj: string): string {
  const pem = openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', '/dev/null', '-subj', subj]).stdout; // prettier-ignore
  return Buffer.from(pem).toString('base64');
}

const csr = (name: string, signerName: string, usages: string[], subj = '/CN=test') => ({
  apiVersion: 'certificates.k8s.io/v1',
  kind: 'CertificateSigningRequest',
  metadata: { name },
  spec: { request: csrRequest(subj), signerName, usages },
});

/** A ClusterRole with `rules`, bound to user `user`, created by the admin. */
async function grant(user: string, name: string, rules: object[]): Promise<void> {
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  const role = await call(s, 'POST', `${rbac}/clusterroles`, {
    as: admin(s),
    body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules },
  });
  assert.equal(role.status, 201, role.text);
  const binding = await call(s, 'POST', `${rbac}/clusterrolebindings`, {
    as: admin(s),
    body: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'User', name: user, apiGroup: 'rbac.authorization.k8s.io' }],
    },
  });
  assert.equal(binding.status, 201, binding.text);
}

const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';

test('approve without the approve verb on signers: 403 from CertificateApproval', async () => {
  await grant('judy', 'judy-approval-writer', [
    { apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'], verbs: ['create', 'get'] },
    { apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/approval'], verbs: ['update'] },
  ]);
  const judy = issueClientCert(s, '/CN=judy');
  const created = await call(s, 'POST', CSRS, { as: judy, body: csr('judys', 'example.com/serving', ['server auth']) });
  assert.equal(created.status, 201, created.text);
  const obj = created.json() as { status?: object };
  obj.status = { conditions: [{ type: 'Approved', status: 'True', reason: 'ByJudy' }] };
  const r = await call(s, 'PUT', `${CSRS}/judys/approval`, { as: judy, body: obj });
  assert.equal(r.status, 403, r.text);
  assert.equal(r.json().reason, 'Forbidden');
  assert.equal(
    r.json().message,
    'certificatesigningrequests.certificates.k8s.io "judys" is forbidden: user not permitted to approve requests with signerName "example.com/serving"',
  );
  // nothing changed
  const now = await call(s, 'GET', `${CSRS}/judys`, { as: admin(s) });
  assert.equal((now.json() as { status: { conditions?: unknown } }).status.conditions, undefined);
});

test('status without the sign verb on signers: 403 from CertificateSigning', async () => {
  await grant('ken', 'ken-status-writer', [
    { apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'], verbs: ['create', 'get'] },
    { apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/status'], verbs: ['update'] },
  ]);
  const ken = issueClientCert(s, '/CN=ken');
  const created = await call(s, 'POST', CSRS, { as: ken, body: csr('kens', 'example.com/serving', ['server auth']) });
  assert.equal(created.status, 201, created.text);
  const obj = created.json() as { status?: object };
  // any certificate: the signing check comes before whether it is the right one
  obj.status = { certificate: Buffer.from(readFileSync(join(s.dir, 'pki', 'apiserver.crt'))).toString('base64') };
  const r = await call(s, 'PUT', `${CSRS}/kens/status`, { as: ken, body: obj });
  assert.equal(r.status, 403, r.text);
  assert.equal(
    r.json().message,
    'certificatesigningrequests.certificates.k8s.io "kens" is forbidden: user not permitted to sign requests with signerName "example.com/serving"',
  );
});

test('system:masters through kubernetes.io/kube-apiserver-client is refused at create, even for the admin', async () => {
  const r = await call(s, 'POST', CSRS, {
    as: admin(s),
    body: csr('masters', 'kubernetes.io/kube-apiserver-client', ['client auth'], '/O=system:masters/CN=mallory'),
  });
  assert.equal(r.status, 403, r.text);
  assert.equal(
    r.json().message,
    'certificatesigningrequests.certificates.k8s.io "masters" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed',
  );
  assert.equal((await call(s, 'GET', `${CSRS}/masters`, { as: admin(s) })).status, 404);
});

const sClient = (flag: string) =>
  run('openssl', ['s_client', flag, '-connect', `127.0.0.1:${s.port}`, '-CAfile', join(s.dir, 'pki', 'ca.crt')], {
    input: '',
    timeout: 15_000,
  });

for (const flag of ['-tls1', '-tls1_1']) {
  test(`openssl s_client ${flag} is refused (no TLS below 1.2)`, () => {
    const r = sClient(flag);
    assert.notEqual(r.code, 0, r.stdout);
    assert.match(r.stderr, /alert protocol version/);
    assert.match(r.stdout, /no peer certificate available/);
    assert.match(r.stdout, /Cipher is \(NONE\)/);
  });
}

test('openssl s_client -tls1_2 and -tls1_3 are served', () => {
  for (const [flag, v] of [
    ['-tls1_2', 'TLSv1.2'],
    ['-tls1_3', 'TLSv1.3'],
  ] as const) {
    const r = sClient(flag);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`New, ${v.replace('.', '\\.')}, Cipher is`));
    assert.match(r.stdout, /Verify return code: 0 \(ok\)/);
  }
});

test('--tls-min-version VersionTLS11 (or 10) is refused at start-up with a clear error', () => {
  for (const v of ['VersionTLS10', 'VersionTLS11']) {
    const r = cli(['serve', '--dir', s.dir, '--secure-port', '0', '--tls-min-version', v], { timeout: 20_000 });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`--tls-min-version: ${v} is refused: kubetls serves TLS 1.2 and 1.3 only`));
  }
});

test('--workers that is not a number of processes is refused at start-up, before any PKI is made', (t) => {
  for (const v of ['abc', '-1', '1.5', '257', '0x2', '']) {
    const dir = join(tmpDir('kubetls-workers-', t), 'pki');
    const r = cli(['serve', '--dir', dir, '--secure-port', '0', '--workers', v], { timeout: 20_000 });
    assert.equal(r.code, 2, `--workers ${JSON.stringify(v)}: ${r.stderr}`);
    assert.match(r.stderr, /--workers: ".*" is not a number of processes \(0 to 256\)/);
    assert.equal(existsSync(dir), false, 'no PKI made for a refused flag');
  }
});

test('plaintext HTTP to the port is refused: no data served', async () => {
  const got = await new Promise<Buffer>((resolve, reject) => {
    const c = connect(s.port, '127.0.0.1', () =>
      c.write('GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /healthz HTTP/1.0\r\n\r\n'),
    );
    const chunks: Buffer[] = [];
    c.on('data', (d: Buffer) => chunks.push(d));
    c.on('close', () => resolve(Buffer.concat(chunks)));
    c.on('error', reject);
    c.setTimeout(15_000, () => c.destroy(new Error('the server held a plaintext connection open')));
  });
  const text = got.toString('latin1');
  assert.doesNotMatch(text, /gitVersion|HTTP\/1\.[01] 200|ok/);
  // curl over http:// gets no HTTP answer either
  const r = run('curl', ['-sS', '-m', '10', `http://127.0.0.1:${s.port}/version`]);
  assert.notEqual(r.code, 0);
  assert.doesNotMatch(r.stdout, /gitVersion/);
  // and the server still serves TLS afterwards
  assert.equal((await call(s, 'GET', '/version')).status, 200);
});

test('--anonymous-auth=false refuses even the health checks and cluster-info (401)', async (t) => {
  const strict = await serve(t, { args: ['--anonymous-auth=false'] });
  for (const p of ['/healthz', '/version', '/api/v1/namespaces/kube-public/configmaps/cluster-info'])
    assert.equal((await call(strict, 'GET', p)).status, 401, p);
  assert.equal((await call(strict, 'GET', '/version', { as: admin(strict) })).status, 200);
});
