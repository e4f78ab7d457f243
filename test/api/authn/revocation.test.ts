/**
 * Client-certificate revocation: CRLs from the real `openssl ca -revoke` / `-gencrl` (PEM and
 * DER), a CRL of another CA (refused), stale CRLs under both policies, kubetls-written CRLs
 * of a kubeadm-shaped CA (no cRLSign) and of an intermediate, and the deny list by serial and
 * by fingerprint (of the leaf and of an intermediate).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubetlsError } from '../../../src/errors/index.js';
import { createCrl, fixedClock, parseCertificate, pemEncode } from '../../../src/pki/index.js';
import { digest } from '../../../src/pki/digest.js';
import { loadClientCrls } from '../../../src/api/authn/crlset.js';
import { parseDenyList } from '../../../src/api/authn/denylist.js';
import { openRevocationFiles, RevocationChecker, type StaleCrlPolicy } from '../../../src/api/authn/revocation.js';
import { ClientCertificateAuthenticator } from '../../../src/api/authn/x509.js';
import type { AuthenticationResult } from '../../../src/api/resource.js';
import { tmpDir } from '../../helpers.js';
import { OpensslCa, PkiCa } from './fixtures.js';

const dir = tmpDir('kubetls-revocation-');
const a = OpensslCa.create(join(dir, 'a'), 'client-ca-a');
const b = OpensslCa.create(join(dir, 'b'), 'client-ca-b');
const alice = a.issue('/O=devs/CN=alice');
const bob = a.issue('/O=devs/CN=bob');
a.revoke(bob.path, 'keyCompromise');
const crlPem = a.gencrl('crl', 1); // nextUpdate in 1 hour
const crlDer = a.gencrl('crl-der', 1, 'DER');
b.issue('/CN=someone');
const otherCaCrl = b.gencrl('crl', 24);

const p = await PkiCa.create('kubernetes');
const inter = await p.intermediate('intermediate');
const carol = await p.leaf({ subject: { commonName: 'carol' }, serialNumber: 0xc0ffeen });
const dave = await inter.leaf({ subject: { commonName: 'dave' }, serialNumber: 0xd0n });
const erin = await inter.leaf({ subject: { commonName: 'erin' }, serialNumber: 0xe0n });

const now = new Date();
const later = new Date(now.getTime() + 2 * 3600_000); // past the 1-hour CRL's nextUpdate

function kubetlsCrl(issuer: PkiCa, serials: bigint[]): Buffer {
  return Buffer.from(
    pemEncode(
      'X509 CRL',
      createCrl(
        {
          thisUpdate: new Date(now.getTime() - 60_000),
          nextUpdate: new Date(now.getTime() + 86400_000),
          revoked: serials.map((s) => ({ serialNumber: s, revocationDate: now })),
          crlNumber: 1n,
        },
        issuer.issuer,
      ),
    ),
  );
}

const cas = [a.cert, p.cert];

async function auth(
  chain: Buffer[],
  o: { crl?: Buffer; deny?: string; at?: Date; stale?: StaleCrlPolicy; log?: string[] },
): Promise<AuthenticationResult> {
  const at = o.at ?? now;
  const checker = new RevocationChecker({
    crls: o.crl ? { current: loadClientCrls(o.crl, [...cas, inter.cert], now) } : undefined,
    denyList: o.deny !== undefined ? { current: parseDenyList(o.deny) } : undefined,
    ...(o.stale ? { staleCrl: o.stale } : {}),
    log: (_l, m) => o.log?.push(m),
  });
  const x509 = new ClientCertificateAuthenticator({ clientCAs: cas, revocation: checker, clock: fixedClock(at) });
  return x509.authenticate({ peerCertificates: chain });
}

const fp = (der: Buffer, colons = false): string => {
  const hex = digest('sha256', der).toString('hex');
  return colons ? hex.toUpperCase().match(/../g)!.join(':') : hex;
};

interface Case {
  name: string;
  chain: Buffer[];
  crl?: Buffer;
  deny?: string;
  at?: Date;
  stale?: StaleCrlPolicy;
  ok?: string;
  revoked?: RegExp;
  refused?: RegExp;
}

const cases: Case[] = [
  { name: 'openssl PEM CRL: a revoked certificate', chain: [bob.der], crl: readFileSync(crlPem), revoked: /client certificate "CN=bob,O=devs" \(serial 0x2\) is revoked by the CRL of "CN=client-ca-a" \(revoked .*, keyCompromise\)/ },
  { name: 'openssl PEM CRL: a certificate not on it', chain: [alice.der], crl: readFileSync(crlPem), ok: 'alice' },
  { name: 'openssl DER CRL: a revoked certificate', chain: [bob.der], crl: readFileSync(crlDer), revoked: /revoked by the CRL/ },
  { name: 'a CRL covers only its own CA', chain: [carol], crl: readFileSync(crlPem), ok: 'carol' },
  { name: 'stale CRL, policy refuse (default): others of that CA refused', chain: [alice.der], crl: readFileSync(crlPem), at: later, refused: /is refused: the CRL of "CN=client-ca-a" is stale \(nextUpdate .*\); certificates of this CA are refused until a current CRL is loaded/ },
  { name: 'stale CRL, policy refuse: the revoked one says revoked', chain: [bob.der], crl: readFileSync(crlPem), at: later, revoked: /revoked by the CRL/ },
  { name: 'stale CRL, policy keep: others accepted', chain: [alice.der], crl: readFileSync(crlPem), at: later, stale: 'keep', ok: 'alice' },
  { name: 'stale CRL, policy keep: revoked stays revoked', chain: [bob.der], crl: readFileSync(crlPem), at: later, stale: 'keep', revoked: /revoked by the CRL/ },
  { name: 'stale CRL does not touch another CA', chain: [carol], crl: readFileSync(crlPem), at: later, ok: 'carol' },
  { name: 'kubetls CRL of a CA without cRLSign', chain: [carol], crl: kubetlsCrl(p, [0xc0ffeen]), revoked: /"CN=carol" \(serial 0xc0ffee\) is revoked by the CRL of "CN=kubernetes"/ },
  { name: "an intermediate's CRL revokes its leaf", chain: [dave, inter.cert.der], crl: kubetlsCrl(inter, [0xd0n]), revoked: /"CN=dave" .* revoked by the CRL of "CN=intermediate"/ },
  { name: "the root's CRL revokes the intermediate, so its leaves", chain: [erin, inter.cert.der], crl: kubetlsCrl(p, [inter.cert.serialNumber]), revoked: /CA "CN=intermediate" .* is revoked by the CRL of "CN=kubernetes"/ },
  { name: 'deny list: serial, upper case with colons', chain: [carol], deny: '# stolen\nC0:FF:EE\n', revoked: /serial number is on the deny list/ },
  { name: 'deny list: serial from openssl -serial output', chain: [carol], deny: 'serial=00C0FFEE', revoked: /serial number is on the deny list/ },
  { name: 'deny list: another serial', chain: [carol], deny: 'c0ffef', ok: 'carol' },
  { name: 'deny list: fingerprint, lower case', chain: [carol], deny: fp(carol), revoked: /SHA-256 fingerprint is on the deny list/ },
  { name: 'deny list: fingerprint from openssl -fingerprint output', chain: [alice.der], deny: `sha256 Fingerprint=${fp(alice.der, true)}  # alice`, revoked: /fingerprint is on the deny list/ },
  { name: "deny list: an intermediate's fingerprint refuses its leaves", chain: [dave, inter.cert.der], deny: fp(inter.cert.der), revoked: /"CN=dave" .* is revoked: its CA "CN=intermediate" is on the deny list/ },
  { name: "deny list: an intermediate's serial does not (serials are per CA)", chain: [dave, inter.cert.der], deny: inter.cert.serialNumber.toString(16), ok: 'dave' },
  { name: 'deny list: empty file revokes nothing', chain: [alice.der], deny: '# nothing yet\n', ok: 'alice' },
]; // prettier-ignore

for (const c of cases) {
  test(`revocation: ${c.name}`, async () => {
    const r = await auth(c.chain, {
      ...(c.crl ? { crl: c.crl } : {}),
      ...(c.deny !== undefined ? { deny: c.deny } : {}),
      ...(c.at ? { at: c.at } : {}),
      ...(c.stale ? { stale: c.stale } : {}),
    });
    if (c.ok) {
      assert.ok(r.authenticated, r.authenticated ? '' : r.reason);
      assert.equal(r.user.username, c.ok);
    } else {
      assert.ok(!r.authenticated);
      assert.match(r.reason ?? '', (c.revoked ?? c.refused)!);
      assert.equal(r.revoked, true, 'a revoked or stale-refused certificate is marked revoked');
    }
  });
}

test('revocation: a CRL of another CA is refused when loaded', () => {
  assert.throws(
    () => loadClientCrls(readFileSync(otherCaCrl), cas, now),
    (e: unknown) =>
      e instanceof KubetlsError &&
      e.code === 'UntrustedCRL' &&
      /the CRL issued by "CN=client-ca-b" is not signed by any client CA/.test(e.message),
  );
  // in a bundle of several CRLs, one foreign CRL refuses the file
  const both = Buffer.concat([readFileSync(crlPem), readFileSync(otherCaCrl)]);
  assert.throws(
    () => loadClientCrls(both, cas, now, 'crl.pem'),
    /crl\.pem: CRL #2: the CRL issued by "CN=client-ca-b"/,
  );
});

test('revocation: a forged CRL (right issuer name, another key) is refused', async () => {
  const impostor = await PkiCa.create('kubernetes');
  assert.throws(() => loadClientCrls(kubetlsCrl(impostor, [0xc0ffeen]), cas, now), /not signed by any client CA/);
});

test('revocation: a CRL dated in the future is refused, within 5 minutes of skew accepted', () => {
  const mk = (thisUpdate: Date) =>
    Buffer.from(
      pemEncode(
        'X509 CRL',
        createCrl(
          { thisUpdate, nextUpdate: new Date(thisUpdate.getTime() + 86400_000), revoked: [], crlNumber: 1n },
          p.issuer,
        ),
      ),
    );
  assert.throws(() => loadClientCrls(mk(new Date(now.getTime() + 3600_000)), cas, now), /is in the future/);
  assert.equal(loadClientCrls(mk(new Date(now.getTime() + 60_000)), cas, now).byCa.size, 1);
});

test('revocation: with policy keep, a stale CRL is logged once', async () => {
  const log: string[] = [];
  const checker = new RevocationChecker({
    crls: { current: loadClientCrls(readFileSync(crlPem), cas, now) },
    staleCrl: 'keep',
    crlSource: '/etc/kubetls/crl.pem',
    log: (_l, m) => log.push(m),
  });
  const chain = [parseCertificate(alice.der), a.cert];
  for (let i = 0; i < 3; i++) assert.equal(checker.check(chain, later), undefined);
  assert.equal(log.length, 1);
  assert.match(log[0]!, /the CRL of "CN=client-ca-a" in \/etc\/kubetls\/crl\.pem is stale .*still enforcing it/);
});

test('revocation: openRevocationFiles fails at start-up on a broken or foreign file', async () => {
  const bad = join(dir, 'bad-deny');
  writeFileSync(bad, 'zz-not-hex\n');
  await assert.rejects(
    openRevocationFiles({ clientCAs: cas, denyListFile: bad }),
    (e: unknown) =>
      e instanceof KubetlsError &&
      /client deny list .*bad-deny: line 1: "zz-not-hex" is not hexadecimal/.test(e.message),
  );
  await assert.rejects(
    openRevocationFiles({ clientCAs: cas, crlFile: otherCaCrl }),
    (e: unknown) => e instanceof KubetlsError && e.code === 'UntrustedCRL',
  );
  await assert.rejects(openRevocationFiles({ clientCAs: cas, crlFile: join(dir, 'missing.pem') }), /no such file/);
});
