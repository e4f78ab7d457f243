/**
 * A seeded, bounded fuzzer against a real `kubetls serve`: a few thousand requests made from
 * valid requests of every served resource and verb, then mutated (bodies with fields removed,
 * duplicated, retyped, nested deep, huge, invalid UTF-8, NUL bytes, numbers out of range;
 * garbage query values; every patch Content-Type with garbage; protobuf of random bytes;
 * percent-encoded and dot-segment paths; methods a path does not allow; CSR specifics).
 *
 * Every answer must come in time, be < 500, and when not 2xx be a `Status` whose `code` is the
 * HTTP status. Afterwards the server is ready and alive, its stderr has no stack trace, and
 * every stored object reads back whole and valid. FUZZ_SEED=<n> replays a run; FUZZ_COUNT=<n>
 * changes its length (the seed is printed so a failure can be replayed); FUZZ_DUMP=<file>
 * writes every failure, FUZZ_TRACE=<file> every request with its answer.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { writeFileSync } from 'node:fs';
import { serve, type Served } from './harness.js';
import { admin, caOf, fileScope, type Identity } from './client.js';
import { opensslCsrPem, seededRandom } from '../../helpers.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x6b756265);
const COUNT = Number(process.env.FUZZ_COUNT ?? 2000);
/** replays only the requests from this index on (the ones before are made, not sent) */
const FROM = Number(process.env.FUZZ_FROM ?? 0);
/** per request: the server's own --request-timeout is 4 s, a watch is cut at its first bytes */
const ANSWER_MS = 8_000;
/** the server's body limit (src/api/machinery/jsonBody.ts MAX_BODY_BYTES) */
const MAX_BODY = 3 * 1024 * 1024;

const hooks = fileScope();
let s: Served;
let agent: Agent;
let who: Identity;
let csrPem: string;
before(async () => {
  s = await serve(hooks, { args: ['--request-timeout', '4s'] });
  who = admin(s);
  agent = new Agent({ keepAlive: true, maxSockets: 4, ca: caOf(s), cert: who.cert, key: who.key });
  hooks.after(() => agent.destroy());
  csrPem = opensslCsrPem('/CN=fuzz');
});

interface Reply {
  status: number;
  text: string;
  /** a watch that started streaming: cut once its first bytes came */
  streamed: boolean;
}

function send(method: string, path: string, body: Buffer | undefined, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: s.port,
        method,
        path,
        agent,
        headers: { ...(body !== undefined ? { 'Content-Length': String(body.length) } : {}), ...headers },
        timeout: ANSWER_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        const chunked = res.headers['transfer-encoding'] === 'chunked';
        const watching = res.statusCode === 200 && /[?&]watch=/i.test(path) && chunked;
        if (watching) {
          // a watch answers with a stream that lasts its timeoutSeconds: enough that it started
          res.destroy();
          req.destroy();
          resolve({ status: res.statusCode ?? 0, text: '', streamed: true });
          return;
        }
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), streamed: false }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer in ${ANSWER_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

// ---- the served resources, each with a valid object to start from ----

interface Kind {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
  /** reviews: create only */
  createOnly?: boolean;
  readOnly?: boolean;
  subresources?: string[];
  valid(name: string, ns: string): Record<string, unknown>;
}

const meta = (name: string, ns: string, namespaced: boolean) => ({
  name,
  ...(namespaced ? { namespace: ns } : {}),
  labels: { app: 'fuzz', 'example.com/tier': 'x' },
  annotations: { note: 'fuzzed' },
});

const KINDS: Kind[] = [
  {
    group: '',
    version: 'v1',
    resource: 'configmaps',
    kind: 'ConfigMap',
    namespaced: true,
    valid: (n, ns) => ({ metadata: meta(n, ns, true), data: { a: '1', 'b.txt': 'two' }, binaryData: { c: 'AAE=' } }),
  },
  {
    group: '',
    version: 'v1',
    resource: 'secrets',
    kind: 'Secret',
    namespaced: true,
    valid: (n, ns) => ({ metadata: meta(n, ns, true), type: 'Opaque', data: { k: 'djE=' }, stringData: { s: 'x' } }),
  },
  {
    group: '',
    version: 'v1',
    resource: 'namespaces',
    kind: 'Namespace',
    namespaced: false,
    subresources: ['status', 'finalize'],
    valid: (n) => ({ metadata: meta(n, '', false), spec: { finalizers: ['kubernetes'] } }),
  },
  {
    group: '',
    version: 'v1',
    resource: 'nodes',
    kind: 'Node',
    namespaced: false,
    subresources: ['status'],
    valid: (n) => ({
      metadata: meta(n, '', false),
      spec: { podCIDR: '10.0.0.0/24', unschedulable: false, taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] },
      status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }], capacity: { cpu: '2' } },
    }),
  },
  {
    group: '',
    version: 'v1',
    resource: 'events',
    kind: 'Event',
    namespaced: true,
    valid: (n, ns) => ({
      metadata: meta(n, ns, true),
      involvedObject: { kind: 'Pod', name: 'p', namespace: ns, apiVersion: 'v1' },
      reason: 'Fuzzed',
      message: 'a message',
      type: 'Normal',
      count: 1,
      firstTimestamp: '2026-01-01T00:00:00Z',
      lastTimestamp: '2026-01-01T00:00:00Z',
      source: { component: 'fuzz' },
    }),
  },
  {
    group: 'events.k8s.io',
    version: 'v1',
    resource: 'events',
    kind: 'Event',
    namespaced: true,
    valid: (n, ns) => ({
      metadata: meta(n, ns, true),
      eventTime: '2026-01-01T00:00:00.000000Z',
      reportingController: 'example.com/fuzz',
      reportingInstance: 'fuzz-0',
      action: 'Fuzz',
      reason: 'Fuzzed',
      regarding: { kind: 'Pod', name: 'p', namespace: ns, apiVersion: 'v1' },
      note: 'a note',
      type: 'Normal',
    }),
  },
  {
    group: 'coordination.k8s.io',
    version: 'v1',
    resource: 'leases',
    kind: 'Lease',
    namespaced: true,
    valid: (n, ns) => ({
      metadata: meta(n, ns, true),
      spec: {
        holderIdentity: 'fuzz',
        leaseDurationSeconds: 15,
        acquireTime: '2026-01-01T00:00:00.000000Z',
        renewTime: '2026-01-01T00:00:00.000000Z',
        leaseTransitions: 0,
      },
    }),
  },
  {
    group: 'certificates.k8s.io',
    version: 'v1',
    resource: 'certificatesigningrequests',
    kind: 'CertificateSigningRequest',
    namespaced: false,
    subresources: ['status', 'approval'],
    valid: (n) => ({
      metadata: meta(n, '', false),
      spec: {
        request: Buffer.from(csrPem).toString('base64'),
        signerName: 'example.com/serving',
        usages: ['digital signature', 'server auth'],
        expirationSeconds: 3600,
      },
    }),
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'clusterroles',
    kind: 'ClusterRole',
    namespaced: false,
    valid: (n) => ({
      metadata: meta(n, '', false),
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
    }),
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'roles',
    kind: 'Role',
    namespaced: true,
    valid: (n, ns) => ({
      metadata: meta(n, ns, true),
      rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['a'] }],
    }),
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'clusterrolebindings',
    kind: 'ClusterRoleBinding',
    namespaced: false,
    valid: (n) => ({
      metadata: meta(n, '', false),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' }],
    }),
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'rolebindings',
    kind: 'RoleBinding',
    namespaced: true,
    valid: (n, ns) => ({
      metadata: meta(n, ns, true),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' },
      subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: ns }],
    }),
  },
  {
    group: 'authorization.k8s.io',
    version: 'v1',
    resource: 'subjectaccessreviews',
    kind: 'SubjectAccessReview',
    namespaced: false,
    createOnly: true,
    valid: () => ({
      spec: {
        user: 'alice',
        groups: ['devs'],
        resourceAttributes: { namespace: 'default', verb: 'get', group: '', resource: 'secrets', name: 'x' },
      },
    }),
  },
  {
    group: 'authorization.k8s.io',
    version: 'v1',
    resource: 'selfsubjectaccessreviews',
    kind: 'SelfSubjectAccessReview',
    namespaced: false,
    createOnly: true,
    valid: () => ({ spec: { nonResourceAttributes: { path: '/healthz', verb: 'get' } } }),
  },
  {
    group: 'authentication.k8s.io',
    version: 'v1',
    resource: 'selfsubjectreviews',
    kind: 'SelfSubjectReview',
    namespaced: false,
    createOnly: true,
    valid: () => ({}),
  },
  {
    group: 'authentication.k8s.io',
    version: 'v1',
    resource: 'tokenreviews',
    kind: 'TokenReview',
    namespaced: false,
    createOnly: true,
    valid: () => ({ spec: { token: 'abcdef.0123456789abcdef', audiences: ['x'] } }),
  },
  {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    resource: 'customresourcedefinitions',
    kind: 'CustomResourceDefinition',
    namespaced: false,
    readOnly: true,
    valid: (n) => ({ metadata: meta(n, '', false), spec: {} }),
  },
];

const apiVersionOf = (k: Kind) => (k.group ? `${k.group}/${k.version}` : k.version);
function collectionPath(k: Kind, ns: string): string {
  const root = k.group ? `/apis/${k.group}/${k.version}` : `/api/${k.version}`;
  return k.namespaced ? `${root}/namespaces/${ns}/${k.resource}` : `${root}/${k.resource}`;
}

// ---- mutations ----

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const NAMES = [
  '',
  '.',
  '..',
  '-',
  'A',
  'a_b',
  'a b',
  'a/b',
  'a%2Fb',
  '%2e%2e',
  'ü',
  '\u0000',
  'a'.repeat(63),
  'a'.repeat(64),
  'a'.repeat(253),
  'a'.repeat(254),
  'a'.repeat(5000),
  'a.b.c',
  'a..b',
  '-a',
  'a-',
  'default',
  'kube-system',
  'x:y',
  '@',
];
const LABEL_KEYS = [
  '',
  '/',
  'a/',
  '/a',
  'a'.repeat(64),
  'example.com/' + 'a'.repeat(63),
  'Ex ample',
  'a'.repeat(254) + '/b',
  'kubernetes.io/x',
  'a/b/c',
  'é',
];
const LABEL_VALUES = ['', ' ', 'a'.repeat(64), '-x', 'x-', 'a b', 'ok', 'é', '\u0000'];
const NUMBERS = [
  '1e400',
  '-1e400',
  '-0',
  '9223372036854775808',
  '-9223372036854775809',
  '18446744073709551616',
  '1.5',
  '-1',
  '0',
  '2147483648',
  '1e-400',
  '4294967296',
];

function pick<T>(rng: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rng() * xs.length)]!;
}

/** every path to a value in `v` */
function paths(v: Json, at: Array<string | number> = [], out: Array<Array<string | number>> = []) {
  out.push(at);
  // a value nested deep by an earlier mutation is mutated as a whole, not walked
  if (at.length > 12) return out;
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

function setAt(root: Json, at: Array<string | number>, value: Json | undefined): Json {
  if (!at.length) return value === undefined ? {} : value;
  let p: Json = root;
  for (const seg of at.slice(0, -1)) p = (p as Record<string | number, Json>)[seg]!;
  const last = at[at.length - 1]!;
  if (Array.isArray(p)) {
    if (value === undefined) p.splice(Number(last), 1);
    else p[Number(last)] = value;
  } else if (p && typeof p === 'object') {
    if (value === undefined) delete p[last];
    else p[last] = value;
  }
  return root;
}

/** a value nested `depth` deep: a placeholder `text()` expands (JSON.stringify would overflow its stack) */
function deep(depth: number, rng: () => number): Json {
  return `__DEEP_${rng() < 0.5 ? 'A' : 'O'}${depth}__`;
}

/** JSON text with the placeholders expanded: numbers JSON cannot hold, values nested deep */
function textOf(v: Json): string {
  return JSON.stringify(v)
    .replace(/"__NUM_([^_]+)__"/g, '$1')
    .replace(/"__DEEP_([AO])(\d+)__"/g, (_, t: string, n: string) =>
      t === 'A'
        ? '['.repeat(Number(n)) + ']'.repeat(Number(n))
        : '{"a":'.repeat(Number(n)) + '1' + '}'.repeat(Number(n)),
    );
}

/** a mutated object (structural mutations); raw-text mutations are applied afterwards */
function mutateValue(obj: Json, rng: () => number): Json {
  const n = 1 + Math.floor(rng() * 3);
  for (let i = 0; i < n; i++) {
    const all = paths(obj);
    const at = pick(rng, all);
    const r = rng();
    if (r < 0.2) obj = setAt(obj, at, undefined);
    else if (r < 0.45)
      obj = setAt(
        obj,
        at,
        pick(rng, [null, true, 0, -1, 1.5, '', 'str', [], {}, [1, 'a'], { x: 1 }, 'a'.repeat(300), 2 ** 53 + 2]),
      );
    else if (r < 0.55) obj = setAt(obj, at, deep(pick(rng, [30, 200, 1000, 20000]), rng));
    else if (r < 0.62) obj = setAt(obj, at, 'x'.repeat(pick(rng, [1000, 70_000, 300_000, 1_100_000])));
    else if (r < 0.7) obj = setAt(obj, at, pick(rng, ['a\u0000b', '\u0000', '\ud800', '\uffff', '\u202e']));
    else if (r < 0.8) {
      // an array grown or an object given many members
      const big = pick(rng, [100, 5000, 50_000]);
      obj = setAt(
        obj,
        at,
        rng() < 0.5
          ? Array.from({ length: big }, (_, j) => `v${j}`)
          : Object.fromEntries(Array.from({ length: big }, (_, j) => [`k${j}`, `v${j}`])),
      );
    } else obj = setAt(obj, at, `__NUM_${pick(rng, NUMBERS)}__`);
  }
  return obj;
}

/** the JSON text, with raw-text mutations the JSON model cannot hold */
function render(obj: Json, rng: () => number): Buffer {
  let text = textOf(obj);
  const r = rng();
  if (r < 0.08) {
    // a key given twice: kube-apiserver's strict decoding names it, the last one wins otherwise
    text = text.replace(/"metadata":\{/, `"metadata":{"name":"dup-${Math.floor(rng() * 1e6)}",`);
  } else if (r < 0.12) text = text.replace(/"kind":"[^"]*"/, '"kind":"Secret","kind":"ConfigMap"');
  else if (r < 0.16) {
    const b = Buffer.from(text);
    const i = b.indexOf('"', Math.floor(rng() * b.length));
    if (i > 0)
      return Buffer.concat([b.subarray(0, i), Buffer.from([0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80]), b.subarray(i)]);
  } else if (r < 0.19) {
    const b = Buffer.from(text);
    const i = b.indexOf('"', Math.floor(rng() * b.length));
    if (i > 0) return Buffer.concat([b.subarray(0, i + 1), Buffer.from([0]), b.subarray(i + 1)]);
  } else if (r < 0.22) text = text.slice(0, Math.floor(rng() * text.length));
  else if (r < 0.24) text = text + pick(rng, ['x', '}', ' {}', '\u0000']);
  return Buffer.from(text);
}

// ---- requests ----

interface Req {
  method: string;
  path: string;
  body?: Buffer;
  headers: Record<string, string>;
  /** a status the answer must have (methods a path does not allow) */
  expect?: number;
}

const QUERY_VALUES: Record<string, string[]> = {
  fieldValidation: ['Strict', 'Warn', 'Ignore', '', 'strict', 'garbage', 'Strict,Warn'],
  dryRun: ['All', '', 'all', 'garbage', 'All&dryRun=All', 'All&dryRun=x'],
  resourceVersion: [
    '0',
    '',
    '-1',
    'abc',
    '9223372036854775808',
    '18446744073709551616',
    '1e400',
    '99999999999',
    '1',
    ' 1',
  ],
  resourceVersionMatch: ['NotOlderThan', 'Exact', '', 'garbage'],
  limit: ['-1', '0', '1', 'abc', '1e400', '9223372036854775808', '500', '1.5', ''],
  continue: ['', 'garbage', 'eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MSwic3RhcnQiOiJ4In0', '%00', 'e30', 'x'.repeat(5000)],
  labelSelector: [
    '',
    '!!',
    'a in (',
    'a=b',
    'a notin (x,y),!b',
    'a'.repeat(1000),
    '=,=',
    'a=b=c',
    'x in ()',
    'app',
    '!app',
    'a>1',
    'a==',
    ',,',
  ],
  fieldSelector: [
    '',
    'metadata.name=x',
    'metadata.namespace!=a',
    'spec.signerName=x',
    'spec.x=y',
    '=',
    'a',
    'metadata.name==',
    'metadata.name=a,metadata.name=b',
    '\\',
  ],
  timeoutSeconds: ['-1', '0', 'abc', '1e400', '9223372036854775808', '1', ''],
  watch: ['true', '1', 'garbage', 'false', ''],
  allowWatchBookmarks: ['true', 'x'],
  sendInitialEvents: ['true', 'x', 'false'],
  pretty: ['true', 'x'],
  propagationPolicy: ['Foreground', 'Background', 'Orphan', 'garbage', ''],
  gracePeriodSeconds: ['-1', '0', 'abc', '1e400', '9223372036854775808'],
  orphanDependents: ['true', 'x'],
  fieldManager: ['', 'a'.repeat(200), 'ok', '\u0001'],
  force: ['true', 'x'],
  '%zz': ['%zz'],
  '': ['x'],
};

function query(rng: () => number): string {
  const n = Math.floor(rng() * 4);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = pick(rng, Object.keys(QUERY_VALUES));
    const v = pick(rng, QUERY_VALUES[k]!);
    // most values are percent-encoded as clients do; some are sent raw (but what an HTTP client can send)
    const raw = v.replace(/[^\x21-\x7e]|#/g, (c) => encodeURIComponent(c));
    parts.push(`${k}=${rng() < 0.7 ? encodeURIComponent(v).replace(/%26dryRun%3D/g, '&dryRun=') : raw}`);
  }
  // a watch is bounded so a stream the server keeps open ends on its own
  if (parts.some((p) => p.startsWith('watch='))) parts.push('timeoutSeconds=1');
  return parts.length ? `?${parts.join('&')}` : '';
}

const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
  'application/apply-patch+cbor',
  'application/json',
  'text/plain',
  'garbage',
  '',
];

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/yaml',
  'application/vnd.kubernetes.protobuf',
  'application/cbor',
  'text/html',
  'application/json; charset=latin1',
  '*/*',
  '',
];

function randomBytes(rng: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rng() * 256);
  return b;
}

/** a garbage patch body for `type`, or a patch made from the valid object */
function patchBody(type: string, valid: Json, rng: () => number): Buffer {
  const r = rng();
  if (r < 0.25) return randomBytes(rng, Math.floor(rng() * 200));
  if (r < 0.35) return Buffer.from(pick(rng, ['', 'null', '[]', '{}', '1', '"x"', '[{}]', '{"op":"add"}', 'a: [']));
  if (type.startsWith('application/json-patch')) {
    const ops = [
      { op: 'add', path: '/metadata/labels/x', value: 'y' },
      { op: 'replace', path: '/metadata/name', value: 'other' },
      { op: 'remove', path: '/metadata' },
      { op: 'remove', path: '/nothing/here' },
      { op: 'move', from: '/metadata/labels', path: '/metadata/labels/app' },
      { op: 'copy', from: '/metadata', path: '/metadata/annotations/x' },
      { op: 'test', path: '/kind', value: 'x' },
      { op: 'add', path: '/spec/-', value: 1 },
      { op: 'add', path: '/metadata/labels/~2', value: 'y' },
      { op: 'add', path: '', value: {} },
      { op: 'garbage', path: '/a' },
      { op: 'add', path: '/metadata/finalizers/-', value: 'a' },
      { op: 'add', path: '/metadata/finalizers/99999999999999999999', value: 'a' },
      { op: 'add', path: '/metadata/labels/a', value: deep(5000, rng) },
      { op: 'copy', from: '', path: '/metadata/annotations/a' },
    ];
    const n = pick(rng, [1, 2, 5, 3000]);
    return Buffer.from(textOf(Array.from({ length: n }, () => pick(rng, ops)) as Json));
  }
  const patch = mutateValue(JSON.parse(JSON.stringify(valid)) as Json, rng);
  if (type.includes('yaml'))
    return Buffer.from(
      `apiVersion: ${JSON.stringify((valid as Record<string, Json>).apiVersion)}\n` + JSON.stringify(patch),
    );
  return render(patch, rng);
}

const OBJECT_NAMES: string[] = [];

function generate(rng: () => number, i: number): Req {
  const k = pick(rng, KINDS);
  const ns = rng() < 0.85 ? 'default' : pick(rng, NAMES);
  const headers: Record<string, string> = {};
  const named = rng() < 0.15 && OBJECT_NAMES.length ? pick(rng, OBJECT_NAMES) : `fz-${i.toString(36)}`;
  const name = rng() < 0.85 ? named : pick(rng, NAMES);
  const valid = { apiVersion: apiVersionOf(k), kind: k.kind, ...k.valid(name, ns) } as Record<string, Json>;
  const coll = collectionPath(k, ns === '' ? 'default' : encodeURIComponent(ns));
  const item = `${coll}/${encodeURIComponent(name)}`;
  const r = rng();

  const body = (): Buffer => {
    let obj: Json = JSON.parse(JSON.stringify(valid)) as Json;
    const m = rng();
    if (m < 0.15) return render(obj, rng);
    if (m < 0.25) {
      const o = obj as Record<string, Json>;
      o.apiVersion = pick(rng, ['v1', 'v2', 'certificates.k8s.io/v1beta1', '', 'x/y/z', 42, null]);
      if (rng() < 0.5) o.kind = pick(rng, ['Secret', 'Status', '', 'List', 7]);
      return render(obj, rng);
    }
    if (m < 0.4) {
      const md = (obj as Record<string, Record<string, Json>>).metadata ?? {};
      const which = rng();
      if (which < 0.3) {
        delete md.name;
        md.generateName = pick(rng, [
          '',
          'a',
          'a-',
          'A-',
          '-',
          '.',
          'a/',
          'a'.repeat(300),
          'a'.repeat(58),
          'ü',
          null,
          5,
        ]);
      } else if (which < 0.65) md.labels = { [pick(rng, LABEL_KEYS)]: pick(rng, LABEL_VALUES) };
      else if (which < 0.8)
        md.annotations = pick(rng, [
          { [pick(rng, LABEL_KEYS)]: 'x' },
          { big: 'x'.repeat(270_000) },
          { n: 5 },
          [] as Json,
          Object.fromEntries(Array.from({ length: 3000 }, (_, j) => [`a${j}`, 'v'.repeat(100)])),
        ]);
      else if (which < 0.9) {
        md.finalizers = pick(rng, [['a'], ['x/y'], ['kubernetes'], ['', ''], ['a', 'a'], 'x' as unknown as Json[]]);
      } else {
        md.resourceVersion = pick(rng, ['abc', '-1', '1e400', '99999999999999999999', 7 as unknown as string]);
        md.uid = pick(rng, ['x', 'a'.repeat(1000), 5 as unknown as string]);
        md.creationTimestamp = pick(rng, [
          'garbage',
          '9999-99-99T99:99:99Z',
          5 as unknown as string,
          '2026-01-01T00:00:00Z',
        ]);
      }
      return render(obj, rng);
    }
    obj = mutateValue(obj, rng);
    return render(obj, rng);
  };

  // methods a path does not allow: 405 as kube-apiserver answers (when the path is the one
  // meant: a '.' or '..' namespace or name resolves to another path)
  const plain = !['.', '..'].includes(ns) && !['.', '..', ''].includes(name);
  if (r < 0.05 && plain) {
    if (k.createOnly) return { method: pick(rng, ['GET', 'PUT', 'DELETE', 'PATCH']), path: coll, headers, expect: 405 };
    return {
      method: pick(rng, ['PUT', 'PATCH']),
      path: coll,
      body: body(),
      headers: { 'Content-Type': 'application/json' },
      expect: 405,
    };
  }
  if (r < 0.07 && !k.createOnly && plain)
    return { method: 'POST', path: item, body: body(), headers: { 'Content-Type': 'application/json' }, expect: 405 };
  // reads
  if (r < 0.17) return { method: pick(rng, ['GET', 'GET', 'HEAD']), path: coll + query(rng), headers: accept(rng) };
  if (r < 0.22) return { method: 'GET', path: item + query(rng), headers: accept(rng) };
  // creates
  if (r < 0.5) {
    headers['Content-Type'] = rng() < 0.85 ? 'application/json' : pick(rng, CONTENT_TYPES);
    const b =
      headers['Content-Type'] === 'application/vnd.kubernetes.protobuf'
        ? Buffer.concat([
            rng() < 0.5 ? Buffer.from('k8s\0') : Buffer.alloc(0),
            randomBytes(rng, Math.floor(rng() * 300)),
          ])
        : body();
    if (rng() < 0.5) OBJECT_NAMES.push(name);
    return { method: 'POST', path: coll + query(rng), body: b, headers };
  }
  // updates (of the object and of its subresources)
  if (r < 0.62) {
    const sub = k.subresources && rng() < 0.5 ? `/${pick(rng, k.subresources)}` : '';
    let b = body();
    if (k.resource === 'certificatesigningrequests' && sub && rng() < 0.6) b = csrStatus(valid, rng);
    headers['Content-Type'] = rng() < 0.9 ? 'application/json' : pick(rng, CONTENT_TYPES);
    return { method: 'PUT', path: item + sub + query(rng), body: b, headers };
  }
  // patches
  if (r < 0.8) {
    const type = pick(rng, PATCH_TYPES);
    if (type) headers['Content-Type'] = type;
    const sub = k.subresources && rng() < 0.3 ? `/${pick(rng, k.subresources)}` : '';
    const q = query(rng) || (type.startsWith('application/apply') ? '?fieldManager=fuzz' : '');
    return { method: 'PATCH', path: item + sub + q, body: patchBody(type, valid, rng), headers };
  }
  // deletes
  if (r < 0.88) {
    const b =
      rng() < 0.3
        ? render(
            mutateValue(
              { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', preconditions: { uid: 'x' } },
              rng,
            ),
            rng,
          )
        : undefined;
    if (b) headers['Content-Type'] = 'application/json';
    return { method: 'DELETE', path: (rng() < 0.9 ? item : coll) + query(rng), ...(b ? { body: b } : {}), headers };
  }
  // odd paths
  return {
    method: pick(rng, ['GET', 'GET', 'POST', 'DELETE', 'PUT', 'OPTIONS', 'TRACE', 'FOO']),
    path: oddPath(rng, coll, item),
    headers,
  };
}

function accept(rng: () => number): Record<string, string> {
  if (rng() < 0.7) return {};
  return {
    Accept: pick(rng, [
      'application/json',
      'application/yaml',
      'application/vnd.kubernetes.protobuf',
      'application/json;as=Table;v=v1;g=meta.k8s.io',
      'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io',
      'application/json;as=Table;v=v9;g=meta.k8s.io',
      'text/html',
      'garbage',
      '*/*',
      'application/json;as=',
      'application/vnd.kubernetes.protobuf;stream=watch',
    ]),
  };
}

function oddPath(rng: () => number, coll: string, item: string): string {
  return pick(rng, [
    '/api/v1/namespaces/%2e%2e/secrets',
    '/api/v1/namespaces/default/secrets/%2e%2e',
    '/api/v1/namespaces/default/secrets/..',
    '/api/v1/namespaces/../secrets',
    '/api/v1/namespaces/default/../kube-system/secrets',
    '//api/v1/namespaces',
    '/api//v1/namespaces',
    '/api/v1/namespaces/default/configmaps/',
    '/api/v1/namespaces/default/configmaps//x',
    `${coll}/`,
    `${item}/`,
    `${item}/bogus`,
    `${item}/status/extra`,
    `${item}/%2e%2e/x`,
    '/apis/example.com/v1/widgets',
    '/apis/certificates.k8s.io/v2/certificatesigningrequests',
    '/apis/certificates.k8s.io/v1beta1/certificatesigningrequests',
    '/apis/certificates.k8s.io/',
    '/apis/certificates.k8s.io/v1/',
    '/api/v2/namespaces',
    '/api/v1/namespaces/a%00b/configmaps',
    '/api/v1/namespaces/default/configmaps/%ff%fe',
    '/api/v1/namespaces/default/configmaps/%',
    '/api/v1/namespaces/default/configmaps/a%2fb',
    `/api/v1/namespaces/${'a'.repeat(8000)}/configmaps`,
    '/api/v1/namespaces/default/configmaps/x/status',
    '/api/v1/nodes/x/proxy/a',
    '/api/v1/namespaces/default/pods',
    '/apis',
    '/api',
    '/version/',
    '/healthz/x',
    '/readyz?verbose',
    '/livez/ping',
    '/metrics',
    '/openapi/v2',
    '/openapi/v3/apis/certificates.k8s.io/v1',
    '/openapi/v3/apis/nothing/v9',
    '/.well-known/openid-configuration',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1&resourceVersion=abc',
    '*',
    `${coll}?${'a=b&'.repeat(2000)}`,
  ]);
}

/** a CSR /status or /approval body: conditions and certificates, valid and not */
function csrStatus(valid: Record<string, Json>, rng: () => number): Buffer {
  const cond = (type: Json, status: Json = 'True') => ({
    type,
    status,
    reason: 'Fuzz',
    message: 'm',
    lastUpdateTime: '2026-01-01T00:00:00Z',
  });
  const pemCert = (body: string, type = 'CERTIFICATE') => `-----BEGIN ${type}-----\n${body}\n-----END ${type}-----\n`;
  const certificate = pick(rng, [
    undefined,
    '',
    'not base64!',
    Buffer.from('garbage').toString('base64'),
    Buffer.from(pemCert('AAAA')).toString('base64'),
    Buffer.from(csrPem).toString('base64'),
    Buffer.from(pemCert(Buffer.from('x'.repeat(100)).toString('base64'), 'PRIVATE KEY')).toString('base64'),
    Buffer.from(pemCert('AAAA') + pemCert('AAAA')).toString('base64'),
    Buffer.from(pemCert(randomBytes(rng, 300).toString('base64'))).toString('base64'),
    Buffer.from(pemCert('A'.repeat(1_000_000))).toString('base64'),
    5,
  ]);
  const conditions = pick(rng, [
    [cond('Approved')],
    [cond('Approved'), cond('Approved')],
    [cond('Approved'), cond('Denied')],
    [cond('Failed'), cond('Failed')],
    [cond('Unknown-Type')],
    [cond('Approved', 'Maybe')],
    [cond('')],
    [cond(7)],
    [cond('Approved', 'False')],
    Array.from({ length: 5000 }, (_, j) => cond(`T${j}`)),
    'x',
    null,
  ]);
  return Buffer.from(
    JSON.stringify({
      ...valid,
      status: { conditions, ...(certificate === undefined ? {} : { certificate }) },
    }),
  );
}

/** a CSR body with a bad request: garbage PEM, wrong PEM type, a huge SAN list */
function csrCreate(rng: () => number, i: number): Req {
  const k = KINDS.find((x) => x.resource === 'certificatesigningrequests')!;
  const valid = {
    apiVersion: apiVersionOf(k),
    kind: k.kind,
    ...k.valid(`fz-csr-${i.toString(36)}`, ''),
  } as unknown as Record<string, Record<string, Json>>;
  const pem = (type: string, b64: string) => `-----BEGIN ${type}-----\n${b64}\n-----END ${type}-----\n`;
  valid.spec!.request = Buffer.from(
    pick(rng, [
      'garbage',
      '',
      pem('CERTIFICATE REQUEST', 'AAAA'),
      pem('CERTIFICATE', Buffer.from(csrPem.split('\n').slice(1, -2).join(''), 'base64').toString('base64')),
      pem('PRIVATE KEY', 'AAAA'),
      csrPem + csrPem,
      pem('CERTIFICATE REQUEST', randomBytes(rng, 400).toString('base64')),
      pem('CERTIFICATE REQUEST', 'A'.repeat(400_000)),
      csrPem.replace(/[A-Za-z0-9]{4}\n/, 'zzzz\n'),
      csrPem.slice(0, Math.floor(csrPem.length / 2)),
    ]),
  ).toString('base64');
  if (rng() < 0.2) valid.spec!.request = pick(rng, ['not base64 !!', 5, null, '']);
  if (rng() < 0.3)
    valid.spec!.usages = pick(rng, [
      [],
      ['garbage'],
      ['server auth', 'server auth'],
      Array(5000).fill('server auth'),
      'x',
    ]);
  if (rng() < 0.3)
    valid.spec!.signerName = pick(rng, [
      '',
      'x',
      'a/b/c',
      'kubernetes.io/kube-apiserver-client',
      'example.com/' + 'a'.repeat(600),
      '/x',
      'x/',
    ]);
  if (rng() < 0.2) valid.spec!.expirationSeconds = pick(rng, [0, -1, 599, 1e10, '3600', 2 ** 31]);
  if (rng() < 0.2) valid.spec!.extra = pick(rng, [{ a: ['b'] }, { a: 'b' }, { '': [] }]);
  return {
    method: 'POST',
    path: collectionPath(k, ''),
    body: Buffer.from(JSON.stringify(valid)),
    headers: { 'Content-Type': 'application/json' },
  };
}

/** a CSR with a huge SAN list made by openssl */
function sanCsr(count: number): string {
  const sans = Array.from({ length: count }, (_, j) => `DNS:h${j}.example.com`).join(',');
  return opensslCsrPem('/CN=many-sans', sans);
}

// ---- the invariants ----

interface Failure {
  req: string;
  problem: string;
}

function checkAnswer(q: Req, a: Reply, failures: Failure[]): void {
  const where = `${q.method} ${q.path.slice(0, 200)}${q.body ? ` (${q.body.length} bytes ${q.headers['Content-Type'] ?? ''}: ${q.body.subarray(0, 160).toString('utf8')})` : ''}`;
  const bad = (problem: string) => failures.push({ req: where, problem });
  // kube-apiserver answers 5xx only for its own faults, with one exception these inputs reach:
  // a read at a resourceVersion the store has not reached waits, then is 504 Timeout "Too
  // large resource version" (docs/upstream: the watch cache's answer; clients retry on it)
  const tooLarge =
    a.status === 504 &&
    /[?&]resourceVersion=/.test(q.path) &&
    (q.method === 'HEAD' || (/"reason":"Timeout"/.test(a.text) && /Too large resource version/.test(a.text)));
  if (a.status >= 500 && !tooLarge) bad(`status ${a.status}: ${a.text.slice(0, 300)}`);
  if (q.expect !== undefined && a.status !== q.expect)
    bad(`expected ${q.expect}, got ${a.status}: ${a.text.slice(0, 300)}`);
  if (a.status >= 200 && a.status < 300) return;
  if (q.method === 'HEAD') return;
  let st: Record<string, unknown>;
  try {
    st = JSON.parse(a.text) as Record<string, unknown>;
  } catch {
    bad(`status ${a.status} with a body that is not JSON: ${a.text.slice(0, 200)}`);
    return;
  }
  if (st.kind !== 'Status' || st.apiVersion !== 'v1' || st.status !== 'Failure')
    bad(`status ${a.status} body is not a failure Status: ${a.text.slice(0, 200)}`);
  if (typeof st.message !== 'string' || !st.message) bad(`Status without a message: ${a.text.slice(0, 200)}`);
  if (typeof st.reason !== 'string' || !st.reason) bad(`Status without a reason: ${a.text.slice(0, 200)}`);
  if (st.code !== a.status) bad(`Status code ${String(st.code)} != HTTP ${a.status}`);
}

test(
  `fuzz: ${COUNT} generated requests (seed ${SEED}) get a bounded, well-formed answer`,
  { timeout: 120_000 },
  async (t) => {
    t.diagnostic(`FUZZ_SEED=${SEED} FUZZ_COUNT=${COUNT}`);
    const rng = seededRandom(SEED);
    const failures: Failure[] = [];
    // made one at a time as the workers take them (the same order, so the same requests): the
    // bodies of a whole run held at once are hundreds of MB, and the client's own GC pauses
    // then look like a server that does not answer
    const make = (i: number): Req => {
      if (i === COUNT) return manySans;
      const q = rng() < 0.06 ? csrCreate(rng, i) : generate(rng, i);
      // a DELETE that turns out to be of a collection (`clusterroles/`, an empty name) deletes only
      // by the fuzz's label: deleting every ClusterRole, cluster-admin with them, is allowed and
      // would leave the admin without rights for the rest of the run
      if (q.method === 'DELETE')
        q.path = q.path.includes('?')
          ? q.path.replace('?', '?labelSelector=app%3Dfuzz&')
          : `${q.path}?labelSelector=app%3Dfuzz`;
      return q;
    };
    // the last one: a CSR whose request carries 2,000 SANs (a few hundred KiB)
    const big = sanCsr(2000);
    const manySans: Req = {
      method: 'POST',
      path: collectionPath(
        KINDS.find((x) => x.resource === 'certificatesigningrequests')!,
        '',
      ),
      headers: { 'Content-Type': 'application/json' },
      body: Buffer.from(
        JSON.stringify({
          apiVersion: 'certificates.k8s.io/v1',
          kind: 'CertificateSigningRequest',
          metadata: { name: 'fz-many-sans' },
          spec: {
            request: Buffer.from(big).toString('base64'),
            signerName: 'example.com/serving',
            usages: ['server auth'],
          },
        }),
      ),
    };
    // the client's own stalls (a body slow to make) must not pass for the server's: measured
    let lag = 0;
    let tick = Date.now();
    const lagTimer = setInterval(() => {
      lag = Math.max(lag, Date.now() - tick - 100);
      tick = Date.now();
    }, 100);
    const statuses = new Map<number, number>();
    const trace: string[] = [];
    // a few at a time: enough to overlap requests, few enough not to trip the server's limits
    let next = 0;
    const worker = async () => {
      while (next <= COUNT) {
        const i = next++;
        const q = make(i);
        if (i < FROM) continue;
        try {
          const started = Date.now();
          const a = await send(q.method, q.path, q.body, q.headers);
          const took = Date.now() - started;
          statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
          if (process.env.FUZZ_TRACE)
            trace.push(
              `#${i} ${took}ms ${a.status} ${q.method} ${q.path.slice(0, 160)} ${q.body ? q.body.subarray(0, 600).toString() : ''} => ${a.text.slice(0, 300)}`,
            );
          checkAnswer(q, a, failures);
        } catch (e) {
          const err = e as NodeJS.ErrnoException;
          // a body over the limit is answered 413 and the connection closed without reading the
          // rest (hostile.test.ts checks that answer): the client may see its write fail instead
          if ((err.code === 'EPIPE' || err.code === 'ECONNRESET') && (q.body?.length ?? 0) > MAX_BODY) continue;
          failures.push({
            req: `${q.method} ${q.path.slice(0, 200)} (${q.body?.length ?? 0} bytes)`,
            problem: err.message,
          });
          if (process.env.FUZZ_DUMP && q.body) writeFileSync(`${process.env.FUZZ_DUMP}.${i}.body`, q.body);
        }
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    clearInterval(lagTimer);
    t.diagnostic(`the client's longest stall: ${lag} ms`);
    t.diagnostic(`statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
    if (process.env.FUZZ_TRACE) writeFileSync(process.env.FUZZ_TRACE, trace.join('\n'));
    if (process.env.FUZZ_DUMP) writeFileSync(process.env.FUZZ_DUMP, JSON.stringify(failures, null, 1));
    assert.deepEqual(failures.slice(0, 25), [], `${failures.length} failures (FUZZ_SEED=${SEED})`);
    // the fuzz must reach past the decoder: some requests succeed, many fail validation
    assert.ok((statuses.get(201) ?? 0) > 50, 'some creates succeed');
    assert.ok((statuses.get(422) ?? 0) > 50, 'many are refused by validation');
  },
);

test('fuzz: raw requests with wrong Content-Length or a broken request line get an answer or a closed socket', async () => {
  const raw = (text: string, ms = 6000) =>
    new Promise<string>((resolve) => {
      const c = tlsConnect({
        host: '127.0.0.1',
        port: s.port,
        ca: caOf(s),
        cert: who.cert,
        key: who.key,
        checkServerIdentity: () => undefined,
      });
      let got = '';
      c.on('data', (d: Buffer) => (got += d.toString('latin1')));
      c.on('error', () => resolve(got));
      c.on('close', () => resolve(got));
      c.on('secureConnect', () => c.write(text));
      setTimeout(() => {
        c.destroy();
        resolve(got);
      }, ms);
    });
  const cm = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"raw-cl"}}';
  const path = '/api/v1/namespaces/default/configmaps';
  const head = (cl: number | string) =>
    `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${cl}\r\n\r\n`;
  // more declared than sent: the server waits, then answers with its request timeout or closes
  const longer = await raw(head(cm.length + 50) + cm);
  assert.doesNotMatch(longer, /^HTTP\/1\.1 5\d\d(?! Gateway)/, longer.slice(0, 200));
  // less declared than sent: the rest is a malformed next request
  const shorter = await raw(head(10) + cm);
  assert.match(shorter, /^HTTP\/1\.1 400/, shorter.slice(0, 200));
  for (const cl of ['-1', 'abc', '1e3', '99999999999999999999']) {
    const a = await raw(head(cl) + cm, 3000);
    assert.match(a, /^HTTP\/1\.1 4\d\d|^$/, `Content-Length ${cl}: ${a.slice(0, 200)}`);
  }
  const bad = await raw('GET /api/v1 HTTP/9.9\r\n\r\n', 3000);
  assert.match(bad, /^HTTP\/1\.1 4\d\d|^HTTP\/1\.1 505|^$/, bad.slice(0, 200));
});

test('fuzz: afterwards the server is ready, alive, quiet, and stores only valid objects', async () => {
  const ready = await send('GET', '/readyz', undefined, {});
  assert.equal(ready.status, 200, ready.text);
  assert.equal(s.proc.exitCode, null, 'the server is alive');
  const log = s.log();
  assert.doesNotMatch(log, /\n\s+at .+:\d+:\d+\)?\n|Unhandled|TypeError|RangeError|ReferenceError/, log.slice(-3000));
  const dns1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
  let seen = 0;
  for (const k of KINDS.filter((x) => !x.createOnly)) {
    const root = k.group ? `/apis/${k.group}/${k.version}` : `/api/${k.version}`;
    const list = await send('GET', `${root}/${k.resource}`, undefined, {});
    assert.equal(list.status, 200, `${k.resource}: ${list.text.slice(0, 300)}`);
    const items = (JSON.parse(list.text) as { items: Array<Record<string, Record<string, unknown>>> }).items;
    for (const o of items) {
      const md = o.metadata!;
      const name = String(md.name);
      const ns = md.namespace === undefined ? '' : String(md.namespace);
      seen++;
      assert.ok(name.length > 0 && name.length <= 253, `${k.resource} name length ${name.length}`);
      if (k.kind !== 'ClusterRole' && k.kind !== 'Role' && !k.kind.endsWith('Binding'))
        assert.match(name, dns1123, `${k.resource} ${JSON.stringify(name).slice(0, 100)}`);
      assert.equal(k.namespaced, ns !== '', `${k.resource}/${name}: namespace ${JSON.stringify(ns)}`);
      if (ns) assert.match(ns, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, `${k.resource}/${name}: namespace`);
      for (const [key, v] of Object.entries((md.labels ?? {}) as Record<string, unknown>)) {
        assert.equal(typeof v, 'string', `${k.resource}/${name} label ${key}`);
        assert.ok(key.length > 0 && key.length <= 317, `${k.resource}/${name} label key ${key.slice(0, 80)}`);
        assert.match(String(v), /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/, `${k.resource}/${name} label ${key}`);
      }
      // as kubectl sends a name: ':' (system:… RBAC names) is a plain path character
      const one = await send(
        'GET',
        `${collectionPath(k, ns)}/${encodeURIComponent(name).replace(/%3A/g, ':')}`,
        undefined,
        {},
      );
      assert.equal(one.status, 200, `${k.resource}/${name}: ${one.text.slice(0, 300)}`);
      const back = JSON.parse(one.text) as Record<string, Record<string, unknown>>;
      assert.equal(back.kind, k.kind);
      assert.equal(back.apiVersion, apiVersionOf(k));
      assert.equal(back.metadata!.name, name);
      if (k.kind === 'CertificateSigningRequest') {
        // what validation let through is a CSR, and a certificate only a certificate
        const spec = back.spec as { request?: string };
        assert.match(
          Buffer.from(spec.request ?? '', 'base64').toString(),
          /^-----BEGIN (NEW )?CERTIFICATE REQUEST-----/m,
        );
        const cert = (back.status as { certificate?: string } | undefined)?.certificate;
        if (cert) assert.match(Buffer.from(cert, 'base64').toString(), /^-----BEGIN CERTIFICATE-----/);
      }
    }
  }
  assert.ok(seen > 20, `objects read back: ${seen}`);
  // the namespaces kube-apiserver never lets go are still there
  for (const ns of ['default', 'kube-system']) {
    const r = await send('GET', `/api/v1/namespaces/${ns}`, undefined, {});
    assert.equal(r.status, 200, `namespace ${ns}: ${r.text.slice(0, 200)}`);
  }
});
