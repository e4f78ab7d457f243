/** Malformed, truncated and oversized input to every pki parser: a typed error, never a crash or hang. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { KubetlsError } from '../../src/errors/index.js';
import {
  createIssuer,
  generateKey,
  issueCertificate,
  parseCertificate,
  parseCertificatesPem,
  parseCsr,
  parseCsrPem,
  parsePrivateKeyPem,
  pemDecodeAll,
} from '../../src/pki/index.js';

const isTyped = (code?: string) => (e: unknown) => e instanceof KubetlsError && (code === undefined || e.code === code);

test('garbage, truncations and bit flips of a certificate give MalformedCertificate', async () => {
  const k = await generateKey('ECDSA-P256');
  const der = issueCertificate(
    { subject: { commonName: 'x' }, notBefore: new Date(0), notAfter: new Date(1e12), isCA: true },
    { publicKey: k.publicKey, selfSignKey: k.privateKey },
  );
  assert.throws(() => parseCertificate(Buffer.alloc(0)), isTyped('MalformedCertificate'));
  assert.throws(() => parseCertificate(randomBytes(300)), isTyped('MalformedCertificate'));
  for (let n = 1; n < der.length; n += 7)
    assert.throws(() => parseCertificate(der.subarray(0, n)), isTyped('MalformedCertificate'));
  // indefinite length and an absurd length claim
  assert.throws(() => parseCertificate(Buffer.from([0x30, 0x80, 0, 0])), isTyped('MalformedCertificate'));
  assert.throws(
    () => parseCertificate(Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0])),
    isTyped('MalformedCertificate'),
  );
  // random single-byte corruption: either still parses or fails typed
  for (let i = 0; i < 500; i++) {
    const b = Buffer.from(der);
    b[Math.floor(Math.random() * b.length)] = Math.floor(Math.random() * 256);
    try {
      parseCertificate(b);
    } catch (e) {
      assert.ok(e instanceof KubetlsError, `untyped error: ${String(e)}`);
    }
  }
  const otherKey = await generateKey('ECDSA-P256');
  assert.throws(() => createIssuer(der, otherKey.privateKey), isTyped('KeyMismatch'));
});

test('PEM: wrong labels, bad base64, mismatched END, oversize', () => {
  assert.throws(() => parseCertificatesPem('hello'), isTyped('MalformedPEM'));
  assert.throws(
    () => parseCertificatesPem('-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n'),
    isTyped('MalformedPEM'),
  );
  assert.throws(
    () => pemDecodeAll('-----BEGIN CERTIFICATE-----\nAAAA\n-----END PRIVATE KEY-----\n'),
    isTyped('MalformedPEM'),
  );
  assert.throws(() => pemDecodeAll('x'.repeat(5 * 1024 * 1024)), isTyped('TooLarge'));
  assert.throws(
    () => parseCertificatesPem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'),
    isTyped('MalformedCertificate'),
  );
  assert.throws(
    () => parseCsrPem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'),
    isTyped('MalformedPEM'),
  );
});

test('CSR: garbage and oversize', () => {
  assert.throws(() => parseCsr(randomBytes(100)), isTyped('MalformedCSR'));
  assert.throws(() => parseCsr(Buffer.alloc(70 * 1024, 0x30)), isTyped('MalformedCSR'));
});

test('private keys: garbage, encrypted, and never echoing content in errors', () => {
  const secretish =
    '-----BEGIN RSA PRIVATE KEY-----\nTUlJQ1hBSUJBQUtCZ1FDcWhMZXNlY3JldA==\n-----END RSA PRIVATE KEY-----\n';
  try {
    parsePrivateKeyPem(secretish, 'ca.key');
    assert.fail('should throw');
  } catch (e) {
    assert.ok(isTyped('MalformedKey')(e));
    assert.ok(!(e as Error).message.includes('TUlJQ1'), 'key material must not appear in errors');
    assert.match((e as Error).message, /^ca\.key:/);
  }
  assert.throws(
    () => parsePrivateKeyPem('-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n'),
    isTyped('MalformedKey'),
  );
  assert.throws(() => parsePrivateKeyPem('not a key'), isTyped('MalformedKey'));
});

test('PEM bodies: CRLF, stray spaces and headers decode as the plain form; bad characters in any form fail', async () => {
  const k = await generateKey('ECDSA-P256');
  const der = issueCertificate(
    { subject: { commonName: 'pem forms' }, notBefore: new Date(0), notAfter: new Date(1e12), isCA: true },
    { publicKey: k.publicKey, selfSignKey: k.privateKey },
  );
  const lines = der.toString('base64').match(/.{1,64}/g)!;
  const wrap = (body: string) => `-----BEGIN CERTIFICATE-----\n${body}-----END CERTIFICATE-----\n`;
  const forms = {
    plain: lines.map((l) => `${l}\n`).join(''),
    crlf: lines.map((l) => `${l}\r\n`).join(''),
    spaces: lines.map((l) => ` ${l}\t \n`).join(''),
    blankLines: lines.map((l) => `${l}\n\n`).join(''),
    headers: `Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n${lines.map((l) => `${l}\n`).join('')}`,
  };
  for (const [name, body] of Object.entries(forms)) {
    const [b] = pemDecodeAll(wrap(body));
    assert.ok(b!.der.equals(der), name);
    assert.equal(b!.hasHeaders, name === 'headers', name);
  }
  // a space inside a line, a '=' mid-body, a ':' in the body: refused in every form
  const bad = [
    lines[0].slice(0, 10) + ' ' + lines[0].slice(10),
    lines[0].slice(0, 10) + '=' + lines[0].slice(11),
    `1:${lines[0]}`,
  ];
  for (const b of bad) {
    assert.throws(
      () => pemDecodeAll(wrap(`${b}\n${lines.slice(1).join('\n')}\n`)),
      isTyped('MalformedPEM'),
      JSON.stringify(b),
    );
  }
});
