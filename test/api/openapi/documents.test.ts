import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenAPIDocuments } from '../../../src/api/openapi/documents.js';
import { buildDefinitions, gvkKey } from '../../../src/api/openapi/definitions.js';
import { describedFields } from '../../../src/api/openapi/descriptions.js';
import { servedResources } from '../../../src/api/resources/index.js';
import { schemaFor } from '../../../src/api/machinery/schemas/index.js';
import { WireReader } from '../../../src/api/protobuf/wire.js';

/** parsed JSON documents, walked freely */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const names = servedResources().map((r) => r.names);
const docs = new OpenAPIDocuments(names, { version: 'v1.33.0' });
const get = (path: string, headers: Record<string, string> = {}, query = '') =>
  docs.reply(path, new URLSearchParams(query), headers);
const json = (r: { body: string | Buffer }) => JSON.parse(r.body.toString()) as Record<string, Loose>;

test('every served kind and list has a definition with its group/version/kind', () => {
  const { definitions, byGvk } = buildDefinitions(names);
  for (const n of names)
    for (const kind of [n.kind, n.listKind]) {
      const name = byGvk.get(gvkKey({ group: n.group, version: n.version, kind }));
      assert.ok(name, `${n.group}/${n.version} ${kind}`);
      const gvks = definitions.get(name)!['x-kubernetes-group-version-kind'] as unknown[];
      assert.ok(gvks.some((g) => JSON.stringify(g) === JSON.stringify({ group: n.group, version: n.version, kind })));
    }
  assert.equal(
    byGvk.get('certificates.k8s.io/v1/CertificateSigningRequest'),
    'io.k8s.api.certificates.v1.CertificateSigningRequest',
  );
  // events.k8s.io borrows core's ObjectReference, as upstream
  const ev = definitions.get('io.k8s.api.events.v1.Event')!.properties as Record<string, Record<string, unknown>>;
  assert.deepEqual(ev.regarding, {
    $ref: '#/definitions/io.k8s.api.core.v1.ObjectReference',
    description: 'The object this event is about.',
  });
});

test('the definitions carry the schemas: JSON names, types, maps, lists and their merge facts', () => {
  const { definitions } = buildDefinitions(names);
  const spec = definitions.get('io.k8s.api.certificates.v1.CertificateSigningRequestSpec')!;
  const csrSchema = schemaFor({ group: 'certificates.k8s.io', version: 'v1', kind: 'CertificateSigningRequest' })!;
  const specSchema = csrSchema.fields.spec!;
  assert.equal(specSchema.type, 'object');
  assert.deepEqual(Object.keys(spec.properties as object).sort(), Object.keys(specSchema.fields).sort());
  assert.deepEqual(spec.required, ['request', 'signerName']);
  const p = spec.properties as Record<string, Record<string, unknown>>;
  assert.deepEqual(
    { ...p.request, description: undefined },
    { type: 'string', format: 'byte', description: undefined },
  );
  assert.equal(p.expirationSeconds!.format, 'int32');
  assert.deepEqual(p.usages!.items, { type: 'string' });
  assert.equal(p.usages!['x-kubernetes-list-type'], 'atomic');
  assert.deepEqual(p.extra!.additionalProperties, {
    type: 'array',
    items: { type: 'string' },
    'x-kubernetes-list-type': 'atomic',
  });
  // CSR conditions: a list map for server-side apply, no patch strategy (strategic merge replaces it)
  const conds = (definitions.get('io.k8s.api.certificates.v1.CertificateSigningRequestStatus')!.properties as Loose)
    .conditions;
  assert.equal(conds['x-kubernetes-list-type'], 'map');
  assert.deepEqual(conds['x-kubernetes-list-map-keys'], ['type']);
  assert.equal(conds['x-kubernetes-patch-strategy'], undefined);
  // Node addresses and conditions merge by type (patchStrategy tags upstream)
  const ns = definitions.get('io.k8s.api.core.v1.NodeStatus')!.properties as Loose;
  for (const f of ['addresses', 'conditions']) {
    assert.equal(ns[f]['x-kubernetes-patch-strategy'], 'merge');
    assert.equal(ns[f]['x-kubernetes-patch-merge-key'], 'type');
  }
  const om = definitions.get('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta')!.properties as Loose;
  assert.equal(om.ownerReferences['x-kubernetes-patch-merge-key'], 'uid');
  assert.equal(om.finalizers['x-kubernetes-list-type'], 'set');
  assert.deepEqual(om.creationTimestamp, {
    $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Time',
    description: 'When the server created the object.',
  });
});

test('every description names a definition and a field it has', () => {
  const { definitions } = buildDefinitions(names);
  for (const [def, field] of describedFields()) {
    const d = definitions.get(def);
    assert.ok(d, def);
    if (field) assert.ok(Object.hasOwn((d.properties as object | undefined) ?? {}, field), `${def}.${field}`);
  }
});

test('v3: the index lists each group-version by a hash-addressed URL; each document resolves its references', () => {
  const index = json(get('/openapi/v3'));
  const keys = Object.keys(index.paths as object);
  assert.deepEqual(keys, docs.groupVersions().sort());
  assert.ok(keys.includes('apis/certificates.k8s.io/v1') && keys.includes('api/v1'));
  for (const k of keys) {
    const url = new URL(index.paths[k].serverRelativeURL as string, 'https://x');
    const r = get(url.pathname, {}, url.search);
    assert.equal(r.status, 200);
    assert.equal(r.headers['Cache-Control'], 'public, immutable');
    const doc = json(r);
    assert.equal(doc.openapi, '3.0.0');
    const schemas = doc.components.schemas as Record<string, unknown>;
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of refs) {
      const name = ref.slice(ref.lastIndexOf('/') + 1, -1);
      assert.ok(Object.hasOwn(schemas, name), `${k}: ${name}`);
    }
    // the PATCH operation of each kind names it and takes fieldValidation (kubectl's check)
    for (const item of Object.values(doc.paths as Record<string, Loose>))
      if (item.patch) {
        assert.ok(item.patch['x-kubernetes-group-version-kind'].kind);
        assert.ok(item.patch.parameters.some((p: { name: string }) => p.name === 'fieldValidation'));
      }
  }
  const csr = json(get('/openapi/v3/apis/certificates.k8s.io/v1'));
  // a $ref with a description is wrapped in allOf in OpenAPI 3
  assert.deepEqual(
    csr.components.schemas['io.k8s.api.certificates.v1.CertificateSigningRequest'].properties.spec.allOf,
    [{ $ref: '#/components/schemas/io.k8s.api.certificates.v1.CertificateSigningRequestSpec' }],
  );
  assert.ok(csr.paths['/apis/certificates.k8s.io/v1/certificatesigningrequests/{name}/approval'].put);
  assert.equal(csr.components.schemas['io.k8s.api.core.v1.Secret'], undefined, 'only what the group-version refers to');
});

test('v3: a stale hash redirects to the current one; ETags answer 304; only JSON is offered', () => {
  const r = get('/openapi/v3/apis/certificates.k8s.io/v1', {}, 'hash=ABC');
  assert.equal(r.status, 301);
  assert.match(String(r.headers.Location), /^\/openapi\/v3\/apis\/certificates\.k8s\.io\/v1\?hash=[0-9A-F]{128}$/);
  const first = get('/openapi/v3/apis/certificates.k8s.io/v1');
  assert.equal(first.headers['Cache-Control'], 'no-cache, private');
  const etag = String(first.headers.ETag);
  assert.match(etag, /^"[0-9A-F]{128}"$/);
  assert.equal(get('/openapi/v3/apis/certificates.k8s.io/v1', { 'if-none-match': etag }).status, 304);
  assert.equal(get('/openapi/v3/apis/certificates.k8s.io/v1', { 'if-none-match': '"other"' }).status, 200);
  assert.throws(
    () => get('/openapi/v3', { accept: 'application/com.github.proto-openapi.spec.v3@v1.0+protobuf' }),
    /NotAcceptable|not acceptable|only the following/i,
  );
  for (const p of ['/openapi/v3/apis/nope/v1', '/openapi/v3/', '/openapi/v3/apis', '/openapi/v4', '/openapi'])
    assert.throws(
      () => get(p),
      (e: Error & { code?: string }) => /not find|NotFound/i.test(`${e.message} ${e.code}`),
      p,
    );
});

/** The names of the definitions in a gnostic Document (field 9 → NamedSchema.name). */
function protobufDefinitionNames(b: Buffer): string[] {
  const doc = new WireReader(b);
  const out: string[] = [];
  while (!doc.done()) {
    const t = doc.tag();
    if (t.no !== 9) {
      doc.skip(t.wire);
      continue;
    }
    const defs = doc.sub('definitions');
    while (!defs.done()) {
      defs.tag();
      const named = defs.sub('named');
      named.tag();
      out.push(Buffer.from(named.bytes()).toString('utf8'));
      named.pos = named.end;
    }
  }
  return out;
}

test('v2: protobuf for the protobuf Accept kubectl sends, JSON otherwise; the same definitions in both', () => {
  const pb = get('/openapi/v2', { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' });
  assert.equal(pb.headers['Content-Type'], 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
  const js = get('/openapi/v2', { accept: 'application/json' });
  assert.equal(js.headers['Content-Type'], 'application/json');
  assert.notEqual(pb.headers.ETag, js.headers.ETag);
  const doc = json(js);
  assert.equal(doc.swagger, '2.0');
  assert.deepEqual(protobufDefinitionNames(pb.body as Buffer), Object.keys(doc.definitions as object));
  assert.equal(
    get('/openapi/v2', {
      'if-none-match': String(pb.headers.ETag),
      accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf',
    }).status,
    304,
  );
  assert.throws(() => get('/openapi/v2', { accept: 'text/html' }), /acceptable|only the following/i);
});
