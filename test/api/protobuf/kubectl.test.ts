/**
 * Real kubectl ≥ 1.32 against a small HTTPS test server that records what it receives:
 * `kubectl certificate approve`, `kubectl auth can-i` and `kubectl auth whoami` send protobuf
 * bodies, which the decoder must turn into the objects the JSON path would have received. Skipped (with the
 * reason) when no such kubectl is installed; captures/ keeps bodies recorded from 1.33.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { decodeProtobufObject, PROTOBUF_CONTENT_TYPE } from '../../../src/api/protobuf/envelope.js';
import {
  certificateSigningRequest,
  selfSubjectAccessReview,
  selfSubjectReview,
} from '../../../src/api/machinery/schemas/index.js';
import { newCSR } from '../resources/certificates/csrs.js';
import {
  discoveryGroup,
  discoveryResource,
  installedKubectls,
  replyJson,
  startRecorder,
  type Answer,
} from './recorder.js';

const KUBECTLS = installedKubectls(['1.32', '1.33']);
const skip = KUBECTLS.length ? {} : { skip: 'no kubectl ≥ 1.32 installed (older ones send JSON)' };

const STORED = newCSR({ metadata: { labels: { app: 'web' } }, spec: { expirationSeconds: 86400 } });

/** Legacy discovery and one CSR. */
const ROUTES: Record<string, unknown> = {
  '/api': { kind: 'APIVersions', versions: [] },
  '/apis': {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [discoveryGroup('certificates.k8s.io'), discoveryGroup('authorization.k8s.io')],
  },
  '/apis/certificates.k8s.io/v1': {
    kind: 'APIResourceList',
    groupVersion: 'certificates.k8s.io/v1',
    resources: [
      discoveryResource(
        'certificatesigningrequests',
        'CertificateSigningRequest',
        ['create', 'get', 'list', 'update', 'watch'],
        {
          shortNames: ['csr'],
        },
      ),
      discoveryResource('certificatesigningrequests/approval', 'CertificateSigningRequest', ['get', 'update']),
    ],
  },
  '/apis/authorization.k8s.io/v1': {
    kind: 'APIResourceList',
    groupVersion: 'authorization.k8s.io/v1',
    resources: [discoveryResource('selfsubjectaccessreviews', 'SelfSubjectAccessReview', ['create'])],
  },
  '/apis/certificates.k8s.io/v1/certificatesigningrequests/my-svc.my-namespace': STORED,
};

/** The answers to /approval, SelfSubjectAccessReviews and SelfSubjectReviews. */
const answer: Answer = (req, res) => {
  if (req.method === 'PUT' && req.path.endsWith('/approval')) return replyJson(res, 200, STORED);
  if (req.method === 'POST' && req.path.endsWith('/selfsubjectreviews'))
    return replyJson(res, 201, {
      kind: 'SelfSubjectReview',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: {},
      status: { userInfo: { username: 'jane', groups: ['system:authenticated'] } },
    });
  if (req.method === 'POST' && req.path.endsWith('/selfsubjectaccessreviews'))
    return replyJson(res, 201, {
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: {},
      spec: {},
      status: { allowed: true },
    });
  return false;
};

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
      const { common, seen } = await startRecorder(t, ROUTES, answer);

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
