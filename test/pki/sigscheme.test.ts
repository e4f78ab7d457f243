/**
 * Who picks the signature algorithm: kubeadm paths keep Go's crypto/x509 default (SHA-256 for
 * every RSA size), the cfssl commands use cfssl's DefaultSigAlgo (hash grows with the key),
 * gencrl Go's CreateCRL default. P-521 and other RSA sizes exist only outside kubeadm.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import {
  anyKeyAlgorithmOf,
  createCsr,
  createIssuer,
  generateEncodedKey,
  issueCertificate,
  keyAlgorithmOf,
  OID,
  parseCertificate,
  parseCsr,
  parsePrivateKeyPem,
  rsaBits,
  signatureAlgorithmFor,
} from '../../src/pki/index.js';

const rsa = (bits: number) => generateKeyPairSync('rsa', { modulusLength: bits }).privateKey;
const ec = (namedCurve: string) => generateKeyPairSync('ec', { namedCurve }).privateKey;

test('signature algorithm by scheme: kubeadm keeps SHA-256 for RSA, cfssl follows the key size, go is Go x509', () => {
  const keys = {
    'RSA-2048': rsa(2048),
    'RSA-3072': rsa(3072),
    'RSA-4096': rsa(4096),
    'ECDSA-P256': ec('P-256'),
    'ECDSA-P384': ec('P-384'),
  };
  const want: Record<string, [string, string, string]> = {
    'RSA-2048': [OID.sha256WithRSA, OID.sha256WithRSA, OID.sha256WithRSA],
    'RSA-3072': [OID.sha256WithRSA, OID.sha384WithRSA, OID.sha256WithRSA],
    'RSA-4096': [OID.sha256WithRSA, OID.sha512WithRSA, OID.sha256WithRSA],
    'ECDSA-P256': [OID.ecdsaWithSHA256, OID.ecdsaWithSHA256, OID.ecdsaWithSHA256],
    'ECDSA-P384': [OID.ecdsaWithSHA384, OID.ecdsaWithSHA384, OID.ecdsaWithSHA384],
  };
  for (const [name, key] of Object.entries(keys)) {
    const got = (['kubeadm', 'cfssl', 'go'] as const).map((s) => signatureAlgorithmFor(key, s).oid);
    assert.deepEqual(got, want[name], name);
    assert.equal(signatureAlgorithmFor(key).oid, want[name]![0], `${name}: kubeadm is the default`);
  }
  const p521 = ec('P-521');
  assert.equal(signatureAlgorithmFor(p521, 'cfssl').oid, OID.ecdsaWithSHA512);
  assert.equal(signatureAlgorithmFor(p521, 'go').oid, OID.ecdsaWithSHA512);
  // kubeadm has no P-521: its paths still refuse such a key
  assert.throws(() => signatureAlgorithmFor(p521), /secp521r1 is not supported/);
  assert.throws(() => keyAlgorithmOf(p521), /secp521r1 is not supported/);
  assert.equal(anyKeyAlgorithmOf(p521), 'ECDSA-P521');
  assert.equal(anyKeyAlgorithmOf(rsa(2560)), 'RSA-2560');
  assert.throws(() => keyAlgorithmOf(rsa(2560)), /2560 bits is not supported/);
});

test('a cfssl-scheme issuer and CSR are written with the hash they name, and verify', () => {
  const caKey = rsa(3072);
  const caDer = issueCertificate(
    {
      subject: { commonName: 'ca' },
      notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter: new Date('2030-01-01T00:00:00Z'),
      isCA: true,
      keyUsage: ['keyCertSign'],
    },
    { publicKey: caKey, selfSignKey: caKey, signatureScheme: 'cfssl' },
  );
  const ca = parseCertificate(caDer);
  assert.equal(ca.signatureAlgorithm, OID.sha384WithRSA);
  const leafKey = ec('P-521');
  const csr = parseCsr(createCsr({ subject: { commonName: 'leaf' } }, leafKey, 'cfssl'));
  assert.equal(csr.signatureAlgorithm, OID.ecdsaWithSHA512);
  assert.equal(csr.signatureValid, true);
  const leaf = parseCertificate(
    issueCertificate(
      { subject: csr.subject, notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z') },
      { publicKey: csr.spkiDer, issuer: createIssuer(caDer, caKey, 'cfssl') },
    ),
  );
  assert.equal(leaf.signatureAlgorithm, OID.sha384WithRSA);
  // the default issuer (kubeadm) still signs with SHA-256
  const kubeadmLeaf = parseCertificate(
    issueCertificate(
      { subject: csr.subject, notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z') },
      { publicKey: csr.spkiDer, issuer: createIssuer(caDer, caKey) },
    ),
  );
  assert.equal(kubeadmLeaf.signatureAlgorithm, OID.sha256WithRSA);
});

test('generateEncodedKey makes P-521 and even RSA sizes from 2048 to 8192 exactly; odd and out-of-range sizes are refused', async () => {
  const p521 = await generateEncodedKey('ECDSA-P521');
  assert.match(p521.privatePem, /BEGIN EC PRIVATE KEY/);
  assert.equal(parsePrivateKeyPem(p521.privatePem).asymmetricKeyDetails?.namedCurve, 'secp521r1');
  const r = await generateEncodedKey('RSA-2050');
  assert.match(r.privatePem, /BEGIN RSA PRIVATE KEY/);
  assert.equal(parsePrivateKeyPem(r.privatePem).asymmetricKeyDetails?.modulusLength, 2050);
  assert.equal(rsaBits('RSA-8192'), 8192);
  for (const bad of ['RSA-2049', 'RSA-2047', 'RSA-8194', 'RSA-x'])
    assert.throws(() => rsaBits(bad), /RSA keys must have an even size from 2048 to 8192 bits/, bad);
});
