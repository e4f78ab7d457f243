/**
 * `kubetls serve --audit-log-path`, read back after real requests: one JSON line per write in
 * kube-apiserver's audit.k8s.io/v1 Event shape (reads are not logged); who approved and who
 * signed a CSR, answerable from the log when two different identities did it; the file is
 * 0600; request bodies, secret values and bearer tokens never reach it.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, openssl } from '../../helpers.js';
import { serve, servePki, type Served } from './harness.js';
import { admin, call, eventually, fileScope, issueClientCert, type Identity } from './client.js';

const hooks = fileScope();
let s: Served;
let auditPath: string;
before(async () => {
  const port = await freePort();
  const dir = servePki(hooks, port);
  auditPath = join(dir, 'audit.log');
  writeFileSync(join(dir, 'tokens.csv'), 'token-never-logged-4242,tina,uid-tina,"ops"\n');
  s = await serve(hooks, {
    dir,
    port,
    args: ['--audit-log-path', auditPath, '--token-auth-file', join(dir, 'tokens.csv')],
  });
});

interface AuditEvent {
  kind: string;
  apiVersion: string;
  level: string;
  auditID: string;
  stage: string;
  requestURI: string;
  verb: string;
  user: { username?: string; uid?: string; groups?: string[] };
  sourceIPs: string[];
  userAgent?: string;
  objectRef?: {
    resource: string;
    namespace?: string;
    name?: string;
    apiGroup: string;
    apiVersion: string;
    subresource?: string;
  };
  responseStatus: { metadata: object; code: number };
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  annotations?: Record<string, string>;
}

const events = (): AuditEvent[] =>
  readFileSync(auditPath, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditEvent);

const CMS = '/api/v1/namespaces/default/configmaps';
const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';

test('one JSON line per write, in the audit.k8s.io/v1 Event shape; reads are not logged', async () => {
  const start = events().length;
  const as = admin(s);
  const ua = { 'User-Agent': 'audit-test/1.0' };
  const writes: Array<[string, string, number, object | undefined, string?]> = [
    ['POST', CMS, 201, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'audited' }, data: { a: '1' } }],
    [
      'PUT',
      `${CMS}/audited`,
      200,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'audited' }, data: { a: '2' } },
    ],
    ['PATCH', `${CMS}/audited`, 200, { data: { b: '3' } }, 'application/merge-patch+json'],
    ['POST', CMS, 409, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'audited' } }],
    ['DELETE', `${CMS}/audited`, 200, undefined],
  ];
  for (const [method, path, code, body, ct] of writes) {
    const r = await call(s, method, path, {
      as,
      headers: ua,
      ...(body ? { body } : {}),
      ...(ct ? { contentType: ct } : {}),
    });
    assert.equal(r.status, code, `${method} ${path}: ${r.text}`);
    // reads in between: never logged
    assert.equal((await call(s, 'GET', CMS, { as })).status, 200);
  }
  const got = events().slice(start);
  assert.equal(got.length, writes.length, JSON.stringify(got, null, 1));
  const verbs = got.map((e) => `${e.verb} ${e.responseStatus.code}`);
  assert.deepEqual(verbs, ['create 201', 'update 200', 'patch 200', 'create 409', 'delete 200']);
  const ids = new Set<string>();
  for (const e of got) {
    assert.deepEqual(Object.keys(e).sort(), [
      'annotations', 'apiVersion', 'auditID', 'kind', 'level', 'objectRef', 'requestReceivedTimestamp', 'requestURI',
      'responseStatus', 'sourceIPs', 'stage', 'stageTimestamp', 'user', 'userAgent', 'verb',
    ]); // prettier-ignore
    assert.equal(e.kind, 'Event');
    assert.equal(e.apiVersion, 'audit.k8s.io/v1');
    assert.equal(e.level, 'Metadata');
    assert.equal(e.stage, 'ResponseComplete');
    assert.match(e.auditID, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    ids.add(e.auditID);
    assert.equal(e.user.username, 'kubernetes-admin');
    assert.deepEqual(e.user.groups, ['kubeadm:cluster-admins', 'system:authenticated']);
    assert.deepEqual(e.sourceIPs, ['127.0.0.1']);
    assert.equal(e.userAgent, 'audit-test/1.0');
    assert.equal(e.objectRef!.resource, 'configmaps');
    assert.equal(e.objectRef!.namespace, 'default');
    assert.equal(e.objectRef!.apiVersion, 'v1');
    assert.equal(e.objectRef!.apiGroup, '');
    assert.match(e.requestReceivedTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.ok(e.stageTimestamp >= e.requestReceivedTimestamp);
    assert.equal(e.annotations!['authorization.k8s.io/decision'], 'allow');
  }
  assert.equal(ids.size, got.length, 'every event has its own auditID');
  assert.equal(got[0]!.requestURI, CMS);
  // a create names no object in its URL: the event names what it made (kube-apiserver completes objectRef)
  assert.equal(got[0]!.objectRef!.name, 'audited');
  assert.match(String((got[0]!.objectRef as { uid?: string }).uid), /^[0-9a-f-]{36}$/);
  assert.equal(got[3]!.objectRef!.name, undefined, 'a refused create made nothing');
  assert.equal(got[1]!.objectRef!.name, 'audited');
});

/** A ClusterRole with `rules` bound to `user`, made by the admin. */
async function grant(user: string, rules: object[]): Promise<void> {
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  const name = `${user}-role`;
  for (const [path, body] of [
    [
      `${rbac}/clusterroles`,
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules },
    ],
    [
      `${rbac}/clusterrolebindings`,
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
        subjects: [{ kind: 'User', name: user, apiGroup: 'rbac.authorization.k8s.io' }],
      },
    ],
  ] as const) {
    const r = await call(s, 'POST', path, { as: admin(s), body });
    assert.equal(r.status, 201, r.text);
  }
}

test('who approved and who signed a CSR is answerable from the log (two identities)', async () => {
  await grant('alice-approver', [
    { apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'], verbs: ['get'] },
    { apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/approval'], verbs: ['update'] },
    {
      apiGroups: ['certificates.k8s.io'],
      resources: ['signers'],
      resourceNames: ['example.com/*'],
      verbs: ['approve'],
    },
  ]);
  await grant('bob-signer', [
    { apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'], verbs: ['get'] },
    { apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/status'], verbs: ['update'] },
    {
      apiGroups: ['certificates.k8s.io'],
      resources: ['signers'],
      resourceNames: ['example.com/serving'],
      verbs: ['sign'],
    },
  ]);
  const alice: Identity = issueClientCert(s, '/O=approvers/CN=alice-approver');
  const bob: Identity = issueClientCert(s, '/O=signers/CN=bob-signer');
  const key = join(s.dir, 'csr.key');
  const pem = openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-subj', '/CN=svc.example.com']).stdout; // prettier-ignore
  const created = await call(s, 'POST', CSRS, {
    as: admin(s),
    body: {
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { name: 'audited-csr' },
      spec: {
        request: Buffer.from(pem).toString('base64'),
        signerName: 'example.com/serving',
        usages: ['digital signature', 'server auth'],
      },
    },
  });
  assert.equal(created.status, 201, created.text);

  const csr = created.json() as { status?: object };
  csr.status = {
    conditions: [{ type: 'Approved', status: 'True', reason: 'AliceSaysSo', message: 'checked by hand' }],
  };
  const approved = await call(s, 'PUT', `${CSRS}/audited-csr/approval`, { as: alice, body: csr });
  assert.equal(approved.status, 200, approved.text);

  // bob signs it with openssl (the cluster CA stands in for example.com's) and uploads the certificate
  const csrPath = join(s.dir, 'audited.csr');
  writeFileSync(csrPath, pem);
  const cert = openssl(['x509', '-req', '-in', csrPath, '-CA', join(s.dir, 'pki', 'ca.crt'), '-CAkey', join(s.dir, 'pki', 'ca.key'), '-days', '1']).stdout; // prettier-ignore
  const withApproval = approved.json() as { status: { certificate?: string } };
  withApproval.status.certificate = Buffer.from(cert).toString('base64');
  const signed = await call(s, 'PUT', `${CSRS}/audited-csr/status`, { as: bob, body: withApproval });
  assert.equal(signed.status, 200, signed.text);

  // the line is written just after the answer leaves (as kube-apiserver's ResponseComplete stage): wait for it
  await eventually(() => events().some((e) => e.objectRef?.subresource === 'status'), 3000);
  const mine = events().filter((e) => e.objectRef?.name === 'audited-csr');
  const approval = mine.filter((e) => e.objectRef!.subresource === 'approval' && e.responseStatus.code === 200);
  const status = mine.filter((e) => e.objectRef!.subresource === 'status' && e.responseStatus.code === 200);
  assert.equal(approval.length, 1, `${JSON.stringify(mine)}\n${s.log()}`);
  assert.equal(status.length, 1, `${JSON.stringify(mine)}\n${s.log()}`);
  // who approved: alice, and the write added Approved
  assert.equal(approval[0]!.user.username, 'alice-approver');
  assert.deepEqual(approval[0]!.user.groups, ['approvers', 'system:authenticated']);
  assert.equal(approval[0]!.verb, 'update');
  assert.equal(approval[0]!.objectRef!.apiGroup, 'certificates.k8s.io');
  assert.equal(approval[0]!.annotations!['certificates.kubetls.io/conditions'], 'Approved');
  // who signed: bob, and the write set the certificate
  assert.equal(status[0]!.user.username, 'bob-signer');
  assert.equal(status[0]!.annotations!['certificates.kubetls.io/certificate'], 'set');
  assert.notEqual(approval[0]!.auditID, status[0]!.auditID);
  // the creator is there too
  assert.ok(
    mine.some((e) => e.verb === 'create' && e.user.username === 'kubernetes-admin' && e.responseStatus.code === 201),
  );
});

test('the audit log file is 0600', () => {
  assert.equal(statSync(auditPath).mode & 0o777, 0o600);
});

test('request bodies, secret values and bearer tokens never reach the log', async () => {
  const secret = 'TOP-SECRET-VALUE-9f8e7d';
  const r = await call(s, 'POST', '/api/v1/namespaces/default/secrets', {
    as: admin(s),
    body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'hush' }, stringData: { password: secret } },
  });
  assert.equal(r.status, 201, r.text);
  const u = await call(s, 'PUT', '/api/v1/namespaces/default/secrets/hush', {
    as: admin(s),
    body: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'hush' },
      data: { password: Buffer.from(secret).toString('base64') },
    },
  });
  assert.equal(u.status, 200, u.text);
  // a token user's write (refused by RBAC) and a bad token: the token text is never written
  const t = await call(s, 'POST', CMS, {
    as: { token: 'token-never-logged-4242' },
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'by-token' } },
  });
  assert.equal(t.status, 403);
  assert.equal((await call(s, 'POST', CMS, { as: { token: 'wrong-token-never-logged-1111' }, body: {} })).status, 401);
  await eventually(() => events().some((e) => e.responseStatus.code === 401), 3000);
  const text = readFileSync(auditPath, 'utf8');
  for (const leak of [
    secret,
    Buffer.from(secret).toString('base64'),
    'token-never-logged-4242',
    'wrong-token-never-logged',
    'password',
  ])
    assert.ok(!text.includes(leak), `the audit log holds ${leak}`);
  for (const e of events()) {
    assert.equal((e as unknown as Record<string, unknown>).requestObject, undefined);
    assert.equal((e as unknown as Record<string, unknown>).responseObject, undefined);
  }
  // but the writes themselves are there, by who made them
  assert.ok(events().some((e) => e.objectRef?.name === 'hush' && e.verb === 'update' && e.responseStatus.code === 200));
  assert.ok(events().some((e) => e.user.username === 'tina' && e.responseStatus.code === 403));
  assert.ok(
    events().some((e) => e.responseStatus.code === 401 && JSON.stringify(e.user) === '{}'),
    JSON.stringify(events().slice(-4)),
  );
});
