/**
 * The protobuf decoder against bodies real kubectl sent (captures/, recorded from kubectl
 * 1.33 and, for the same commands, the JSON kubectl 1.27 sent) and against hostile input:
 * every malformed body is a one-line 400 error, never a crash, a hang or a large allocation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isKubetlsError } from '../../../src/errors/index.js';
import { decodeProtobufObject, isProtobufBody, readEnvelope } from '../../../src/api/protobuf/envelope.js';
import { canDecodeProtobuf, decodeMessage } from '../../../src/api/protobuf/decode.js';
import { decodeBody } from '../../../src/api/machinery/decode.js';
import { obj, pb, str, type ObjectSchema, type Schema } from '../../../src/api/machinery/schema.js';
import {
  schemaFor,
  schemaKeys,
  secret,
  selfSubjectReview,
  subjectAccessReview,
  topLevel,
} from '../../../src/api/machinery/schemas/index.js';
import { stringify as stringifyYaml } from 'yaml';
import { toStatus } from '../../../src/api/machinery/status.js';
import { ProtobufError } from '../../../src/api/protobuf/wire.js';
import { certificateSigningRequest, selfSubjectAccessReview } from '../../../src/api/machinery/schemas/index.js';
import { csrStrategy } from '../../../src/api/resources/certificates/strategy.js';
import { ROOT } from '../../helpers.js';
import { bytesField, envelope, MAGIC, message, tag, varint, varintField } from './encode.js';

const CAPTURES = join(ROOT, 'test/api/protobuf/captures');
const capture = (f: string): Buffer => readFileSync(join(CAPTURES, f));
const CSR = { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest' };
const SSAR = { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview' };
const decodeCSR = (body: Buffer) => decodeProtobufObject(body, certificateSigningRequest, CSR);

/** Asserts a 400 protobuf error whose message matches. */
function refuses(body: Buffer, re: RegExp): void {
  assert.throws(
    () => decodeCSR(body),
    (e: unknown) =>
      e instanceof ProtobufError && e.code === 'BadRequest' && re.test(e.message) && !e.message.includes('\n'),
    re.source,
  );
}

test("kubectl 1.33's protobuf approve body decodes to the JSON kubectl 1.27 sends for the same command", () => {
  const pb = capture('approve-kubectl-1.33.pb');
  assert.ok(isProtobufBody(pb));
  const decoded = decodeCSR(pb);
  const json = JSON.parse(capture('approve-kubectl-1.27.json').toString('utf8'));
  // the only difference is when each kubectl ran (its lastUpdateTime)
  const conditions = (o: Record<string, unknown>) =>
    (o.status as { conditions: Array<Record<string, unknown>> }).conditions;
  assert.match(String(conditions(decoded)[0]!['lastUpdateTime']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  conditions(decoded)[0]!['lastUpdateTime'] = conditions(json)[0]!['lastUpdateTime'];
  assert.deepEqual(decoded, json);
  assert.equal(conditions(decoded)[0]!['lastTransitionTime'], null, 'a zero metav1.Time is null');
});

test("kubectl 1.33's SelfSubjectAccessReviews (resource and non-resource) decode to 1.27's JSON", () => {
  for (const which of ['resource', 'nonresource']) {
    const decoded = decodeProtobufObject(capture(`ssar-${which}-kubectl-1.33.pb`), selfSubjectAccessReview, SSAR);
    assert.deepEqual(decoded, JSON.parse(capture(`ssar-${which}-kubectl-1.27.json`).toString('utf8')), which);
  }
});

test('the decoded approval goes through the /approval strategy as the JSON one does', () => {
  const stored = JSON.parse(capture('approve-kubectl-1.27.json').toString('utf8'));
  stored.status = {};
  const sent = decodeCSR(capture('approve-kubectl-1.33.pb'));
  const ctx = {
    user: { username: 'admin', groups: ['system:masters'] },
    subresource: 'approval',
    now: new Date('2026-12-05T14:00:00Z'),
  };
  const prepared = csrStrategy.prepareForUpdate(sent, stored, ctx);
  assert.deepEqual(csrStrategy.validateUpdate(prepared, stored, ctx), []);
  const [c] = (prepared['status'] as { conditions: Array<Record<string, unknown>> }).conditions;
  assert.equal(c!['type'], 'Approved');
  assert.equal(c!['lastTransitionTime'], '2026-12-05T14:00:00Z');
});

test('envelope: prefix, kind and encoding are checked; an empty kind defaults to the expected one', () => {
  refuses(Buffer.alloc(0), /^protobuf: empty body$/);
  refuses(Buffer.from('{"kind":"CertificateSigningRequest"}'), /does not start with the "k8s\\0" protobuf prefix/);
  refuses(Buffer.from([0x6b, 0x38, 0x73]), /prefix/);
  refuses(
    envelope(Buffer.alloc(0), 'authorization.k8s.io/v1', 'SelfSubjectAccessReview'),
    /is a authorization\.k8s\.io\/v1, Kind=SelfSubjectAccessReview; a certificates\.k8s\.io\/v1, Kind=CertificateSigningRequest was expected/,
  );
  refuses(
    Buffer.concat([envelope(Buffer.alloc(0)), bytesField(3, 'gzip')]),
    /content encoding "gzip" is not supported/,
  );
  // the magic alone: an Unknown with nothing in it, an empty object of the expected kind
  assert.deepEqual(decodeCSR(MAGIC), {
    ...CSR,
    metadata: { creationTimestamp: null },
    spec: { request: null, signerName: '' },
    status: {},
  });
  const env = readEnvelope(envelope(Buffer.from('raw'), 'v1', 'Thing'));
  assert.deepEqual([env.apiVersion, env.kind, env.raw.toString()], ['v1', 'Thing', 'raw']);
});

test('Go JSON presence: omitempty, always-printed fields, pointers, bytes as base64, times as RFC 3339 or null', () => {
  const time = (seconds: number | bigint, nanos = 0) => message(varintField(1, seconds), varintField(2, nanos));
  const raw = message(
    bytesField(
      1,
      message(
        bytesField(1, 'n'),
        varintField(7, 0),
        bytesField(8, time(Date.UTC(2026, 11, 5, 12) / 1000, 999_999_999)),
        bytesField(9, Buffer.alloc(0)),
        varintField(10, 0),
      ),
    ),
    bytesField(
      2,
      message(
        bytesField(1, Buffer.from('PEM')),
        varintField(8, 0),
        bytesField(5, 'client auth'),
        bytesField(5, 'client auth'),
      ),
    ),
    bytesField(
      3,
      message(
        bytesField(2, Buffer.alloc(0)),
        bytesField(1, message(bytesField(1, 'Approved'), bytesField(4, time(0)), bytesField(5, time(-62_135_596_800)))),
      ),
    ),
  );
  assert.deepEqual(decodeCSR(envelope(raw)), {
    ...CSR,
    // generation 0 is omitted (omitempty); deletionTimestamp and deletionGracePeriodSeconds are pointers: printed when set
    metadata: {
      name: 'n',
      creationTimestamp: '2026-12-05T12:00:00Z',
      deletionTimestamp: null,
      deletionGracePeriodSeconds: 0,
    },
    // expirationSeconds is a pointer: 0 is printed; request is bytes: base64; usages keep duplicates (validation reports them)
    spec: {
      request: Buffer.from('PEM').toString('base64'),
      signerName: '',
      expirationSeconds: 0,
      usages: ['client auth', 'client auth'],
    },
    // an empty certificate is omitted; epoch 0 is a real time; Go's zero time is null; status of a condition is always printed
    status: {
      conditions: [{ type: 'Approved', status: '', lastUpdateTime: '1970-01-01T00:00:00Z', lastTransitionTime: null }],
    },
  });
});

test('protobuf rules: unknown fields of every wire type are skipped; embedded messages merge; the last scalar wins', () => {
  const unknown = message(
    varintField(99, 12345678901234n),
    Buffer.concat([tag(98, 1), Buffer.alloc(8, 0xff)]),
    Buffer.concat([tag(97, 5), Buffer.alloc(4, 0xff)]),
    bytesField(96, message(bytesField(1, 'nested'), varintField(2, 1))),
  );
  const spec = (...f: Buffer[]) => bytesField(2, message(...f));
  const plain = decodeCSR(envelope(message(spec(bytesField(7, 'example.com/a')))));
  const noisy = decodeCSR(envelope(message(unknown, spec(unknown, bytesField(7, 'example.com/a'), unknown), unknown)));
  assert.deepEqual(noisy, plain);
  const merged = decodeCSR(
    envelope(
      message(
        spec(bytesField(7, 'example.com/a'), bytesField(5, 'any')),
        spec(bytesField(7, 'example.com/b'), bytesField(5, 'client auth')),
      ),
    ),
  );
  assert.deepEqual(merged['spec'], { request: null, signerName: 'example.com/b', usages: ['any', 'client auth'] });
});

test('maps: extra and labels, a repeated key keeps the last value, and "__proto__" is just a key', () => {
  const entry = (no: number, k: string, v: Buffer) => bytesField(no, message(bytesField(1, k), bytesField(2, v)));
  const extra = (k: string, ...items: string[]) => entry(6, k, message(...items.map((i) => bytesField(1, i))));
  const raw = message(
    bytesField(
      1,
      message(
        entry(11, '__proto__', Buffer.from('polluted')),
        entry(11, 'app', Buffer.from('a')),
        entry(11, 'app', Buffer.from('b')),
      ),
    ),
    bytesField(2, message(extra('scopes', 'x', 'y'), extra('empty'))),
  );
  const o = decodeCSR(envelope(raw));
  const labels = o.metadata.labels ?? {};
  assert.equal(Object.getPrototypeOf(labels), Object.prototype);
  assert.deepEqual(Object.keys(labels), ['__proto__', 'app']);
  assert.equal(Object.getOwnPropertyDescriptor(labels, '__proto__')?.value, 'polluted');
  assert.equal(labels['app'], 'b');
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  assert.deepEqual((o['spec'] as Record<string, unknown>)['extra'], { scopes: ['x', 'y'], empty: null });
  assert.equal(JSON.stringify(labels), '{"__proto__":"polluted","app":"b"}');
});

test('hostile input: wrong wire types, lengths past the end, huge lengths, long varints, bad tags, groups', () => {
  refuses(
    envelope(varintField(2, 1)),
    /^protobuf: wrong wire type varint for field spec \(length-delimited expected\)$/,
  );
  refuses(envelope(bytesField(2, varintField(7, 1))), /^protobuf: spec: wrong wire type varint for field signerName/);
  refuses(
    envelope(bytesField(2, bytesField(8, 'x'))),
    /spec: wrong wire type length-delimited for field expirationSeconds \(varint expected\)/,
  );
  refuses(
    envelope(
      bytesField(3, bytesField(1, bytesField(4, varintField(1, 'x'.length) /* seconds as bytes */).subarray(0, 3))),
    ),
    /status\.conditions\[0\]/,
  );
  // a length past the end, at the top and deep inside
  refuses(
    Buffer.concat([MAGIC, tag(2, 2), varint(1000), Buffer.from('abc')]),
    /^protobuf: envelope: length 1000 runs past the end of the data \(3 bytes left\)$/,
  );
  refuses(
    envelope(Buffer.concat([tag(2, 2), varint(4), tag(5, 2), varint(50), Buffer.from('ab')])),
    /^protobuf: spec: length 50 runs past the end of the data \(2 bytes left\)$/,
  );
  // huge lengths are compared, never allocated
  for (const huge of [2n ** 31n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n])
    refuses(Buffer.concat([MAGIC, tag(2, 2), varint(huge)]), /runs past the end of the data/);
  refuses(Buffer.concat([MAGIC, Buffer.alloc(11, 0xff)]), /varint longer than 10 bytes/);
  refuses(Buffer.concat([MAGIC, tag(2, 2), Buffer.from([0x80, 0x80])]), /truncated varint/);
  refuses(Buffer.concat([MAGIC, varint(0 * 8 + 2)]), /illegal field number 0/);
  refuses(Buffer.concat([MAGIC, varint(2n ** 33n)]), /field tag out of range/);
  refuses(envelope(Buffer.concat([tag(50, 3), tag(50, 4)])), /wire type start-group is not supported/);
  refuses(envelope(Buffer.concat([tag(50, 6)])), /wire type 6 is not supported/);
  refuses(
    envelope(Buffer.concat([tag(50, 1), Buffer.alloc(3)])),
    /truncated fixed-width value \(8 bytes needed, 3 left\)/,
  );
  // out-of-range numbers and times
  refuses(
    envelope(bytesField(1, varintField(7, 2n ** 60n))),
    /metadata: integer 1152921504606846976 is beyond the range kept exactly/,
  );
  refuses(
    envelope(bytesField(1, bytesField(8, varintField(1, 253_402_300_800n)))),
    /metadata\.creationTimestamp: time 253402300800s is outside years 0000-9999/,
  );
  refuses(envelope(bytesField(1, bytesField(8, varintField(1, -62_167_219_201n)))), /outside years 0000-9999/);
});

test('hostile input: deep nesting is skipped flat or refused; nested JSON in managedFields is bounded', () => {
  // 20,000 levels of nested unknown messages: skipped as one length-delimited field, no recursion
  let deep: Buffer = Buffer.alloc(0);
  for (let i = 0; i < 20_000; i++) deep = bytesField(1, deep);
  const body = envelope(message(bytesField(42, deep), bytesField(2, bytesField(7, 'example.com/a'))));
  const started = process.hrtime.bigint();
  assert.equal((decodeCSR(body)['spec'] as Record<string, unknown>)['signerName'], 'example.com/a');
  assert.ok(process.hrtime.bigint() - started < 1_000_000_000n, 'fast');
  // JSON inside fieldsV1: parsed, but not deeper than 100 levels
  const managed = (json: string) => envelope(bytesField(1, bytesField(17, bytesField(7, bytesField(1, json)))));
  const ok = decodeCSR(managed('{"f:metadata":{"f:labels":{}}}'));
  assert.deepEqual((ok.metadata.managedFields as unknown[])[0], { fieldsV1: { 'f:metadata': { 'f:labels': {} } } });
  refuses(
    managed('['.repeat(5000) + ']'.repeat(5000)),
    /metadata\.managedFields\[0\]\.fieldsV1: JSON nested deeper than 100 levels/,
  );
  refuses(managed('{"a":'), /embedded JSON does not parse/);
  // brackets inside strings do not count
  assert.ok(decodeCSR(managed(JSON.stringify({ s: '['.repeat(500) }))));
});

test('hostile input: every truncation of a real body inside its object is refused, and nothing else is thrown', () => {
  const pb = capture('approve-kubectl-1.33.pb');
  const env = readEnvelope(pb);
  // the object (Unknown.raw) is followed by the envelope's empty contentEncoding and contentType
  const rawStart = pb.indexOf(env.raw);
  const rawEnd = rawStart + env.raw.length;
  assert.ok(rawStart > 0 && rawEnd < pb.length);
  for (let cut = 0; cut < pb.length; cut++) {
    const body = pb.subarray(0, cut);
    try {
      decodeCSR(body);
      assert.ok(cut < rawStart || cut >= rawEnd, `a body cut at ${cut} inside the object decoded`);
    } catch (e) {
      assert.ok(e instanceof ProtobufError, `cut at ${cut}: ${String(e)}`);
    }
  }
});

test('hostile input: 3,000 random mutations of a real body decode or fail with a protobuf error', () => {
  const pb = capture('approve-kubectl-1.33.pb');
  let seed = 0x5eed;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  let refused = 0;
  for (let i = 0; i < 3000; i++) {
    const body = Buffer.from(pb);
    for (let k = 0, n = 1 + rand(4); k < n; k++) body[4 + rand(body.length - 4)] = rand(256);
    try {
      const o = decodeCSR(body);
      JSON.stringify(o);
    } catch (e) {
      assert.ok(isKubetlsError(e) && e.code === 'BadRequest', String(e));
      refused++;
    }
  }
  assert.ok(refused > 100, `${refused} refused`);
});

test('decodeMessage alone: an empty message prints every always-printed field', () => {
  assert.deepEqual(decodeMessage(Buffer.alloc(0), selfSubjectAccessReview), {
    metadata: { creationTimestamp: null },
    spec: {},
    status: { allowed: false },
  });
});

const PROTOBUF = 'application/vnd.kubernetes.protobuf';
const CSR_KIND = { group: 'certificates.k8s.io', version: 'v1', kind: 'CertificateSigningRequest' };
const SSAR_KIND = { group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectAccessReview' };

test('decodeBody: the same request as protobuf (kubectl 1.33) and as JSON (kubectl 1.27) gives the same object', () => {
  const pb = decodeBody(capture('approve-kubectl-1.33.pb'), PROTOBUF, certificateSigningRequest, 'Strict', CSR_KIND);
  const json = decodeBody(
    capture('approve-kubectl-1.27.json'),
    undefined,
    certificateSigningRequest,
    'Strict',
    CSR_KIND,
  );
  assert.deepEqual([pb.warnings, json.warnings], [[], []]);
  const conditions = (o: Record<string, unknown>) =>
    (o['status'] as { conditions: Array<Record<string, unknown>> }).conditions;
  // both without the null lastTransitionTime and creationTimestamp (Go's zero values, dropped as the JSON path drops them)
  assert.equal('lastTransitionTime' in conditions(pb.object)[0]!, false);
  conditions(pb.object)[0]!['lastUpdateTime'] = conditions(json.object)[0]!['lastUpdateTime'];
  assert.deepEqual(pb.object, json.object);
  for (const which of ['resource', 'nonresource'])
    assert.deepEqual(
      decodeBody(
        capture(`ssar-${which}-kubectl-1.33.pb`),
        `${PROTOBUF}; charset=x`,
        selfSubjectAccessReview,
        'Strict',
        SSAR_KIND,
      ).object,
      decodeBody(
        capture(`ssar-${which}-kubectl-1.27.json`),
        'application/json',
        selfSubjectAccessReview,
        'Strict',
        SSAR_KIND,
      ).object,
      which,
    );
});

test('decodeBody: protobuf only for kinds whose schema has protobuf numbers; other media types are 415', () => {
  const status = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return toStatus(e);
    }
    return assert.fail('decoded');
  };
  // a kind whose schema lacks a number (a made-up one: every served kind has them now)
  const unnumbered = topLevel('v1.Widget', { spec: obj('v1.WidgetSpec', { size: pb(1, str) }) });
  const widget = { group: 'example.com', version: 'v1', kind: 'Widget' };
  const pb415 = status(() =>
    decodeBody(envelope(Buffer.alloc(0), 'example.com/v1', 'Widget'), PROTOBUF, unnumbered, 'Strict', widget),
  );
  assert.equal(pb415.code, 415);
  assert.equal(
    pb415.message,
    'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml',
  );
  // an empty Secret decodes (kubectl >= 1.32 creates Secrets as protobuf)
  assert.deepEqual(
    decodeBody(envelope(Buffer.alloc(0), 'v1', 'Secret'), PROTOBUF, secret, 'Strict', {
      group: '',
      version: 'v1',
      kind: 'Secret',
    }).object,
    { apiVersion: 'v1', kind: 'Secret', metadata: {} },
  );
  const text = status(() =>
    decodeBody(Buffer.from('kind: x'), 'text/plain', certificateSigningRequest, 'Strict', CSR_KIND),
  );
  assert.equal(text.code, 415);
  assert.match(text.message!, /: application\/json, application\/yaml, application\/vnd\.kubernetes\.protobuf$/);
  // a protobuf body of the wrong kind, a broken one, an oversized one
  assert.equal(
    status(() =>
      decodeBody(capture('ssar-resource-kubectl-1.33.pb'), PROTOBUF, certificateSigningRequest, 'Strict', CSR_KIND),
    ).code,
    400,
  );
  assert.equal(
    status(() => decodeBody(Buffer.from('k8s'), PROTOBUF, certificateSigningRequest, 'Strict', CSR_KIND)).code,
    400,
  );
  assert.equal(
    status(() =>
      decodeBody(capture('approve-kubectl-1.33.pb'), PROTOBUF, certificateSigningRequest, 'Strict', CSR_KIND, {
        maxBytes: 100,
      }),
    ).code,
    413,
  );
});

test('protobuf numbers in the schemas: the kinds kubectl sends as protobuf have them all, unique per message', () => {
  const gvkOf = (k: string) => {
    const [version, kind] = k.split('/').slice(-2) as [string, string];
    return { group: k.split('/').length === 3 ? k.split('/')[0]! : '', version, kind };
  };
  const decodable = schemaKeys().filter((k) => canDecodeProtobuf(schemaFor(gvkOf(k))!));
  // every served kind (kubectl >= 1.32 creates Secrets, ConfigMaps, Namespaces and RBAC objects
  // as protobuf; client-go typed clients may send the others so); DeleteOptions and Status are JSON only
  assert.deepEqual(decodable, [
    'certificates.k8s.io/v1/CertificateSigningRequest',
    'v1/Secret',
    'v1/ConfigMap',
    'v1/Namespace',
    'v1/Node',
    'v1/Event',
    'events.k8s.io/v1/Event',
    'coordination.k8s.io/v1/Lease',
    'rbac.authorization.k8s.io/v1/Role',
    'rbac.authorization.k8s.io/v1/ClusterRole',
    'rbac.authorization.k8s.io/v1/RoleBinding',
    'rbac.authorization.k8s.io/v1/ClusterRoleBinding',
    'authorization.k8s.io/v1/SubjectAccessReview',
    'authorization.k8s.io/v1/SelfSubjectAccessReview',
    'authentication.k8s.io/v1/SelfSubjectReview',
    'authentication.k8s.io/v1/TokenReview',
    'authentication.k8s.io/v1beta1/SelfSubjectReview',
  ]);
  const structs = (s: Schema, out: Set<ObjectSchema>): Set<ObjectSchema> => {
    if (s.type === 'object' && !out.has(s)) {
      out.add(s);
      for (const f of Object.values(s.fields)) structs(f, out);
    } else if (s.type === 'list') structs(s.items, out);
    else if (s.type === 'map') structs(s.values, out);
    return out;
  };
  const all = new Set<ObjectSchema>();
  for (const k of decodable) structs(schemaFor(gvkOf(k))!, all);
  for (const m of all) {
    const numbers = Object.values(m.fields).flatMap((f) => (f.no === undefined ? [] : [f.no]));
    assert.equal(new Set(numbers).size, numbers.length, m.goType);
  }
});

test("decodeBody: kubectl 1.33's `auth whoami` body (protobuf) and a SubjectAccessReview built by hand", () => {
  const whoami = decodeBody(capture('whoami-kubectl-1.33.pb'), PROTOBUF, selfSubjectReview, 'Strict', {
    group: 'authentication.k8s.io',
    version: 'v1',
    kind: 'SelfSubjectReview',
  });
  // kubectl sends zero metadata and a zero status; Go's JSON of it, nulls dropped as for a JSON body
  assert.deepEqual(whoami.object, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'SelfSubjectReview',
    metadata: {},
    status: { userInfo: {} },
  });
  const extra = (k: string, ...v: string[]) =>
    bytesField(5, message(bytesField(1, k), bytesField(2, message(...v.map((x) => bytesField(1, x))))));
  const sar = envelope(
    message(
      bytesField(
        2,
        message(
          bytesField(1, message(bytesField(2, 'get'), bytesField(5, 'secrets'), bytesField(1, 'kube-system'))),
          bytesField(3, 'jane'),
          bytesField(4, 'devs'),
          bytesField(4, 'system:authenticated'),
          extra('scopes', 'a', 'b'),
          bytesField(6, 'uid-1'),
        ),
      ),
    ),
    'authorization.k8s.io/v1',
    'SubjectAccessReview',
  );
  const decoded = decodeBody(sar, PROTOBUF, subjectAccessReview, 'Strict', {
    group: 'authorization.k8s.io',
    version: 'v1',
    kind: 'SubjectAccessReview',
  });
  assert.deepEqual(decoded.object, {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    metadata: {},
    spec: {
      resourceAttributes: { namespace: 'kube-system', verb: 'get', resource: 'secrets' },
      user: 'jane',
      groups: ['devs', 'system:authenticated'],
      extra: { scopes: ['a', 'b'] },
      uid: 'uid-1',
    },
    status: { allowed: false },
  });
});

test('decodeBody: YAML gives the JSON object; fieldValidation, malformed, deep and oversized YAML', () => {
  const json = capture('approve-kubectl-1.27.json');
  const asYaml = Buffer.from(stringifyYaml(JSON.parse(json.toString('utf8'))));
  assert.deepEqual(
    decodeBody(asYaml, 'application/yaml', certificateSigningRequest, 'Strict', CSR_KIND).object,
    decodeBody(json, 'application/json', certificateSigningRequest, 'Strict', CSR_KIND).object,
  );
  const fails = (body: string, re: RegExp, code = 400, directive: 'Strict' | 'Ignore' = 'Strict') =>
    assert.throws(
      () => decodeBody(Buffer.from(body), 'application/yaml', certificateSigningRequest, directive, CSR_KIND),
      (e: unknown) => toStatus(e).code === code && re.test(toStatus(e).message!),
      body.slice(0, 40),
    );
  fails(
    'spec:\n  signerName: a/b\n  bogus: 1\n',
    /cannot be handled as a CertificateSigningRequest: strict decoding error: unknown field "spec.bogus"$/,
  );
  fails(
    'spec:\n  usages: client auth\n',
    /json: cannot unmarshal string into Go struct field CertificateSigningRequestSpec.spec.usages/,
    400,
    'Ignore',
  );
  fails('spec: [unclosed\n', /^request body: not valid YAML: /);
  fails('a: 1\na: 2\n', /^request body: not valid YAML: /);
  fails(
    `metadata:\n  managedFields:\n  - fieldsV1: ${'['.repeat(150)}${']'.repeat(150)}\n`,
    /nested more than 100 levels deep/,
  );
  assert.throws(
    () =>
      decodeBody(Buffer.alloc(100, 0x20), 'application/yaml', certificateSigningRequest, 'Strict', CSR_KIND, {
        maxBytes: 99,
      }),
    (e: unknown) => toStatus(e).code === 413,
  );
});

test("decodeBody: kubectl 1.33's typed creates (protobuf) decode to exactly what kubectl 1.27 sends as JSON", () => {
  const rbac = 'rbac.authorization.k8s.io';
  const creates: Array<[string, string, string]> = [
    ['secret', '', 'Secret'],
    ['configmap', '', 'ConfigMap'],
    ['namespace', '', 'Namespace'],
    ['role', rbac, 'Role'],
    ['clusterrole', rbac, 'ClusterRole'],
    ['clusterrole-aggregated', rbac, 'ClusterRole'],
    ['rolebinding', rbac, 'RoleBinding'],
    ['clusterrolebinding', rbac, 'ClusterRoleBinding'],
  ];
  for (const [name, group, kind] of creates) {
    const names = { group, version: 'v1', kind };
    const schema = schemaFor(names)!;
    const pbBody = capture(`create-${name}-kubectl-1.33.pb`);
    const fromPb = decodeBody(pbBody, PROTOBUF, schema, 'Strict', names).object;
    const fromJson = decodeBody(
      capture(`create-${name}-kubectl-1.27.json`),
      'application/json',
      schema,
      'Strict',
      names,
    );
    assert.deepEqual(fromPb, fromJson.object, name);
    assert.deepEqual(fromJson.warnings, []);
    // every truncation of the body is a clean 400 or, where it falls between fields, a valid smaller message
    let refused = 0;
    for (let cut = 0; cut < pbBody.length; cut++) {
      try {
        decodeBody(pbBody.subarray(0, cut), PROTOBUF, schema, 'Strict', names);
      } catch (e) {
        assert.equal(toStatus(e).code, 400, `${name} cut at ${cut}: ${String(e)}`);
        refused++;
      }
    }
    assert.ok(refused > pbBody.length / 2, `${name}: ${refused} of ${pbBody.length} truncations refused`);
  }
  // what the secret holds, read from the protobuf: the literals given on kubectl's command line
  const secretObj = decodeBody(capture('create-secret-kubectl-1.33.pb'), PROTOBUF, secret, 'Strict', {
    group: '',
    version: 'v1',
    kind: 'Secret',
  }).object as { data: Record<string, string>; type: string };
  assert.deepEqual(
    Object.fromEntries(Object.entries(secretObj.data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()])),
    { user: 'admin', pass: 's3cr3t' },
  );
  assert.equal(secretObj.type, 'example.com/login');
});

test('protobuf MicroTime, Quantity and pointer fields: Lease, Node and Event built by hand', () => {
  const micro = (seconds: number, nanos: number) => message(varintField(1, seconds), varintField(2, nanos));
  const t0 = Date.UTC(2026, 11, 5, 12, 0, 0) / 1000;
  const lease = decodeProtobufObject(
    envelope(
      message(
        bytesField(1, bytesField(1, 'kube-controller-manager')),
        bytesField(
          2,
          message(
            bytesField(1, 'cp-0_1'),
            varintField(2, 15),
            bytesField(3, micro(t0, 123_456_789)),
            bytesField(4, micro(t0, 0)),
            varintField(5, 0),
          ),
        ),
      ),
      'coordination.k8s.io/v1',
      'Lease',
    ),
    schemaFor({ group: 'coordination.k8s.io', version: 'v1', kind: 'Lease' })!,
    { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' },
  );
  assert.deepEqual(lease.spec, {
    holderIdentity: 'cp-0_1',
    leaseDurationSeconds: 15,
    acquireTime: '2026-12-05T12:00:00.123456Z',
    renewTime: '2026-12-05T12:00:00.000000Z',
    leaseTransitions: 0, // a pointer: printed because it was sent, zero or not
  });
  const nodeObj = decodeProtobufObject(
    envelope(
      message(
        bytesField(1, bytesField(1, 'cp-0')),
        bytesField(
          3,
          message(
            bytesField(1, message(bytesField(1, 'cpu'), bytesField(2, bytesField(1, '2')))),
            bytesField(1, message(bytesField(1, 'memory'), bytesField(2, bytesField(1, '4Gi')))),
            bytesField(5, message(bytesField(1, 'InternalIP'), bytesField(2, '10.0.0.5'))),
          ),
        ),
      ),
      'v1',
      'Node',
    ),
    schemaFor({ group: '', version: 'v1', kind: 'Node' })!,
    { apiVersion: 'v1', kind: 'Node' },
  );
  const st = nodeObj.status as Record<string, unknown>;
  assert.deepEqual(st.capacity, { cpu: '2', memory: '4Gi' });
  assert.deepEqual(st.addresses, [{ type: 'InternalIP', address: '10.0.0.5' }]);
  // struct values Go always prints
  assert.deepEqual(st.daemonEndpoints, { kubeletEndpoint: { Port: 0 } });
  assert.deepEqual(nodeObj.spec, {});
  const ev = decodeProtobufObject(
    envelope(
      message(
        bytesField(1, message(bytesField(1, 'x.1'), bytesField(3, 'default'))),
        bytesField(2, message(bytesField(1, 'CertificateSigningRequest'), bytesField(3, 'x'), bytesField(4, 'u-1'))),
        bytesField(3, 'Signed'),
        bytesField(7, micro(t0, 0)),
      ),
      'v1',
      'Event',
    ),
    schemaFor({ group: '', version: 'v1', kind: 'Event' })!,
    { apiVersion: 'v1', kind: 'Event' },
  );
  assert.deepEqual(
    { ...ev, metadata: undefined },
    {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: undefined,
      involvedObject: { kind: 'CertificateSigningRequest', name: 'x', uid: 'u-1' },
      reason: 'Signed',
      source: {},
      firstTimestamp: null,
      lastTimestamp: '2026-12-05T12:00:00Z',
      eventTime: null,
      reportingComponent: '',
      reportingInstance: '',
    },
  );
  // a MicroTime's nanos out of range is refused, not wrapped
  assert.throws(
    () =>
      decodeProtobufObject(
        envelope(
          message(bytesField(2, message(bytesField(3, micro(t0, 1_000_000_000))))),
          'coordination.k8s.io/v1',
          'Lease',
        ),
        schemaFor({ group: 'coordination.k8s.io', version: 'v1', kind: 'Lease' })!,
        { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' },
      ),
    /nanos 1000000000 is outside/,
  );
});
