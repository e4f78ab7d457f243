/**
 * TokenReview's answers (src/api/authn/tokenreview.ts) from the real token authenticators:
 * a parsed --token-auth-file and bootstrap-token Secrets, behind the same
 * BearerTokenAuthenticator requests go through, with an injected clock. The end-to-end
 * answers over HTTPS, kubectl and RBAC are in test/api/server/tokenreview.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixedClock } from '../../../src/pki/index.js';
import type { KubeObject } from '../../../src/api/object.js';
import { BearerTokenAuthenticator } from '../../../src/api/authn/bearer.js';
import { BootstrapTokenAuthenticator } from '../../../src/api/authn/bootstrap.js';
import { parseTokenFile, TokenFileAuthenticator } from '../../../src/api/authn/tokenfile.js';
import { reviewToken, tokenReview, INVALID_BEARER_TOKEN } from '../../../src/api/authn/tokenreview.js';
import { toStatus } from '../../../src/api/machinery/status.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const STATIC = 'static-token-0123456789';
const b64 = (s: string) => Buffer.from(s).toString('base64');

function bootstrapSecret(id: string, secret: string, expiration: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
    type: 'bootstrap.kubernetes.io/token',
    data: {
      'token-id': b64(id),
      'token-secret': b64(secret),
      expiration: b64(expiration),
      'usage-bootstrap-authentication': b64('true'),
      'auth-extra-groups': b64('system:bootstrappers:kubeadm:default-node-token'),
    },
  };
}

const secrets = [
  bootstrapSecret('abcdef', '0123456789abcdef', '2026-06-02T00:00:00Z'),
  bootstrapSecret('old001', '0123456789abcdef', '2026-05-31T00:00:00Z'),
];
const tokens = new BearerTokenAuthenticator([
  new TokenFileAuthenticator(parseTokenFile(`${STATIC},carol,uid-carol,"ops,auditors"\nbare-token-1,dave,,\n`)),
  new BootstrapTokenAuthenticator({
    secrets: (ns, name) =>
      Promise.resolve(secrets.find((s) => s.metadata.namespace === ns && s.metadata.name === name)),
    clock: fixedClock(NOW),
  }),
]);

const review = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'authentication.k8s.io/v1',
  kind: 'TokenReview',
  metadata,
  spec,
});

test('TokenReview: a static token is its user, with uid, groups and system:authenticated; the spec comes back', async () => {
  const r = await tokenReview(review({ token: STATIC }, { creationTimestamp: null }), tokens);
  assert.deepEqual(r, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenReview',
    metadata: { creationTimestamp: null },
    spec: { token: STATIC },
    status: {
      authenticated: true,
      user: { username: 'carol', uid: 'uid-carol', groups: ['ops', 'auditors', 'system:authenticated'] },
    },
  });
  // no uid and no groups in the file: the user has only system:authenticated
  assert.deepEqual((await reviewToken('bare-token-1', tokens, [], [])).user, {
    username: 'dave',
    groups: ['system:authenticated'],
  });
});

test('TokenReview: a valid bootstrap token is system:bootstrap:<id> in its groups', async () => {
  const s = await reviewToken('abcdef.0123456789abcdef', tokens, [], []);
  assert.deepEqual(s, {
    authenticated: true,
    user: {
      username: 'system:bootstrap:abcdef',
      groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token', 'system:authenticated'],
    },
  });
});

test('TokenReview: unknown, expired, wrong-secret and unspeakable tokens are "invalid bearer token", never why, never the token', async () => {
  for (const token of [
    'no-such-token',
    'zzzzzz.0123456789abcdef', // bootstrap format, no Secret
    'old001.0123456789abcdef', // expired a day ago
    'abcdef.0123456789abcdee', // another secret
    `${STATIC} `, // a request's Authorization header could not carry it
    `a ${STATIC}`,
    'x'.repeat(100_000),
  ]) {
    const s = await reviewToken(token, tokens, [], []);
    assert.deepEqual(s, { user: {}, error: INVALID_BEARER_TOKEN }, token.slice(0, 40));
  }
  // with no token authenticator at all (serve without --token-auth-file nor bootstrap tokens)
  assert.deepEqual(await reviewToken(STATIC, undefined, [], []), { user: {}, error: 'invalid bearer token' });
  assert.deepEqual(await reviewToken(STATIC, new BearerTokenAuthenticator([]), [], []), {
    user: {},
    error: 'invalid bearer token',
  });
});

test('TokenReview: an empty or missing token is a 400 in kube-apiserver words', async () => {
  for (const spec of [{}, { token: '' }, { audiences: ['x'] }]) {
    await assert.rejects(tokenReview(review(spec), tokens), (e: unknown) => {
      const st = toStatus(e);
      assert.equal(st.message, 'token is required for TokenReview in authentication');
      assert.equal(st.code, 400);
      assert.equal(st.reason, 'BadRequest');
      return true;
    });
  }
});

test('TokenReview audiences: static and bootstrap tokens answer only for the API server audiences', async () => {
  // no API audiences (kubetls serve): a review that names one is refused, one that names none is not
  assert.deepEqual(await reviewToken(STATIC, tokens, ['prometheus'], []), { user: {}, error: INVALID_BEARER_TOKEN });
  assert.equal((await reviewToken(STATIC, tokens, [], [])).audiences, undefined);
  // with API audiences: the intersection, or the API audiences when none is named
  const api = ['https://kubernetes.default.svc.cluster.local', 'k3s'];
  assert.deepEqual((await reviewToken(STATIC, tokens, ['k3s', 'other'], api)).audiences, ['k3s']);
  assert.deepEqual((await reviewToken(STATIC, tokens, [], api)).audiences, api);
  assert.deepEqual(await reviewToken(STATIC, tokens, ['other'], api), { user: {}, error: INVALID_BEARER_TOKEN });
  // a refused token has no audiences even when the audience matched
  assert.deepEqual(await reviewToken('nope', tokens, ['k3s'], api), { user: {}, error: INVALID_BEARER_TOKEN });
});
