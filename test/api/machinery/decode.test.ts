import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJsonObject } from '../../../src/api/machinery/decode.js';
import { checkFields, warningHeader } from '../../../src/api/machinery/schema.js';
import { depthOf, formatJsonPath, parseJsonBody, scanJson } from '../../../src/api/machinery/jsonBody.js';
import { toStatus } from '../../../src/api/machinery/status.js';
import {
  certificateSigningRequest,
  clusterRoleBinding,
  configMap,
  deleteOptions,
  lease,
  namespace,
  node,
  roleBinding,
  schemaFor,
  schemaKeys,
  secret,
  selfSubjectAccessReview,
} from '../../../src/api/machinery/schemas/index.js';
import type { FieldValidation } from '../../../src/api/machinery/queryOptions.js';
import { hasCommand, run } from '../../helpers.js';
import { NOT_RFC3339 } from '../times.js';

const CSR_TARGET = { kind: 'CertificateSigningRequest', version: 'v1' };

/** What kubectl 1.33 PUTs to /approval (docs/upstream/csr-api.md Part A §4), as JSON. */
const APPROVAL = {
  kind: 'CertificateSigningRequest',
  apiVersion: 'certificates.k8s.io/v1',
  metadata: {
    name: 'my-svc.my-namespace',
    uid: '7a1c9a3e-0000-4000-8000-000000000001',
    resourceVersion: '12',
    creationTimestamp: '2026-12-05T12:00:00Z',
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}\n' },
    managedFields: [
      {
        manager: 'kubectl-client-side-apply',
        operation: 'Update',
        apiVersion: 'certificates.k8s.io/v1',
        time: '2026-12-05T12:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:metadata': { 'f:annotations': {} } },
      },
    ],
  },
  spec: {
    request: 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K',
    signerName: 'example.com/serving',
    expirationSeconds: 86400,
    usages: ['digital signature', 'key encipherment', 'server auth'],
    username: 'kubernetes-admin',
    groups: ['kubeadm:cluster-admins', 'system:authenticated'],
    extra: { 'authentication.kubernetes.io/credential-id': ['X509SHA256=ab'] },
  },
  status: {
    conditions: [
      {
        type: 'Approved',
        status: 'True',
        reason: 'KubectlApprove',
        message: 'This CSR was approved by kubectl certificate approve.',
        lastUpdateTime: '2026-12-05T12:01:00Z',
        lastTransitionTime: null,
      },
    ],
  },
};

function fails(fn: () => unknown, code: number, message: string | RegExp): void {
  assert.throws(fn, (e) => {
    const s = toStatus(e);
    assert.equal(s.code, code, `${String(message)} → ${s.message}`);
    if (typeof message === 'string') assert.equal(s.message, message);
    else assert.match(s.message!, message);
    return true;
  });
}

test("what kubectl sends decodes under Strict, unchanged but for nulls (kubectl's approval PUT)", () => {
  const out = decodeJsonObject(JSON.stringify(APPROVAL), certificateSigningRequest, 'Strict', CSR_TARGET);
  assert.deepEqual(out.warnings, []);
  const want = structuredClone(APPROVAL) as Record<string, unknown>;
  delete (want.status as { conditions: Array<Record<string, unknown>> }).conditions[0]!.lastTransitionTime;
  assert.deepEqual(out.object, want);
});

test(
  'objects made by real kubectl (create --dry-run=client) have no field our schemas lack',
  { skip: !hasCommand('kubectl') },
  () => {
    const env = { ...process.env, KUBECONFIG: '/nonexistent' };
    const made: Array<[string[], typeof secret]> = [
      [['create', 'secret', 'generic', 's', '--from-literal=a=b', '--type=Opaque'], secret],
      [
        ['create', 'secret', 'docker-registry', 'd', '--docker-server=r', '--docker-username=u', '--docker-password=p'],
        secret,
      ],
      [['create', 'configmap', 'c', '--from-literal=a=b'], configMap],
      [['create', 'namespace', 'team-a'], namespace],
      [['create', 'rolebinding', 'rb', '--role=r', '--user=u', '--group=g', '--serviceaccount=ns:sa'], roleBinding],
      [
        ['create', 'clusterrolebinding', 'crb', '--clusterrole=cr', '--user=u', '--group=system:nodes'],
        clusterRoleBinding,
      ],
    ];
    for (const [args, schema] of made) {
      const r = run('kubectl', [...args, '--dry-run=client', '-o', 'json'], { env });
      assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
      const obj = JSON.parse(r.stdout);
      const out = decodeJsonObject(r.stdout, schema, 'Strict', { kind: obj.kind, version: 'v1' });
      assert.ok(Object.keys(out.object).length >= 3, args.join(' '));
    }
  },
);

test("unknown and repeated fields: Strict refuses with kube-apiserver's message, Warn warns, Ignore drops", () => {
  const body =
    '{"apiVersion":"certificates.k8s.io/v1","kind":"CertificateSigningRequest","metadata":{"name":"x","name":"y","labelz":{}},"spec":{"signerName":"a/b","foo":{"bar":1,"bar":2},"usages":[{"x":1}]},"bogus":true}';
  fails(
    () => decodeJsonObject(body, certificateSigningRequest, 'Strict', CSR_TARGET),
    400,
    /^CertificateSigningRequest in version "v1" cannot be handled as a CertificateSigningRequest: json: cannot unmarshal object into Go struct field CertificateSigningRequestSpec.spec.usages of type v1.KeyUsage$/,
  );
  const body2 =
    '{"apiVersion":"certificates.k8s.io/v1","kind":"CertificateSigningRequest","metadata":{"name":"x","name":"y","labelz":{}},"spec":{"signerName":"a/b","foo":{"bar":1,"bar":2}},"bogus":true}';
  fails(
    () => decodeJsonObject(body2, certificateSigningRequest, 'Strict', CSR_TARGET),
    400,
    'CertificateSigningRequest in version "v1" cannot be handled as a CertificateSigningRequest: strict decoding error: unknown field "metadata.labelz", unknown field "spec.foo", unknown field "bogus", duplicate field "metadata.name"',
  );
  const warn = decodeJsonObject(body2, certificateSigningRequest, 'Warn', CSR_TARGET);
  assert.deepEqual(warn.warnings, [
    'unknown field "metadata.labelz"',
    'unknown field "spec.foo"',
    'unknown field "bogus"',
    'duplicate field "metadata.name"',
  ]);
  assert.deepEqual(warn.object, {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name: 'y' },
    spec: { signerName: 'a/b' },
  });
  const ignore = decodeJsonObject(body2, certificateSigningRequest, 'Ignore', CSR_TARGET);
  assert.deepEqual(ignore.warnings, []);
  assert.deepEqual(ignore.object, warn.object);
  // case matters (kube decodes case-sensitively)
  assert.deepEqual(checkFields({ Metadata: {}, spec: { SignerName: 'x' } }, certificateSigningRequest).strictErrors, [
    'unknown field "Metadata"',
    'unknown field "spec.SignerName"',
  ]);
  // list items and maps get indices and keys in the path
  assert.deepEqual(
    checkFields({ status: { conditions: [{ type: 'A' }, { type: 'B', extra: 1 }] } }, certificateSigningRequest)
      .strictErrors,
    ['unknown field "status.conditions[1].extra"'],
  );
  assert.deepEqual(
    checkFields({ metadata: { labels: { a: 'b' } }, status: { addresses: [{ type: 'X', address: 'y', z: 1 }] } }, node)
      .strictErrors,
    ['unknown field "status.addresses[0].z"'],
  );
  // at most 100 reported
  const many = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`f${i}`, i]));
  assert.equal(checkFields({ spec: many }, certificateSigningRequest).strictErrors.length, 100);
});

test('type errors are always 400, in Go decoder wording', () => {
  const cases: Array<[unknown, string | RegExp]> = [
    [
      { spec: { signerName: 5 } },
      'json: cannot unmarshal number 5 into Go struct field CertificateSigningRequestSpec.spec.signerName of type string',
    ],
    [
      { spec: { expirationSeconds: 1.5 } },
      'json: cannot unmarshal number 1.5 into Go struct field CertificateSigningRequestSpec.spec.expirationSeconds of type int32',
    ],
    [
      { spec: { expirationSeconds: 2 ** 31 } },
      'json: cannot unmarshal number 2147483648 into Go struct field CertificateSigningRequestSpec.spec.expirationSeconds of type int32',
    ],
    [
      { spec: { expirationSeconds: '600' } },
      'json: cannot unmarshal string into Go struct field CertificateSigningRequestSpec.spec.expirationSeconds of type int32',
    ],
    [
      { spec: { usages: 'server auth' } },
      'json: cannot unmarshal string into Go struct field CertificateSigningRequestSpec.spec.usages of type []v1.KeyUsage',
    ],
    [
      { spec: { extra: { a: 'b' } } },
      'json: cannot unmarshal string into Go struct field CertificateSigningRequestSpec.spec.extra of type []string',
    ],
    [
      { spec: [] },
      'json: cannot unmarshal array into Go struct field CertificateSigningRequest.spec of type v1.CertificateSigningRequestSpec',
    ],
    [
      { metadata: { labels: { a: 1 } } },
      'json: cannot unmarshal number 1 into Go struct field ObjectMeta.metadata.labels of type string',
    ],
    [
      { metadata: { generation: true } },
      'json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.generation of type int64',
    ],
    [{ spec: { request: 'not base64!' } }, 'illegal base64 data at input byte 3'],
    [{ spec: { request: 'YWJj=' } }, /^illegal base64 data at input byte \d+$/],
    [
      { metadata: { creationTimestamp: 'yesterday' } },
      'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": not an RFC 3339 time',
    ],
    [[1, 2], 'json: cannot unmarshal array into Go value of type v1.CertificateSigningRequest'],
    ['text', 'json: cannot unmarshal string into Go value of type v1.CertificateSigningRequest'],
  ];
  for (const [doc, msg] of cases) {
    const prefix = 'CertificateSigningRequest in version "v1" cannot be handled as a CertificateSigningRequest: ';
    for (const directive of ['Strict', 'Warn', 'Ignore'] as FieldValidation[])
      fails(
        () => decodeJsonObject(JSON.stringify(doc), certificateSigningRequest, directive, CSR_TARGET),
        400,
        typeof msg === 'string'
          ? prefix + msg
          : new RegExp(`^${prefix.replace(/[()]/g, '\\$&')}${msg.source.slice(1)}`),
      );
  }
  // good values of every leaf type
  const ok = {
    metadata: {
      creationTimestamp: '2026-12-05T12:00:00.123456Z',
      deletionTimestamp: '2026-12-05T12:00:00+02:00',
      generation: 3,
    },
    spec: { request: 'YWJj\nZA==', expirationSeconds: 600 },
  };
  assert.deepEqual(checkFields(ok, certificateSigningRequest).typeErrors, []);
  assert.deepEqual(checkFields({ status: { capacity: { cpu: '4', pods: 110 } } }, node).typeErrors, []);
  assert.deepEqual(
    checkFields({ spec: { leaseDurationSeconds: 15, renewTime: '2026-12-05T12:00:00.000000Z' } }, lease).typeErrors,
    [],
  );
});

test('[]byte fields as Go reads base64, time fields as Go parses RFC 3339', () => {
  const typeErrors = (spec: object, metadata: object = {}) =>
    checkFields({ metadata, spec }, certificateSigningRequest).typeErrors;
  // standard alphabet, padded, line breaks ignored
  for (const s of ['', 'QQ==', 'QUI=', 'QUJD', 'QUJD\nREVG', 'QUJD\r\nREVG'])
    assert.deepEqual(typeErrors({ request: s }), [], JSON.stringify(s));
  for (const s of ['QQ', 'Q===', 'QU JD', 'QUJD-_', '@@@@', 'QQ==QQ=='])
    assert.match(typeErrors({ request: s }).join(), /^illegal base64 data at input byte \d+$/, JSON.stringify(s));
  // real dates only, hours below 24, offsets below 24h, upper-case T and Z
  for (const t of [...NOT_RFC3339, ''])
    assert.deepEqual(
      typeErrors({}, { creationTimestamp: t }),
      [`parsing time ${JSON.stringify(t)} as "2006-01-02T15:04:05Z07:00": not an RFC 3339 time`],
      t,
    );
});

test("null is Go's zero value: struct fields dropped, list elements and map values zeroed", () => {
  const r = checkFields(
    {
      apiVersion: null,
      metadata: { name: 'x', labels: { a: null }, annotations: { b: null }, ownerReferences: [null] },
      spec: { usages: [null, 'client auth'], groups: null, extra: { k: null }, expirationSeconds: null },
      status: { conditions: [null] },
    },
    certificateSigningRequest,
  );
  assert.deepEqual(r.typeErrors, []);
  assert.deepEqual(r.object, {
    metadata: { name: 'x', labels: { a: '' }, annotations: { b: '' }, ownerReferences: [{}] },
    spec: { usages: ['', 'client auth'], extra: { k: null } },
    status: { conditions: [{}] },
  });
});

test('known fields for strict decoding: apiVersion and kind for a kind, then its own', () => {
  assert.deepEqual(Object.keys(certificateSigningRequest.fields), ['kind', 'apiVersion', 'metadata', 'spec', 'status']);
  const spec = certificateSigningRequest.fields['spec'];
  assert.ok(spec?.type === 'object');
  assert.deepEqual(Object.keys(spec.fields), [
    'request',
    'signerName',
    'expirationSeconds',
    'usages',
    'username',
    'uid',
    'groups',
    'extra',
  ]);
});

test('bodies: malformed, oversized, deep, hostile', () => {
  fails(
    () => decodeJsonObject('{"kind":', certificateSigningRequest, 'Strict', CSR_TARGET),
    400,
    /^the object provided is unrecognized \(must be of type CertificateSigningRequest\): couldn't get version\/kind; json parse error: /,
  );
  fails(() => decodeJsonObject('', certificateSigningRequest, 'Strict', CSR_TARGET), 400, /json parse error/);
  fails(
    () => decodeJsonObject(Buffer.alloc(3 * 1024 * 1024 + 1, 0x20), certificateSigningRequest, 'Strict', CSR_TARGET),
    413,
    'Request entity too large: limit is 3145728',
  );
  fails(() => parseJsonBody('{"a":1}', { maxBytes: 3 }), 413, 'Request entity too large: limit is 3');
  // deep nesting is refused before JSON.parse, however deep
  for (const deep of [
    '['.repeat(101) + ']'.repeat(101),
    '{"a":'.repeat(5000) + '1' + '}'.repeat(5000),
    '['.repeat(2_000_000),
  ])
    fails(
      () => decodeJsonObject(deep, certificateSigningRequest, 'Ignore', CSR_TARGET),
      400,
      'the JSON document is nested more than 100 levels deep; refused before parsing',
    );
  // exactly 100 levels is fine
  assert.equal(parseJsonBody('['.repeat(100) + ']'.repeat(100)).duplicates.length, 0);
  // braces inside strings do not count
  assert.equal(scanJson(`{"a":"${'{'.repeat(500)}","b":"\\"[[["}`).depth, 1);
  // __proto__ in a body is a plain unknown field, not a prototype
  const out = decodeJsonObject(
    '{"__proto__":{"polluted":1},"metadata":{"name":"x","__proto__":{}}}',
    certificateSigningRequest,
    'Warn',
    CSR_TARGET,
  );
  assert.deepEqual(out.warnings, ['unknown field "__proto__"', 'unknown field "metadata.__proto__"']);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf(out.object), Object.prototype);
  // labels named __proto__ are kept as data
  const l = decodeJsonObject(
    '{"metadata":{"labels":{"__proto__":"v"}}}',
    certificateSigningRequest,
    'Strict',
    CSR_TARGET,
  );
  assert.equal(
    Object.getOwnPropertyDescriptor((l.object.metadata as { labels: object }).labels, '__proto__')?.value,
    'v',
  );
  // a 3 MiB body of repeated keys: bounded report, linear time
  const t0 = Date.now();
  const dup = `{"metadata":{${Array.from({ length: 150_000 }, () => '"name":"x"').join(',')}}}`;
  const r = decodeJsonObject(dup, certificateSigningRequest, 'Warn', CSR_TARGET);
  assert.equal(r.warnings.length, 100);
  assert.ok(Date.now() - t0 < 3000, `${Date.now() - t0} ms`);
});

test('the body scan: duplicate paths, escapes, malformed input', () => {
  const s = scanJson('{"a":{"b":1,"b":2},"l":[{"x":1,"x":2},{"y":1}],"a":0,"\\u0061":1,"q\\"":1,"q\\"":2}', {
    duplicates: true,
  });
  assert.deepEqual(s.duplicates.map(formatJsonPath), ['a.b', 'l[0].x', 'a', 'a', 'q"']);
  // malformed text neither throws nor loops
  for (const bad of ['{"a', '{"a":"\\', '}}}]]]', '"', '{"a":1,,,"a":2', '[,,,{', '\u0000'])
    scanJson(bad, { duplicates: true });
  assert.equal(depthOf({ a: [{ b: [] }] }), 4);
  assert.equal(depthOf(1), 0);
  const chain: Record<string, unknown> = {};
  let cur = chain;
  for (let i = 0; i < 100_000; i++) cur = cur.n = {};
  assert.equal(depthOf(chain, 100), 101, 'gives up past the limit without recursion');
});

test('Warning headers as kube-apiserver writes them', () => {
  assert.equal(warningHeader('unknown field "spec.foo"'), '299 - "unknown field \\"spec.foo\\""');
  assert.equal(warningHeader('a\\b'), '299 - "a\\\\b"');
  // non-ASCII goes out as its UTF-8 bytes; control characters cannot reach the header
  const h = warningHeader('unknown field "spec.é\n"');
  assert.equal(Buffer.from(h, 'latin1').toString('utf8'), '299 - "unknown field \\"spec.é\ufffd\\""');
  assert.doesNotMatch(h, /[\n\r]/);
});

test('every served type has a schema, looked up by group, version and kind', () => {
  assert.equal(
    schemaFor({ group: 'certificates.k8s.io', version: 'v1', kind: 'CertificateSigningRequest' }),
    certificateSigningRequest,
  );
  assert.equal(schemaFor({ group: '', version: 'v1', kind: 'DeleteOptions' }), deleteOptions);
  assert.equal(
    schemaFor({ group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectAccessReview' }),
    selfSubjectAccessReview,
  );
  assert.equal(schemaFor({ group: '', version: 'v1', kind: 'toString' }), undefined);
  assert.equal(schemaKeys().length, 21);
  // what kubectl delete sends, and what kubectl auth can-i sends (as JSON)
  assert.deepEqual(
    decodeJsonObject('{"propagationPolicy":"Background"}', deleteOptions, 'Strict', {
      kind: 'DeleteOptions',
      version: 'v1',
    }).object,
    {
      propagationPolicy: 'Background',
    },
  );
  const ssar = {
    kind: 'SelfSubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec: {
      resourceAttributes: {
        namespace: 'default',
        verb: 'approve',
        group: 'certificates.k8s.io',
        resource: 'signers',
        name: 'example.com/*',
      },
    },
    status: { allowed: false },
  };
  assert.deepEqual(
    decodeJsonObject(JSON.stringify(ssar), selfSubjectAccessReview, 'Strict', {
      kind: 'SelfSubjectAccessReview',
      version: 'v1',
    }).warnings,
    [],
  );
});
