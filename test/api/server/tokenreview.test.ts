/**
 * authentication.k8s.io/v1 TokenReview on a real `kubetls serve` (--token-auth-file,
 * bootstrap tokens, --audit-log-path): created with curl, with @kubernetes/client-node and
 * with real kubectl (`create -f … -o yaml`); answered from serve's own token authenticators
 * (a static token, a bootstrap token, an unknown and an expired one); refused 403 in
 * kube-apiserver's words to a caller without RBAC and allowed to one bound to the seeded
 * system:auth-delegator; malformed bodies are 400s; no token reaches the audit log.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { freePort, hasCommand, run } from '../../helpers.js';
import { adminClient } from '../../controllers/helpers.js';
import { kubectl, kubectls, serve, servePki, type Served } from './harness.js';
import { admin, call, createBootstrapTokenSecret, fileScope } from './client.js';
import { bytesField, envelope, message } from '../protobuf/encode.js';

const hooks = fileScope();
let s: Served;
let auditPath: string;
const REVIEWER = 'reviewer-token-8f3a9c41d2';
const CAROL = 'carol-token-77e1b0c5aa';
const BOOTSTRAP = 'tr0001.0123456789abcdef';
const EXPIRED = 'tr0002.0123456789abcdef';
const ALL_TOKENS = [REVIEWER, CAROL, BOOTSTRAP, EXPIRED];
const PATH = '/apis/authentication.k8s.io/v1/tokenreviews';

before(async () => {
  const port = await freePort();
  const dir = servePki(hooks, port);
  auditPath = join(dir, 'audit.log');
  writeFileSync(
    join(dir, 'tokens.csv'),
    `${REVIEWER},reviewer,uid-reviewer\n${CAROL},carol,uid-carol,"ops,auditors"\n`,
  );
  s = await serve(hooks, {
    dir,
    port,
    args: ['--token-auth-file', join(dir, 'tokens.csv'), '--audit-log-path', auditPath],
  });
  const secret = (id: string, expiration: Date) =>
    createBootstrapTokenSecret(s, id, '0123456789abcdef', {
      expiration: expiration.toISOString().replace(/\.\d+Z$/, 'Z'),
      'usage-bootstrap-authentication': 'true',
      'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token',
    });
  await secret('tr0001', new Date(Date.now() + 3600_000));
  await secret('tr0002', new Date(Date.now() - 60_000));
});

const reviewBody = (token: unknown, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'authentication.k8s.io/v1',
  kind: 'TokenReview',
  spec: { token, ...extra },
});

/** POSTs a TokenReview with curl, authenticated by `bearer`; status code and parsed body. */
function curlReview(bearer: string, body: string): { code: number; json: Record<string, unknown> } {
  const caFile = join(s.dir, 'pki', 'ca.crt');
  const r = run('curl', [
    '-sS', '--cacert', caFile, '-o', '-', '-w', '\n%{http_code}',
    '-H', `Authorization: Bearer ${bearer}`, '-H', 'Content-Type: application/json',
    '--data-binary', '@-', `${s.url}${PATH}`,
  ], { input: body }); // prettier-ignore
  assert.equal(r.code, 0, r.stderr);
  const nl = r.stdout.lastIndexOf('\n');
  return { code: Number(r.stdout.slice(nl + 1)), json: JSON.parse(r.stdout.slice(0, nl)) as Record<string, unknown> };
}

test('TokenReview: discovered as a create-only, cluster-scoped resource of authentication.k8s.io/v1', async () => {
  const r = await call(s, 'GET', '/apis/authentication.k8s.io/v1', { as: admin(s) });
  assert.equal(r.status, 200);
  const list = r.json() as { resources: Array<Record<string, unknown>> };
  assert.deepEqual(
    list.resources.find((x) => x.name === 'tokenreviews'),
    { name: 'tokenreviews', singularName: 'tokenreview', namespaced: false, kind: 'TokenReview', verbs: ['create'] },
  );
  // and in OpenAPI v3, so kubectl explain and client generators see it
  const doc = (await call(s, 'GET', '/openapi/v3/apis/authentication.k8s.io/v1', { as: admin(s) })).json() as {
    paths: Record<string, Record<string, unknown>>;
    components: { schemas: Record<string, { required?: string[] }> };
  };
  assert.ok(doc.paths[PATH]?.post, Object.keys(doc.paths).join(' '));
  assert.deepEqual(doc.components.schemas['io.k8s.api.authentication.v1.TokenReview']?.required, ['spec']);
});

test('TokenReview (curl, a caller bound to system:auth-delegator): a static token is its user', async () => {
  // the reviewer has no rights until bound to the seeded role, as upstream's
  const before = curlReview(REVIEWER, JSON.stringify(reviewBody(CAROL)));
  assert.equal(before.code, 403);
  const bound = kubectl('kubectl', s.kubeconfig, [
    'create', 'clusterrolebinding', 'reviewer-delegator', '--clusterrole=system:auth-delegator', '--user=reviewer',
  ]); // prettier-ignore
  assert.equal(bound.code, 0, bound.stderr);
  const r = curlReview(REVIEWER, JSON.stringify(reviewBody(CAROL)));
  assert.equal(r.code, 201, JSON.stringify(r.json));
  assert.deepEqual(r.json, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenReview',
    metadata: {},
    spec: { token: CAROL },
    status: {
      authenticated: true,
      user: { username: 'carol', uid: 'uid-carol', groups: ['ops', 'auditors', 'system:authenticated'] },
    },
  });
});

test('TokenReview (client-node): a bootstrap token; unknown and expired tokens are "invalid bearer token"', async () => {
  const client = await adminClient(s.dir);
  const review = (token: string) =>
    client.authentication.createTokenReview({
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
    });
  const ok = await review(BOOTSTRAP);
  assert.equal(ok.status?.authenticated, true);
  assert.deepEqual(JSON.parse(JSON.stringify(ok.status?.user)), {
    username: 'system:bootstrap:tr0001',
    groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token', 'system:authenticated'],
  });
  for (const token of [EXPIRED, 'zzzzzz.0123456789abcdef', 'no-such-token-at-all']) {
    const r = await review(token);
    assert.equal(r.status?.authenticated, undefined, token);
    assert.deepEqual(JSON.parse(JSON.stringify(r.status?.user)), {}, token);
    assert.equal(r.status?.error, 'invalid bearer token', token);
  }
  // the raw answer to a refused token: no "authenticated" at all (Go's omitempty), user {}
  const raw = await call(s, 'POST', PATH, { as: admin(s), body: reviewBody(EXPIRED) });
  assert.equal(raw.status, 201);
  assert.deepEqual(raw.json().status, { user: {}, error: 'invalid bearer token' });
});

test('TokenReview as protobuf (what client-go, e.g. a real kube-controller-manager, sends), answered in JSON', async () => {
  const body = envelope(
    message(bytesField(2, message(bytesField(1, CAROL), bytesField(2, 'aud-1')))),
    'authentication.k8s.io/v1',
    'TokenReview',
  );
  const r = await call(s, 'POST', PATH, {
    as: admin(s),
    body,
    contentType: 'application/vnd.kubernetes.protobuf',
    headers: { Accept: 'application/json' },
  });
  assert.equal(r.status, 201, r.text);
  // an audience was named, and kubetls serve has none (no ServiceAccount issuer): refused, as
  // kube-apiserver refuses a static token for an audience it is not
  assert.deepEqual(r.json().spec, { token: CAROL, audiences: ['aud-1'] });
  assert.deepEqual(r.json().status, { user: {}, error: 'invalid bearer token' });
  const plain = await call(s, 'POST', PATH, {
    as: admin(s),
    body: envelope(message(bytesField(2, message(bytesField(1, CAROL)))), 'authentication.k8s.io/v1', 'TokenReview'),
    contentType: 'application/vnd.kubernetes.protobuf',
  });
  assert.equal(plain.status, 201, plain.text);
  assert.equal((plain.json().status as { authenticated?: boolean }).authenticated, true);
});

test('TokenReview: a caller without RBAC is refused 403 in kube-apiserver words', async () => {
  const r = curlReview(CAROL, JSON.stringify(reviewBody(REVIEWER)));
  assert.equal(r.code, 403);
  assert.equal(
    r.json.message,
    'tokenreviews.authentication.k8s.io is forbidden: User "carol" cannot create resource "tokenreviews" in API group "authentication.k8s.io" at the cluster scope',
  );
  assert.equal(r.json.reason, 'Forbidden');
  assert.doesNotMatch(JSON.stringify(r.json), new RegExp(REVIEWER));
});

test('TokenReview: malformed, empty, wrongly typed and misdirected requests are refused, the token never echoed', async () => {
  const post = (body: string | object, path = PATH, contentType?: string) =>
    call(s, 'POST', path, { as: admin(s), body, ...(contentType ? { contentType } : {}) });
  const empty = await post(reviewBody(''));
  assert.equal(empty.status, 400);
  assert.equal(empty.json().message, 'token is required for TokenReview in authentication');
  assert.equal((await post({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview' })).status, 400);
  const typed = await post(reviewBody(12345));
  assert.equal(typed.status, 400, typed.text);
  assert.match(String(typed.json().message), /spec\.token/);
  const broken = await post(`{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"${CAROL}"`);
  assert.equal(broken.status, 400);
  const wrongKind = await post({ ...reviewBody(CAROL), kind: 'SelfSubjectReview' });
  assert.equal(wrongKind.status, 400, wrongKind.text);
  const unknownField = await post(reviewBody(CAROL, { tokn: 'x' }), `${PATH}?fieldValidation=Strict`);
  assert.equal(unknownField.status, 400, unknownField.text);
  assert.match(String(unknownField.json().message), /unknown field "spec\.tokn"/);
  // a megabyte of token is only a token nobody has (bodies over 3 MiB are 413: hostile.test.ts)
  const long = await post(reviewBody('x'.repeat(1024 * 1024)));
  assert.equal(long.status, 201);
  assert.deepEqual(long.json().status, { user: {}, error: 'invalid bearer token' });
  // cluster-scoped: no namespaced path; create only
  assert.equal(
    (await post(reviewBody(CAROL), `/apis/authentication.k8s.io/v1/namespaces/default/tokenreviews`)).status,
    404,
  );
  for (const method of ['GET', 'DELETE']) {
    const r = await call(s, method, PATH, { as: admin(s) });
    assert.equal(r.status, 405, `${method}: ${r.text}`);
  }
  for (const r of [empty, typed, broken, wrongKind, unknownField])
    for (const t of ALL_TOKENS) assert.ok(!r.text.includes(t), `a refusal echoes a token: ${r.text}`);
});

test(
  'TokenReview with real kubectl: create -f tokenreview.yaml -o yaml',
  { skip: !hasCommand('kubectl') && 'kubectl not installed' },
  () => {
    const manifest = `apiVersion: authentication.k8s.io/v1\nkind: TokenReview\nspec:\n  token: ${CAROL}\n`;
    const file = join(s.dir, 'tokenreview.yaml');
    writeFileSync(file, manifest);
    // no --validate=false: kubectl ≥ 1.27 validates a kind without a PATCH operation (every
    // review kind) by listing CRDs, which kubetls serve answers empty (not a custom resource),
    // then asks the server for strict field validation; kubectl 1.20 validates from /openapi/v2
    for (const k of kubectls()) {
      const r = kubectl(k.path, s.kubeconfig, ['create', '-f', file, '-o', 'yaml']);
      assert.equal(r.code, 0, `${k.name}: ${r.stderr}`);
      const out = parse(r.stdout) as { kind: string; status: Record<string, unknown> };
      assert.equal(out.kind, 'TokenReview', k.name);
      assert.deepEqual(
        out.status,
        {
          authenticated: true,
          user: { username: 'carol', uid: 'uid-carol', groups: ['ops', 'auditors', 'system:authenticated'] },
        },
        k.name,
      );
      const refused = kubectl(k.path, s.kubeconfig, ['create', '-f', '-', '-o', 'jsonpath={.status.error}'], {
        input: manifest.replace(CAROL, 'not-a-known-token'),
      });
      assert.equal(refused.code, 0, `${k.name}: ${refused.stderr}`);
      assert.equal(refused.stdout, 'invalid bearer token', k.name);
    }
  },
);

test('TokenReview: every review is in the audit log (Metadata level), no token is', () => {
  const text = readFileSync(auditPath, 'utf8');
  const reviews = text
    .split('\n')
    .filter(Boolean)
    .map(
      (l) =>
        JSON.parse(l) as {
          verb: string;
          objectRef?: { resource: string; apiGroup: string };
          responseStatus: { code: number };
        },
    )
    .filter((e) => e.objectRef?.resource === 'tokenreviews' && e.verb === 'create');
  // the answered ones (201) and the refused ones (403, 400, 404) alike
  const codes = new Set(reviews.map((e) => e.responseStatus.code));
  for (const c of [201, 400, 403, 404]) assert.ok(codes.has(c), `a ${c} create is audited: ${[...codes].join(' ')}`);
  for (const e of reviews) assert.equal(e.objectRef?.apiGroup, 'authentication.k8s.io');
  for (const t of ALL_TOKENS) assert.ok(!text.includes(t), 'a token reached the audit log');
  assert.ok(!text.includes('0123456789abcdef'), "a bootstrap token's secret reached the audit log");
});
