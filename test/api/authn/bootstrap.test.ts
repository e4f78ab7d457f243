/**
 * Bootstrap-token authentication, table-driven, against Secrets written by the real kubectl
 * (`kubectl create secret generic --type bootstrap.kubernetes.io/token --dry-run=client -o json`,
 * i.e. the base64 `data` a real API server stores), with an injected clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixedClock } from '../../../src/pki/index.js';
import type { KubeObject } from '../../../src/api/object.js';
import {
  BootstrapTokenAuthenticator,
  bootstrapGroups,
  parseRfc3339,
  type SecretLookup,
} from '../../../src/api/authn/bootstrap.js';
import { hasCommand, run } from '../../helpers.js';

const ID = 'abcdef';
const SECRET = '0123456789abcdef';
const TOKEN = `${ID}.${SECRET}`;
const NOW = new Date('2026-06-01T00:00:00Z');

/** A bootstrap-token Secret as kubectl writes it; `literals` override or (with undefined) drop keys. */
function kubectlSecret(
  literals: Record<string, string | undefined>,
  o: { name?: string; type?: string } = {},
): KubeObject {
  const base: Record<string, string | undefined> = {
    'token-id': ID,
    'token-secret': SECRET,
    expiration: '2026-06-02T00:00:00Z',
    'usage-bootstrap-authentication': 'true',
    'usage-bootstrap-signing': 'true',
    'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token',
    ...literals,
  };
  const args = ['create', 'secret', 'generic', o.name ?? `bootstrap-token-${ID}`, '-n', 'kube-system'];
  args.push('--type', o.type ?? 'bootstrap.kubernetes.io/token');
  for (const [k, v] of Object.entries(base)) if (v !== undefined) args.push(`--from-literal=${k}=${v}`);
  args.push('--dry-run=client', '-o', 'json');
  const r = run('kubectl', args, { env: { ...process.env, KUBECONFIG: '/nonexistent' } });
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as KubeObject;
}

const lookupOf =
  (...secrets: KubeObject[]): SecretLookup =>
  (ns, name) =>
    Promise.resolve(secrets.find((s) => s.metadata.namespace === ns && s.metadata.name === name));

interface Case {
  name: string;
  token?: string;
  secret?: () => KubeObject;
  now?: Date;
  user?: { username: string; groups: string[] };
  /** undefined reason: not this authenticator's token (no opinion) */
  reason?: RegExp | null;
}

const cases: Case[] = [
  { name: 'valid token', secret: () => kubectlSecret({}), user: { username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token'] } },
  { name: 'no extra groups', secret: () => kubectlSecret({ 'auth-extra-groups': undefined }), user: { username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers'] } },
  { name: 'extra groups sorted and de-duplicated', secret: () => kubectlSecret({ 'auth-extra-groups': 'system:bootstrappers:z,system:bootstrappers:a,system:bootstrappers:z' }), user: { username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:bootstrappers:a', 'system:bootstrappers:z'] } },
  { name: 'no expiration never expires', secret: () => kubectlSecret({ expiration: undefined }), now: new Date('2099-01-01T00:00:00Z'), user: { username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token'] } },
  { name: 'expiration with an offset, not yet reached', secret: () => kubectlSecret({ expiration: '2026-06-01T01:30:00+02:00' }), now: new Date('2026-05-31T23:00:00Z'), user: { username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token'] } },
  { name: 'unknown token (no secret)', secret: () => kubectlSecret({}, { name: 'bootstrap-token-zzzzzz' }), reason: /secret kube-system\/bootstrap-token-abcdef not found/ },
  { name: 'expired', secret: () => kubectlSecret({ expiration: '2026-05-31T23:59:59Z' }), reason: /expired at 2026-05-31T23:59:59.000Z/ },
  { name: 'expired one second after', secret: () => kubectlSecret({ expiration: '2026-06-01T00:00:00Z' }), now: new Date('2026-06-01T00:00:01Z'), reason: /expired/ },
  { name: 'unparseable expiration counts as expired', secret: () => kubectlSecret({ expiration: 'tomorrow' }), reason: /unparseable expiration "tomorrow", so it counts as expired/ },
  { name: 'expiration without seconds is unparseable', secret: () => kubectlSecret({ expiration: '2027-01-01T00:00Z' }), reason: /unparseable/ },
  { name: 'expiration on February 30 is unparseable', secret: () => kubectlSecret({ expiration: '2027-02-30T00:00:00Z' }), reason: /unparseable/ },
  { name: 'wrong secret', secret: () => kubectlSecret({ 'token-secret': 'fedcba9876543210' }), reason: /has a different token-secret/ },
  { name: 'secret of another length', secret: () => kubectlSecret({ 'token-secret': 'short' }), reason: /different token-secret/ },
  { name: 'token-id differs from the name', secret: () => kubectlSecret({ 'token-id': 'zzzzzz' }), reason: /different token-id/ },
  { name: 'usage-bootstrap-authentication missing', secret: () => kubectlSecret({ 'usage-bootstrap-authentication': undefined }), reason: /not marked usage-bootstrap-authentication=true/ },
  { name: 'usage-bootstrap-authentication "True" is not "true"', secret: () => kubectlSecret({ 'usage-bootstrap-authentication': 'True' }), reason: /not marked/ },
  { name: 'usage-bootstrap-authentication "1" is not "true"', secret: () => kubectlSecret({ 'usage-bootstrap-authentication': '1' }), reason: /not marked/ },
  { name: 'wrong type', secret: () => kubectlSecret({}, { type: 'Opaque' }), reason: /has invalid type, expected bootstrap.kubernetes.io\/token/ },
  { name: 'being deleted', secret: () => ({ ...kubectlSecret({}), metadata: { ...kubectlSecret({}).metadata, deletionTimestamp: '2026-05-31T00:00:00Z' } }), reason: /deleted and awaiting removal/ },
  { name: 'no data', secret: () => ({ ...kubectlSecret({}), data: undefined }), reason: /invalid type/ },
  { name: 'extra group outside system:bootstrappers:', secret: () => kubectlSecret({ 'auth-extra-groups': 'system:masters' }), reason: /invalid auth-extra-groups: bootstrap group "system:masters" is invalid/ },
  { name: 'extra group with upper case', secret: () => kubectlSecret({ 'auth-extra-groups': 'system:bootstrappers:Foo' }), reason: /invalid auth-extra-groups/ },
  { name: 'extra group with a trailing colon', secret: () => kubectlSecret({ 'auth-extra-groups': 'system:bootstrappers:a:' }), reason: /invalid auth-extra-groups/ },
  { name: 'extra groups with a space after the comma', secret: () => kubectlSecret({ 'auth-extra-groups': 'system:bootstrappers:a, system:bootstrappers:b' }), reason: /invalid auth-extra-groups/ },
  { name: 'not the bootstrap format: upper case', token: 'ABCDEF.0123456789abcdef', secret: () => kubectlSecret({}), reason: null },
  { name: 'not the bootstrap format: short secret', token: 'abcdef.0123', secret: () => kubectlSecret({}), reason: null },
  { name: 'not the bootstrap format: trailing newline', token: `${TOKEN}\n`, secret: () => kubectlSecret({}), reason: null },
  { name: 'not the bootstrap format: static token', token: 'some-static-token', secret: () => kubectlSecret({}), reason: null },
]; // prettier-ignore

for (const c of cases) {
  test(`bootstrap token: ${c.name}`, { skip: !hasCommand('kubectl') && 'kubectl not installed' }, async () => {
    const auth = new BootstrapTokenAuthenticator({ secrets: lookupOf(c.secret!()), clock: fixedClock(c.now ?? NOW) });
    const r = await auth.authenticate({ bearerToken: c.token ?? TOKEN });
    if (c.user) {
      assert.ok(r.authenticated, r.authenticated ? '' : r.reason);
      assert.deepEqual(r.user, c.user);
      assert.equal(r.method, 'bootstrap-token');
    } else if (c.reason === null) {
      assert.deepEqual(r, { authenticated: false });
    } else {
      assert.ok(!r.authenticated);
      assert.match(r.reason ?? '', c.reason!);
      assert.ok(!(r.reason ?? '').includes(SECRET), 'a reason never carries the secret');
    }
  });
}

test('bootstrap token: no token, no opinion; the lookup is asked for kube-system/bootstrap-token-<id> only', async () => {
  const asked: string[] = [];
  const auth = new BootstrapTokenAuthenticator({
    secrets: (ns, name) => {
      asked.push(`${ns}/${name}`);
      return Promise.resolve(undefined);
    },
  });
  assert.deepEqual(await auth.authenticate({}), { authenticated: false });
  await auth.authenticate({ bearerToken: TOKEN });
  assert.deepEqual(asked, ['kube-system/bootstrap-token-abcdef']);
});

test('bootstrap token: RFC 3339 parsing as Go reads it', () => {
  const ok: Array<[string, string]> = [
    ['2026-01-02T03:04:05Z', '2026-01-02T03:04:05.000Z'],
    ['2026-01-02T03:04:05.5Z', '2026-01-02T03:04:05.500Z'],
    ['2026-01-02T03:04:05+01:00', '2026-01-02T02:04:05.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
  ];
  for (const [s, iso] of ok) assert.equal(parseRfc3339(s)?.toISOString(), iso, s);
  for (const s of [
    '2026-01-02',
    '2026-01-02 03:04:05Z',
    '2026-13-01T00:00:00Z',
    '2025-02-29T00:00:00Z',
    '2026-01-02T24:00:00Z',
    '2026-01-02T03:04:60Z',
    '2026-01-02T03:04:05',
    'x',
  ])
    assert.equal(parseRfc3339(s), undefined, s);
});

test('bootstrap token: groups of a hostile Secret', () => {
  const secret = (groups: unknown): KubeObject => ({
    metadata: {},
    data: { 'auth-extra-groups': typeof groups === 'string' ? Buffer.from(groups).toString('base64') : groups },
  });
  assert.deepEqual(bootstrapGroups(secret(42)), ['system:bootstrappers']);
  assert.match(String(bootstrapGroups(secret(','))), /invalid/);
  assert.match(String(bootstrapGroups(secret('system:bootstrappers:' + 'a'.repeat(300)))), /invalid/);
  assert.deepEqual(bootstrapGroups(secret('system:bootstrappers:' + 'a'.repeat(256))), [
    'system:bootstrappers',
    'system:bootstrappers:' + 'a'.repeat(256),
  ]);
});
