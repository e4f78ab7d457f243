/**
 * The CRL reader cross-checked against the real `openssl ca -gencrl` / `openssl crl` and
 * against kubetls's CRL writer; CRLs it must refuse (delta, partitioned, indirect, unknown
 * critical extensions); malformed, truncated and oversized input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes, sign } from 'node:crypto';
import { KubetlsError } from '../../src/errors/index.js';
import {
  bitString,
  createCrl,
  explicit,
  extension,
  integer,
  parseCrl,
  parseCrls,
  pemEncode,
  seq,
  time,
  verifySignature,
} from '../../src/pki/index.js';
import { openssl, tmpDir } from '../helpers.js';
import { OpensslCa, PkiCa } from '../api/authn/fixtures.js';

const isTyped = (code: string) => (e: unknown) => e instanceof KubetlsError && e.code === code;

const dir = tmpDir('kubetls-crlparse-');
const ca = OpensslCa.create(join(dir, 'ca'), 'crl-test-ca');
const c1 = ca.issue('/CN=one');
const c2 = ca.issue('/CN=two');
ca.issue('/CN=three');
ca.revoke(c1.path, 'keyCompromise');
ca.revoke(c2.path, 'superseded');
const crlPem = ca.gencrl('crl', 48);

test('an openssl CRL reads as openssl crl -text prints it', () => {
  const [crl] = parseCrls(readFileSync(crlPem));
  assert.ok(crl);
  const text = openssl(['crl', '-in', crlPem, '-noout', '-text']).stdout;
  const date = (label: string) =>
    new Date(/.*Update: (.*)/.exec(text.split('\n').find((l) => l.includes(label))!)![1]!);
  assert.equal(crl.version, 2);
  assert.equal(crl.issuerString, 'CN=crl-test-ca');
  assert.equal(crl.thisUpdate.getTime(), date('Last Update').getTime());
  assert.equal(crl.nextUpdate!.getTime(), date('Next Update').getTime());
  assert.equal(crl.nextUpdate!.getTime() - crl.thisUpdate.getTime(), 48 * 3600_000);
  assert.deepEqual(
    crl.revoked.map((r) => [r.serialNumber, r.reason]),
    [
      [1n, 'keyCompromise'],
      [2n, 'superseded'],
    ],
  );
  assert.equal(crl.crlNumber, 1n);
  assert.ok(crl.authorityKeyId?.equals(ca.cert.subjectKeyId!));
  assert.ok(verifySignature(crl.signatureAlgorithm, crl.tbsDer, crl.signature, ca.cert.spkiDer));
  // DER form of the same CRL
  const der = ca.gencrl('crl2', 48, 'DER');
  const [crlDer] = parseCrls(readFileSync(der));
  assert.deepEqual(
    crlDer!.revoked.map((r) => r.serialNumber),
    [1n, 2n],
  );
});

test('a v1 CRL (no extensions), empty or not, reads', () => {
  // without crl_extensions, a crlnumber file and reason codes openssl writes a v1 CRL
  const v1ca = OpensslCa.create(join(dir, 'v1'), 'v1-ca');
  const cert = v1ca.issue('/CN=x');
  const cnf = join(v1ca.dir, 'ca.cnf');
  writeFileSync(cnf, readFileSync(cnf, 'utf8').replace(/^(crl_extensions|crlnumber) = .*$/gm, ''));
  const empty = parseCrls(readFileSync(v1ca.gencrl('empty', 1)))[0]!;
  assert.equal(empty.version, 1);
  assert.equal(empty.revoked.length, 0);
  v1ca.revoke(cert.path, '');
  const [v1] = parseCrls(readFileSync(v1ca.gencrl('v1', 1)));
  assert.equal(v1!.version, 1);
  assert.equal(v1!.crlNumber, undefined);
  assert.deepEqual(
    v1!.revoked.map((r) => [r.serialNumber, r.reason]),
    [[1n, undefined]],
  );
});

test("kubetls's CRL writer round-trips through the reader and openssl", async () => {
  const p = await PkiCa.create('kubernetes');
  const thisUpdate = new Date('2026-03-01T00:00:00Z');
  const der = createCrl(
    {
      thisUpdate,
      nextUpdate: new Date('2026-03-08T00:00:00Z'),
      revoked: [
        { serialNumber: 0x1234n, revocationDate: new Date('2026-02-01T00:00:00Z') },
        { serialNumber: 2n ** 150n + 7n, revocationDate: new Date('2026-02-02T00:00:00Z') },
      ],
      crlNumber: 42n,
    },
    p.issuer,
  );
  const crl = parseCrl(der);
  assert.equal(crl.crlNumber, 42n);
  assert.equal(crl.thisUpdate.toISOString(), thisUpdate.toISOString());
  assert.deepEqual(
    crl.revoked.map((r) => r.serialNumber),
    [0x1234n, 2n ** 150n + 7n],
  );
  assert.ok(verifySignature(crl.signatureAlgorithm, crl.tbsDer, crl.signature, p.cert.spkiDer));
  const f = join(dir, 'kubetls.crl');
  writeFileSync(f, pemEncode('X509 CRL', der));
  const out = openssl(['crl', '-in', f, '-noout', '-text']).stdout;
  assert.match(out, /Serial Number: 1234/);
  assert.match(out, /X509v3 CRL Number: \s*42/);
});

/** A CRL signed by `p` with extra CRL extensions or entry extensions. */
function craft(p: PkiCa, o: { crlExts?: Buffer[]; entryExts?: Buffer[] }): Buffer {
  const alg = p.issuer.signatureAlgorithm.algorithmIdentifier;
  const entry = seq(integer(5n), time(new Date('2026-01-01T00:00:00Z')), ...(o.entryExts ? [seq(...o.entryExts)] : []));
  const tbs = seq(
    integer(1),
    alg,
    p.issuer.subjectDer,
    time(new Date('2026-01-01T00:00:00Z')),
    time(new Date('2026-02-01T00:00:00Z')),
    seq(entry),
    explicit(0, seq(extension('2.5.29.20', false, integer(1)), ...(o.crlExts ?? []))),
  );
  return seq(tbs, alg, bitString(sign(p.issuer.signatureAlgorithm.hash, tbs, p.issuer.privateKey)));
}

test('CRLs that are not a complete list of their issuer are refused', async () => {
  const p = await PkiCa.create('kubernetes');
  const empty = Buffer.from([0x30, 0x00]);
  const cases: Array<[string, Buffer, RegExp]> = [
    ['delta CRL', craft(p, { crlExts: [extension('2.5.29.27', true, integer(1))] }), /delta CRLs/],
    ['partitioned CRL', craft(p, { crlExts: [extension('2.5.29.28', true, empty)] }), /partitioned/],
    ['unknown critical CRL extension', craft(p, { crlExts: [extension('1.2.3.4', true, empty)] }), /critical CRL extension 1\.2\.3\.4/],
    ['indirect CRL entry', craft(p, { entryExts: [extension('2.5.29.29', true, empty)] }), /indirect CRLs/],
    ['unknown critical entry extension', craft(p, { entryExts: [extension('1.2.3.5', true, empty)] }), /entry extension 1\.2\.3\.5/],
  ]; // prettier-ignore
  for (const [name, der, re] of cases) {
    assert.throws(
      () => parseCrl(der),
      (e: unknown) => isTyped('MalformedCRL')(e) && re.test((e as Error).message),
      name,
    );
  }
  // a non-critical unknown extension is fine
  assert.equal(parseCrl(craft(p, { crlExts: [extension('1.2.3.4', false, empty)] })).revoked.length, 1);
});

test('garbage, truncations, bit flips and oversize give typed errors', () => {
  const der = readFileSync(ca.gencrl('hostile', 1, 'DER'));
  assert.throws(() => parseCrl(Buffer.alloc(0)), isTyped('MalformedCRL'));
  assert.throws(() => parseCrl(randomBytes(300)), isTyped('MalformedCRL'));
  for (let n = 1; n < der.length; n += 5) assert.throws(() => parseCrl(der.subarray(0, n)), isTyped('MalformedCRL'));
  assert.throws(() => parseCrl(Buffer.concat([der, Buffer.from([0])])), isTyped('MalformedCRL'));
  for (let i = 0; i < 500; i++) {
    const b = Buffer.from(der);
    b[Math.floor(Math.random() * b.length)] = Math.floor(Math.random() * 256);
    try {
      parseCrl(b);
    } catch (e) {
      assert.ok(e instanceof KubetlsError, `untyped error: ${String(e)}`);
    }
  }
  assert.throws(() => parseCrls(Buffer.from('not a crl at all')), isTyped('MalformedCRL'));
  assert.throws(
    () => parseCrls(Buffer.from(pemEncode('CERTIFICATE', Buffer.from([0x30, 0])))),
    (e: unknown) => isTyped('MalformedCRL')(e) && /no CRL found/.test((e as Error).message),
  );
  assert.throws(() => parseCrls(Buffer.alloc(100, 0x30), 'x', 50), isTyped('TooLarge'));
  // a second CRL in a PEM file that is broken names its position
  const pem = readFileSync(crlPem, 'utf8') + pemEncode('X509 CRL', der.subarray(0, 40));
  assert.throws(
    () => parseCrls(Buffer.from(pem), 'f.pem'),
    (e: unknown) => isTyped('MalformedCRL')(e) && /^f\.pem: CRL #2: /.test((e as Error).message),
  );
});
