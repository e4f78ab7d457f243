/** Key usage bit encodings, serial numbers, and cert + CSR for every key algorithm, cross-checked with openssl and @peculiar/x509. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import {
  certToPem,
  createCsr,
  createIssuer,
  cryptoRandom,
  csrToPem,
  generateKey,
  issueCertificate,
  KEY_ALGORITHMS,
  keyUsageExtension,
  parseCertificate,
  parseCsr,
  randomSerial,
  randomSerialBytes,
  readTlv,
  spkiDer,
  subjectKeyIdExtension,
  subjectKeyIdExtensionForSpki,
  subjectKeyIdFromSpki,
  type KeyUsage,
  type RandomSource,
} from '../../src/pki/index.js';
import { openssl, tmpDir } from '../helpers.js';

/** openssl's names for the key usage bits, in bit order */
const OPENSSL_KU: Record<KeyUsage, string> = {
  digitalSignature: 'Digital Signature',
  contentCommitment: 'Non Repudiation',
  keyEncipherment: 'Key Encipherment',
  dataEncipherment: 'Data Encipherment',
  keyAgreement: 'Key Agreement',
  keyCertSign: 'Certificate Sign',
  cRLSign: 'CRL Sign',
  encipherOnly: 'Encipher Only',
  decipherOnly: 'Decipher Only',
};
const PECULIAR_KU: Record<KeyUsage, number> = {
  digitalSignature: x509.KeyUsageFlags.digitalSignature,
  contentCommitment: x509.KeyUsageFlags.nonRepudiation,
  keyEncipherment: x509.KeyUsageFlags.keyEncipherment,
  dataEncipherment: x509.KeyUsageFlags.dataEncipherment,
  keyAgreement: x509.KeyUsageFlags.keyAgreement,
  keyCertSign: x509.KeyUsageFlags.keyCertSign,
  cRLSign: x509.KeyUsageFlags.cRLSign,
  encipherOnly: x509.KeyUsageFlags.encipherOnly,
  decipherOnly: x509.KeyUsageFlags.decipherOnly,
};

test('key usage BIT STRINGs: exact DER, openssl text, @peculiar/x509 flags and our reader', async (t) => {
  // [usages, BIT STRING content: unused-bits octet + bits] — trailing zero bits trimmed (X.690 11.2.2)
  const cases: Array<[KeyUsage[], string]> = [
    [['digitalSignature'], '0780'],
    [['digitalSignature', 'keyEncipherment'], '05a0'],
    [['keyCertSign', 'cRLSign'], '0106'],
    [['digitalSignature', 'keyCertSign', 'cRLSign'], '0186'],
    [['contentCommitment'], '0640'],
    [['keyAgreement', 'encipherOnly'], '0009'],
    [['encipherOnly'], '0001'],
    [['keyAgreement', 'decipherOnly'], '070880'], // bit 8 needs a second octet
    [['decipherOnly'], '070080'],
    [
      [
        'digitalSignature',
        'contentCommitment',
        'keyEncipherment',
        'dataEncipherment',
        'keyAgreement',
        'keyCertSign',
        'cRLSign',
        'encipherOnly',
        'decipherOnly',
      ],
      '07ff80',
    ],
  ];
  const k = await generateKey('ECDSA-P256');
  const dir = tmpDir('kubetls-ku-', t);
  for (const [usages, bits] of cases) {
    const ext = keyUsageExtension(usages);
    // the extension's extnValue is the BIT STRING; find it at the end
    const bs = ext.subarray(ext.length - (2 + bits.length / 2));
    assert.equal(bs.toString('hex'), '03' + (bits.length / 2).toString(16).padStart(2, '0') + bits, usages.join(','));
    // order of the input does not matter
    assert.ok(keyUsageExtension([...usages].reverse()).equals(ext));

    const der = issueCertificate(
      { subject: { commonName: 'ku' }, notBefore: new Date(0), notAfter: new Date(1e12), keyUsage: usages },
      { publicKey: k.publicKey, selfSignKey: k.privateKey },
    );
    const lib = new x509.X509Certificate(der).getExtension(x509.KeyUsagesExtension)!;
    assert.equal(lib.critical, true);
    assert.equal(
      lib.usages,
      usages.reduce((a, u) => a | PECULIAR_KU[u], 0),
      usages.join(','),
    );
    assert.deepEqual(
      parseCertificate(der).keyUsage,
      Object.keys(OPENSSL_KU).filter((u) => usages.includes(u as KeyUsage)),
    );
    writeFileSync(join(dir, 'c.pem'), certToPem(der));
    const text = openssl(['x509', '-in', join(dir, 'c.pem'), '-noout', '-ext', 'keyUsage']).stdout;
    const want = (Object.keys(OPENSSL_KU) as KeyUsage[]).filter((u) => usages.includes(u)).map((u) => OPENSSL_KU[u]);
    assert.match(text, /X509v3 Key Usage: critical/);
    assert.equal(text.trim().split('\n').pop()!.trim(), want.join(', '), usages.join(','));
  }
  assert.throws(() => keyUsageExtension(['bogus' as KeyUsage]), /unknown key usage/);
});

/** A deterministic random source: bytes from SHA-256 of a counter. */
function seeded(seed: string): RandomSource {
  let i = 0;
  return (n) => {
    const out = Buffer.alloc(n);
    for (let o = 0; o < n; o += 32) createHash('sha256').update(`${seed}:${i++}`).digest().copy(out, o);
    return out;
  };
}

test('serials: 63-bit by default, byte and bigint forms agree, zero is redrawn, the pool never repeats', () => {
  const a = seeded('s');
  const b = seeded('s');
  for (let i = 0; i < 100; i++) {
    const bytes = randomSerialBytes(63, a);
    const n = randomSerial(63, b);
    assert.equal(BigInt('0x' + bytes.toString('hex')), n);
    assert.ok(n > 0n && n < 1n << 63n);
    assert.equal(bytes[0]! & 0x80, 0);
  }
  for (const bits of [1, 7, 8, 9, 64, 128, 159]) {
    const n = randomSerial(bits, seeded(`b${bits}`));
    assert.ok(n > 0n && n < 1n << BigInt(bits), `${bits} bits: ${n}`);
  }
  // a source that yields zeros first: the serial must not be 0 (RFC 5280 4.1.2.2 wants positive)
  let calls = 0;
  const zeros: RandomSource = (n) => (calls++ < 3 ? Buffer.alloc(n) : Buffer.alloc(n, 1));
  assert.equal(randomSerial(63, zeros), 0x0101010101010101n);
  assert.equal(calls, 4);
  // the pooled CSPRNG hands out every byte once: 4000 serials from one run are distinct
  const seen = new Set<string>();
  for (let i = 0; i < 4000; i++) seen.add(cryptoRandom(8).toString('hex'));
  assert.equal(seen.size, 4000);
  assert.equal(cryptoRandom(1000).length, 1000);
  // issueCertificate with a seeded source writes that serial
  const der = issueCertificate(
    { subject: { commonName: 'x' }, notBefore: new Date(0), notAfter: new Date(1e12) },
    { publicKey: SELF.publicKey, selfSignKey: SELF.privateKey, random: seeded('c') },
  );
  assert.equal(parseCertificate(der).serialNumber, randomSerial(63, seeded('c')));
});

const SELF = await generateKey('ECDSA-P256');

const OPENSSL_SIG: Record<(typeof KEY_ALGORITHMS)[number], RegExp> = {
  'RSA-2048': /Signature Algorithm: sha256WithRSAEncryption/,
  'RSA-3072': /Signature Algorithm: sha256WithRSAEncryption/,
  'RSA-4096': /Signature Algorithm: sha256WithRSAEncryption/,
  'ECDSA-P256': /Signature Algorithm: ecdsa-with-SHA256/,
  'ECDSA-P384': /Signature Algorithm: ecdsa-with-SHA384/,
  ED25519: /Signature Algorithm: ED25519/,
};
const OPENSSL_KEY: Record<(typeof KEY_ALGORITHMS)[number], RegExp> = {
  'RSA-2048': /Public-Key: \(2048 bit\)/,
  'RSA-3072': /Public-Key: \(3072 bit\)/,
  'RSA-4096': /Public-Key: \(4096 bit\)/,
  'ECDSA-P256': /NIST CURVE: P-256/,
  'ECDSA-P384': /NIST CURVE: P-384/,
  ED25519: /Public Key Algorithm: ED25519/,
};

for (const alg of KEY_ALGORITHMS) {
  test(`${alg}: CSR → certificate signed by a ${alg} CA, through openssl and @peculiar/x509`, async (t) => {
    x509.cryptoProvider.set(globalThis.crypto);
    const [caKey, leafKey] = await Promise.all([generateKey(alg), generateKey(alg)]);
    const caDer = issueCertificate(
      {
        subject: { commonName: `${alg} CA` },
        notBefore: new Date('2026-01-01T00:00:00Z'),
        notAfter: new Date('2036-01-01T00:00:00Z'),
        isCA: true,
        maxPathLen: 0,
        keyUsage: ['keyCertSign', 'cRLSign'],
      },
      { publicKey: caKey.publicKey, selfSignKey: caKey.privateKey },
    );
    const csrDer = createCsr(
      { subject: { commonName: 'leaf', organization: ['o'] }, dnsNames: ['leaf.example'], ipAddresses: ['192.0.2.1'] },
      leafKey.privateKey,
    );
    const csr = parseCsr(csrDer);
    assert.equal(csr.signatureValid, true);
    // the signer's flow: the leaf's SPKI straight from the CSR
    const der = issueCertificate(
      {
        subject: csr.subject,
        dnsNames: csr.dnsNames,
        ipAddresses: csr.ipAddresses,
        notBefore: new Date('2026-01-01T00:00:00Z'),
        notAfter: new Date('2027-01-01T00:00:00Z'),
        keyUsage: ['digitalSignature'],
        extKeyUsage: ['serverAuth'],
      },
      { publicKey: csr.spkiDer, issuer: createIssuer(caDer, caKey.privateKey) },
    );

    const libCsr = new x509.Pkcs10CertificateRequest(csrDer);
    assert.ok(await libCsr.verify());
    assert.equal(libCsr.subject, 'O=o, CN=leaf');
    const libCa = new x509.X509Certificate(caDer);
    const lib = new x509.X509Certificate(der);
    if (alg !== 'ED25519')
      assert.ok(
        await lib.verify({ publicKey: libCa.publicKey, signatureOnly: true }),
        'signature verifies in webcrypto',
      ); // webcrypto in Node 20 lacks Ed25519 in @peculiar/x509's algorithm table
    assert.equal(lib.subject, 'O=o, CN=leaf');
    assert.equal(lib.issuer, `CN=${alg} CA`);
    assert.deepEqual(new Uint8Array(lib.publicKey.rawData), new Uint8Array(csr.spkiDer));
    const bc = libCa.getExtension(x509.BasicConstraintsExtension)!;
    assert.deepEqual([bc.ca, bc.pathLength, bc.critical], [true, 0, true]);

    const dir = tmpDir('kubetls-alg-', t);
    writeFileSync(join(dir, 'ca.pem'), certToPem(caDer));
    writeFileSync(join(dir, 'leaf.pem'), certToPem(der));
    writeFileSync(join(dir, 'r.csr'), csrToPem(csrDer));
    const text = openssl(['x509', '-in', join(dir, 'leaf.pem'), '-noout', '-text']).stdout;
    assert.match(text, OPENSSL_SIG[alg]);
    assert.match(text, OPENSSL_KEY[alg]);
    assert.match(text, /DNS:leaf\.example, IP Address:192\.0\.2\.1/);
    assert.match(text, /X509v3 Extended Key Usage: \n\s*TLS Web Server Authentication/);
    assert.match(openssl(['x509', '-in', join(dir, 'ca.pem'), '-noout', '-text']).stdout, /CA:TRUE, pathlen:0/);
    const req = openssl(['req', '-in', join(dir, 'r.csr'), '-noout', '-text', '-verify']);
    assert.match(req.stdout + req.stderr, /verify OK|Certificate request self-signature verify OK/);
    assert.match(req.stdout, OPENSSL_KEY[alg]);
    assert.match(
      openssl([
        'verify',
        '-attime',
        String(Date.parse('2026-06-01') / 1000),
        '-CAfile',
        join(dir, 'ca.pem'),
        join(dir, 'leaf.pem'),
      ]).stdout,
      /OK/,
    );
    // the CSR's SPKI went in unchanged, and our reader says the same as the library
    assert.ok(parseCertificate(der).spkiDer.equals(csr.spkiDer));
    assert.equal(readTlv(der, 0).end, der.length);
  });
}

test('SKI cache: keyed by SPKI content, so a reused buffer gets its new key id; evicts beyond 8 keys', async () => {
  const keys = await Promise.all(Array.from({ length: 12 }, () => generateKey('ECDSA-P256')));
  const spkis = keys.map((k) => spkiDer(k.publicKey));
  const fresh = (s: Buffer) => subjectKeyIdExtension(subjectKeyIdFromSpki(s));
  const buf = Buffer.from(spkis[0]!);
  const first = subjectKeyIdExtensionForSpki(buf);
  assert.ok(first.equals(fresh(spkis[0]!)));
  buf.set(spkis[1]!); // same length (P-256), different key: must not hit the cached entry
  assert.ok(subjectKeyIdExtensionForSpki(buf).equals(fresh(spkis[1]!)));
  assert.ok(!subjectKeyIdExtensionForSpki(buf).equals(first));
  for (let round = 0; round < 3; round++)
    for (const s of spkis) assert.ok(subjectKeyIdExtensionForSpki(s).equals(fresh(s)));
  // and in a certificate: the SKI is SHA-1 of the key bits, as openssl computes it
  const der = issueCertificate(
    { subject: { commonName: 'k' }, notBefore: new Date(0), notAfter: new Date(1e12) },
    { publicKey: spkis[5]!, selfSignKey: keys[5]!.privateKey },
  );
  assert.ok(parseCertificate(der).subjectKeyId!.equals(subjectKeyIdFromSpki(spkis[5]!)));
  assert.equal(
    new x509.X509Certificate(der).getExtension(x509.SubjectKeyIdentifierExtension)!.keyId,
    subjectKeyIdFromSpki(spkis[5]!).toString('hex'),
  );
});

test('one-shot digests equal createHash for every algorithm the signer uses', async () => {
  const { digest } = await import('../../src/pki/digest.js');
  const { createHash, randomBytes } = await import('node:crypto');
  for (const alg of ['sha1', 'sha256', 'sha384', 'sha512']) {
    for (const len of [0, 1, 55, 56, 64, 1000]) {
      const data = randomBytes(len);
      assert.ok(digest(alg, data).equals(createHash(alg).update(data).digest()), `${alg} ${len}`);
    }
  }
});
