/**
 * The informers' JSON list pages against a real `kubetls serve`: pages chained by `continue`,
 * plain objects (not client-node's models), a refusal carried as the status and Status that
 * apiError reads, as a client-node ApiException is, and hostile answers refused clearly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { join } from 'node:path';
import { apiError, connect } from '../../../src/controllers/framework/client.js';
import { listInPages } from '../../../src/controllers/framework/informer.js';
import { JsonLister } from '../../../src/controllers/framework/listjson.js';
import { serve } from '../../api/server/harness.js';
import { adminClient, clientCert, createCsr } from '../helpers.js';
import { cli, freePort, initArgs, tmpDir } from '../../helpers.js';

const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';

test('JsonLister: pages chained by continue, plain objects, the list resourceVersion', async (t) => {
  const s = await serve(t);
  const admin = await adminClient(s.dir);
  for (const n of ['a', 'b', 'c']) await createCsr(admin, n);
  const lister = new JsonLister(admin.kubeConfig, admin.server);
  t.after(() => lister.close());
  const pages: number[] = [];
  const list = await listInPages(async (o) => {
    const p = await lister.page<{ metadata: { name: string; creationTimestamp: unknown } }>(CSRS, o);
    pages.push(p.items.length);
    return p;
  }, 2);
  assert.deepEqual(pages, [2, 1], 'two pages of at most 2');
  assert.deepEqual(
    list.items.map((i) => i.metadata.name),
    ['a', 'b', 'c'],
  );
  for (const i of list.items) {
    assert.equal(Object.getPrototypeOf(i), Object.prototype);
    assert.equal(typeof i.metadata.creationTimestamp, 'string', 'times stay the server’s RFC 3339 text');
  }
  assert.match(list.metadata?.resourceVersion ?? '', /^\d+$/);
  assert.equal(list.metadata?._continue, undefined, 'the last page ends the chain');
});

test('JsonLister: a refusal rejects with the HTTP status and the server’s Status', async (t) => {
  const s = await serve(t);
  const { cert, key } = clientCert(s.dir, 'nobody');
  const b64 = (x: string) => Buffer.from(x).toString('base64');
  const conf = readFileSync(join(s.dir, 'admin.conf'), 'utf8')
    .replace(/client-certificate-data: \S+/, `client-certificate-data: ${b64(cert)}`)
    .replace(/client-key-data: \S+/, `client-key-data: ${b64(key)}`);
  const nobody = await connect({ text: conf });
  const lister = new JsonLister(nobody.kubeConfig, nobody.server);
  t.after(() => lister.close());
  const e = await lister.page(CSRS, { limit: 10 }).then(
    () => assert.fail('listed without RBAC'),
    (x: unknown) => x,
  );
  const info = apiError(e);
  assert.equal(info.code, 403);
  assert.equal(info.reason, 'Forbidden');
  assert.match(info.message, /User "nobody" cannot list resource "certificatesigningrequests"/);
});

test('JsonLister: a hostile answer (not JSON, no items, an error without a Status) is a clear error', async (t) => {
  // a server that speaks TLS with the cluster's serving certificate but answers garbage
  const port = await freePort();
  const dir = tmpDir('kubetls-listjson-', t);
  const init = cli(initArgs(dir, { nodeName: 'cp-0', apiServerPort: port }));
  assert.equal(init.code, 0, init.stderr);
  const answers: Array<[number, string]> = [
    [200, '{"items": [ {"metadata": '],
    [200, '{"kind":"CertificateSigningRequestList","items":{"a":1}}'],
    [500, '<html>proxy error</html>'],
  ];
  let next = 0;
  const server = createServer(
    { cert: readFileSync(join(dir, 'pki', 'apiserver.crt')), key: readFileSync(join(dir, 'pki', 'apiserver.key')) },
    (_req, res) => {
      const [code, body] = answers[next++]!;
      res.writeHead(code, { 'Content-Type': 'application/json' }).end(body);
    },
  );
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  t.after(() => server.close());
  const client = await connect({ file: join(dir, 'admin.conf') });
  const lister = new JsonLister(client.kubeConfig, client.server);
  t.after(() => lister.close());
  await assert.rejects(
    lister.page(CSRS, { limit: 1 }),
    /list \/apis\/certificates.k8s.io\/v1\/certificatesigningrequests: the answer is not JSON/,
  );
  await assert.rejects(lister.page(CSRS, { limit: 1 }), /the answer has no items/);
  const e = await lister.page(CSRS, { limit: 1 }).then(
    () => assert.fail('a 500 was taken as a list'),
    (x: unknown) => x,
  );
  assert.deepEqual(apiError(e), { code: 500, message: '<html>proxy error</html>' });
});
