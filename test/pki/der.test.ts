/**
 * Edge cases of the lean DER writer, each checked three ways: the exact bytes X.690
 * requires, our reader, and an independent parser (`openssl asn1parse`, @peculiar/x509).
 */
import { refName } from './reference.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import {
  assertFilled,
  certToPem,
  directoryString,
  encodeName,
  extension,
  generateKey,
  integer,
  ipToBytes,
  issueCertificate,
  octetString,
  oid,
  parseCertificate,
  readInteger,
  readOid,
  readString,
  readTime,
  readTlv,
  TAG,
  time,
  tlv,
  writeHeader,
} from '../../src/pki/index.js';
import { openssl, tmpDir } from '../helpers.js';

const hex = (b: Buffer) => b.toString('hex');

/** `openssl asn1parse` of a DER blob: one line per TLV, e.g. "0:d=0  hl=2 l=   1 prim: INTEGER :7F". */
function asn1parse(der: Buffer, dir: string): string[] {
  const f = join(dir, `blob-${Math.random().toString(36).slice(2)}.der`);
  writeFileSync(f, der);
  return openssl(['asn1parse', '-inform', 'DER', '-in', f]).stdout.trim().split('\n');
}

/** openssl's own DER encoding of an ASN1_generate_nconf string such as "OID:1.2.3". */
function genstr(spec: string, dir: string): Buffer {
  const f = join(dir, `gen-${Math.random().toString(36).slice(2)}.der`);
  openssl(['asn1parse', '-genstr', spec, '-noout', '-out', f]);
  return readFileSync(f);
}

test('INTEGER: zero, high bit set, leading zeros, 20-byte serials', (t) => {
  const dir = tmpDir('kubetls-der-', t);
  const cases: Array<[bigint | number | Buffer, string]> = [
    [0, '020100'],
    [0n, '020100'],
    [1, '020101'],
    [127, '02017f'],
    [128, '02020080'], // high bit set: a 0x00 keeps it positive
    [255, '020200ff'],
    [256, '02020100'],
    [32767, '02027fff'],
    [32768, '0203008000'],
    [Buffer.from([0, 0, 5]), '020105'], // leading zero bytes are not minimal
    [Buffer.from([0, 0x80]), '02020080'], // ... but one stays when the next byte has its high bit set
    [Buffer.from([0, 0, 0]), '020100'],
    [Buffer.alloc(0), '020100'],
    [(1n << 159n) - 1n, '0214' + '7f' + 'ff'.repeat(19)], // largest 20-octet serial (RFC 5280 4.1.2.2)
    [Buffer.alloc(20, 0xff), '0215' + '00' + 'ff'.repeat(20)],
    [0x7fffffffffffffffn, '02087fffffffffffffff'], // kubeadm's largest 63-bit serial
  ];
  for (const [v, want] of cases) {
    const enc = integer(v);
    assert.equal(hex(enc), want, `integer(${String(v)})`);
    const expected = Buffer.isBuffer(v) ? (v.length ? BigInt('0x' + v.toString('hex')) : 0n) : BigInt(v);
    assert.equal(readInteger(enc, readTlv(enc, 0)), expected);
    const line = asn1parse(enc, dir)[0]!;
    assert.match(line, /prim: INTEGER\s+:/);
    assert.equal(BigInt('0x' + line.split(':').pop()!), expected, line);
    assert.equal(hex(enc), hex(genstr(`INTEGER:0x${expected.toString(16)}`, dir)), `openssl's encoding of ${expected}`);
  }
  assert.throws(() => integer(-1), RangeError);
});

test('a certificate with a 20-byte serial reads back the same in @peculiar/x509, openssl and our reader', async (t) => {
  const k = await generateKey('ECDSA-P256');
  const serialNumber = (1n << 159n) - 12345n;
  const der = issueCertificate(
    { subject: { commonName: 's' }, serialNumber, notBefore: new Date(0), notAfter: new Date(1e12) },
    { publicKey: k.publicKey, selfSignKey: k.privateKey },
  );
  assert.equal(BigInt('0x' + new x509.X509Certificate(der).serialNumber), serialNumber);
  assert.equal(parseCertificate(der).serialNumber, serialNumber);
  const dir = tmpDir('kubetls-der-', t);
  writeFileSync(join(dir, 'c.pem'), certToPem(der));
  const out = openssl(['x509', '-in', join(dir, 'c.pem'), '-noout', '-serial']).stdout.trim();
  assert.equal(BigInt('0x' + out.replace('serial=', '')), serialNumber);
});

test('the size-first writers refuse to return a buffer they did not fill', () => {
  assert.throws(() => assertFilled(Buffer.alloc(4), 3), /filled 3 of 4 bytes/);
  assert.equal(assertFilled(Buffer.alloc(4), 4).length, 4);
  // writeHeader writes the same headers tlv() does, at any offset
  for (const len of [0, 127, 128, 65535, 65536]) {
    const b = Buffer.alloc(8);
    const end = writeHeader(b, 2, TAG.SEQUENCE, len);
    assert.equal(b.subarray(2, end).toString('hex'), hex(tlv(TAG.SEQUENCE, Buffer.alloc(len)).subarray(0, end - 2)));
  }
});

test('lengths: short form up to 127, long form from 128, 2/3/4 length octets', (t) => {
  const dir = tmpDir('kubetls-der-', t);
  const cases: Array<[number, string]> = [
    [0, '0400'],
    [127, '047f'],
    [128, '048180'],
    [255, '0481ff'],
    [256, '04820100'],
    [65535, '0482ffff'],
    [65536, '0483010000'],
    [70000, '0483011170'],
    [(1 << 24) + 3, '048401000003'],
  ];
  for (const [len, header] of cases) {
    const content = Buffer.alloc(len, 0x5a);
    const enc = octetString(content);
    assert.equal(hex(enc.subarray(0, header.length / 2)), header, `length ${len}`);
    assert.equal(enc.length, header.length / 2 + len);
    const r = readTlv(enc, 0);
    assert.deepEqual([r.tag, r.start, r.end], [TAG.OCTET_STRING, header.length / 2, enc.length]);
    // tlv() with several parts writes the same bytes as one part
    assert.ok(tlv(TAG.OCTET_STRING, content.subarray(0, len >> 1), content.subarray(len >> 1)).equals(enc));
    if (len > 0 && len < 100_000) {
      // openssl reports header length and content length independently of our reader
      assert.match(asn1parse(enc, dir)[0]!, new RegExp(`hl=${header.length / 2} l=\\s*${len} prim: OCTET STRING`));
    }
  }
});

test('a certificate with a ≥ 65536-byte extension parses in @peculiar/x509, openssl and our reader', async (t) => {
  const k = await generateKey('ECDSA-P256');
  const big = extension('1.3.6.1.4.1.99999.1', false, octetString(Buffer.alloc(70_000, 0x41)));
  const der = issueCertificate(
    { subject: { commonName: 'big' }, notBefore: new Date(0), notAfter: new Date(1e12), extraExtensions: [big] },
    { publicKey: k.publicKey, selfSignKey: k.privateKey },
  );
  assert.equal(der[1], 0x83, 'a > 64 KiB certificate needs 3 length octets');
  const lib = new x509.X509Certificate(der);
  const ext = lib.extensions.find((e) => e.type === '1.3.6.1.4.1.99999.1')!;
  // extnValue holds our OCTET STRING: 5 header bytes (04 83 01 11 70) + 70000
  assert.equal(ext.value.byteLength, 70_005);
  assert.equal(parseCertificate(der).extensions.find((e) => e.oid === '1.3.6.1.4.1.99999.1')!.value.length, 70_005);
  const dir = tmpDir('kubetls-der-', t);
  writeFileSync(join(dir, 'c.pem'), certToPem(der));
  assert.match(openssl(['x509', '-in', join(dir, 'c.pem'), '-noout', '-text']).stdout, /1\.3\.6\.1\.4\.1\.99999\.1:/);
});

test('OBJECT IDENTIFIER: arcs ≥ 128, first arcs combined, very large arcs', (t) => {
  const dir = tmpDir('kubetls-der-', t);
  const cases: Array<[string, string]> = [
    ['2.5.4.3', '0603550403'],
    ['1.2.840.113549.1.1.11', '06092a864886f70d01010b'],
    ['1.2.840.10045.4.3.2', '06082a8648ce3d040302'],
    ['2.999.3', '0603883703'], // 2*40+999 = 1079 needs two base-128 digits
    ['1.3.6.1.4.1.128', '06072b060104018100'],
    ['1.3.6.1.4.1.16383', '06072b06010401ff7f'],
    ['1.3.6.1.4.1.16384', '06082b06010401818000'],
    ['1.3.6.1.4.1.4294967296.1', '060b2b06010401908080800001'], // an arc above 2^32
    ['1.3.6.1.4.1.36893488147419103232.7', '06102b060104018480808080808080800007'], // an arc of 2^65: past 2^53, read as a BigInt
    ['2.36893488147419103312', '060a84808080808080808120'], // a first subidentifier past 2^53
    ['0.0', '060100'],
  ];
  for (const [dotted, want] of cases) {
    const enc = oid(dotted);
    assert.equal(hex(enc), want, dotted);
    assert.equal(readOid(enc, readTlv(enc, 0)), dotted);
    assert.equal(hex(enc), hex(genstr(`OID:${dotted}`, dir)), `openssl's encoding of ${dotted}`);
    const line = asn1parse(enc, dir)[0]!;
    // openssl prints names for OIDs it knows; unknown ones in dotted form
    if (!/:(commonName|sha256WithRSAEncryption|ecdsa-with-SHA256)$/.test(line))
      assert.match(line, new RegExp(`OBJECT\\s+:${dotted.replace(/\./g, '\\.')}$`));
  }
  assert.throws(() => oid('1'), /invalid OID/);
  assert.throws(() => oid('1.2.x'), /invalid OID/);
});

test('OBJECT IDENTIFIER: hostile encodings are one clear error, oversized arcs stay exact', () => {
  const read = (hex: string) => {
    const b = Buffer.from(hex, 'hex');
    return readOid(b, readTlv(b, 0));
  };
  assert.throws(() => read('0600'), /malformed DER: empty OID/);
  assert.throws(() => read('06022a86'), /malformed DER: truncated OID/); // last byte says "more follows"
  assert.throws(() => read('060181'), /malformed DER: truncated OID/);
  assert.throws(() => read('0603550403'.replace(/^06/, '04')), /expected tag 0x6/);
  // a 200-byte arc (~1,400 bits): decoded exactly, in linear time, not rounded through a double
  const digits = 'ff'.repeat(199) + '7f';
  const arc = (BigInt(2) ** 1400n - 1n).toString();
  assert.equal(read(`0681${(201).toString(16)}2a${digits}`), `1.2.${arc}`);
});

test('time: UTCTime through 2049, GeneralizedTime from 2050 and before 1950', (t) => {
  const cases: Array<[string, number, string]> = [
    ['2049-12-31T23:59:59Z', TAG.UTC_TIME, '491231235959Z'],
    ['2050-01-01T00:00:00Z', TAG.GENERALIZED_TIME, '20500101000000Z'],
    ['1950-01-01T00:00:00Z', TAG.UTC_TIME, '500101000000Z'],
    ['1949-12-31T23:59:59Z', TAG.GENERALIZED_TIME, '19491231235959Z'],
    ['2000-02-29T12:34:56.789Z', TAG.UTC_TIME, '000229123456Z'], // milliseconds are dropped
    ['9999-12-31T23:59:59Z', TAG.GENERALIZED_TIME, '99991231235959Z'],
    ['0001-01-01T00:00:00Z', TAG.GENERALIZED_TIME, '00010101000000Z'],
  ];
  for (const [iso, tag, text] of cases) {
    const enc = time(new Date(iso));
    assert.equal(enc[0], tag, iso);
    assert.equal(enc[1], text.length);
    assert.equal(enc.subarray(2).toString('latin1'), text, iso);
    assert.equal(readTime(enc, readTlv(enc, 0)).getTime(), Math.floor(Date.parse(iso) / 1000) * 1000);
    const dir = tmpDir('kubetls-der-', t);
    assert.equal(hex(enc), hex(genstr(`${tag === TAG.UTC_TIME ? 'UTCTIME' : 'GENERALIZEDTIME'}:${text}`, dir)), iso);
  }
  assert.throws(() => time(new Date(NaN)), /invalid date/);
  assert.throws(() => time(new Date('+010000-01-01T00:00:00Z')), /cannot be encoded/);

  // the 2049/2050 boundary through whole certificates: both parsers and openssl agree
  return (async () => {
    const k = await generateKey('ECDSA-P256');
    const notBefore = new Date('2049-12-31T23:59:59Z');
    const notAfter = new Date('2050-01-01T00:00:00Z');
    const der = issueCertificate(
      { subject: { commonName: 'y2050' }, notBefore, notAfter },
      { publicKey: k.publicKey, selfSignKey: k.privateKey },
    );
    const lib = new x509.X509Certificate(der);
    assert.equal(lib.notBefore.getTime(), notBefore.getTime());
    assert.equal(lib.notAfter.getTime(), notAfter.getTime());
    const dir = tmpDir('kubetls-der-', t);
    writeFileSync(join(dir, 'c.pem'), certToPem(der));
    const text = openssl(['x509', '-in', join(dir, 'c.pem'), '-noout', '-dates']).stdout;
    assert.match(text, /notBefore=Dec 31 23:59:59 2049 GMT/);
    assert.match(text, /notAfter=Jan {2}1 00:00:00 2050 GMT/);
    const lines = asn1parse(der, dir).join('\n');
    assert.match(lines, /UTCTIME\s+:491231235959Z/);
    assert.match(lines, /GENERALIZEDTIME\s+:20500101000000Z/);
  })();
});

test('directory strings: PrintableString when every character allows it, else UTF8String', (t) => {
  const printable = ['', 'abc', 'ABC xyz 0189', "'()+,-./:=?", 'system:node:worker-0'];
  const utf8 = ['a_b', 'a@b', 'a*b', 'a&b', 'a;b', 'a"b', 'a!b', 'é', '日本', 'emoji 😀', 'tab\there'];
  for (const s of printable) assert.equal(directoryString(s)[0], TAG.PRINTABLE_STRING, JSON.stringify(s));
  for (const s of utf8) assert.equal(directoryString(s)[0], TAG.UTF8_STRING, JSON.stringify(s));
  for (const s of [...printable, ...utf8]) {
    const enc = directoryString(s);
    assert.equal(readString(enc, readTlv(enc, 0)), s);
  }
  // the same choice inside a Name, as openssl sees it
  const dir = tmpDir('kubetls-der-', t);
  const name = encodeName({ commonName: 'a_b', organization: ['plain org'], country: ['DE'], emailAddress: ['x@y.z'] });
  const lines = asn1parse(name, dir).join('\n');
  assert.match(lines, /PRINTABLESTRING\s+:DE/);
  assert.match(lines, /PRINTABLESTRING\s+:plain org/);
  assert.match(lines, /UTF8STRING\s+:a_b/);
  assert.match(lines, /IA5STRING\s+:x@y\.z/);
});

test('encodeName writes what the generic seq/setOf/directoryString construction writes', () => {
  const reference = refName;
  const dns = [
    {},
    { commonName: '' },
    { commonName: 'x'.repeat(200), organization: ['y'.repeat(300)] }, // long-form lengths inside the Name
    {
      commonName: 'ü'.repeat(70),
      organizationalUnit: ['a', 'b', 'c'],
      country: ['US'],
      province: ['CA'],
      locality: ['SF'],
      streetAddress: ['1 Main St'],
      postalCode: ['94000'],
      serialNumber: '42',
      emailAddress: ['a@b'],
    },
    { commonName: 'lone surrogate \ud800 here' }, // encoded as U+FFFD by both paths
    { organization: ['zz-long', 'b', 'ä', 'a'], emailAddress: ['b@x', 'a@x'] }, // one multi-valued RDN for O, sorted; e-mails one RDN each
  ];
  for (const dn of dns) assert.equal(hex(encodeName(dn)), hex(reference(dn)), JSON.stringify(dn));
});

test('IP SANs: IPv4 and the IPv6 forms (::, ::1, ::ffff:a.b.c.d, fe80::1, full form)', async (t) => {
  const cases: Array<[string, string, string]> = [
    // text, 16/4 bytes, openssl's rendering
    ['0.0.0.0', '00000000', '0.0.0.0'],
    ['255.255.255.255', 'ffffffff', '255.255.255.255'],
    ['10.96.0.1', '0a600001', '10.96.0.1'],
    ['::', '00'.repeat(16), '0:0:0:0:0:0:0:0'],
    ['::1', '00'.repeat(15) + '01', '0:0:0:0:0:0:0:1'],
    ['::ffff:1.2.3.4', '00'.repeat(10) + 'ffff01020304', '0:0:0:0:0:FFFF:102:304'],
    ['fe80::1', 'fe80' + '00'.repeat(13) + '01', 'FE80:0:0:0:0:0:0:1'],
    ['2001:db8::', '20010db8' + '00'.repeat(12), '2001:DB8:0:0:0:0:0:0'],
    ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008', '1:2:3:4:5:6:7:8'],
    ['2001:db8:0:0:1::1', '20010db8000000000001000000000001', '2001:DB8:0:0:1:0:0:1'],
  ];
  for (const [text, bytes] of cases) assert.equal(ipToBytes(text)?.toString('hex'), bytes, text);
  for (const bad of ['1.2.3', '256.1.1.1', '1.2.3.4.5', 'fe80::1::2', 'example.com', ''])
    assert.equal(ipToBytes(bad), null, bad);

  const k = await generateKey('ECDSA-P256');
  const der = issueCertificate(
    {
      subject: { commonName: 'ips' },
      notBefore: new Date(0),
      notAfter: new Date(1e12),
      ipAddresses: cases.map((c) => c[0]),
    },
    { publicKey: k.publicKey, selfSignKey: k.privateKey },
  );
  const san = new x509.X509Certificate(der).getExtension(x509.SubjectAlternativeNameExtension)!;
  // @peculiar/x509 renders IPv6 its own way; compare the address bytes
  assert.deepEqual(
    san.names.items.map((n) => ipToBytes(n.value)?.toString('hex')),
    cases.map((c) => c[1]),
  );
  assert.deepEqual(
    parseCertificate(der).ipAddresses.map((s) => ipToBytes(s)?.toString('hex')),
    cases.map((c) => c[1]),
  );
  const dir = tmpDir('kubetls-der-', t);
  writeFileSync(join(dir, 'c.pem'), certToPem(der));
  const text = openssl(['x509', '-in', join(dir, 'c.pem'), '-noout', '-ext', 'subjectAltName']).stdout;
  assert.match(text, new RegExp(cases.map((c) => `IP Address:${c[2]}`).join(', ')));
});
