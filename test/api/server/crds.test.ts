/**
 * apiextensions.k8s.io/v1 CustomResourceDefinitions on a real `kubetls serve`: read-only and
 * always empty. Driven by curl (list, get, watch, every write verb, a caller without RBAC),
 * by every installed kubectl (`get crd`, and `create -f`/`apply -f` of kinds kubectl checks
 * against the CRD list under its default --validate=strict), and discovery / OpenAPI reads.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasCommand, ROOT, run } from '../../helpers.js';
import { kubectl, kubectls, serve, type Served } from './harness.js';
import { admin, call, fileScope, issueClientCert } from './client.js';

const hooks = fileScope();
let s: Served;
const GV = '/apis/apiextensions.k8s.io/v1';
const PATH = `${GV}/customresourcedefinitions`;
const MANIFEST = join(ROOT, 'deploy', 'controller-manager-rbac.yaml');

before(async () => {
  s = await serve(hooks);
});

/** curl as a client certificate for `subj` issued by the cluster CA: status code and body. */
function curl(subj: string, method: string, path: string, extra: string[] = []): { code: number; body: string } {
  const id = issueClientCert(s, subj);
  const r = run('curl', [
    '-sS', '--cacert', join(s.dir, 'pki', 'ca.crt'), '--cert', id.path, '--key', id.path.replace(/\.crt$/, '.key'),
    '-X', method, '-o', '-', '-w', '\n%{http_code}', ...extra, `${s.url}${path}`,
  ]); // prettier-ignore
  assert.equal(r.code, 0, r.stderr);
  const nl = r.stdout.lastIndexOf('\n');
  return { code: Number(r.stdout.slice(nl + 1)), body: r.stdout.slice(0, nl) };
}
const ADMIN = '/O=system:masters/CN=crd-admin';

test('CRDs: discovered (legacy and aggregated) as a read-only, cluster-scoped resource with short names', async () => {
  const r = await call(s, 'GET', GV, { as: admin(s) });
  assert.equal(r.status, 200, r.text);
  const list = r.json() as { resources: Array<Record<string, unknown>> };
  assert.deepEqual(
    list.resources.find((x) => x.name === 'customresourcedefinitions'),
    {
      name: 'customresourcedefinitions',
      singularName: 'customresourcedefinition',
      namespaced: false,
      kind: 'CustomResourceDefinition',
      verbs: ['get', 'list', 'watch'],
      shortNames: ['crd', 'crds'],
      categories: ['api-extensions'],
    },
  );
  const agg = await call(s, 'GET', '/apis', {
    as: admin(s),
    headers: { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' },
  });
  const groups = (agg.json() as { items: Array<{ metadata: { name: string }; versions: Array<{ resources: Array<Record<string, unknown>> }> }> }).items; // prettier-ignore
  const ext = groups.find((g) => g.metadata.name === 'apiextensions.k8s.io');
  assert.ok(ext, agg.text.slice(0, 500));
  const res = ext.versions[0]!.resources.find((x) => x.resource === 'customresourcedefinitions');
  assert.equal(res?.scope, 'Cluster');
  assert.deepEqual(res?.verbs, ['get', 'list', 'watch']);
  // OpenAPI v3: list/watch and read paths, no write operation, the kind's schema under upstream's name
  const doc = (await call(s, 'GET', `/openapi/v3${GV}`, { as: admin(s) })).json() as {
    paths: Record<string, Record<string, unknown>>;
    components: { schemas: Record<string, { required?: string[] }> };
  };
  assert.deepEqual(
    Object.keys(doc.paths[PATH] ?? {}).filter((k) => k !== 'parameters'),
    ['get'],
  );
  assert.deepEqual(
    Object.keys(doc.paths[`${PATH}/{name}`] ?? {}).filter((k) => k !== 'parameters'),
    ['get'],
  );
  const def = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition';
  assert.deepEqual(doc.components.schemas[def]?.required, ['spec']);
  assert.deepEqual(doc.components.schemas[`${def}Spec`]?.required, ['group', 'names', 'scope', 'versions']);
});

test('CRDs (curl): list is empty at the current resourceVersion, get is 404, watch stays open with bookmarks only', () => {
  const list = curl(ADMIN, 'GET', PATH);
  assert.equal(list.code, 200, list.body);
  const l = JSON.parse(list.body) as { kind: string; apiVersion: string; metadata: { resourceVersion: string }; items: unknown[] }; // prettier-ignore
  assert.equal(l.kind, 'CustomResourceDefinitionList');
  assert.equal(l.apiVersion, 'apiextensions.k8s.io/v1');
  assert.deepEqual(l.items, []);
  // the store's current revision: a configmap written now has a newer one
  const cm = kubectl('kubectl', s.kubeconfig, ['create', 'configmap', 'crd-rv', '-o', 'jsonpath={.metadata.resourceVersion}']); // prettier-ignore
  assert.equal(cm.code, 0, cm.stderr);
  assert.ok(Number(l.metadata.resourceVersion) > 0 && Number(l.metadata.resourceVersion) < Number(cm.stdout));
  const after = JSON.parse(curl(ADMIN, 'GET', PATH).body) as { metadata: { resourceVersion: string } };
  assert.equal(after.metadata.resourceVersion, cm.stdout);

  const get = curl(ADMIN, 'GET', `${PATH}/foos.example.com`);
  assert.equal(get.code, 404, get.body);
  assert.deepEqual(JSON.parse(get.body), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'customresourcedefinitions.apiextensions.k8s.io "foos.example.com" not found',
    reason: 'NotFound',
    details: { name: 'foos.example.com', group: 'apiextensions.k8s.io', kind: 'customresourcedefinitions' },
    code: 404,
  });

  // the server ends the watch at timeoutSeconds (curl exits 0) after one bookmark and nothing else
  const t0 = Date.now();
  const w = curl(ADMIN, 'GET', `${PATH}?watch=1&resourceVersion=${cm.stdout}&allowWatchBookmarks=true&timeoutSeconds=3`, ['-N', '--max-time', '10']); // prettier-ignore
  assert.equal(w.code, 200, w.body);
  assert.ok(Date.now() - t0 >= 2500, `ended after ${Date.now() - t0} ms`);
  const events = w.body.split('\n').filter(Boolean).map((x) => JSON.parse(x) as { type: string; object: Record<string, unknown> }); // prettier-ignore
  assert.deepEqual(
    events.map((e) => e.type),
    ['BOOKMARK'],
  );
  assert.equal(events[0]!.object.kind, 'CustomResourceDefinition');
  assert.equal(events[0]!.object.apiVersion, 'apiextensions.k8s.io/v1');
});

test('CRDs (curl): every write verb is 405 MethodNotSupported, before the body is looked at', () => {
  const body = JSON.stringify({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'foos.example.com' } }); // prettier-ignore
  const json = ['-H', 'Content-Type: application/json', '--data-binary', body];
  for (const [method, path, verb, extra] of [
    ['POST', PATH, 'create', json],
    ['PUT', `${PATH}/foos.example.com`, 'update', json],
    [
      'PATCH',
      `${PATH}/foos.example.com`,
      'patch',
      ['-H', 'Content-Type: application/merge-patch+json', '--data-binary', '{}'],
    ],
    ['DELETE', `${PATH}/foos.example.com`, 'delete', []],
    ['DELETE', PATH, 'deletecollection', []],
    ['POST', PATH, 'create', ['-H', 'Content-Type: application/json', '--data-binary', '{not json']],
  ] as const) {
    const r = curl(ADMIN, method, path, [...extra]);
    assert.equal(r.code, 405, `${method} ${path}: ${r.body}`);
    const st = JSON.parse(r.body) as { reason: string; message: string };
    assert.equal(st.reason, 'MethodNotAllowed');
    assert.equal(
      st.message,
      `${verb} is not supported on resources of kind "customresourcedefinitions.apiextensions.k8s.io"`,
    );
  }
  // subresources kube serves on CRDs (status) are not here
  assert.equal(curl(ADMIN, 'GET', `${PATH}/foos.example.com/status`).code, 404);
});

test('CRDs (curl): a caller without RBAC is refused 403 in kube-apiserver words', () => {
  const r = curl('/O=devs/CN=dana', 'GET', PATH);
  assert.equal(r.code, 403, r.body);
  assert.equal(
    (JSON.parse(r.body) as { message: string }).message,
    'customresourcedefinitions.apiextensions.k8s.io is forbidden: User "dana" cannot list resource "customresourcedefinitions" in API group "apiextensions.k8s.io" at the cluster scope',
  );
  assert.equal(curl('/O=devs/CN=dana', 'GET', `${PATH}?watch=1`).code, 403);
});

test(
  'CRDs with real kubectl: get crd finds none, get crd NAME is NotFound, explain works',
  { skip: !hasCommand('kubectl') && 'kubectl not installed' },
  () => {
    for (const k of kubectls()) {
      const none = kubectl(k.path, s.kubeconfig, ['get', 'crd']);
      assert.equal(none.code, 0, `${k.name}: ${none.stderr}`);
      assert.equal(none.stdout, '', k.name);
      assert.match(none.stderr, /^No resources found\s*$/, k.name);
      const one = kubectl(k.path, s.kubeconfig, ['get', 'customresourcedefinitions.apiextensions.k8s.io', 'foos.example.com']); // prettier-ignore
      assert.notEqual(one.code, 0, k.name);
      assert.match(one.stderr, /NotFound.*customresourcedefinitions\.apiextensions\.k8s\.io "foos\.example\.com" not found/, k.name); // prettier-ignore
      const explain = kubectl(k.path, s.kubeconfig, ['explain', 'crd.spec.names.kind']);
      assert.equal(explain.code, 0, `${k.name}: ${explain.stderr}`);
      assert.match(explain.stdout, /CustomResourceDefinition/, k.name);
    }
  },
);

test(
  'kubectl create -f of a kind without PATCH (SelfSubjectAccessReview) validates by listing CRDs, with no flag',
  { skip: !hasCommand('kubectl') && 'kubectl not installed' },
  () => {
    const file = join(s.dir, 'ssar.yaml');
    writeFileSync(file, 'apiVersion: authorization.k8s.io/v1\nkind: SelfSubjectAccessReview\nspec:\n  resourceAttributes:\n    verb: list\n    resource: customresourcedefinitions\n    group: apiextensions.k8s.io\n'); // prettier-ignore
    for (const k of kubectls()) {
      const r = kubectl(k.path, s.kubeconfig, ['create', '-f', file, '-o', 'jsonpath={.status.allowed}', '-v=6']);
      assert.equal(r.code, 0, `${k.name}: ${r.stderr}`);
      assert.equal(r.stdout, 'true', k.name);
      // ≥ 1.27 asks the CRD list (200) and then lets the server validate strictly; 1.20 validates from /openapi/v2
      if (k.name !== 'kubectl.1.20') {
        assert.match(r.stderr, /customresourcedefinitions"? (status=")?200 OK/, k.name);
        assert.match(r.stderr, /selfsubjectaccessreviews\?fieldManager=kubectl-create&fieldValidation=Strict/, k.name);
      }
      // an unknown field is refused under strict validation, as kube-apiserver does
      const bad = kubectl(k.path, s.kubeconfig, ['create', '-f', '-'], { input: 'apiVersion: authorization.k8s.io/v1\nkind: SelfSubjectAccessReview\nspec:\n  bogus: 1\n  resourceAttributes: {verb: get}\n' }); // prettier-ignore
      assert.notEqual(bad.code, 0, k.name);
      assert.match(bad.stderr, /unknown field "(spec\.)?bogus"/, k.name);
    }
  },
);

test(
  'kubectl apply -f deploy/controller-manager-rbac.yaml without --validate=false: every RBAC object, only the ServiceAccount refused',
  { skip: !hasCommand('kubectl') && 'kubectl not installed' },
  () => {
    for (const k of kubectls()) {
      if (k.name === 'kubectl.1.20') continue; // its apply of these objects is covered by the CLI tests
      const r = kubectl(k.path, s.kubeconfig, ['apply', '-f', MANIFEST]);
      for (const o of [
      'clusterrole.rbac.authorization.k8s.io/kubetls:controller-manager',
      'clusterrolebinding.rbac.authorization.k8s.io/kubetls:controller-manager',
      'role.rbac.authorization.k8s.io/kubetls:controller-manager:leader-election',
      'rolebinding.rbac.authorization.k8s.io/kubetls:controller-manager:leader-election',
      'clusterrolebinding.rbac.authorization.k8s.io/kubetls:controller-manager:auth-delegator',
    ])
      assert.match(r.stdout, new RegExp(`${o.replace(/\./g, '\\.')} (created|unchanged|configured)`), `${k.name}: ${r.stdout}${r.stderr}`); // prettier-ignore
      assert.notEqual(r.code, 0, k.name);
      assert.match(r.stderr, /no matches for kind "ServiceAccount" in version "v1"/, k.name);
      assert.doesNotMatch(r.stderr, /validat|failed to (check|list)/i, k.name);
    }
  },
);
