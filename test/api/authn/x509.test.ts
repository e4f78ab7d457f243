/**
 * Client-certificate authentication, table-driven, with certificates from the real
 * `openssl ca` and from kubetls's pki: CN/O mapping, another CA, expired and not-yet-valid
 * certificates and CAs, usages, intermediates and their constraints, garbage.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { extension, fixedClock, parseCertificate } from '../../../src/pki/index.js';
import { ClientCertificateAuthenticator } from '../../../src/api/authn/x509.js';
import type { AuthenticationResult } from '../../../src/api/resource.js';
import { tmpDir } from '../../helpers.js';
import { OpensslCa, PkiCa } from './fixtures.js';

const dir = tmpDir('kubetls-x509-');
const a = OpensslCa.create(join(dir, 'a'), 'client-ca-a');
const b = OpensslCa.create(join(dir, 'b'), 'client-ca-b', '7F01');
const alice = a.issue('/O=system:masters/O=devs/CN=alice');
const expired = a.issue('/CN=old', { startdate: '20200101000000Z', enddate: '20200102000000Z' });
const notYet = a.issue('/CN=future', { startdate: '20990101000000Z', enddate: '20990102000000Z' });
const serverOnly = a.issue('/CN=web', { ext: 'server_ext' });
const mallory = b.issue('/O=system:masters/CN=mallory');

const p = await PkiCa.create('kubernetes');
const inter = await p.intermediate('kubetls-intermediate', { maxPathLen: 0 });
const inter2 = await inter.intermediate('too-deep');
const noSign = await p.intermediate('no-keycertsign', { keyUsage: ['digitalSignature'] });
const viaInter = await inter.leaf({ subject: { commonName: 'carol', organization: ['ops', 'system:nodes'] } });
const tooDeep = await inter2.leaf({ subject: { commonName: 'dave' } });
const viaNoSign = await noSign.leaf({ subject: { commonName: 'erin' } });
const noCn = await p.leaf({ subject: { organization: ['devs'] } });
const anyEku = await p.leaf({ subject: { commonName: 'frank' }, extKeyUsage: ['any'] });
const noEku = await p.leaf({ subject: { commonName: 'grace' }, extKeyUsage: [] });
const critical = await p.leaf({
  subject: { commonName: 'heidi' },
  extraExtensions: [extension('1.2.3.4', true, Buffer.from([0x05, 0x00]))],
});
const expiredCa = await PkiCa.create('expired-ca', {
  notBefore: new Date('2020-01-01T00:00:00Z'),
  notAfter: new Date('2021-01-01T00:00:00Z'),
});
const underExpiredCa = await expiredCa.leaf({
  subject: { commonName: 'ivan' },
  notBefore: new Date('2020-01-01T00:00:00Z'),
  notAfter: new Date('2030-01-01T00:00:00Z'),
});

const cas = [a.cert, p.cert, expiredCa.cert];

interface Case {
  name: string;
  chain: Buffer[];
  now?: Date;
  user?: { username: string; groups: string[] };
  reason?: RegExp;
}

const cases: Case[] = [
  { name: 'openssl cert: CN is the user, O values are the groups in order', chain: [alice.der], user: { username: 'alice', groups: ['system:masters', 'devs'] } },
  { name: 'cert from another CA', chain: [mallory.der], reason: /signed by unknown authority "CN=client-ca-b"/ },
  { name: 'expired cert (openssl -enddate in the past)', chain: [expired.der], reason: /client certificate "CN=old" \(serial 0x2\) expired at 2020-01-02T00:00:00.000Z/ },
  { name: 'not yet valid cert', chain: [notYet.der], reason: /not valid before 2099-01-01/ },
  { name: 'serverAuth-only cert', chain: [serverOnly.der], reason: /not valid for client authentication/ },
  { name: 'via a presented intermediate', chain: [viaInter, inter.cert.der], user: { username: 'carol', groups: ['ops', 'system:nodes'] } },
  { name: 'intermediate not presented', chain: [viaInter], reason: /unknown authority "CN=kubetls-intermediate"/ },
  { name: 'intermediate pathLen 0 with a CA below it', chain: [tooDeep, inter2.cert.der, inter.cert.der], reason: /allows 0 intermediate CAs below it, the chain has 1/ },
  { name: 'intermediate without keyCertSign', chain: [viaNoSign, noSign.cert.der], reason: /may not sign certificates/ },
  { name: 'no CN', chain: [noCn], reason: /has no common name/ },
  { name: 'EKU any', chain: [anyEku], user: { username: 'frank', groups: [] } },
  { name: 'no EKU at all', chain: [noEku], user: { username: 'grace', groups: [] } },
  { name: 'unknown critical extension', chain: [critical], reason: /unsupported critical extension 1\.2\.3\.4/ },
  { name: 'CA of the bundle expired', chain: [underExpiredCa], now: new Date('2025-06-01T00:00:00Z'), reason: /CA "CN=expired-ca" expired/ },
  { name: 'the same chain while the CA was valid', chain: [underExpiredCa], now: new Date('2020-06-01T00:00:00Z'), user: { username: 'ivan', groups: [] } },
  { name: 'garbage', chain: [randomBytes(200)], reason: /cannot be parsed/ },
  { name: 'truncated', chain: [alice.der.subarray(0, 100)], reason: /cannot be parsed/ },
  { name: 'too many presented certificates', chain: Array<Buffer>(17).fill(alice.der), reason: /presented 17 certificates/ },
  { name: 'a CA of the bundle presented as the client certificate', chain: [p.cert.der], user: { username: 'kubernetes', groups: [] } },
]; // prettier-ignore

for (const c of cases) {
  test(`x509: ${c.name}`, async () => {
    const auth = new ClientCertificateAuthenticator({ clientCAs: cas, clock: fixedClock(c.now ?? new Date()) });
    const r: AuthenticationResult = await auth.authenticate({ peerCertificates: c.chain });
    if (c.user) {
      assert.equal(r.authenticated, true, r.authenticated ? '' : r.reason);
      assert.ok(r.authenticated);
      assert.deepEqual(r.user, c.user);
      assert.equal(r.method, 'x509');
    } else {
      assert.equal(r.authenticated, false);
      assert.ok(!r.authenticated);
      assert.match(r.reason ?? '', c.reason!);
      assert.equal(r.method, 'x509');
      assert.ok(!r.revoked);
    }
  });
}

test('x509: no certificate means no opinion (no reason), so other authenticators and anonymous apply', async () => {
  const auth = new ClientCertificateAuthenticator({ clientCAs: cas });
  assert.deepEqual(await auth.authenticate({}), { authenticated: false });
  assert.deepEqual(await auth.authenticate({ peerCertificates: [] }), { authenticated: false });
});

test('x509: a cached path still has its validity checked on every request', async () => {
  let now = new Date();
  const auth = new ClientCertificateAuthenticator({ clientCAs: cas, clock: { now: () => now } });
  assert.equal((await auth.authenticate({ peerCertificates: [alice.der] })).authenticated, true);
  now = new Date(parseCertificate(alice.der).notAfter.getTime() + 1000);
  const r = await auth.authenticate({ peerCertificates: [alice.der] });
  assert.ok(!r.authenticated && /expired/.test(r.reason ?? ''));
});

test('x509: a CA rotation bundle (two CAs of the same name) accepts certificates of both', async () => {
  const old = await PkiCa.create('kubernetes');
  const leafOld = await old.leaf({ subject: { commonName: 'old-admin' } });
  const leafNew = await p.leaf({ subject: { commonName: 'new-admin' } });
  const auth = new ClientCertificateAuthenticator({ clientCAs: [p.cert, old.cert] });
  for (const [der, user] of [
    [leafOld, 'old-admin'],
    [leafNew, 'new-admin'],
  ] as const) {
    const r = await auth.authenticate({ peerCertificates: [der] });
    assert.ok(r.authenticated && r.user.username === user);
  }
  // swapping the bundle drops cached paths
  auth.setClientCAs([p.cert]);
  const r = await auth.authenticate({ peerCertificates: [leafOld] });
  assert.ok(!r.authenticated && /unknown authority/.test(r.reason ?? ''));
});

test('x509: the path cache is bounded', async () => {
  const auth = new ClientCertificateAuthenticator({ clientCAs: [p.cert], cacheSize: 2 });
  const leaves = await Promise.all([1, 2, 3].map((i) => p.leaf({ subject: { commonName: `u${i}` } })));
  for (const l of [...leaves, ...leaves]) {
    const r = await auth.authenticate({ peerCertificates: [l] });
    assert.ok(r.authenticated);
  }
  assert.equal((auth as unknown as { cache: Map<string, unknown> }).cache.size, 2);
});

test('x509: a client that leaves out its intermediate is refused even after another presented it', async () => {
  const auth = new ClientCertificateAuthenticator({ clientCAs: cas });
  assert.ok((await auth.authenticate({ peerCertificates: [viaInter, inter.cert.der] })).authenticated);
  const r = await auth.authenticate({ peerCertificates: [viaInter] });
  assert.ok(!r.authenticated && /unknown authority/.test(r.reason ?? ''));
});
