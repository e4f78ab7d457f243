/** The fast SPKI → KeyObject import used on the CSR verification path equals node's DER import. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { generateKey, KEY_ALGORITHMS, publicKeyFromSpki, spkiDer } from '../../src/pki/index.js';

test('publicKeyFromSpki matches createPublicKey(der) for every key kind, and rejects garbage the same way', async () => {
  for (const alg of KEY_ALGORITHMS.filter((a) => a !== 'RSA-4096' && a !== 'RSA-3072')) {
    const k = await generateKey(alg);
    const der = spkiDer(k.publicKey);
    const fast = publicKeyFromSpki(der);
    const slow = createPublicKey({ key: der, format: 'der', type: 'spki' });
    assert.ok(fast.equals(slow), alg);
    assert.ok(fast.export({ type: 'spki', format: 'der' }).equals(der), alg);
  }
  assert.throws(() => publicKeyFromSpki(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00])));
  assert.throws(() => publicKeyFromSpki(Buffer.alloc(0)));
});
