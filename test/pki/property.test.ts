/**
 * Property-style test: 200 random templates (unicode subjects, random SAN sets, usages,
 * serials, dates) are issued and must
 *   - read back identically with our reader and with @peculiar/x509,
 *   - be listed by openssl with the same serial, SANs and dates,
 *   - have exactly the TBSCertificate bytes that the straightforward nested
 *     seq()/setOf()/extension construction produces (the fast one-allocation writer in
 *     issueCertificate must not change the output).
 * The generator is seeded; set KUBETLS_PROPERTY_SEED to reproduce a failure.
 */
import { ATTRS, inDerOrder, refName } from './reference.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import {
  authorityKeyIdExtension,
  basicConstraintsExtension,
  bytesToIp,
  certToPem,
  createIssuer,
  DER_TRUE,
  explicit,
  extKeyUsageExtension,
  generateKey,
  implicitPrimitive,
  integer,
  ipToBytes,
  issueCertificate,
  KEY_USAGE_BITS,
  keyUsageExtension,
  octetString,
  oid,
  OID,
  parseCertificate,
  randomSerial,
  seq,
  spkiDer,
  time,
  type CertificateTemplate,
  type DistinguishedName,
  type ExtKeyUsage,
  type Issuer,
  type KeyUsage,
  type RandomSource,
} from '../../src/pki/index.js';
import { openssl, seededRandom, tmpDir } from '../helpers.js';

const SEED = Number(process.env.KUBETLS_PROPERTY_SEED ?? 20260101);

const rnd = seededRandom(SEED);
const int = (n: number) => Math.floor(rnd() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
const some = <T>(xs: readonly T[]): T[] => xs.filter(() => rnd() < 0.3);

// printable ASCII (incl. PrintableString's punctuation and characters that force UTF8String),
// Latin-1, other BMP scripts and astral characters
const ALPHABETS = [
  'abcdefghijklmnopqrstuvwxyz',
  'ABCXYZ0123456789',
  " '()+,-./:=?",
  '_@*&;!"#',
  'äöüßéñ',
  'Ωπжя日本語한국어',
  '😀🔐𝔘',
];
function text(maxLen: number): string {
  const len = 1 + int(maxLen);
  let s = '';
  for (let i = 0; i < len; i++) s += pick([...pick(ALPHABETS)]); // [...x] splits by code point
  return s;
}
const list = (max: number, f: () => string) => Array.from({ length: int(max + 1) }, f);
const label = () =>
  pick([...'abcdefghijklmnopqrstuvwxyz']) +
  Array.from({ length: int(12) }, () => pick([...'abcdefghijklmnopqrstuvwxyz0123456789-'])).join('') +
  pick([...'abc0']);

function randomDn(): DistinguishedName {
  const dn: DistinguishedName = {};
  if (rnd() < 0.9) dn.commonName = rnd() < 0.2 ? 'x'.repeat(130 + int(100)) : text(40); // sometimes long enough for long-form lengths
  const arrays: Array<keyof DistinguishedName> = [
    'country',
    'province',
    'locality',
    'organization',
    'organizationalUnit',
    'streetAddress',
    'postalCode',
  ];
  for (const f of arrays) {
    if (rnd() < 0.35) {
      const vs = list(2, () => text(20)).concat(text(10));
      (dn as Record<string, string[]>)[f] = vs;
    }
  }
  if (rnd() < 0.1) dn.serialNumber = String(int(1e6));
  if (rnd() < 0.1) dn.emailAddress = [`${label()}@${label()}.example`];
  return dn;
}

function randomIp(): string {
  const b = Buffer.alloc(rnd() < 0.5 ? 4 : 16);
  for (let i = 0; i < b.length; i++) b[i] = rnd() < 0.3 ? 0 : int(256); // zero runs exercise "::"
  return bytesToIp(b);
}

const EKUS: ExtKeyUsage[] = [
  'serverAuth',
  'clientAuth',
  'codeSigning',
  'emailProtection',
  'timeStamping',
  'ocspSigning',
  'any',
];

function randomTemplate(): CertificateTemplate {
  // whole seconds between 1950 and 2120: crosses the UTCTime/GeneralizedTime switch
  const nb = Date.UTC(1950, 0, 1) + int(170 * 365) * 86400_000 + int(86400) * 1000;
  const na = nb + (1 + int(40 * 365)) * 86400_000 + int(86400) * 1000;
  const t: CertificateTemplate = {
    subject: randomDn(),
    notBefore: new Date(nb),
    notAfter: new Date(na),
    dnsNames: list(4, () => (rnd() < 0.2 ? '*.' : '') + `${label()}.${label()}`),
    ipAddresses: list(4, randomIp),
    emailAddresses: list(2, () => `${label()}@${label()}.example`),
    uris: list(2, () => `spiffe://${label()}/ns/${label()}`),
    keyUsage: some(KEY_USAGE_BITS),
    extKeyUsage: some(EKUS),
  };
  if (rnd() < 0.5)
    t.serialNumber = BigInt('0x' + createHash('sha1').update(String(rnd())).digest('hex')) >> BigInt(1 + int(100));
  if (t.serialNumber === 0n) t.serialNumber = 1n;
  // the byte form the signing server uses, sometimes with leading zero bytes to strip
  if (typeof t.serialNumber === 'bigint' && rnd() < 0.5) {
    const hex = t.serialNumber.toString(16);
    t.serialNumber = Buffer.from('00'.repeat(int(3)) + (hex.length % 2 ? '0' : '') + hex, 'hex');
  }
  if (rnd() < 0.2) {
    t.isCA = true;
    if (rnd() < 0.5) t.maxPathLen = int(3);
  }
  return t;
}

// ---------------------------------------------------------------- reference encoder
// The straightforward construction the fast writer replaced: nested seq()/tlv() calls
// building each level as its own Buffer. Kept here as the oracle for "same output".

const refExt = (id: string, critical: boolean, value: Buffer) =>
  critical ? seq(oid(id), DER_TRUE, octetString(value)) : seq(oid(id), octetString(value));
function refTbs(t: CertificateTemplate, spki: Buffer, issuer: Issuer, serial: bigint): Buffer {
  const subject = refName(t.subject);
  const key = parseSpkiBits(spki);
  const exts: Buffer[] = [];
  if (t.keyUsage?.length) exts.push(keyUsageExtension(t.keyUsage));
  if (t.extKeyUsage?.length) exts.push(extKeyUsageExtension(t.extKeyUsage));
  exts.push(basicConstraintsExtension(!!t.isCA, t.maxPathLen));
  exts.push(refExt(OID.subjectKeyIdentifier, false, octetString(createHash('sha1').update(key).digest())));
  exts.push(authorityKeyIdExtension(issuer.subjectKeyId!));
  const names: Buffer[] = [
    ...(t.dnsNames ?? []).map((d) => implicitPrimitive(2, Buffer.from(d, 'latin1'))),
    ...(t.emailAddresses ?? []).map((e) => implicitPrimitive(1, Buffer.from(e, 'latin1'))),
    ...(t.ipAddresses ?? []).map((ip) => implicitPrimitive(7, ipToBytes(ip)!)),
    ...(t.uris ?? []).map((u) => implicitPrimitive(6, Buffer.from(u, 'latin1'))),
  ];
  if (names.length) exts.push(refExt(OID.subjectAltName, subject.length <= 2, seq(...names)));
  return seq(
    explicit(0, integer(2)),
    integer(serial),
    issuer.signatureAlgorithm.algorithmIdentifier,
    issuer.subjectDer,
    seq(time(t.notBefore), time(t.notAfter)),
    subject,
    spki,
    explicit(3, seq(...exts)),
  );
}
/** subjectPublicKey bits (without the unused-bits octet) of an SPKI, for the SHA-1 key id. */
function parseSpkiBits(spki: Buffer): Buffer {
  // SEQUENCE { AlgorithmIdentifier, BIT STRING }: skip the outer header and the algorithm
  const hdr = (o: number) => (spki[o + 1]! < 0x80 ? 2 : 2 + (spki[o + 1]! & 0x7f));
  const len = (o: number) => {
    const b = spki[o + 1]!;
    if (b < 0x80) return b;
    let n = 0;
    for (let i = 0; i < (b & 0x7f); i++) n = n * 256 + spki[o + 2 + i]!;
    return n;
  };
  const algAt = hdr(0);
  const bitsAt = algAt + hdr(algAt) + len(algAt);
  return spki.subarray(bitsAt + hdr(bitsAt) + 1, bitsAt + hdr(bitsAt) + len(bitsAt));
}

// ---------------------------------------------------------------- the test

const PECULIAR_KU: Record<KeyUsage, number> = {
  digitalSignature: 1,
  contentCommitment: 2,
  keyEncipherment: 4,
  dataEncipherment: 8,
  keyAgreement: 16,
  keyCertSign: 32,
  cRLSign: 64,
  encipherOnly: 128,
  decipherOnly: 256,
};
/** how @peculiar/x509 names attribute types (dotted OIDs for those it has no name for) */
const SHORT: Record<string, string> = {
  country: 'C',
  province: 'ST',
  locality: 'L',
  streetAddress: '2.5.4.9',
  postalCode: '2.5.4.17',
  organization: 'O',
  organizationalUnit: 'OU',
  commonName: 'CN',
  serialNumber: '2.5.4.5',
  emailAddress: 'E',
};

test(`200 random templates issue and parse back identically (seed ${SEED})`, async (t) => {
  const caKey = await generateKey('ECDSA-P256');
  const caDer = issueCertificate(
    {
      subject: { commonName: 'property CA', organization: ['kubetls'] },
      serialNumber: 1n,
      notBefore: new Date(0),
      notAfter: new Date('2200-01-01'),
      isCA: true,
      keyUsage: ['keyCertSign'],
    },
    { publicKey: caKey.publicKey, selfSignKey: caKey.privateKey },
  );
  const issuer = createIssuer(caDer, caKey.privateKey);
  const leafKeys = await Promise.all([generateKey('ECDSA-P256'), generateKey('ECDSA-P384'), generateKey('ED25519')]);
  const pems: string[] = [];
  const expected: Array<{ t: CertificateTemplate; serial: bigint }> = [];

  for (let n = 0; n < 200; n++) {
    const tpl = randomTemplate();
    const spki = spkiDer(pick(leafKeys).publicKey);
    // the same seeded bytes for the issuer and for the reference's serial
    const seed = `serial-${n}`;
    const random: RandomSource = (k) => createHash('sha512').update(seed).digest().subarray(0, k);
    const der = issueCertificate(tpl, { publicKey: spki, issuer, random });
    const given = tpl.serialNumber;
    const serial =
      given === undefined
        ? randomSerial(63, random)
        : typeof given === 'bigint'
          ? given
          : BigInt('0x' + given.toString('hex'));
    const ctx = `#${n} ${JSON.stringify({ ...tpl, serialNumber: serial }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`;

    // 1. the fast writer's TBS is byte-identical to the nested reference construction
    const mine = parseCertificate(der);
    assert.equal(mine.tbsDer.toString('hex'), refTbs(tpl, spki, issuer, serial).toString('hex'), ctx);

    // 2. our reader
    const dropEmpty = (d: DistinguishedName) =>
      Object.fromEntries(Object.entries(d).filter(([, v]) => !(Array.isArray(v) && v.length === 0)));
    assert.deepEqual(mine.subject, dropEmpty(inDerOrder(tpl.subject)), ctx);
    assert.equal(mine.serialNumber, serial, ctx);
    assert.equal(mine.notBefore.getTime(), tpl.notBefore.getTime(), ctx);
    assert.equal(mine.notAfter.getTime(), tpl.notAfter.getTime(), ctx);
    assert.deepEqual(mine.dnsNames, tpl.dnsNames, ctx);
    assert.deepEqual(mine.ipAddresses, tpl.ipAddresses, ctx);
    assert.deepEqual(mine.emailAddresses, tpl.emailAddresses, ctx);
    assert.deepEqual(mine.uris, tpl.uris, ctx);
    assert.deepEqual(
      mine.keyUsage,
      KEY_USAGE_BITS.filter((u) => tpl.keyUsage!.includes(u)),
      ctx,
    );
    assert.deepEqual(mine.extKeyUsage, tpl.extKeyUsage, ctx);
    assert.equal(mine.isCA, !!tpl.isCA, ctx);
    assert.equal(mine.maxPathLen, tpl.isCA ? tpl.maxPathLen : undefined, ctx);
    assert.ok(mine.spkiDer.equals(spki), ctx);

    // 3. @peculiar/x509 (a general ASN.1 library)
    const lib = new x509.X509Certificate(der);
    const libAttrs = lib.subjectName.toJSON().map((a) => Object.entries(a).map(([k, v]) => `${k}=${v.join('+')}`)[0]);
    // one RDN per attribute type (values joined by "+" in DER order), e-mails one RDN each
    const ordered = inDerOrder(tpl.subject);
    const wantAttrs = ATTRS.flatMap(([f]) => {
      const v = ordered[f];
      const vs = v === undefined ? [] : Array.isArray(v) ? v : [v];
      if (vs.length === 0) return [];
      return f === 'emailAddress' ? vs.map((s) => `${SHORT[f]}=${s}`) : [`${SHORT[f]}=${vs.join('+')}`];
    });
    assert.deepEqual(libAttrs, wantAttrs, ctx);
    assert.equal(BigInt('0x' + lib.serialNumber), serial, ctx);
    assert.equal(lib.notBefore.getTime(), tpl.notBefore.getTime(), ctx);
    assert.equal(lib.notAfter.getTime(), tpl.notAfter.getTime(), ctx);
    const san = lib.getExtension(x509.SubjectAlternativeNameExtension);
    const names = san
      ? san.names.items.map((i) => (i.type === 'ip' ? `ip:${bytesToIp(ipToBytes(i.value)!)}` : `${i.type}:${i.value}`))
      : [];
    assert.deepEqual(
      names,
      [
        ...tpl.dnsNames!.map((d) => `dns:${d}`),
        ...tpl.emailAddresses!.map((e) => `email:${e}`),
        ...tpl.ipAddresses!.map((i) => `ip:${i}`),
        ...tpl.uris!.map((u) => `url:${u}`),
      ],
      ctx,
    );
    assert.equal(
      lib.getExtension(x509.KeyUsagesExtension)?.usages ?? 0,
      tpl.keyUsage!.reduce((a, u) => a | PECULIAR_KU[u], 0),
      ctx,
    );
    const eku = lib.getExtension(x509.ExtendedKeyUsageExtension);
    assert.deepEqual(
      eku ? [...eku.usages].map(String) : [],
      tpl.extKeyUsage!.map(
        (u) =>
          ({
            any: '2.5.29.37.0',
            serverAuth: '1.3.6.1.5.5.7.3.1',
            clientAuth: '1.3.6.1.5.5.7.3.2',
            codeSigning: '1.3.6.1.5.5.7.3.3',
            emailProtection: '1.3.6.1.5.5.7.3.4',
            timeStamping: '1.3.6.1.5.5.7.3.8',
            ocspSigning: '1.3.6.1.5.5.7.3.9',
          })[u],
      ),
      ctx,
    );
    const bc = lib.getExtension(x509.BasicConstraintsExtension)!;
    assert.deepEqual([bc.ca, bc.pathLength], [!!tpl.isCA, tpl.isCA ? tpl.maxPathLen : undefined], ctx);

    pems.push(certToPem(der));
    expected.push({ t: tpl, serial });
  }

  // 4. openssl lists all 200 (one process: a PKCS#7 bundle) with the same serials, SANs and dates
  const dir = tmpDir('kubetls-prop-', t);
  writeFileSync(join(dir, 'all.pem'), pems.join(''));
  const p7 = join(dir, 'all.p7');
  openssl(['crl2pkcs7', '-nocrl', '-certfile', join(dir, 'all.pem'), '-out', p7]);
  const sections = openssl(['pkcs7', '-in', p7, '-print_certs', '-text', '-noout'])
    .stdout.split(/^Certificate:$/m)
    .slice(1);
  assert.equal(sections.length, 200);
  const month = (d: Date) => d.toUTCString().slice(8, 11);
  const osslDate = (d: Date) =>
    `${month(d)} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)} ${d.getUTCFullYear()} GMT`;
  sections.forEach((s, i) => {
    const { t: tpl, serial } = expected[i]!;
    // openssl prints serials that fit a long in decimal, longer ones as hex octets
    if (serial < 1n << 63n) assert.ok(s.includes(`Serial Number: ${serial} `), `#${i} serial ${serial}`);
    else {
      const hexSerial = s.match(/Serial Number:\s*\n\s*([0-9a-f:]+)/)![1]!.replace(/:/g, '');
      assert.equal(BigInt('0x' + hexSerial), serial, `#${i}`);
    }
    assert.ok(s.includes(`Not Before: ${osslDate(tpl.notBefore)}`), `#${i} notBefore ${osslDate(tpl.notBefore)}`);
    assert.ok(s.includes(`Not After : ${osslDate(tpl.notAfter)}`), `#${i} notAfter ${osslDate(tpl.notAfter)}`);
    for (const d of tpl.dnsNames!) assert.ok(s.includes(`DNS:${d}`), `#${i} DNS:${d}`);
    for (const u of tpl.uris!) assert.ok(s.includes(`URI:${u}`), `#${i} URI:${u}`);
    for (const ip of tpl.ipAddresses!) {
      const b = ipToBytes(ip)!;
      const txt =
        b.length === 4
          ? ip
          : Array.from({ length: 8 }, (_, g) =>
              b
                .readUInt16BE(g * 2)
                .toString(16)
                .toUpperCase(),
            ).join(':');
      assert.ok(s.includes(`IP Address:${txt}`), `#${i} IP ${txt}`);
    }
  });
});
