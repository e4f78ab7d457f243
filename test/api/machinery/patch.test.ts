import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyPatch, patchTypeOf, type PatchType } from '../../../src/api/machinery/patch.js';
import { applyMergePatch } from '../../../src/api/machinery/mergePatch.js';
import { applyStrategicMergePatch } from '../../../src/api/machinery/strategicMergePatch.js';
import { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from '../../../src/api/machinery/jsonPatch.js';
import { toStatus } from '../../../src/api/machinery/status.js';
import {
  certificateSigningRequest,
  clusterRoleBinding,
  configMap,
  node,
  secret,
} from '../../../src/api/machinery/schemas/index.js';
import type { ObjectSchema } from '../../../src/api/machinery/schema.js';
import { hasCommand, run, tmpDir } from '../../helpers.js';

type Obj = Record<string, unknown>;

const NODE: Obj = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: {
    name: 'n1',
    labels: { a: '1', keep: 'k' },
    annotations: { note: 'x' },
    finalizers: ['x', 'y'],
    ownerReferences: [
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'o1', uid: 'u1' },
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'o2', uid: 'u2' },
    ],
  },
  spec: { podCIDRs: ['10.0.0.0/24'], taints: [{ key: 't', effect: 'NoSchedule' }] },
  status: {
    addresses: [
      { type: 'InternalIP', address: '10.0.0.1' },
      { type: 'Hostname', address: 'n1' },
    ],
    conditions: [
      { type: 'Ready', status: 'True' },
      { type: 'MemoryPressure', status: 'False' },
    ],
  },
};

const CSR: Obj = {
  apiVersion: 'certificates.k8s.io/v1',
  kind: 'CertificateSigningRequest',
  metadata: { name: 'my-svc.my-namespace', labels: { team: 'a' } },
  spec: {
    request: 'Y3Ny',
    signerName: 'example.com/serving',
    usages: ['digital signature', 'key encipherment', 'server auth'],
    username: 'u',
    groups: ['g1', 'g2'],
  },
  status: {
    conditions: [{ type: 'Approved', status: 'True', reason: 'KubectlApprove' }],
  },
};

const SECRET: Obj = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 's' },
  data: { a: 'YQ==', b: 'Yg==' },
  type: 'Opaque',
};
const CONFIGMAP: Obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1', b: '2' } };
const CRB: Obj = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRoleBinding',
  metadata: { name: 'crb' },
  subjects: [
    { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'u1' },
    { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'u2' },
  ],
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cr' },
};

/**
 * [title, object, schema, patch type, patch, oldest kubectl minor that agrees] — every case is
 * checked against kubectl's own patch code (upstream apimachinery compiled in)
 */
const CASES: Array<[string, Obj, ObjectSchema, PatchType, unknown, number?]> = [
  ['labels merge, null deletes', NODE, node, 'strategic', { metadata: { labels: { a: null, b: '2' } } }],
  ['finalizers merge as a set, patch order first', NODE, node, 'strategic', { metadata: { finalizers: ['z', 'x'] } }],
  ['$deleteFromPrimitiveList', NODE, node, 'strategic', { metadata: { '$deleteFromPrimitiveList/finalizers': ['x'] } }],
  [
    '$setElementOrder on a scalar list',
    NODE,
    node,
    'strategic',
    { metadata: { '$setElementOrder/finalizers': ['y', 'z', 'x'], finalizers: ['z'] } },
  ],
  [
    'addresses merge by type (kubelet-serving approver trusts them)',
    NODE,
    node,
    'strategic',
    {
      status: {
        addresses: [
          { type: 'ExternalIP', address: '1.2.3.4' },
          { type: 'Hostname', address: 'n1.example' },
        ],
      },
    },
  ],
  [
    '$patch: delete in a merging list',
    NODE,
    node,
    'strategic',
    { status: { addresses: [{ type: 'InternalIP', $patch: 'delete' }] } },
  ],
  [
    '$patch: replace in a merging list',
    NODE,
    node,
    'strategic',
    { status: { addresses: [{ type: 'Hostname', address: 'only' }, { $patch: 'replace' }] } },
  ],
  [
    '$setElementOrder on a list of objects',
    NODE,
    node,
    'strategic',
    {
      status: {
        '$setElementOrder/addresses': [{ type: 'Hostname' }, { type: 'InternalIP' }],
        addresses: [{ type: 'Hostname', address: 'h2' }],
      },
    },
  ],
  [
    'conditions merge by type',
    NODE,
    node,
    'strategic',
    { status: { conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletDown' }] } },
  ],
  [
    'ownerReferences merge by uid',
    NODE,
    node,
    'strategic',
    {
      metadata: {
        ownerReferences: [
          { uid: 'u2', name: 'renamed' },
          { uid: 'u3', apiVersion: 'v1', kind: 'Secret', name: 'o3' },
        ],
      },
    },
  ],
  ['$patch: replace on a map', NODE, node, 'strategic', { metadata: { labels: { $patch: 'replace', only: 'this' } } }],
  ['$patch: delete on a map', NODE, node, 'strategic', { metadata: { annotations: { $patch: 'delete' } } }],
  [
    '$retainKeys',
    NODE,
    node,
    'strategic',
    { spec: { $retainKeys: ['taints'], taints: [{ key: 'u', effect: 'NoExecute' }] } },
  ],
  [
    'atomic list (taints) is replaced',
    NODE,
    node,
    'strategic',
    { spec: { taints: [{ key: 'new', effect: 'NoExecute' }] } },
  ],
  ['podCIDRs merge as a set', NODE, node, 'strategic', { spec: { podCIDRs: ['10.0.1.0/24'] } }],
  // kube-apiserver drops the nulls of a value added whole (IgnoreUnmatchedNulls); kubectl 1.20's copy of the code kept them
  [
    'a new field arrives whole, its nulls dropped',
    NODE,
    node,
    'strategic',
    { spec: { providerID: 'p', unschedulable: true, configSource: { configMap: { name: 'c', namespace: null } } } },
    27,
  ],
  [
    'kubectl apply of a CSR: last-applied annotation and labels',
    CSR,
    certificateSigningRequest,
    'strategic',
    {
      metadata: {
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"x":1}\n' },
        labels: { team: 'x' },
      },
    },
  ],
  [
    'CSR conditions have no merge key upstream: replaced',
    CSR,
    certificateSigningRequest,
    'strategic',
    {
      status: { conditions: [{ type: 'Failed', status: 'True' }] },
    },
  ],
  ['CSR usages are atomic', CSR, certificateSigningRequest, 'strategic', { spec: { usages: ['client auth'] } }],
  ['Secret data is a map', SECRET, secret, 'strategic', { data: { a: null, c: 'Yw==' } }],
  ['ConfigMap data is a map', CONFIGMAP, configMap, 'strategic', { data: { b: '3' }, immutable: true }],
  [
    'RBAC subjects are atomic',
    CRB,
    clusterRoleBinding,
    'strategic',
    { subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'g' }] },
  ],
  [
    'merge patch replaces lists and merges maps',
    NODE,
    node,
    'merge',
    {
      metadata: { labels: { a: null, z: 'z' }, finalizers: ['only'] },
      status: { addresses: [{ type: 'Hostname', address: 'm' }] },
    },
  ],
  ['merge patch with a null top-level field', CSR, certificateSigningRequest, 'merge', { status: null }],
  [
    'json patch add/replace/remove/test',
    CSR,
    certificateSigningRequest,
    'json',
    [
      { op: 'test', path: '/spec/signerName', value: 'example.com/serving' },
      { op: 'add', path: '/metadata/labels/new', value: 'v' },
      { op: 'replace', path: '/spec/groups/0', value: 'g0' },
      { op: 'remove', path: '/spec/groups/1' },
      { op: 'add', path: '/spec/usages/-', value: 'client auth' },
    ],
  ],
  [
    'json patch move/copy',
    CSR,
    certificateSigningRequest,
    'json',
    [
      { op: 'copy', from: '/metadata/labels', path: '/metadata/annotations' },
      { op: 'move', from: '/spec/groups/0', path: '/spec/groups/1' },
    ],
  ],
  [
    'json patch escaped pointer',
    NODE,
    node,
    'json',
    [{ op: 'add', path: '/metadata/annotations/example.com~1a~0b', value: 'v' }],
  ],
];

const KUBECTL_TYPE: Record<PatchType, string> = { strategic: 'strategic', merge: 'merge', json: 'json' };

test(
  'patches give the result kubectl computes with upstream apimachinery (kubectl patch --local)',
  { skip: !hasCommand('kubectl') },
  (t) => {
    const dir = tmpDir('kubetls-patch-', t);
    // kubectl needs a config to exist; --local never contacts the (unreachable) server it names
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\nusers: [{name: u, user: {token: unused}}]\n',
    );
    const version = run('kubectl', ['version', '--client', '-o', 'json']);
    const minor = Number.parseInt(String(JSON.parse(version.stdout).clientVersion.minor), 10);
    CASES.forEach(([title, obj, schema, type, patch, since], i) => {
      if (since !== undefined && minor < since) return;
      const file = join(dir, `obj-${i}.json`);
      writeFileSync(file, JSON.stringify(obj));
      const r = run('kubectl', [
        '--kubeconfig',
        kubeconfig,
        'patch',
        '-f',
        file,
        '--local',
        '--type',
        KUBECTL_TYPE[type],
        '-p',
        JSON.stringify(patch),
        '-o',
        'json',
      ]);
      assert.equal(r.code, 0, `${title}: kubectl failed: ${r.stderr}`);
      const want = JSON.parse(r.stdout);
      const got = applyPatch(obj, JSON.stringify(patch), type, schema, { fieldValidation: 'Strict' }).object;
      assert.deepEqual(got, want, title);
    });
  },
);

test('the same cases without kubectl: spot checks of the semantics', () => {
  const p = (o: Obj, s: ObjectSchema, patch: unknown): Obj => applyStrategicMergePatch(o, patch, s);
  const n = p(NODE, node, { status: { addresses: [{ type: 'ExternalIP', address: '1.2.3.4' }] } });
  assert.deepEqual((n.status as Obj).addresses, [
    { type: 'ExternalIP', address: '1.2.3.4' },
    { type: 'InternalIP', address: '10.0.0.1' },
    { type: 'Hostname', address: 'n1' },
  ]);
  const c = p(CSR, certificateSigningRequest, { status: { conditions: [{ type: 'Denied', status: 'True' }] } });
  assert.deepEqual((c.status as Obj).conditions, [{ type: 'Denied', status: 'True' }]);
  // inputs are never mutated
  assert.deepEqual((NODE.metadata as Obj).labels, { a: '1', keep: 'k' });
  const m = applyMergePatch(SECRET, { data: { a: null } });
  assert.deepEqual(m.data, { b: 'Yg==' });
  assert.deepEqual((SECRET.data as Obj).a, 'YQ==');
});

test('content types: three patch formats, 415 for the rest, a clear word for server-side apply', () => {
  assert.equal(patchTypeOf('application/strategic-merge-patch+json'), 'strategic');
  assert.equal(patchTypeOf('application/merge-patch+json; charset=utf-8'), 'merge');
  assert.equal(patchTypeOf('Application/JSON-Patch+JSON'), 'json');
  for (const ct of ['application/json', '', undefined, 'text/plain', 'application/yaml']) {
    const s = toStatus(catchErr(() => patchTypeOf(ct)));
    assert.equal(s.code, 415, String(ct));
    assert.equal(s.reason, 'UnsupportedMediaType');
    assert.equal(
      s.message,
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json',
    );
  }
  const apply = toStatus(catchErr(() => patchTypeOf('application/apply-patch+yaml')));
  assert.equal(apply.code, 415);
  assert.match(
    apply.message!,
    /^server-side apply \(application\/apply-patch\+yaml\) is not supported by kubetls; use client-side apply/,
  );
});

function catchErr(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  assert.fail('expected an error');
}

/** expects a StatusError with this code and message */
function fails(fn: () => unknown, code: number, message: string | RegExp): void {
  const s = toStatus(catchErr(fn));
  assert.equal(s.code, code, `${String(message)} → ${s.message}`);
  if (typeof message === 'string') assert.equal(s.message, message);
  else assert.match(s.message!, message);
}

test('field validation after a patch: Strict refuses unknown and repeated fields, Warn warns, Ignore drops', () => {
  const patch = '{"spec":{"foo":1,"signerName":"a/b","signerName":"c/d"}}';
  fails(
    () => applyPatch(CSR, patch, 'merge', certificateSigningRequest, { fieldValidation: 'Strict' }),
    422,
    ` "" is invalid: patch: Invalid value: ${JSON.stringify(patch)}: strict decoding error: duplicate field "spec.signerName", unknown field "spec.foo"`,
  );
  const warn = applyPatch(CSR, patch, 'strategic', certificateSigningRequest, { fieldValidation: 'Warn' });
  assert.deepEqual(warn.warnings, ['duplicate field "spec.signerName"', 'unknown field "spec.foo"']);
  assert.equal((warn.object.spec as Obj).signerName, 'c/d', 'the last of a repeated key wins, as Go');
  assert.equal(Object.hasOwn(warn.object.spec as Obj, 'foo'), false, 'unknown fields are dropped');
  const ignore = applyPatch(CSR, patch, 'merge', certificateSigningRequest, { fieldValidation: 'Ignore' });
  assert.deepEqual(ignore.warnings, []);
  assert.equal(Object.hasOwn(ignore.object.spec as Obj, 'foo'), false);
  // json patch operations are decoded strictly too
  fails(
    () =>
      applyPatch(
        CSR,
        '[{"op":"add","path":"/metadata/labels/x","value":"y","extra":1}]',
        'json',
        certificateSigningRequest,
        { fieldValidation: 'Strict' },
      ),
    422,
    /strict decoding error: json patch unknown field "\[0\]\.extra"$/,
  );
  const jw = applyPatch(
    CSR,
    '[{"op":"add","path":"/spec/bogus","value":1,"op":"add"}]',
    'json',
    certificateSigningRequest,
    { fieldValidation: 'Warn' },
  );
  assert.deepEqual(jw.warnings, ['json patch duplicate field "[0].op"', 'unknown field "spec.bogus"']);
  // a type error after the patch is always refused
  fails(
    () =>
      applyPatch(CSR, '{"spec":{"signerName":5}}', 'merge', certificateSigningRequest, { fieldValidation: 'Ignore' }),
    422,
    /json: cannot unmarshal number 5 into Go struct field CertificateSigningRequestSpec.spec.signerName of type string/,
  );
});

test('hostile patches: prototype pollution, bad paths, bombs, deep and huge documents', () => {
  const before = Object.keys(Object.prototype).length;
  // merge and strategic patches with __proto__ / constructor.prototype keys: data, never a prototype
  for (const type of ['merge', 'strategic'] as const) {
    for (const body of [
      '{"__proto__":{"polluted":1}}',
      '{"metadata":{"__proto__":{"polluted":1}}}',
      '{"constructor":{"prototype":{"polluted":1}}}',
      '{"metadata":{"labels":{"__proto__":"x","constructor":"y"}}}',
    ]) {
      const r = applyPatch(CSR, body, type, certificateSigningRequest, { fieldValidation: 'Ignore' });
      assert.equal(({} as Obj).polluted, undefined, body);
      assert.equal(Object.getPrototypeOf(r.object), Object.prototype, body);
      assert.equal(Object.getPrototypeOf(r.object.metadata), Object.prototype, body);
    }
    // a list replaced by an object named __proto__ is a type error, not a prototype
    fails(
      () =>
        applyPatch(CSR, '{"spec":{"usages":{"__proto__":[]}}}', type, certificateSigningRequest, {
          fieldValidation: 'Ignore',
        }),
      422,
      /cannot unmarshal object into Go struct field CertificateSigningRequestSpec.spec.usages of type \[\]v1.KeyUsage/,
    );
    assert.equal(({} as Obj).polluted, undefined);
    // under Strict the same keys are unknown fields
    fails(
      () =>
        applyPatch(CSR, '{"__proto__":{"polluted":1}}', type, certificateSigningRequest, { fieldValidation: 'Strict' }),
      422,
      /unknown field "__proto__"/,
    );
  }
  // labels named __proto__ survive as labels (a map), without touching prototypes
  const labelled = applyPatch(CSR, '{"metadata":{"labels":{"__proto__":"x"}}}', 'merge', certificateSigningRequest, {
    fieldValidation: 'Strict',
  });
  assert.equal(
    Object.getOwnPropertyDescriptor((labelled.object.metadata as Obj).labels as Obj, '__proto__')?.value,
    'x',
  );
  // json patch: prototype paths, inherited names, bad pointers, missing paths, failing tests
  const jp = (ops: unknown): unknown => applyJsonPatch(CSR, ops);
  fails(
    () => jp([{ op: 'add', path: '/__proto__/polluted', value: 1 }]),
    422,
    /refused: it goes through __proto__ or constructor.prototype/,
  );
  fails(() => jp([{ op: 'add', path: '/constructor/prototype/polluted', value: 1 }]), 422, /refused/);
  fails(() => jp([{ op: 'copy', from: '/__proto__', path: '/x' }]), 422, /refused/);
  fails(
    () => jp([{ op: 'remove', path: '/toString' }]),
    422,
    'jsonpatch remove operation does not apply: doc is missing path: "/toString"',
  );
  fails(
    () => jp([{ op: 'copy', from: '/constructor', path: '/metadata/x' }]),
    422,
    /doc is missing from path: "\/constructor"/,
  );
  fails(
    () => jp([{ op: 'test', path: '/spec/signerName', value: 'other' }]),
    422,
    'testing value /spec/signerName failed: test failed',
  );
  fails(
    () => jp([{ op: 'test', path: '/nope', value: 1 }]),
    422,
    'testing value /nope failed: the path does not exist',
  );
  fails(() => jp([{ op: 'replace', path: '/spec/missing', value: 1 }]), 422, /doc is missing path: "\/spec\/missing"/);
  fails(() => jp([{ op: 'add', path: '/a/b/c', value: 1 }]), 422, /doc is missing path: "\/a\/b\/c"/);
  fails(() => jp([{ op: 'add', path: '/spec/usages/9', value: 'x' }]), 422, /doc is missing path/);
  fails(() => jp([{ op: 'add', path: '/spec/usages/01', value: 'x' }]), 422, /doc is missing path/);
  fails(() => jp([{ op: 'add', path: 'spec', value: 1 }]), 422, /must be empty or start with "\/"/);
  fails(() => jp([{ op: 'add', path: '/a~2b', value: 1 }]), 422, /has a "~" that is not "~0" or "~1"/);
  fails(() => jp([{ op: 'frobnicate', path: '/a' }]), 422, /unknown "op" "frobnicate"/);
  fails(() => jp([{ op: 'add', path: '/a' }]), 422, /has no "value"/);
  fails(() => jp([{ op: 'move', from: '/spec', path: '/spec/x' }]), 422, /into its own child/);
  fails(() => jp([{ op: 'remove', path: '' }]), 422, /cannot remove the whole document/);
  fails(() => jp([{ op: 'replace', path: '', value: [1] }]), 422, /not a JSON object/);
  fails(() => jp([42]), 422, /operation 0 is not a JSON object/);
  fails(() => jp({ op: 'add' }), 400, 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  fails(
    () =>
      jp(
        Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({
          op: 'test',
          path: '/kind',
          value: 'CertificateSigningRequest',
        })),
      ),
    413,
    'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001',
  );
  // a copy bomb: each copy doubles the document; stopped by the copy budget or the depth limit, quickly
  const t0 = Date.now();
  const doubling = Array.from({ length: 60 }, (_, i) => ({ op: 'copy', from: '/spec', path: `/spec/x${i}` }));
  fails(() => jp(doubling), 413, /the copy operations of this JSON patch duplicate more than 3145728 bytes/);
  const deepening = Array.from({ length: 150 }, () => ({
    op: 'copy',
    from: '/metadata/labels',
    path: '/metadata/labels/x',
  }));
  fails(() => jp(deepening), 422, /would nest the object more than 100 levels deep/);
  const wide = [
    { op: 'add', path: '/metadata/annotations', value: { a: 'x'.repeat(1_000_000) } },
    ...Array.from({ length: 10 }, (_, i) => ({ op: 'copy', from: '/metadata/annotations', path: `/metadata/c${i}` })),
  ];
  fails(() => jp(wide), 413, /duplicate more than 3145728 bytes/);
  assert.ok(Date.now() - t0 < 5000);
  // the failing patch left the input alone
  assert.equal(((CSR.spec as Obj).groups as string[]).length, 2);
  // strategic merge patch bad directives
  const smp = (patch: unknown): unknown => applyStrategicMergePatch(NODE, patch, node);
  fails(() => smp({ metadata: { labels: { $patch: 'merge' } } }), 400, /^unknown patch type: merge in map:/);
  fails(
    () => smp({ status: { addresses: [{ $patch: 'merge' }] } }),
    400,
    'merging lists cannot yet be specified in the patch',
  );
  fails(
    () => smp({ status: { addresses: [{ address: 'x' }] } }),
    400,
    'map: map[address:x] does not contain declared merge key: type',
  );
  fails(() => smp({ status: { addresses: [{ $patch: 'delete' }] } }), 400, /does not contain declared merge key: type/);
  fails(() => smp({ spec: { $retainKeys: 'taints' } }), 400, 'invalid patch format of retainKeys');
  fails(() => smp({ spec: { $retainKeys: ['taints'], providerID: 'p' } }), 400, 'invalid patch format of retainKeys');
  fails(
    () => smp({ metadata: { '$deleteFromPrimitiveList/finalizers': 'x' } }),
    400,
    'invalid patch format of primitive list',
  );
  fails(
    () => smp({ metadata: { '$deleteFromPrimitiveListX/finalizers': ['x'] } }),
    400,
    'invalid patch format of primitive list',
  );
  fails(
    () => smp({ metadata: { '$setElementOrder/finalizers': 'x' } }),
    400,
    'invalid patch format of setElementOrder list',
  );
  fails(
    () => smp({ metadata: { '$setElementOrder/finalizers': ['x'], finalizers: ['z'] } }),
    400,
    /does not match its \$setElementOrder list/,
  );
  fails(() => smp({ metadata: { finalizers: [['x']] } }), 422, 'lists of lists are not supported');
  fails(() => smp({ metadata: { finalizers: [1] } }), 400, 'list element types are not identical');
  fails(() => smp([]), 400, /must be a JSON object/);
  // deep documents are refused before parsing, for every patch type
  const deep = `{"metadata":{"labels":${'{"a":'.repeat(200)}1${'}'.repeat(200)}}}`;
  for (const type of ['json', 'merge', 'strategic'] as const)
    fails(
      () => applyPatch(CSR, deep, type, certificateSigningRequest, { fieldValidation: 'Strict' }),
      400,
      /nested more than 100 levels deep/,
    );
  fails(
    () => applyPatch(CSR, '['.repeat(1_000_000), 'json', certificateSigningRequest, { fieldValidation: 'Strict' }),
    400,
    /nested more than 100 levels/,
  );
  // oversized and malformed bodies
  fails(
    () =>
      applyPatch(
        CSR,
        `{"metadata":{"annotations":{"a":"${'x'.repeat(3 * 1024 * 1024)}"}}}`,
        'merge',
        certificateSigningRequest,
        { fieldValidation: 'Strict' },
      ),
    413,
    'Request entity too large: limit is 3145728',
  );
  fails(
    () => applyPatch(CSR, '{"metadata":', 'merge', certificateSigningRequest, { fieldValidation: 'Strict' }),
    400,
    /^invalid JSON patch: /,
  );
  fails(
    () => applyPatch(CSR, '[1,2]', 'merge', certificateSigningRequest, { fieldValidation: 'Strict' }),
    400,
    /must be a JSON object/,
  );
  // a big but legal merge list stays linear: 20,000 addresses against 20,000
  const many = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => ({ type: `${prefix}${i}`, address: 'a' }));
  const bigNode = { ...NODE, status: { addresses: many('T', 20000) } };
  const t1 = Date.now();
  const merged = applyStrategicMergePatch(
    bigNode,
    { status: { addresses: many('T', 20000).map((a) => ({ ...a, address: 'b' })) } },
    node,
  );
  assert.equal(((merged.status as Obj).addresses as unknown[]).length, 20000);
  assert.ok(Date.now() - t1 < 3000, `merge took ${Date.now() - t1} ms`);
  assert.equal(Object.keys(Object.prototype).length, before, 'Object.prototype untouched');
});
