/** spkiDer builds SPKI from the JWK export: it must equal OpenSSL's own encoding byte for byte. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import {
  generateEncodedKey,
  generateKey,
  KEY_ALGORITHMS,
  keyAlgorithmOf,
  privateKeyToPem,
  publicKeyToPem,
  spkiDer,
} from '../../src/pki/index.js';
import { publicKeyFromSpki } from '../../src/pki/spkikey.js';

test('spkiDer equals export({type: "spki"}) for every key kubetls generates, and round-trips', async () => {
  for (const alg of KEY_ALGORITHMS) {
    for (let i = 0; i < (alg.startsWith('RSA') ? 2 : 25); i++) {
      const k = await generateKey(alg);
      const want = k.publicKey.export({ type: 'spki', format: 'der' });
      assert.deepEqual(spkiDer(k.publicKey), want, alg);
      assert.deepEqual(spkiDer(k.privateKey), want, `${alg} from the private key`);
      assert.equal(publicKeyToPem(k.privateKey), k.publicKey.export({ type: 'spki', format: 'pem' }));
      assert.ok(publicKeyFromSpki(want).equals(k.publicKey));
    }
  }
});

test('other key types (P-521, RSA with another exponent, X25519) still encode correctly', () => {
  const keys = [
    generateKeyPairSync('ec', { namedCurve: 'P-521' }).publicKey,
    generateKeyPairSync('rsa', { modulusLength: 1024, publicExponent: 3 }).publicKey,
    generateKeyPairSync('x25519').publicKey,
  ];
  for (const k of keys) assert.deepEqual(spkiDer(k), k.export({ type: 'spki', format: 'der' }));
});

test('generateEncodedKey: kubeadm PEM type per algorithm, and an SPKI that belongs to that private key', async () => {
  const header = {
    'RSA-2048': 'RSA PRIVATE KEY',
    'RSA-3072': 'RSA PRIVATE KEY',
    'RSA-4096': 'RSA PRIVATE KEY',
    'ECDSA-P256': 'EC PRIVATE KEY',
    'ECDSA-P384': 'EC PRIVATE KEY',
    ED25519: 'PRIVATE KEY',
  } as const;
  for (const alg of KEY_ALGORITHMS) {
    for (let i = 0; i < (alg.startsWith('RSA') ? 1 : 10); i++) {
      const k = await generateEncodedKey(alg);
      assert.equal(k.algorithm, alg);
      assert.match(
        k.privatePem,
        new RegExp(`^-----BEGIN ${header[alg]}-----\\n[A-Za-z0-9+/=\\n]+-----END ${header[alg]}-----\\n$`),
        alg,
      );
      const priv = createPrivateKey(k.privatePem);
      assert.equal(keyAlgorithmOf(priv), alg);
      // the same bytes OpenSSL writes for that key, both ways
      assert.deepEqual(k.spki, createPublicKey(priv).export({ type: 'spki', format: 'der' }), alg);
      assert.equal(privateKeyToPem(priv), k.privatePem, alg);
    }
  }
});
