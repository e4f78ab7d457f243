/**
 * The native ECDSA verifier (native/ecdsa_verify.c) gives exactly node:crypto's answers:
 * for valid, tampered and hostile signatures, keys on and off the curve, compressed
 * points, all three NIST curves, and CSRs made by the real openssl.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSpki, nativeEcdsa, nativeEcdsaStatus, parseCsrPem, verifySignature } from '../../src/pki/index.js';
import { OID } from '../../src/pki/oid.js';
import { bitString, oid, seq } from '../../src/pki/der.js';
import { hasCommand, run, tmpDir } from '../helpers.js';

const CURVES = [
  { name: 'prime256v1', sigOid: OID.ecdsaWithSHA256, hash: 'sha256' },
  { name: 'secp384r1', sigOid: OID.ecdsaWithSHA384, hash: 'sha384' },
  { name: 'secp521r1', sigOid: OID.ecdsaWithSHA512, hash: 'sha512' },
] as const;

/** node:crypto's answer, the reference: a key it cannot import verifies nothing. */
function reference(hash: string, data: Buffer, spki: Buffer, sig: Buffer): boolean {
  try {
    return verify(hash, data, createPublicKey({ key: spki, format: 'der', type: 'spki' }), sig);
  } catch {
    return false;
  }
}

const flip = (b: Buffer, i: number): Buffer => {
  const c = Buffer.from(b);
  c[i % c.length]! ^= 0x01;
  return c;
};

test('the addon is built and used (npm ci builds it; KUBETLS_NO_NATIVE=1 turns it off)', () => {
  const s = nativeEcdsaStatus();
  if (process.env.KUBETLS_NO_NATIVE === '1') {
    assert.equal(s.active, false, 'KUBETLS_NO_NATIVE=1 must turn the addon off');
    return;
  }
  if (process.env.KUBETLS_SKIP_NATIVE === '1') return; // built without it on purpose: either path is fine
  assert.equal(s.active, true, `native verifier not active: ${s.reason}`);
});

test('same answers as node:crypto on valid, tampered and cross-key signatures, all curves', () => {
  for (const c of CURVES) {
    const a = generateKeyPairSync('ec', { namedCurve: c.name });
    const b = generateKeyPairSync('ec', { namedCurve: c.name });
    const spkiA = a.publicKey.export({ type: 'spki', format: 'der' });
    const spkiB = b.publicKey.export({ type: 'spki', format: 'der' });
    for (let i = 0; i < 40; i++) {
      const data = randomBytes(1 + ((i * 37) % 700));
      const sig = sign(c.hash, data, a.privateKey);
      const cases: Array<[string, Buffer, Buffer, Buffer]> = [
        ['valid', data, spkiA, sig],
        ['other key', data, spkiB, sig],
        ['tampered data', flip(data, i), spkiA, sig],
        ['tampered signature', data, spkiA, flip(sig, 8 + i)],
        ['truncated signature', data, spkiA, sig.subarray(0, sig.length - 1)],
        ['signature with trailing byte', data, spkiA, Buffer.concat([sig, Buffer.from([0])])],
      ];
      for (const [what, d, k, s] of cases) {
        assert.equal(verifySignature(c.sigOid, d, s, k), reference(c.hash, d, k, s), `${c.name} ${what}`);
      }
      assert.equal(verifySignature(c.sigOid, data, sig, spkiA), true, `${c.name} valid`);
    }
  }
});

test('keys that are not points on the curve, and hostile sizes, verify nothing', () => {
  const k = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = k.publicKey.export({ type: 'spki', format: 'der' });
  const data = Buffer.from('hello');
  const sig = sign('sha256', data, k.privateKey);
  const point = spki.subarray(spki.length - 65);
  const head = spki.subarray(0, spki.length - 65);
  const offCurve = Buffer.concat([head, flip(point, 64)]);
  assert.equal(reference('sha256', data, offCurve, sig), false);
  assert.equal(verifySignature(OID.ecdsaWithSHA256, data, sig, offCurve), false, 'off-curve point');

  const addon = nativeEcdsa();
  if (!addon) return;
  const digest = createHash('sha256').update(data).digest();
  assert.equal(addon.verify(0, point, digest, sig), 1);
  assert.equal(addon.verify(0, flip(point, 64), digest, sig), -1, 'off the curve');
  assert.equal(addon.verify(0, Buffer.from([0]), digest, sig), -1, 'point at infinity');
  assert.equal(addon.verify(0, Buffer.alloc(0), digest, sig), -1, 'empty point');
  assert.equal(addon.verify(0, Buffer.alloc(4096, 4), digest, sig), -1, 'oversized point');
  assert.equal(addon.verify(1, point, digest, sig), -1, 'a P-256 point read as P-384');
  assert.equal(addon.verify(0, point, Buffer.alloc(0), sig), 0, 'empty digest');
  assert.equal(addon.verify(0, point, Buffer.alloc(65), sig), 0, 'oversized digest');
  assert.equal(addon.verify(0, point, digest, Buffer.alloc(0)), 0, 'empty signature');
  assert.equal(addon.verify(0, point, digest, randomBytes(300)), 0, 'oversized signature');
  assert.equal(addon.verify(0, point, digest, randomBytes(72)), 0, 'garbage signature');
  // the same r,s with a superfluous leading zero in r: not DER, refused as node refuses it
  const r = sig.subarray(4, 4 + sig[3]!);
  const s = sig.subarray(4 + sig[3]! + 2);
  const loose = Buffer.concat([
    Buffer.from([0x30, sig[1]! + 1, 0x02, r.length + 1, 0]),
    r,
    Buffer.from([0x02, s.length]),
    s,
  ]);
  assert.equal(reference('sha256', data, spki, loose), false);
  assert.equal(addon.verify(0, point, digest, loose), 0, 'non-canonical DER');
  for (const bad of [
    [5, point, digest, sig],
    [0, 'x', digest, sig],
    [0, point, digest],
    [-1, point, digest, sig],
  ] as unknown[][]) {
    assert.throws(() => (addon.verify as (...a: unknown[]) => number)(...bad), TypeError);
  }
});

test('compressed points are read like openssl reads them', () => {
  const k = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const jwk = k.publicKey.export({ format: 'jwk' });
  const x = Buffer.from(jwk.x!, 'base64url');
  const y = Buffer.from(jwk.y!, 'base64url');
  const compressed = seq(
    seq(oid(OID.ecPublicKey), oid(OID.p256)),
    bitString(Buffer.concat([Buffer.from([y[31]! & 1 ? 3 : 2]), x])),
  );
  assert.equal(decodeSpki(compressed)?.kind, 'EC');
  const data = randomBytes(100);
  const sig = sign('sha256', data, k.privateKey);
  assert.equal(reference('sha256', data, compressed, sig), true, 'node reads the compressed SPKI');
  assert.equal(verifySignature(OID.ecdsaWithSHA256, data, sig, compressed), true);
  assert.equal(verifySignature(OID.ecdsaWithSHA256, flip(data, 3), sig, compressed), false);
});

test(
  'CSRs made by the real openssl (P-256, P-384, compressed P-256) verify; a tampered one does not',
  { skip: !hasCommand('openssl') },
  (t) => {
    const d = tmpDir('kubetls-ecnative-', t);
    const csrs: Record<string, string> = {};
    for (const [name, curve, compress] of [
      ['p256', 'prime256v1', false],
      ['p384', 'secp384r1', false],
      ['p256c', 'prime256v1', true],
    ] as const) {
      const key = join(d, `${name}.key`);
      assert.equal(run('openssl', ['ecparam', '-name', curve, '-genkey', '-noout', '-out', key]).code, 0);
      if (compress) assert.equal(run('openssl', ['ec', '-in', key, '-conv_form', 'compressed', '-out', key]).code, 0);
      const csr = join(d, `${name}.csr`);
      const r = run('openssl', ['req', '-new', '-key', key, '-subj', `/CN=${name}`, '-out', csr]);
      assert.equal(r.code, 0, r.stderr);
      csrs[name] = readFileSync(csr, 'latin1');
    }
    for (const [name, pem] of Object.entries(csrs)) {
      const p = parseCsrPem(pem);
      assert.equal(p.signatureValid, true, name);
      if (name === 'p256c') assert.equal(p.spkiDer.length, 59, 'openssl wrote a compressed point');
      // flip one bit of the CN inside the signed part
      const der = Buffer.from(p.der);
      const at = der.indexOf(Buffer.from(name));
      der[at]! ^= 0x20;
      const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
      assert.equal(parseCsrPem(tampered).signatureValid, false, `${name} tampered`);
    }
  },
);

test('with KUBETLS_NO_NATIVE=1 the node:crypto path gives the same verdicts', () => {
  const script = `
    import { generateKeyPairSync, sign } from 'node:crypto';
    const { nativeEcdsaStatus, verifySignature } = await import(${JSON.stringify(new URL('../../src/pki/index.js', import.meta.url).href)});
    const k = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const spki = k.publicKey.export({ type: 'spki', format: 'der' });
    const data = Buffer.from('x'); const sig = sign('sha256', data, k.privateKey);
    console.log(JSON.stringify([nativeEcdsaStatus().active, verifySignature('${OID.ecdsaWithSHA256}', data, sig, spki), verifySignature('${OID.ecdsaWithSHA256}', Buffer.from('y'), sig, spki)]));
  `;
  const r = run(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, KUBETLS_NO_NATIVE: '1' },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [false, true, false]);
});
