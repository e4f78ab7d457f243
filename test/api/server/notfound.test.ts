/**
 * A path nothing serves answers kube-apiserver's 404 in words: `kubectl get --raw /metrics`
 * on a server without its embedded controllers (no metrics there) printed
 * `Error from server (NotFound):  "" not found`, which names nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasCommand } from '../../helpers.js';
import { kubectl, serve } from './harness.js';
import { admin, call } from './client.js';

const MESSAGE = 'the server could not find the requested resource';

test("unserved paths are a 404 Status with kubectl's words for it; kubectl get --raw says so", async (t) => {
  const s = await serve(t); // --controllers= : no /metrics
  for (const [method, path] of [
    ['GET', '/metrics'],
    ['GET', '/nope'],
    ['GET', '/apis/certificates.k8s.io/v1/foos'],
    ['GET', '/apis/unknown.example.com/v1/things'],
    ['GET', '/healthz/nosuchcheck'],
    ['POST', '/version'],
  ] as const) {
    const r = await call(s, method, path, { as: admin(s) });
    assert.equal(r.status, 404, `${method} ${path}: ${r.text}`);
    const st = r.json();
    assert.equal(st.kind, 'Status');
    assert.equal(st.reason, 'NotFound');
    assert.equal(st.message, MESSAGE, `${method} ${path}`);
  }
  // a named object that is absent keeps kube-apiserver's `<resource> "<name>" not found`
  const csr = await call(s, 'GET', '/apis/certificates.k8s.io/v1/certificatesigningrequests/absent', { as: admin(s) });
  assert.equal(csr.json().message, 'certificatesigningrequests.certificates.k8s.io "absent" not found');
  if (!hasCommand('kubectl')) return t.skip('no kubectl');
  const k = kubectl('kubectl', s.kubeconfig, ['get', '--raw', '/metrics']);
  assert.equal(k.code, 1);
  assert.match(k.stderr, /Error from server \(NotFound\): the server could not find the requested resource/);
});
