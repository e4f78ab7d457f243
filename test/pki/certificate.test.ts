/** The lean DER writer/reader cross-checked against @peculiar/x509 and openssl, field by field. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import {
  certToPem,
  createCsr,
  createIssuer,
  csrToPem,
  generateKey,
  isSignedBy,
  issueCertificate,
  KEY_ALGORITHMS,
  parseCertificate,
  parseCsr,
  privateKeyToPem,
  type CertificateTemplate,
} from '../../src/pki/index.js';
import { encodeName, readName } from '../../src/pki/name.js';
import { children, readTlv } from '../../src/pki/der.js';
import { openssl, tmpDir } from '../helpers.js';

const start = new Date('2026-01-02T03:04:05Z');
const hours = (h: number) => h * 3600_000;

async function makeCa(alg: (typeof KEY_ALGORITHMS)[number]) {
  const k = await generateKey(alg);
  const der = issueCertificate(
    {
      subject: { commonName: 'kubernetes' },
      serialNumber: 1n,
      notBefore: new Date(+start - 300_000),
      notAfter: new Date(+start + hours(87600)),
      isCA: true,
      keyUsage: ['digitalSignature', 'keyEncipherment', 'keyCertSign'],
      dnsNames: ['kubernetes'],
    },
    { publicKey: k.publicKey, selfSignKey: k.privateKey },
  );
  return { key: k, der, issuer: createIssuer(der, k.privateKey) };
}

const leafTemplate: CertificateTemplate = {
  subject: { commonName: 'kube-apiserver-kubelet-client', organization: ['kubeadm:cluster-admins', 'second:group'] },
  serialNumber: 0x7fffffffffffffffn,
  notBefore: new Date(+start - 300_000),
  notAfter: new Date(+start + hours(8760)),
  keyUsage: ['digitalSignature', 'keyEncipherment'],
  extKeyUsage: ['serverAuth', 'clientAuth'],
  dnsNames: ['kubernetes', 'kubernetes.default.svc.cluster.local'],
  ipAddresses: ['10.96.0.1', '2001:db8::1'],
};

for (const alg of KEY_ALGORITHMS) {
  test(`issued ${alg} certificate parses identically with @peculiar/x509 and verifies with openssl`, async (t) => {
    const ca = await makeCa(alg);
    const leafKey = await generateKey('ECDSA-P256');
    const der = issueCertificate(leafTemplate, { publicKey: leafKey.publicKey, issuer: ca.issuer });

    const lib = new x509.X509Certificate(der);
    // @peculiar/x509 prints attributes in encoding order (Go's order: O before CN); the two
    // O values share one RDN as Go writes them, the shorter encoding first (DER SET OF order)
    assert.equal(lib.subject, 'O=second:group+O=kubeadm:cluster-admins, CN=kube-apiserver-kubelet-client');
    assert.equal(lib.issuer, 'CN=kubernetes');
    assert.equal(BigInt('0x' + lib.serialNumber), leafTemplate.serialNumber);
    assert.equal(lib.notBefore.getTime(), leafTemplate.notBefore.getTime());
    assert.equal(lib.notAfter.getTime(), leafTemplate.notAfter.getTime());
    const san = lib.getExtension(x509.SubjectAlternativeNameExtension)!;
    assert.deepEqual(
      san.names.items.map((n) => `${n.type}:${n.value}`),
      ['dns:kubernetes', 'dns:kubernetes.default.svc.cluster.local', 'ip:10.96.0.1', 'ip:2001:db8::1'],
    );
    const ku = lib.getExtension(x509.KeyUsagesExtension)!;
    assert.equal(ku.critical, true);
    assert.equal(ku.usages, x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment);
    const eku = lib.getExtension(x509.ExtendedKeyUsageExtension)!;
    assert.deepEqual([...eku.usages].map(String), ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    const bc = lib.getExtension(x509.BasicConstraintsExtension)!;
    assert.equal(bc.ca, false);
    assert.equal(bc.critical, true);

    // our own reader agrees
    const mine = parseCertificate(der);
    // read back in the RDN's DER order (as Go's parser would return them too)
    assert.deepEqual(mine.subject, {
      ...leafTemplate.subject,
      organization: ['second:group', 'kubeadm:cluster-admins'],
    });
    assert.deepEqual(mine.ipAddresses, leafTemplate.ipAddresses);
    assert.deepEqual(mine.dnsNames, leafTemplate.dnsNames);
    assert.deepEqual(mine.keyUsage, ['digitalSignature', 'keyEncipherment']);
    assert.deepEqual(mine.extKeyUsage, ['serverAuth', 'clientAuth']);
    assert.equal(mine.isCA, false);
    assert.ok(isSignedBy(mine, parseCertificate(ca.der)));
    assert.deepEqual(mine.authorityKeyId, parseCertificate(ca.der).subjectKeyId);

    const dir = tmpDir('kubetls-pki-', t);
    writeFileSync(join(dir, 'ca.crt'), certToPem(ca.der));
    writeFileSync(join(dir, 'leaf.crt'), certToPem(der));
    // -attime: validity is checked against the certificate's own window, not today
    const at = String(Math.floor(+start / 1000) + 60);
    assert.match(
      openssl(['verify', '-attime', at, '-purpose', 'sslserver', '-CAfile', join(dir, 'ca.crt'), join(dir, 'leaf.crt')])
        .stdout,
      /OK/,
    );
    assert.match(
      openssl(['verify', '-attime', at, '-purpose', 'sslclient', '-CAfile', join(dir, 'ca.crt'), join(dir, 'leaf.crt')])
        .stdout,
      /OK/,
    );
    const text = openssl(['x509', '-in', join(dir, 'leaf.crt'), '-noout', '-text']).stdout;
    assert.match(
      text,
      /DNS:kubernetes, DNS:kubernetes.default.svc.cluster.local, IP Address:10.96.0.1, IP Address:2001:DB8:0:0:0:0:0:1/,
    );
    assert.match(text, /Serial Number:\s*\n?\s*9223372036854775807/);
  });
}

test('a tampered certificate no longer verifies', async () => {
  const ca = await makeCa('ECDSA-P256');
  const leafKey = await generateKey('ECDSA-P256');
  const der = Buffer.from(issueCertificate(leafTemplate, { publicKey: leafKey.publicKey, issuer: ca.issuer }));
  const i = der.indexOf(Buffer.from('kube-apiserver-kubelet-client'));
  der[i] = 'K'.charCodeAt(0);
  assert.equal(isSignedBy(parseCertificate(der), parseCertificate(ca.der)), false);
});

test('CSR written by kubetls is accepted by openssl and read back by both parsers', async (t) => {
  for (const alg of ['RSA-2048', 'ECDSA-P384', 'ED25519'] as const) {
    const k = await generateKey(alg);
    const der = createCsr(
      {
        subject: { commonName: 'system:node:worker-0', organization: ['system:nodes'] },
        dnsNames: ['worker-0'],
        ipAddresses: ['10.0.0.5'],
        emailAddresses: ['a@b.c'],
        uris: ['spiffe://x/y'],
      },
      k.privateKey,
    );
    const dir = tmpDir('kubetls-csr-', t);
    writeFileSync(join(dir, 'x.csr'), csrToPem(der));
    writeFileSync(join(dir, 'x.key'), privateKeyToPem(k.privateKey));
    assert.match(
      openssl(['req', '-verify', '-noout', '-in', join(dir, 'x.csr')]).stderr +
        openssl(['req', '-verify', '-noout', '-in', join(dir, 'x.csr')]).stdout,
      /verify OK/,
    );
    const lib = new x509.Pkcs10CertificateRequest(der);
    assert.equal(lib.subject, 'O=system:nodes, CN=system:node:worker-0');
    assert.ok(await lib.verify());
    const mine = parseCsr(der);
    assert.equal(mine.signatureValid, true);
    assert.deepEqual(
      [mine.dnsNames, mine.ipAddresses, mine.emailAddresses, mine.uris],
      [['worker-0'], ['10.0.0.5'], ['a@b.c'], ['spiffe://x/y']],
    );
  }
});

test('CSRs made by openssl parse, and a forged signature is detected', async (t) => {
  const dir = tmpDir('kubetls-csr-', t);
  openssl([
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    join(dir, 'k.pem'),
    '-subj',
    '/O=system:nodes/CN=system:node:n1',
    '-addext',
    'subjectAltName=DNS:n1,IP:192.0.2.7',
    '-out',
    join(dir, 'r.csr'),
    '-outform',
    'DER',
  ]);
  const { readFileSync } = await import('node:fs');
  const der = readFileSync(join(dir, 'r.csr'));
  const p = parseCsr(der);
  assert.equal(p.signatureValid, true);
  assert.deepEqual(p.subject, { organization: ['system:nodes'], commonName: 'system:node:n1' });
  assert.deepEqual(p.ipAddresses, ['192.0.2.7']);
  const bad = Buffer.from(der);
  bad[bad.length - 5]! ^= 0xff;
  assert.equal(parseCsr(bad).signatureValid, false);
});

test('names with several values of one type: one multi-valued RDN per type, members in DER order (as Go writes them)', () => {
  const der = encodeName({
    country: ['US'],
    province: ['s'],
    organization: ['zz-first-long', 'b', 'a'],
    organizationalUnit: ['u1', 'u0'],
    commonName: 'x',
  });
  // the subject bytes of `cfssl genkey` (Go's pkix.Name.ToRDNSequence + encoding/asn1) for
  // names [{C:US,O:zz-first-long},{O:b},{O:a,OU:u1},{OU:u0,ST:s}] and CN x:
  // C=US, ST=s, O=a+O=b+O=zz-first-long, OU=u0+OU=u1, CN=x
  const fromCfssl =
    '3069310b3009060355040613025553310a30080603550408130173312a3008060355040a1301613008060355040a1301623014060355040a130d7a7a2d66697273742d6c6f6e67' +
    '31163009060355040b130275303009060355040b13027531310a30080603550403130178';
  assert.equal(der.toString('hex'), fromCfssl);
  // read back: every value, in the RDNs' order
  const back = readName(der, readTlv(der, 0));
  assert.deepEqual(back.dn.organization, ['a', 'b', 'zz-first-long']);
  // a UTF8String member sorts before PrintableStrings of the same length (tag 0x0c < 0x13)
  const mixed = encodeName({ organization: ['bb', 'é'] });
  assert.ok(
    mixed.indexOf(Buffer.from('c3a9', 'hex')) < mixed.indexOf(Buffer.from('bb')),
    'é (UTF8String, 2 bytes) first',
  );
  // e-mail addresses are not a pkix.Name field in Go: one RDN each
  const emails = encodeName({ emailAddress: ['a@x', 'b@x'] });
  assert.equal(children(emails, readTlv(emails, 0)).length, 2);
});
