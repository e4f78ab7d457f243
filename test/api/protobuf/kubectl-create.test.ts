/**
 * kubectl's typed create commands (`create secret`, `configmap`, `namespace`, `role`,
 * `clusterrole`, `rolebinding`, `clusterrolebinding`) against a recording server: kubectl ≥
 * 1.32 sends them as protobuf, 1.27 as JSON, and each protobuf body must decode (through
 * decodeBody, the server's entry point) to exactly the object the JSON body gives. Versions
 * not installed are skipped. With KUBETLS_RECORD_CAPTURES=1 the bodies are written to
 * captures/ (how `create-*` there were made; decode.test.ts reads them).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBody } from '../../../src/api/machinery/decode.js';
import { schemaFor } from '../../../src/api/machinery/schemas/index.js';
import { PROTOBUF_CONTENT_TYPE } from '../../../src/api/protobuf/envelope.js';
import { ROOT } from '../../helpers.js';
import { discoveryGroup, discoveryResource, installedKubectls, type Answer, type Recorded } from './recorder.js';
import { startRecorder } from './recorder.js';

const VERSIONS = installedKubectls(['1.27', '1.32', '1.33']);

/** Bytes that are not UTF-8, so kubectl puts the file in binaryData. */
export const BINARY = Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80, 0x7f]);

/** name → [kubectl arguments (BIN is the binary file), group, kind]; `capture` false keeps a body out of captures/ */
export const CREATES: ReadonlyArray<{ name: string; args: string[]; group: string; kind: string; capture?: false }> = [
  {
    name: 'secret',
    args: [
      'create',
      'secret',
      'generic',
      's1',
      '--from-literal=user=admin',
      '--from-literal=pass=s3cr3t',
      '--type=example.com/login',
    ],
    group: '',
    kind: 'Secret',
  },
  // a private key inside: checked live, never written to captures/
  {
    name: 'secret-tls',
    args: ['create', 'secret', 'tls', 't1', '--cert=CERT', '--key=KEY'],
    group: '',
    kind: 'Secret',
    capture: false,
  },
  {
    name: 'configmap',
    args: ['create', 'configmap', 'c1', '--from-literal=a=b', '--from-file=bin=BIN'],
    group: '',
    kind: 'ConfigMap',
  },
  { name: 'namespace', args: ['create', 'namespace', 'n1'], group: '', kind: 'Namespace' },
  {
    name: 'role',
    args: ['create', 'role', 'r1', '--verb=get,list', '--resource=secrets', '--resource-name=s1'],
    group: 'rbac.authorization.k8s.io',
    kind: 'Role',
  },
  {
    name: 'clusterrole',
    args: ['create', 'clusterrole', 'cr1', '--verb=get', '--non-resource-url=/healthz', '--non-resource-url=/livez'],
    group: 'rbac.authorization.k8s.io',
    kind: 'ClusterRole',
  },
  {
    name: 'clusterrole-aggregated',
    args: ['create', 'clusterrole', 'cr2', '--aggregation-rule=rbac.example.com/aggregate-to-cr2=true'],
    group: 'rbac.authorization.k8s.io',
    kind: 'ClusterRole',
  },
  {
    name: 'rolebinding',
    args: ['create', 'rolebinding', 'rb1', '--role=r1', '--user=jane', '--group=devs', '--serviceaccount=default:sa'],
    group: 'rbac.authorization.k8s.io',
    kind: 'RoleBinding',
  },
  {
    name: 'clusterrolebinding',
    args: ['create', 'clusterrolebinding', 'crb1', '--clusterrole=cr1', '--user=jane'],
    group: 'rbac.authorization.k8s.io',
    kind: 'ClusterRoleBinding',
  },
];

const RBAC = 'rbac.authorization.k8s.io';
const ROUTES: Record<string, unknown> = {
  '/api': { kind: 'APIVersions', versions: ['v1'] },
  '/api/v1': {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      discoveryResource('secrets', 'Secret', ['create', 'get', 'list'], { namespaced: true }),
      discoveryResource('configmaps', 'ConfigMap', ['create', 'get', 'list'], { namespaced: true, shortNames: ['cm'] }),
      discoveryResource('namespaces', 'Namespace', ['create', 'get', 'list'], { shortNames: ['ns'] }),
    ],
  },
  '/apis': { kind: 'APIGroupList', apiVersion: 'v1', groups: [discoveryGroup(RBAC)] },
  [`/apis/${RBAC}/v1`]: {
    kind: 'APIResourceList',
    groupVersion: `${RBAC}/v1`,
    resources: [
      discoveryResource('roles', 'Role', ['create', 'get', 'list'], { namespaced: true }),
      discoveryResource('rolebindings', 'RoleBinding', ['create', 'get', 'list'], { namespaced: true }),
      discoveryResource('clusterroles', 'ClusterRole', ['create', 'get', 'list']),
      discoveryResource('clusterrolebindings', 'ClusterRoleBinding', ['create', 'get', 'list']),
    ],
  },
};

/** A create is answered with its own body (same encoding): what a server stores is what it was sent. */
const echo: Answer = (req, res) => {
  if (req.method !== 'POST') return false;
  res.writeHead(201, { 'content-type': req.contentType || 'application/json' });
  res.end(req.body);
  return true;
};

function kubectl(bin: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout + stderr }),
    );
  });
}

/** A recorded body as the server's decodeBody gives it (the same path `kubetls serve` takes). */
export function decodeRecorded(r: Pick<Recorded, 'body' | 'contentType'>, group: string, kind: string): unknown {
  const names = { group, version: 'v1', kind };
  return decodeBody(r.body, r.contentType, schemaFor(names)!, 'Strict', names).object;
}

const decodedBy = new Map<string, Map<string, unknown>>();
const record = process.env.KUBETLS_RECORD_CAPTURES === '1';

for (const [version, bin] of VERSIONS.length ? VERSIONS : [['none', 'kubectl'] as [string, string]]) {
  const protobuf = version !== '1.27';
  test(
    `kubectl ${version}: typed creates are sent as ${protobuf ? 'protobuf' : 'JSON'} and decode to what kubectl meant`,
    VERSIONS.length ? {} : { skip: 'no kubectl 1.27, 1.32 or 1.33 installed' },
    async (t) => {
      const rec = await startRecorder(t, ROUTES, echo);
      writeFileSync(join(rec.dir, 'bin'), BINARY);
      const decoded = new Map<string, unknown>();
      for (const c of CREATES) {
        const args = c.args.map((a) =>
          a
            .replace('=BIN', `=${join(rec.dir, 'bin')}`)
            .replace('=CERT', `=${join(rec.dir, 'cert.pem')}`)
            .replace('=KEY', `=${join(rec.dir, 'key.pem')}`),
        );
        const before = rec.seen.length;
        const r = await kubectl(bin, [...rec.common, ...args]);
        assert.equal(r.code, 0, `${c.name}: ${r.out}`);
        assert.match(r.out, / created\n$/);
        const sent = rec.seen.slice(before);
        assert.equal(sent.length, 1, `${c.name}: one request`);
        const req = sent[0]!;
        assert.equal(req.method, 'POST');
        assert.equal(req.contentType, protobuf ? PROTOBUF_CONTENT_TYPE : 'application/json', c.name);
        decoded.set(c.name, decodeRecorded(req, c.group, c.kind));
        if (record && c.capture !== false)
          writeFileSync(
            join(ROOT, 'test/api/protobuf/captures', `create-${c.name}-kubectl-${version}.${protobuf ? 'pb' : 'json'}`),
            req.body,
          );
      }
      // what each command means, read from the decoded objects
      const secret = decoded.get('secret') as { data: Record<string, string>; type: string };
      assert.deepEqual(secret.data, {
        user: Buffer.from('admin').toString('base64'),
        pass: Buffer.from('s3cr3t').toString('base64'),
      });
      assert.equal(secret.type, 'example.com/login');
      const tls = decoded.get('secret-tls') as { data: Record<string, string>; type: string };
      assert.equal(tls.type, 'kubernetes.io/tls');
      assert.match(Buffer.from(tls.data['tls.key']!, 'base64').toString(), /^-----BEGIN PRIVATE KEY-----/);
      const cm = decoded.get('configmap') as { data: object; binaryData: Record<string, string> };
      assert.deepEqual(cm.data, { a: 'b' });
      assert.deepEqual(Buffer.from(cm.binaryData['bin']!, 'base64'), BINARY);
      assert.deepEqual(decoded.get('namespace'), {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'n1' },
        spec: {},
        status: {},
      });
      assert.deepEqual((decoded.get('role') as { rules: unknown }).rules, [
        { verbs: ['get', 'list'], apiGroups: [''], resources: ['secrets'], resourceNames: ['s1'] },
      ]);
      assert.deepEqual((decoded.get('clusterrole') as { rules: unknown }).rules, [
        { verbs: ['get'], nonResourceURLs: ['/healthz', '/livez'] },
      ]);
      assert.deepEqual((decoded.get('clusterrole-aggregated') as { aggregationRule: unknown }).aggregationRule, {
        clusterRoleSelectors: [{ matchLabels: { 'rbac.example.com/aggregate-to-cr2': 'true' } }],
      });
      const rb = decoded.get('rolebinding') as { subjects: unknown; roleRef: unknown };
      assert.deepEqual(rb.roleRef, { apiGroup: RBAC, kind: 'Role', name: 'r1' });
      assert.deepEqual(rb.subjects, [
        { kind: 'User', apiGroup: RBAC, name: 'jane' },
        { kind: 'Group', apiGroup: RBAC, name: 'devs' },
        { kind: 'ServiceAccount', name: 'sa', namespace: 'default' },
      ]);
      decodedBy.set(version, decoded);
      // the same command in another version decodes to the same object, protobuf or JSON
      for (const [other, objects] of decodedBy)
        for (const c of CREATES)
          if (c.name !== 'secret-tls')
            assert.deepEqual(decoded.get(c.name), objects.get(c.name), `${c.name}: ${version} vs ${other}`);
    },
  );
}
