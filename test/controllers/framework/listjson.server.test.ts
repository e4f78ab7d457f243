/**
 * The informers' JSON list pages against a real `kubetls serve`: pages chained by `continue`,
 * plain objects (not client-node's models), and a refusal carried as the status and Status
 * that apiError reads, as a client-node ApiException is.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiError, connect } from '../../../src/controllers/framework/client.js';
import { listInPages } from '../../../src/controllers/framework/informer.js';
import { JsonLister } from '../../../src/controllers/framework/listjson.js';
import { serve } from '../../api/server/harness.js';
import { adminClient, clientCert, createCsr } from '../helpers.js';

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
