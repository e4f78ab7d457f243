/**
 * Hostile input to a real `kubetls serve`, one case a test: each answer is a `Status` with
 * the right code and reason, and the server still answers afterwards. Malformed JSON, YAML and
 * protobuf, oversized and deeply nested bodies, unknown fields (Strict and Warn), bad
 * selectors, resourceVersions and continue tokens, slow clients (timed out, sockets freed),
 * and a couple of thousand idle watches (a create is still seen, memory stays bounded).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { Agent } from 'node:https';
import { serve, type Served } from './harness.js';
import {
  admin,
  call,
  caOf,
  eventually,
  fileScope,
  openSockets,
  rssOf,
  sleep,
  watch,
  type Answer,
  type WatchStream,
} from './client.js';

const hooks = fileScope();
let s: Served;
before(async () => {
  // a short --request-timeout so the slow-client cases take seconds, not half a minute
  s = await serve(hooks, { args: ['--request-timeout', '4s'] });
});

const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
const CMS = '/api/v1/namespaces/default/configmaps';

/** A Status of `code`/`reason` whose message matches `message`; then the server still answers. */
async function assertStatus(r: Answer, code: number, reason: string, message: RegExp | string): Promise<void> {
  assert.equal(r.status, code, r.text);
  assert.match(String(r.headers['content-type']), /^application\/json/);
  const st = r.json();
  assert.equal(st.kind, 'Status');
  assert.equal(st.apiVersion, 'v1');
  assert.equal(st.status, 'Failure');
  assert.equal(st.reason, reason);
  assert.equal(st.code, code);
  if (typeof message === 'string') assert.equal(st.message, message);
  else assert.match(String(st.message), message);
  const alive = await call(s, 'GET', '/readyz', { as: admin(s) });
  assert.equal(alive.status, 200, 'the server still answers');
}

const post = (path: string, body: string | Buffer, contentType: string, query = '') =>
  call(s, 'POST', path + query, { as: admin(s), body, contentType });

test('malformed JSON: 400 BadRequest', async () => {
  await assertStatus(
    await post(CSRS, '{"apiVersion": "certificates.k8s.io/v1", "kind":', 'application/json'),
    400,
    'BadRequest',
    /json parse error/,
  );
});

test('JSON that is not an object, or of another kind: 400 BadRequest', async () => {
  await assertStatus(await post(CMS, '[1,2,3]', 'application/json'), 400, 'BadRequest', /ConfigMap/);
  await assertStatus(
    await post(CMS, JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }), 'application/json'),
    400,
    'BadRequest',
    /Secret|ConfigMap/,
  );
});

test('malformed YAML: 400 BadRequest', async () => {
  await assertStatus(
    await post(CMS, 'apiVersion: v1\nkind: ConfigMap\nmetadata: [\n', 'application/yaml'),
    400,
    'BadRequest',
    /YAML/,
  );
  // an alias bomb is refused, not expanded
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    .concat(
      Array.from(
        { length: 9 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`,
      ),
    )
    .join('\n');
  const r = await post(CMS, bomb, 'application/yaml');
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json().reason, 'BadRequest');
});

test('malformed protobuf: 400 BadRequest (no prefix, truncated envelope, garbage fields)', async () => {
  const pb = 'application/vnd.kubernetes.protobuf';
  await assertStatus(await post(CSRS, Buffer.from('not protobuf'), pb), 400, 'BadRequest', /protobuf/);
  await assertStatus(
    await post(CSRS, Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x05, 0xff, 0xff]), pb),
    400,
    'BadRequest',
    /protobuf/,
  );
  // a well-formed envelope around a raw field with a length far past the end
  const inner = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]);
  const unknown = Buffer.concat([Buffer.from('k8s\0'), Buffer.from([0x12, inner.length]), inner]);
  await assertStatus(await post(CSRS, unknown, pb), 400, 'BadRequest', /protobuf/);
});

/**
 * Writes a request's head and then body chunks until the server answers (a client that
 * streams 3 MiB would otherwise get EPIPE before it reads the 413); resolves with the answer
 * and whether the server closed the connection after it.
 */
async function rawUpload(head: string, chunk: Buffer, maxChunks: number): Promise<{ answer: string; closed: boolean }> {
  const c = await rawConnection();
  let answer = '';
  c.on('data', (d: Buffer) => (answer += d.toString()));
  c.on('error', () => undefined);
  const closed = new Promise<boolean>((resolve) => {
    c.on('close', () => resolve(true));
    setTimeout(() => resolve(false), 10_000).unref();
  });
  c.write(head);
  for (let i = 0; i < maxChunks && !answer && !c.destroyed; i++) {
    const ok = c.write(chunk);
    if (!ok) await new Promise((r) => setTimeout(r, 20));
  }
  const wasClosed = await closed;
  c.destroy();
  return { answer, closed: wasClosed };
}

test('an oversized body is 413 RequestEntityTooLarge and the connection is closed (declared, and chunked)', async () => {
  const auth = `Host: 127.0.0.1\r\nContent-Type: application/json\r\n`;
  const declared = await rawUpload(
    `POST ${CMS} HTTP/1.1\r\n${auth}Content-Length: ${3 * 1024 * 1024 + 10}\r\n\r\n`,
    Buffer.alloc(64 * 1024, 0x61),
    4,
  );
  assert.match(declared.answer, /^HTTP\/1\.1 413 /);
  assert.match(declared.answer, /"reason":"RequestEntityTooLarge","code":413/);
  assert.match(declared.answer, /Request entity too large/);
  assert.ok(declared.closed, 'the connection is closed, the rest of the body never read');
  const piece = Buffer.alloc(64 * 1024, 0x61);
  const chunk = Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]);
  const chunked = await rawUpload(`POST ${CMS} HTTP/1.1\r\n${auth}Transfer-Encoding: chunked\r\n\r\n`, chunk, 100);
  assert.match(chunked.answer, /^HTTP\/1\.1 413 /);
  assert.match(chunked.answer, /"reason":"RequestEntityTooLarge","code":413/);
  assert.ok(chunked.closed, 'the connection is closed');
  assert.equal((await call(s, 'GET', '/readyz', { as: admin(s) })).status, 200);
});

test('deeply nested JSON and YAML are refused before parsing: 400 BadRequest', async () => {
  const deep = '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000);
  await assertStatus(await post(CMS, deep, 'application/json'), 400, 'BadRequest', /nested more than \d+ levels/);
  const arrays = '['.repeat(200_000) + ']'.repeat(200_000);
  await assertStatus(await post(CMS, arrays, 'application/json'), 400, 'BadRequest', /nested/);
  const yaml = 'a:\n' + Array.from({ length: 500 }, (_, i) => ' '.repeat(i + 1) + '- ').join('\n') + 'x\n';
  const r = await post(CMS, yaml, 'application/yaml');
  assert.equal(r.status, 400, r.text);
});

const cm = (name: string, extra: object = {}) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: 'b' }, ...extra });

test("unknown fields with fieldValidation=Strict: 400 with kube-apiserver's message", async () => {
  const r = await post(CMS, cm('strict', { spec: {}, dta: 1 }), 'application/json', '?fieldValidation=Strict');
  await assertStatus(
    r,
    400,
    'BadRequest',
    // in the order they appear in the body, as kube-apiserver lists them
    'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "spec", unknown field "dta"',
  );
  assert.equal((await call(s, 'GET', `${CMS}/strict`, { as: admin(s) })).status, 404);
  // a duplicate field is refused too
  const dup = await post(
    CMS,
    '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup"},"data":{},"data":{}}',
    'application/json',
    '?fieldValidation=Strict',
  );
  assert.equal(dup.status, 400, dup.text);
  assert.match(String(dup.json().message), /duplicate field "data"/);
});

test('unknown fields with fieldValidation=Warn: created, with a Warning header per field', async () => {
  const r = await post(CMS, cm('warned', { dta: 1 }), 'application/json', '?fieldValidation=Warn');
  assert.equal(r.status, 201, r.text);
  assert.equal(r.headers.warning, '299 - "unknown field \\"dta\\""');
  // Ignore: created silently
  const i = await post(CMS, cm('ignored', { dta: 1 }), 'application/json', '?fieldValidation=Ignore');
  assert.equal(i.status, 201, i.text);
  assert.equal(i.headers.warning, undefined);
  await assertStatus(
    await post(CMS, cm('bad'), 'application/json', '?fieldValidation=Loud'),
    422,
    'Invalid',
    'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loud": supported values: "", "Ignore", "Strict", "Warn"',
  );
});

test('bad label and field selectors: 400 BadRequest', async () => {
  const get = (q: string) => call(s, 'GET', `${CSRS}?${q}`, { as: admin(s) });
  await assertStatus(await get('labelSelector=a%20in%20('), 400, 'BadRequest', /unable to parse requirement/);
  await assertStatus(await get('labelSelector=!!'), 400, 'BadRequest', /unable to parse requirement/);
  await assertStatus(
    await get(`labelSelector=${'a'.repeat(70)}=b`),
    400,
    'BadRequest',
    /name part must be no more than 63 bytes/,
  );
  await assertStatus(await get('fieldSelector=spec.foo%3Dx'), 400, 'BadRequest', 'field label not supported: spec.foo');
  await assertStatus(await get('fieldSelector=metadata.name'), 400, 'BadRequest', /invalid selector/);
  // the watch form too
  await assertStatus(await get('watch=1&labelSelector=!!'), 400, 'BadRequest', /unable to parse requirement/);
});

test('an invalid resourceVersion, limit or continue token: 400 BadRequest', async () => {
  const get = (q: string) => call(s, 'GET', `${CSRS}?${q}`, { as: admin(s) });
  await assertStatus(await get('resourceVersion=abc'), 400, 'BadRequest', /resource version/);
  await assertStatus(await get('resourceVersion=-1'), 400, 'BadRequest', /resource version/);
  await assertStatus(await get('watch=1&resourceVersion=abc'), 400, 'BadRequest', 'invalid resource version: "abc"');
  await assertStatus(await get('limit=abc'), 400, 'BadRequest', /limit|ParseInt/);
  await assertStatus(await get('continue=garbage'), 400, 'BadRequest', /continue/);
  await assertStatus(
    await get(`limit=1&continue=${Buffer.from('{"v":1}').toString('base64')}`),
    400,
    'BadRequest',
    /continue/,
  );
  await assertStatus(await get('timeoutSeconds=abc&watch=1'), 400, 'BadRequest', /ParseInt|timeoutSeconds/);
});

// ---- found by fuzz.test.ts (seeded): each was a 4xx of the wrong kind, a 500, or not a Status

test('a method the path has no route for is 405 MethodNotAllowed, before the body is read (fuzz)', async () => {
  const as = admin(s);
  const notAllowed = 'the server does not allow this method on the requested resource';
  // a PUT or PATCH of a collection: was 400 (name mismatch, or the malformed body's error) or 415
  await assertStatus(await call(s, 'PUT', CMS, { as, body: '{"kind":', contentType: 'application/json' }), 405, 'MethodNotAllowed', notAllowed); // prettier-ignore
  await assertStatus(await call(s, 'PATCH', CMS, { as, body: '{}', contentType: 'text/plain' }), 405, 'MethodNotAllowed', notAllowed); // prettier-ignore
  // a POST to an object or a subresource: was 400 "create is not supported on …"
  await assertStatus(await post(`${CMS}/x`, '{}', 'application/json'), 405, 'MethodNotAllowed', notAllowed);
  await assertStatus(await post(`${CSRS}/x/approval`, '{}', 'application/json'), 405, 'MethodNotAllowed', notAllowed);
  // a verb the resource does not serve keeps its own wording (a review is create-only)
  await assertStatus(
    await call(s, 'PATCH', '/apis/authorization.k8s.io/v1/subjectaccessreviews/x', {
      as,
      body: '{',
      contentType: 'text/plain',
    }),
    405,
    'MethodNotAllowed',
    'patch is not supported on resources of kind "subjectaccessreviews.authorization.k8s.io"',
  );
  // nothing was stored on the way
  assert.equal((await call(s, 'GET', `${CMS}/x`, { as })).status, 404);
});

test('percent-escaped path segments are decoded: client-node\'s system%3A… names the object; a decoded "/" or "%" is 400 (fuzz)', async () => {
  const as = admin(s);
  // was 404: the name was looked up with its escape (@kubernetes/client-node escapes ':')
  const role = await call(s, 'GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles/kubeadm%3Aget-nodes', { as });
  assert.equal(role.status, 200, role.text);
  assert.equal((role.json().metadata as { name: string }).name, 'kubeadm:get-nodes');
  await assertStatus(await call(s, 'GET', `${CMS}/a%2Fb`, { as }), 400, 'BadRequest', `invalid resource name "a/b": may not contain '/'`); // prettier-ignore
  await assertStatus(await call(s, 'GET', `${CMS}/%252e%252e`, { as }), 400, 'BadRequest', `invalid resource name "%2e%2e": may not contain '%'`); // prettier-ignore
  await assertStatus(
    await call(s, 'DELETE', '/api/v1/namespaces/a%2Fb/secrets/x', { as }),
    400,
    'BadRequest',
    `invalid namespace "a/b": may not contain '/'`,
  );
});

test('names and namespaces too long for a store key are 404 or 422, not 500 (fuzz)', async () => {
  const as = admin(s);
  const long = 'a'.repeat(1100);
  // a get or an update of a name no object can have: was 500 "store key … is not valid"
  await assertStatus(await call(s, 'GET', `${CMS}/${long}`, { as }), 404, 'NotFound', `configmaps "${long}" not found`);
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: long } };
  await assertStatus(await call(s, 'PUT', `${CMS}/${long}`, { as, body: cm }), 404, 'NotFound', /not found/);
  // a list in, or a create into, such a namespace
  await assertStatus(await call(s, 'GET', `/api/v1/namespaces/${long}/configmaps`, { as }), 404, 'NotFound', `namespaces "${long}" not found`); // prettier-ignore
  await assertStatus(await post(`/api/v1/namespaces/${long}/configmaps`, JSON.stringify({ ...cm, metadata: { name: 'x' } }), 'application/json'), 404, 'NotFound', `namespaces "${long}" not found`); // prettier-ignore
  // RBAC and CSR names take any path segment: a long one was a 500 at create, now 422 with the rest
  await assertStatus(
    await post('/apis/rbac.authorization.k8s.io/v1/clusterroles', JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: long }, rules: [] }), 'application/json'), // prettier-ignore
    422,
    'Invalid',
    /metadata\.name: Invalid value: "a+\.\.\.": must be no more than 512 characters$/,
  );
});

test('a NUL in an RBAC name is 422 Invalid, not a 500 from the store (fuzz)', async () => {
  await assertStatus(
    await post(
      '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles',
      JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'a\u0000b' },
        rules: [],
      }),
      'application/json',
    ),
    422,
    'Invalid',
    /metadata\.name: Invalid value: "a\\u0000b": may not contain a NUL character$/,
  );
});

test('a request Node cannot parse (unknown method, broken request line) gets a Status, then the connection closes (fuzz)', async () => {
  for (const line of ['FOO /api/v1/namespaces HTTP/1.1', 'GET /api/v1 HTTP/1.1 extra', 'GET /api\x01 HTTP/1.1']) {
    const c = await rawConnection();
    const closed = closedBy(c, 5000);
    c.write(`${line}\r\nHost: x\r\n\r\n`);
    const { got } = await closed;
    // was an empty 400 with no body
    assert.match(got, /^HTTP\/1\.1 400 Bad Request\r\n/, got);
    assert.match(got, /\r\nContent-Type: application\/json\r\n/, got);
    const st = JSON.parse(got.slice(got.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
    assert.deepEqual(
      [st.kind, st.apiVersion, st.status, st.reason, st.code],
      ['Status', 'v1', 'Failure', 'BadRequest', 400],
    );
    assert.match(String(st.message), /HTTP/);
  }
  assert.equal((await call(s, 'GET', '/readyz', { as: admin(s) })).status, 200);
});

/** A TLS connection as the admin, to write raw HTTP on. */
function rawConnection(): Promise<TLSSocket> {
  const id = admin(s);
  return new Promise((resolve, reject) => {
    const c = tlsConnect({ host: '127.0.0.1', port: s.port, ca: caOf(s), cert: id.cert!, key: id.key! }, () =>
      resolve(c),
    );
    c.on('error', reject);
  });
}

/** Resolves with how long the server took to close `c` (and what it sent), rejects after `ms`. */
function closedBy(c: TLSSocket, ms: number): Promise<{ afterMs: number; got: string }> {
  const start = Date.now();
  let got = '';
  c.on('data', (d: Buffer) => (got += d.toString()));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      c.destroy();
      reject(new Error(`the server kept a slow client for over ${ms} ms`));
    }, ms);
    c.on('close', () => {
      clearTimeout(t);
      resolve({ afterMs: Date.now() - start, got });
    });
    c.on('error', () => undefined);
  });
}

async function socketsSettle(baseline: number): Promise<void> {
  const ok = await eventually(() => openSockets(s.proc.pid!) <= baseline, 5000);
  assert.ok(ok, `the server holds ${openSockets(s.proc.pid!)} sockets, ${baseline} before`);
}

test('a slow client that never finishes its headers is timed out and its socket freed', async () => {
  const baseline = openSockets(s.proc.pid!);
  const conns = await Promise.all(Array.from({ length: 20 }, () => rawConnection()));
  for (const c of conns) c.write(`GET ${CSRS} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: `);
  // trickle a byte a second: still never a complete header block
  const trickle = setInterval(() => {
    for (const c of conns) if (!c.destroyed) c.write('a');
  }, 500);
  try {
    const closed = await Promise.all(conns.map((c) => closedBy(c, 15_000)));
    for (const r of closed) assert.ok(r.afterMs < 10_000, `closed after ${r.afterMs} ms`);
  } finally {
    clearInterval(trickle);
  }
  await socketsSettle(baseline);
  assert.equal((await call(s, 'GET', CSRS, { as: admin(s) })).status, 200);
});

test('a slow client that never finishes its body is timed out and its socket freed', async () => {
  const baseline = openSockets(s.proc.pid!);
  const conns = await Promise.all(Array.from({ length: 20 }, () => rawConnection()));
  for (const c of conns)
    c.write(
      `POST ${CMS} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"apiVersion":`,
    );
  const closed = await Promise.all(conns.map((c) => closedBy(c, 15_000)));
  for (const r of closed) {
    assert.ok(r.afterMs < 10_000, `closed after ${r.afterMs} ms`);
    // nothing created, nothing but (at most) a timeout answer
    assert.doesNotMatch(r.got, /201 Created/);
  }
  await socketsSettle(baseline);
  const list = await call(s, 'GET', CMS, { as: admin(s) });
  assert.equal(list.status, 200);
});

test('a TCP peer that never starts TLS is cut, and so is one that never sends a request', async () => {
  const baseline = openSockets(s.proc.pid!);
  const { connect } = await import('node:net');
  const silent = connect(s.port, '127.0.0.1');
  silent.on('error', () => undefined);
  const idle = await rawConnection();
  const [a, b] = await Promise.all([
    new Promise<number>((resolve) => {
      const start = Date.now();
      silent.on('close', () => resolve(Date.now() - start));
    }),
    closedBy(idle, 15_000),
  ]);
  assert.ok(a < 15_000 && b.afterMs < 15_000);
  await socketsSettle(baseline);
});

/** How many idle watches the next test opens (each an HTTP/1.1 connection: the server speaks no h2). */
const IDLE_WATCHES = 1000;

test(`${IDLE_WATCHES} idle watches: a create is seen by all, memory stays bounded, and they close cleanly`, async () => {
  const pid = s.proc.pid!;
  const rssBefore = rssOf(pid);
  const socketsBefore = openSockets(pid);
  const agent = new Agent({ keepAlive: true, maxSockets: IDLE_WATCHES + 10, ...admin(s), ca: caOf(s) });
  const streams: WatchStream[] = [];
  try {
    const rv = (await call(s, 'GET', CMS, { as: admin(s) })).json() as { metadata: { resourceVersion: string } };
    // open them in waves (a 2-core machine shared with other tests)
    for (let i = 0; i < IDLE_WATCHES; i += 50)
      streams.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(50, IDLE_WATCHES - i) }, () =>
            watch(s, `${CMS}?watch=1&resourceVersion=${rv.metadata.resourceVersion}`, { agent }),
          ),
        )),
      );
    for (const w of streams) assert.equal(w.status, 200);
    const created = await post(CMS, cm('seen-by-all'), 'application/json');
    assert.equal(created.status, 201, created.text);
    await Promise.all(
      streams.map((w) =>
        w.until((e) => e.type === 'ADDED' && (e.object.metadata as { name: string }).name === 'seen-by-all', 20_000),
      ),
    );
    const rss = rssOf(pid);
    // a watch costs a TLS connection and a small watcher: well under 100 KiB each
    assert.ok(rss - rssBefore < IDLE_WATCHES * 100 * 1024, `RSS grew ${((rss - rssBefore) / 1048576).toFixed(1)} MiB`);
    assert.ok(openSockets(pid) >= socketsBefore + IDLE_WATCHES * 0.9);
  } finally {
    for (const w of streams) w.close();
    agent.destroy();
  }
  await socketsSettle(socketsBefore + 5);
  await sleep(10);
  assert.equal((await call(s, 'GET', '/readyz', { as: admin(s) })).status, 200);
});
