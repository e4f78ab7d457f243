/**
 * Real kubectl ≥ 1.32 against a small HTTPS test server that records what it receives:
 * `kubectl certificate approve`, `kubectl auth can-i` and `kubectl auth whoami` send protobuf
 * bodies, which the decoder must turn into the objects the JSON path would have received. Skipped (with the
 * reason) when no such kubectl is installed; captures/ keeps bodies recorded from 1.33.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { decodeProtobufObject, PROTOBUF_CONTENT_TYPE } from '../../../src/api/protobuf/envelope.js';
import {
  certificateSigningRequest,
  selfSubjectAccessReview,
  selfSubjectReview,
} from '../../../src/api/machinery/schemas/index.js';
import { hasCommand, openssl, run, tmpDir } from '../../helpers.js';
import { newCSR } from '../resources/certificates/csrs.js';

/** Every installed kubectl that sends protobuf (minor ≥ 32), one per version. */
function protobufKubectls(): Array<[string, string]> {
  const candidates = ['kubectl', ...['1.32', '1.33'].map((v) => `/usr/lib/google-cloud-sdk/bin/kubectl.${v}`)];
  const found = new Map<string, string>();
  for (const k of candidates) {
    if (k === 'kubectl' ? !hasCommand(k) : !existsSync(k)) continue;
    const r = run(k, ['version', '--client', '-o', 'json']);
    if (r.code !== 0) continue;
    const v = (JSON.parse(r.stdout) as { clientVersion: { major: string; minor: string } }).clientVersion;
    const minor = Number.parseInt(v.minor, 10); // "32+" for some builds
    if (v.major === '1' && minor >= 32 && !found.has(String(minor))) found.set(String(minor), k);
  }
  return [...found].map(([minor, k]) => [`1.${minor}`, k]);
}

const KUBECTLS = protobufKubectls();
const skip = KUBECTLS.length ? {} : { skip: 'no kubectl ≥ 1.32 installed (older ones send JSON)' };

interface Recorded {
  method: string;
  path: string;
  contentType: string;
  body: Buffer;
}

const STORED = newCSR({ metadata: { labels: { app: 'web' } }, spec: { expirationSeconds: 86400 } });

const group = (name: string) => ({
  name,
  versions: [{ groupVersion: `${name}/v1`, version: 'v1' }],
  preferredVersion: { groupVersion: `${name}/v1`, version: 'v1' },
});
const resource = (name: string, kind: string, verbs: string[], shortNames?: string[]) => ({
  name,
  singularName: name.includes('/') ? '' : name.slice(0, -1),
  namespaced: false,
  kind,
  verbs,
  ...(shortNames ? { shortNames } : {}),
});

/** Legacy discovery, one CSR, and recording endpoints for /approval and SelfSubjectAccessReviews. */
function recordingServer(key: Buffer, cert: Buffer, seen: Recorded[]): Server {
  const routes: Record<string, unknown> = {
    '/api': { kind: 'APIVersions', versions: [] },
    '/apis': {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [group('certificates.k8s.io'), group('authorization.k8s.io')],
    },
    '/apis/certificates.k8s.io/v1': {
      kind: 'APIResourceList',
      groupVersion: 'certificates.k8s.io/v1',
      resources: [
        resource(
          'certificatesigningrequests',
          'CertificateSigningRequest',
          ['create', 'get', 'list', 'update', 'watch'],
          ['csr'],
        ),
        resource('certificatesigningrequests/approval', 'CertificateSigningRequest', ['get', 'update']),
      ],
    },
    '/apis/authorization.k8s.io/v1': {
      kind: 'APIResourceList',
      groupVersion: 'authorization.k8s.io/v1',
      resources: [resource('selfsubjectaccessreviews', 'SelfSubjectAccessReview', ['create'])],
    },
    '/apis/certificates.k8s.io/v1/certificatesigningrequests/my-svc.my-namespace': STORED,
  };
  return createServer({ key, cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0]!;
      const reply = (code: number, o: unknown) => {
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(JSON.stringify(o));
      };
      if (req.method !== 'GET')
        seen.push({
          method: req.method ?? '',
          path,
          contentType: req.headers['content-type'] ?? '',
          body: Buffer.concat(chunks),
        });
      if (req.method === 'GET' && path in routes) return reply(200, routes[path]);
      if (req.method === 'PUT' && path.endsWith('/approval')) return reply(200, STORED);
      if (req.method === 'POST' && path.endsWith('/selfsubjectreviews'))
        return reply(201, {
          kind: 'SelfSubjectReview',
          apiVersion: 'authentication.k8s.io/v1',
          metadata: {},
          status: { userInfo: { username: 'jane', groups: ['system:authenticated'] } },
        });
      if (req.method === 'POST' && path.endsWith('/selfsubjectaccessreviews'))
        return reply(201, {
          kind: 'SelfSubjectAccessReview',
          apiVersion: 'authorization.k8s.io/v1',
          metadata: {},
          spec: {},
          status: { allowed: true },
        });
      reply(404, {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: 'NotFound',
        code: 404,
        message: 'not found',
      });
    });
  });
}

function kubectl(bin: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout + stderr }),
    );
  });
}

const FALLBACK: Array<[string, string]> = [['≥1.32', 'kubectl']];
for (const [version, bin] of KUBECTLS.length ? KUBECTLS : FALLBACK) {
  test(
    `kubectl ${version}: approve, auth can-i and auth whoami send protobuf that decodes to the JSON objects`,
    skip,
    async (t) => {
      const dir = tmpDir('kubetls-pb-', t);
      openssl([
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ]);
      const seen: Recorded[] = [];
      const server = recordingServer(readFileSync(join(dir, 'key.pem')), readFileSync(join(dir, 'cert.pem')), seen);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      t.after(() => {
        server.closeAllConnections();
        return new Promise<void>((resolve) => server.close(() => resolve()));
      });
      const port = (server.address() as { port: number }).port;
      const kubeconfig = join(dir, 'kubeconfig');
      writeFileSync(
        kubeconfig,
        `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:${port}", certificate-authority: "${join(dir, 'cert.pem')}"}}]
users: [{name: u, user: {token: "test-token"}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`,
      );
      const common = ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache')];

      const approve = await kubectl(bin, [...common, 'certificate', 'approve', 'my-svc.my-namespace']);
      assert.equal(approve.code, 0, approve.out);
      assert.match(approve.out, /my-svc\.my-namespace approved/);
      const put = seen.find((r) => r.method === 'PUT');
      assert.ok(put, 'kubectl sent the approval');
      assert.equal(put.contentType, PROTOBUF_CONTENT_TYPE);
      assert.equal(put.path, '/apis/certificates.k8s.io/v1/certificatesigningrequests/my-svc.my-namespace/approval');
      const approved = decodeProtobufObject(put.body, certificateSigningRequest, {
        apiVersion: 'certificates.k8s.io/v1',
        kind: 'CertificateSigningRequest',
      });
      const [c, ...rest] = (approved['status'] as { conditions: Array<Record<string, unknown>> }).conditions;
      assert.deepEqual(rest, []);
      assert.match(String(c!['lastUpdateTime']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      // everything but the added condition is the object the server gave kubectl
      assert.deepEqual({ ...approved, status: {} }, STORED);
      assert.deepEqual(c, {
        type: 'Approved',
        status: 'True',
        reason: 'KubectlApprove',
        message: 'This CSR was approved by kubectl certificate approve.',
        lastUpdateTime: c!['lastUpdateTime'],
        lastTransitionTime: null,
      });

      const canI = await kubectl(bin, [...common, 'auth', 'can-i', 'create', 'certificatesigningrequests']);
      assert.equal(canI.code, 0, canI.out);
      assert.match(canI.out, /^yes$/m);
      const canIPath = await kubectl(bin, [...common, 'auth', 'can-i', 'get', '/healthz']);
      assert.equal(canIPath.code, 0, canIPath.out);
      const reviews = seen
        .filter((r) => r.method === 'POST' && r.path.endsWith('/selfsubjectaccessreviews'))
        .map((r) => {
          assert.equal(r.contentType, PROTOBUF_CONTENT_TYPE);
          return decodeProtobufObject(r.body, selfSubjectAccessReview, {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SelfSubjectAccessReview',
          });
        });
      const ssar = (spec: object) => ({
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        metadata: { creationTimestamp: null },
        spec,
        status: { allowed: false },
      });
      assert.deepEqual(reviews, [
        ssar({
          resourceAttributes: {
            namespace: 'default',
            verb: 'create',
            group: 'certificates.k8s.io',
            resource: 'certificatesigningrequests',
          },
        }),
        ssar({ nonResourceAttributes: { path: '/healthz', verb: 'get' } }),
      ]);

      const whoami = await kubectl(bin, [...common, 'auth', 'whoami']);
      assert.equal(whoami.code, 0, whoami.out);
      assert.match(whoami.out, /Username\s+jane/);
      const sent = seen.filter((r) => r.path === '/apis/authentication.k8s.io/v1/selfsubjectreviews');
      assert.equal(sent.length, 1);
      assert.equal(sent[0]!.contentType, PROTOBUF_CONTENT_TYPE);
      assert.deepEqual(
        decodeProtobufObject(sent[0]!.body, selfSubjectReview, {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'SelfSubjectReview',
        }),
        {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'SelfSubjectReview',
          metadata: { creationTimestamp: null },
          status: { userInfo: {} },
        },
      );
    },
  );
}
