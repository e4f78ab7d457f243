/**
 * `kubetls serve`'s OpenAPI documents driven by real kubectl: `explain` (1.20 reads the v2
 * protobuf document, 1.27 v2 then v3, 1.33 v3), client-side validation and the
 * fieldValidation check, `apply` twice (the second a strategic merge patch kubectl computes
 * with the schema), and hostile paths under /openapi.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpDir } from '../../helpers.js';
import { csrManifest, kubectl, kubectls, serve, type Served } from './harness.js';
import { admin, call, issueClientCert } from './client.js';

const all = kubectls();
const versions = all.filter((k) => ['kubectl.1.20', 'kubectl.1.27', 'kubectl.1.33'].includes(k.name));
const skip = versions.length ? false : 'kubectl 1.20/1.27/1.33 are not installed';

const run = (s: Served, bin: string, args: string[], t: { after: (fn: () => void) => void }, input?: string) =>
  kubectl(bin, s.kubeconfig, args, {
    cacheDir: tmpDir('kubectl-cache-', t),
    ...(input !== undefined ? { input } : {}),
  });

test('kubectl explain: kinds, nested fields, maps and --recursive, in every kubectl version', { skip }, async (t) => {
  const s = await serve(t);
  for (const k of versions)
    await t.test(k.name, (tt) => {
      const csr = run(s, k.path, ['explain', 'csr'], tt);
      assert.equal(csr.code, 0, csr.stderr);
      assert.match(csr.stdout, /KIND:\s+CertificateSigningRequest/);
      assert.match(csr.stdout, /A request for an X\.509 certificate/);
      assert.match(csr.stdout, /spec\s+<(Object|CertificateSigningRequestSpec)> -required-/);

      const usages = run(s, k.path, ['explain', 'csr.spec.usages'], tt);
      assert.equal(usages.code, 0, usages.stderr);
      assert.match(usages.stdout, /FIELD:\s+usages <\[\]string>/);
      assert.match(usages.stdout, /key usages and extended key usages/);

      const sd = run(s, k.path, ['explain', 'secret.stringData'], tt);
      assert.equal(sd.code, 0, sd.stderr);
      assert.match(sd.stdout, /stringData <map\[string\]string>/);
      assert.match(sd.stdout, /Write-only/);

      const lease = run(s, k.path, ['explain', 'lease.spec'], tt);
      assert.equal(lease.code, 0, lease.stderr);
      assert.match(lease.stdout, /holderIdentity\s+<string>/);
      assert.match(lease.stdout, /leaseDurationSeconds\s+<integer>/);

      const rec = run(s, k.path, ['explain', 'csr', '--recursive'], tt);
      assert.equal(rec.code, 0, rec.stderr);
      for (const f of [
        'signerName',
        'expirationSeconds',
        'conditions',
        'lastTransitionTime',
        'certificate',
        'ownerReferences',
      ])
        assert.match(rec.stdout, new RegExp(`\\b${f}\\b`), f);

      const none = run(s, k.path, ['explain', 'csr.spec.nosuchfield'], tt);
      assert.notEqual(none.code, 0);
      assert.match(none.stderr, /nosuchfield/);
    });
});

test(
  'client-side validation: an unknown field is refused with a clear message, by the client or the server',
  { skip },
  async (t) => {
    const s = await serve(t);
    const manifest = csrManifest('strict-x').replace('spec:\n', 'spec:\n  bogus: 1\n');
    for (const k of versions)
      await t.test(k.name, (tt) => {
        // 1.20's --validate is a boolean; 1.27 and later take strict
        const r = run(
          s,
          k.path,
          ['create', `--validate=${k.name === 'kubectl.1.20' ? 'true' : 'strict'}`, '-f', '-', '-v=6'],
          tt,
          manifest,
        );
        assert.notEqual(r.code, 0);
        if (k.name === 'kubectl.1.20')
          // no fieldValidation in 1.20: it validates against the v2 document itself
          assert.match(
            r.stderr,
            /ValidationError\(CertificateSigningRequest\.spec\): unknown field "bogus" in io\.k8s\.api\.certificates\.v1\.CertificateSigningRequestSpec/,
          );
        else {
          // the PATCH operations say the server validates: kubectl sends Strict and shows its answer
          assert.match(r.stderr, /fieldValidation=Strict/);
          assert.match(r.stderr, /strict decoding error: unknown field "spec\.bogus"/);
        }
        const get = run(s, k.path, ['get', 'csr', 'strict-x'], tt);
        assert.match(get.stderr, /NotFound/);
      });
  },
);

test('kubectl apply twice: the second is a strategic merge patch computed from the schema', { skip }, async (t) => {
  const s = await serve(t);
  for (const k of versions)
    await t.test(k.name, (tt) => {
      const name = `apply-${k.name.replace(/\./g, '-')}`;
      const csr = csrManifest(name);
      const cm = (data: Record<string, string>, label: string) =>
        [
          'apiVersion: v1',
          'kind: ConfigMap',
          'metadata:',
          `  name: ${name}`,
          '  namespace: default',
          '  labels:',
          `    team: ${label}`,
          'data:',
          ...Object.entries(data).map(([a, b]) => `  ${a}: "${b}"`),
          '',
        ].join('\n');
      const first = run(s, k.path, ['apply', '-f', '-'], tt, `${csr}---\n${cm({ a: '1', b: '2' }, 'blue')}`);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, new RegExp(`certificatesigningrequest.certificates.k8s.io/${name} created`));
      assert.match(first.stdout, new RegExp(`configmap/${name} created`));

      const csr2 = csr.replace('metadata:\n', 'metadata:\n  labels:\n    stage: two\n');
      const second = run(s, k.path, ['apply', '-f', '-', '-v=8'], tt, `${csr2}---\n${cm({ a: '1', c: '3' }, 'green')}`);
      assert.equal(second.code, 0, second.stderr);
      assert.match(second.stdout, new RegExp(`certificatesigningrequest.certificates.k8s.io/${name} configured`));
      assert.match(second.stdout, new RegExp(`configmap/${name} configured`));
      assert.match(second.stderr, /strategic-merge-patch\+json/);

      const got = JSON.parse(run(s, k.path, ['get', 'configmap', name, '-o', 'json'], tt).stdout) as {
        data: Record<string, string>;
        metadata: { labels: Record<string, string> };
      };
      // b was in the last applied configuration and is gone from the manifest: the patch deletes it
      assert.deepEqual(got.data, { a: '1', c: '3' });
      assert.deepEqual(got.metadata.labels, { team: 'green' });
      const c = JSON.parse(run(s, k.path, ['get', 'csr', name, '-o', 'json'], tt).stdout) as {
        metadata: { labels: Record<string, string> };
      };
      assert.deepEqual(c.metadata.labels, { stage: 'two' });

      const third = run(s, k.path, ['apply', '-f', '-'], tt, `${csr2}---\n${cm({ a: '1', c: '3' }, 'green')}`);
      assert.equal(third.code, 0, third.stderr);
      assert.match(third.stdout, /unchanged[\s\S]*unchanged/);
    });
});

test('/openapi over HTTPS: ETags, hash redirects, hostile paths as 404 Status, any authenticated user', async (t) => {
  const s = await serve(t);
  const as = admin(s);
  const index = await call(s, 'GET', '/openapi/v3', { as });
  assert.equal(index.status, 200);
  assert.equal(index.headers['content-type'], 'application/json');
  const url = (index.json().paths as Record<string, { serverRelativeURL: string }>)['apis/certificates.k8s.io/v1']!
    .serverRelativeURL;
  const doc = await call(s, 'GET', url, { as });
  assert.equal(doc.status, 200);
  assert.equal(doc.headers['cache-control'], 'public, immutable');
  const again = await call(s, 'GET', url, { as, headers: { 'If-None-Match': String(doc.headers.etag) } });
  assert.equal(again.status, 304);
  assert.equal(again.body.length, 0);
  const stale = await call(s, 'GET', '/openapi/v3/apis/certificates.k8s.io/v1?hash=0', { as });
  assert.equal(stale.status, 301);
  assert.equal(stale.headers.location, url);

  const v2 = await call(s, 'GET', '/openapi/v2', {
    as,
    headers: { Accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' },
  });
  assert.equal(v2.status, 200);
  assert.ok(v2.body.length > 10_000);
  const head = await call(s, 'HEAD', '/openapi/v2', { as });
  assert.equal(head.status, 200);

  for (const p of [
    '/openapi/v3/apis/unknown.example.com/v1',
    '/openapi/v3/apis/certificates.k8s.io/v2',
    '/openapi/v3/apis/certificates.k8s.io/v1/extra',
    '/openapi/v3/apis/certificates.k8s.io/v1/..%2f..%2f..%2fetc%2fpasswd',
    '/openapi/v3/..%2F..%2Fetc%2Fpasswd',
    '/openapi/v3/%00',
    `/openapi/v3/apis/${'a'.repeat(8000)}/v1`,
    '/openapi/v4',
  ]) {
    const r = await call(s, 'GET', p, { as });
    assert.equal(r.status, 404, `${p.slice(0, 80)}: ${r.status} ${r.text.slice(0, 200)}`);
    const st = r.json();
    assert.equal(st.kind, 'Status');
    assert.equal(st.reason, 'NotFound');
  }
  // ../ in the path is resolved by the URL parser before routing: it lands on another served path or a 404
  const dots = await call(s, 'GET', '/openapi/v3/apis/certificates.k8s.io/../../../etc/passwd', { as });
  assert.equal(dots.status, 404);

  // system:discovery lets every authenticated user read the documents (an identity with no binding)
  const nobody = issueClientCert(s, '/CN=nobody');
  assert.equal((await call(s, 'GET', '/openapi/v3', { as: nobody })).status, 200);
  assert.equal((await call(s, 'GET', url, { as: nobody })).status, 200);
  // anonymous requests reach only health, version and cluster-info (the issue's conditions): 401
  assert.equal((await call(s, 'GET', '/openapi/v2')).status, 401);
});
