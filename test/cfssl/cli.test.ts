/**
 * The seeds' cfssl walkthrough replayed with `kubetls cfssl`/`kubetls cfssljson`, checked by
 * openssl, and interop with the real Debian cfssl (CAs made by one sign with the other;
 * cfssl certinfo reads kubetls certificates; same inputs → same parsed fields).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseCertificatePem, parseCsrPem, isSignedBy } from '../../src/pki/index.js';
import { hasCommand, openssl, run, tmpDir } from '../helpers.js';

const HAVE_CFSSL = hasCommand('cfssl') && hasCommand('cfssljson');
// interop tests need the real tools; say so loudly rather than skipping silently
const needCfssl = HAVE_CFSSL ? {} : { skip: 'cfssl/cfssljson (Debian golang-cfssl) not installed' };

const CA_CSR = {
  CN: 'Kubernetes',
  key: { algo: 'rsa', size: 2048 },
  names: [{ C: 'US', L: 'Portland', O: 'Kubernetes', OU: 'CA', ST: 'Oregon' }],
};
const SERVER_CSR = {
  CN: 'kubernetes',
  hosts: ['kubernetes.default', 'kubernetes.default.svc.cluster.local', '10.32.0.1', '127.0.0.1'],
  key: { algo: 'ecdsa', size: 256 },
  names: [{ C: 'US', L: 'Portland', O: 'Kubernetes', OU: 'Cluster', ST: 'Oregon' }],
};
const SERVER_CONFIG = {
  signing: {
    default: { expiry: '8760h' },
    profiles: {
      server: {
        usages: ['digital signature', 'key encipherment', 'server auth'],
        expiry: '876000h',
        ca_constraint: { is_ca: false },
      },
    },
  },
};

/** Runs `a | b` in `dir` through sh, as the seeds' scripts do. */
function pipe(dir: string, cmd: string): { code: number; stdout: string; stderr: string } {
  return run('sh', ['-c', cmd], { cwd: dir });
}
const K = `"${process.execPath}" "${join(process.cwd(), 'dist/src/cli/main.cjs')}"`;

function setup(t: { after: (fn: () => void) => void }): string {
  const d = tmpDir('kubetls-cfssl-', t);
  writeFileSync(join(d, 'ca-csr.json'), JSON.stringify(CA_CSR));
  writeFileSync(join(d, 'server-csr.json'), JSON.stringify(SERVER_CSR));
  writeFileSync(join(d, 'ca-config.json'), JSON.stringify(SERVER_CONFIG));
  return d;
}

test('the seeds walkthrough runs verbatim with kubetls and openssl confirms the result', (t) => {
  const d = setup(t);
  const steps = [
    `${K} cfssl genkey server-csr.json | ${K} cfssljson -bare server`,
    `${K} cfssl gencert -initca ca-csr.json | ${K} cfssljson -bare ca`,
    `${K} cfssl sign -ca ca.pem -ca-key ca-key.pem -config ca-config.json -profile server server.csr | ${K} cfssljson -bare server`,
  ];
  for (const s of steps) {
    const r = pipe(d, `set -e; ${s}`);
    assert.equal(r.code, 0, `${s}: ${r.stderr}`);
  }
  assert.equal(statSync(join(d, 'server-key.pem')).mode & 0o777, 0o600);
  assert.equal(statSync(join(d, 'ca-key.pem')).mode & 0o777, 0o600);
  openssl(['verify', '-CAfile', join(d, 'ca.pem'), join(d, 'server.pem')]);
  const text = openssl(['x509', '-in', join(d, 'server.pem'), '-noout', '-text']).stdout;
  assert.match(
    text,
    /Subject: C ?= ?US, ST ?= ?Oregon, L ?= ?Portland, O ?= ?Kubernetes, OU ?= ?Cluster, CN ?= ?kubernetes/,
  );
  assert.match(
    text,
    /DNS:kubernetes.default, DNS:kubernetes.default.svc.cluster.local, IP Address:10.32.0.1, IP Address:127.0.0.1/,
  );
  assert.match(text, /Key Usage: critical\s+Digital Signature, Key Encipherment\n/);
  assert.match(text, /Extended Key Usage: \s*\n\s*TLS Web Server Authentication\n/);
  assert.match(text, /Basic Constraints: critical\s+CA:FALSE/);
  assert.match(text, /Public Key Algorithm: id-ecPublicKey/);
  const ca = parseCertificatePem(readFileSync(join(d, 'ca.pem')));
  const leaf = parseCertificatePem(readFileSync(join(d, 'server.pem')));
  assert.equal(ca.isCA, true);
  assert.deepEqual(ca.keyUsage, ['keyCertSign', 'cRLSign']);
  // -initca: 5 years; the leaf: 876000h from a 5-minute backdate rounded to the minute
  assert.equal(ca.notAfter.getTime() - ca.notBefore.getTime(), 43800 * 3600_000);
  assert.equal(leaf.notAfter.getTime() - leaf.notBefore.getTime(), 876000 * 3600_000);
  assert.equal(leaf.notBefore.getUTCSeconds(), 0);
  assert.ok(Math.abs(Date.now() - 5 * 60_000 - leaf.notBefore.getTime()) < 90_000);
  assert.ok(isSignedBy(leaf, ca));
  // the server key matches the certificate
  const a = openssl(['pkey', '-in', join(d, 'server-key.pem'), '-pubout']).stdout;
  const b = openssl(['x509', '-in', join(d, 'server.pem'), '-noout', '-pubkey']).stdout;
  assert.equal(a, b);
});

test('sign warns that a leaf outlives its CA (kept, as cfssl allows)', (t) => {
  const d = setup(t);
  pipe(
    d,
    `${K} cfssl gencert -initca ca-csr.json | ${K} cfssljson -bare ca && ${K} cfssl genkey server-csr.json | ${K} cfssljson -bare server`,
  );
  const r = pipe(d, `${K} cfssl sign -ca ca.pem -ca-key ca-key.pem -config ca-config.json -profile server server.csr`);
  assert.equal(r.code, 0);
  assert.match(r.stderr, /\[WARNING\] the certificate expires .* after its CA/);
  assert.match(r.stdout, /^\{"cert":"-----BEGIN CERTIFICATE-----\\n/);
});

test('gencert with a local CA, -hostname override, gencsr, selfsign, -renewca, certinfo, print-defaults', (t) => {
  const d = setup(t);
  assert.equal(pipe(d, `${K} cfssl gencert -initca ca-csr.json | ${K} cfssljson -bare ca`).code, 0);
  let r = pipe(
    d,
    `${K} cfssl gencert -ca=ca.pem -ca-key=ca-key.pem -config=ca-config.json -profile=server -hostname=a.example,10.0.0.9 server-csr.json | ${K} cfssljson -bare gen`,
  );
  assert.equal(r.code, 0, r.stderr);
  const gen = parseCertificatePem(readFileSync(join(d, 'gen.pem')));
  assert.deepEqual([gen.dnsNames, gen.ipAddresses], [['a.example'], ['10.0.0.9']]);
  assert.deepEqual(parseCsrPem(readFileSync(join(d, 'gen.csr'))).dnsNames, ['a.example']);
  // gencsr with the existing key
  r = pipe(d, `${K} cfssl gencsr -key gen-key.pem server-csr.json | ${K} cfssljson -bare again`);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(parseCsrPem(readFileSync(join(d, 'again.csr'))).spkiDer.equals(gen.spkiDer));
  // selfsign
  r = pipe(d, `${K} cfssl selfsign www.example server-csr.json | ${K} cfssljson -bare self`);
  assert.equal(r.code, 0, r.stderr);
  const self = parseCertificatePem(readFileSync(join(d, 'self.pem')));
  assert.ok(self.issuerDer.equals(self.subjectDer));
  assert.deepEqual(self.extKeyUsage, ['serverAuth', 'clientAuth']);
  // renewca keeps key and subject
  r = pipe(d, `${K} cfssl gencert -renewca -ca ca.pem -ca-key ca-key.pem | ${K} cfssljson -bare renewed`);
  assert.equal(r.code, 0, r.stderr);
  const old = parseCertificatePem(readFileSync(join(d, 'ca.pem')));
  const ren = parseCertificatePem(readFileSync(join(d, 'renewed.pem')));
  assert.ok(ren.spkiDer.equals(old.spkiDer));
  assert.ok(ren.subjectDer.equals(old.subjectDer));
  assert.notEqual(ren.serialNumber, old.serialNumber);
  openssl(['verify', '-CAfile', join(d, 'renewed.pem'), join(d, 'gen.pem')]); // same key + name: old leaves verify
  // certinfo + print-defaults
  r = pipe(d, `${K} cfssl certinfo -cert gen.pem`);
  const info = JSON.parse(r.stdout) as { subject: { common_name: string }; sans: string[]; serial_number: string };
  assert.equal(info.subject.common_name, 'kubernetes');
  assert.deepEqual(info.sans, ['a.example', '10.0.0.9']);
  assert.equal(info.serial_number, gen.serialNumber.toString());
  assert.equal(JSON.parse(pipe(d, `${K} cfssl print-defaults config`).stdout).signing.profiles.www.expiry, '8760h');
  assert.equal(JSON.parse(pipe(d, `${K} cfssl print-defaults csr`).stdout).key.algo, 'ecdsa');
  // genkey -initca with ed25519 (kubetls extension)
  writeFileSync(
    join(d, 'ed.json'),
    JSON.stringify({ CN: 'ed CA', key: { algo: 'ed25519' }, ca: { pathlenzero: true } }),
  );
  r = pipe(d, `${K} cfssl genkey -initca ed.json | ${K} cfssljson -bare ed`);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    openssl(['x509', '-in', join(d, 'ed.pem'), '-noout', '-text']).stdout,
    /ED25519[\s\S]*CA:TRUE, pathlen:0/,
  );
});

test('gencrl makes a CRL openssl accepts', (t) => {
  const d = setup(t);
  pipe(d, `${K} cfssl gencert -initca ca-csr.json | ${K} cfssljson -bare ca`);
  writeFileSync(join(d, 'serials'), '12345\n987654321987654321\n');
  const r = pipe(d, `${K} cfssl gencrl serials ca.pem ca-key.pem 3600 | base64 -d > crl.der`);
  assert.equal(r.code, 0, r.stderr);
  const text = openssl([
    'crl',
    '-inform',
    'DER',
    '-in',
    join(d, 'crl.der'),
    '-noout',
    '-text',
    '-CAfile',
    join(d, 'ca.pem'),
  ]);
  assert.match(text.stdout + text.stderr, /verify OK/);
  assert.match(text.stdout, /Serial Number: 3039/);
  writeFileSync(join(d, 'bad'), '12x\n');
  const bad = pipe(d, `${K} cfssl gencrl bad ca.pem ca-key.pem`);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /bad:1: "12x" is not a decimal serial/);
});

test('bad and hostile files: one-line errors, non-zero exit, nothing written', (t) => {
  const d = setup(t);
  pipe(
    d,
    `${K} cfssl gencert -initca ca-csr.json | ${K} cfssljson -bare ca && ${K} cfssl genkey server-csr.json | ${K} cfssljson -bare server`,
  );
  writeFileSync(
    join(d, 'bad-usage.json'),
    JSON.stringify({ signing: { profiles: { s: { usages: ['server auth', 'sever auth'], expiry: '1h' } } } }),
  );
  writeFileSync(join(d, 'bad-expiry.json'), JSON.stringify({ signing: { default: { expiry: '1 year' } } }));
  writeFileSync(join(d, 'bad-key.json'), JSON.stringify({ CN: 'x', key: { algo: 'rsa', size: 512 } }));
  writeFileSync(join(d, 'bad-host.json'), JSON.stringify({ CN: 'x', hosts: ['ok.example', 'not ok'] }));
  writeFileSync(
    join(d, 'garbage.csr'),
    '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n',
  );
  writeFileSync(join(d, 'huge.json'), Buffer.alloc(3 * 1024 * 1024, 0x20));
  const before = readdirSync(d).sort();
  const cases: Array<[string, RegExp]> = [
    [
      `${K} cfssl sign -ca ca.pem -ca-key ca-key.pem -config bad-usage.json -profile s server.csr`,
      /usages\[1\]: unknown usage "sever auth"/,
    ],
    [
      `${K} cfssl sign -ca ca.pem -ca-key ca-key.pem -config bad-expiry.json server.csr`,
      /signing\.default\.expiry: invalid duration "1 year"/,
    ],
    [`${K} cfssl genkey bad-key.json`, /bad-key\.json: key\.size: 512/],
    [`${K} cfssl genkey bad-host.json`, /hosts\[1\]: "not ok" is not a valid DNS name/],
    [`${K} cfssl sign -ca ca.pem -ca-key ca-key.pem garbage.csr`, /certificate request/],
    [`${K} cfssl genkey huge.json`, /huge\.json is \d+ bytes, over the/],
    [
      `${K} cfssl sign -ca ca.pem -ca-key server-key.pem server.csr`,
      /-ca-key server-key\.pem does not belong to -ca ca\.pem/,
    ],
    [`${K} cfssl sign -ca-key ca-key.pem server.csr`, /-ca: the CA certificate file is required/],
    [`${K} cfssl gencert -c ca.pem server-csr.json`, /flag provided but not defined: -c/],
    [`${K} cfssl genkey missing.json`, /cannot read missing\.json: no such file/],
    [`echo '{"cert":' | ${K} cfssljson -bare x`, /invalid JSON/],
    [`${K} cfssl bundle`, /unknown command "bundle"/],
    [`${K} cfssl certinfo -cert ca-key.pem`, /no "CERTIFICATE" PEM block/],
    [`${K} cfssl print-defaults nope`, /unknown default "nope"/],
  ];
  for (const [cmd, re] of cases) {
    const r = pipe(d, cmd);
    assert.notEqual(r.code, 0, cmd);
    const lines = r.stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('error:'));
    assert.equal(lines.length, 1, `${cmd}: ${r.stderr}`);
    assert.match(lines[0]!, re, cmd);
    assert.equal(r.stdout, '', cmd);
  }
  assert.deepEqual(readdirSync(d).sort(), before, 'nothing written or removed');
});

test('interop: a real-cfssl CA signs with kubetls and a kubetls CA signs with real cfssl', needCfssl, (t) => {
  const d = setup(t);
  let r = pipe(
    d,
    'set -e; cfssl gencert -initca ca-csr.json 2>/dev/null | cfssljson -bare cfca; cfssl genkey server-csr.json 2>/dev/null | cfssljson -bare srv',
  );
  assert.equal(r.code, 0, r.stderr);
  r = pipe(
    d,
    `set -e; ${K} cfssl sign -ca cfca.pem -ca-key cfca-key.pem -config ca-config.json -profile server srv.csr 2>/dev/null | cfssljson -bare by-kubetls`,
  );
  assert.equal(r.code, 0, r.stderr);
  openssl(['verify', '-CAfile', join(d, 'cfca.pem'), join(d, 'by-kubetls.pem')]);
  r = pipe(
    d,
    `set -e; ${K} cfssl gencert -initca ca-csr.json | ${K} cfssljson -bare kca; ${K} cfssl genkey server-csr.json | ${K} cfssljson -bare ksrv; cfssl sign -ca kca.pem -ca-key kca-key.pem -config ca-config.json -profile server ksrv.csr 2>/dev/null | cfssljson -bare by-cfssl`,
  );
  assert.equal(r.code, 0, r.stderr);
  openssl(['verify', '-CAfile', join(d, 'kca.pem'), join(d, 'by-cfssl.pem')]);
  // real cfssl certinfo parses kubetls certificates and agrees with kubetls certinfo
  const theirs = JSON.parse(pipe(d, 'cfssl certinfo -cert by-kubetls.pem').stdout);
  const ours = JSON.parse(pipe(d, `${K} cfssl certinfo -cert by-kubetls.pem`).stdout);
  assert.deepEqual(ours, theirs);
  assert.equal(JSON.parse(pipe(d, 'cfssl certinfo -cert kca.pem').stdout).subject.common_name, 'Kubernetes');
});

test(
  'interop: same inputs, same parsed fields as the real cfssl (subject, SANs, usages, constraints, validity)',
  needCfssl,
  (t) => {
    const d = setup(t);
    pipe(
      d,
      `${K} cfssl gencert -initca ca-csr.json | ${K} cfssljson -bare ca; ${K} cfssl genkey server-csr.json | ${K} cfssljson -bare srv`,
    );
    writeFileSync(
      join(d, 'inter.json'),
      JSON.stringify({
        signing: {
          default: { expiry: '8760h' },
          profiles: {
            inter: {
              usages: ['cert sign', 'crl sign', 'signing'],
              expiry: '20000h',
              ca_constraint: { is_ca: true, max_path_len: 0, max_path_len_zero: true },
            },
          },
        },
      }),
    );
    const fields = (pem: string) => {
      const c = parseCertificatePem(pem);
      return {
        subject: c.subjectString,
        issuer: c.issuerString,
        dns: c.dnsNames,
        ip: c.ipAddresses,
        ku: c.keyUsage,
        eku: c.extKeyUsage,
        isCA: c.isCA,
        pathlen: c.maxPathLen,
        life: c.notAfter.getTime() - c.notBefore.getTime(),
        aki: c.authorityKeyId?.toString('hex'),
      };
    };
    for (const [cfg, profile] of [
      ['ca-config.json', 'server'],
      ['inter.json', 'inter'],
      ['ca-config.json', 'nonexistent-falls-back'],
    ] as const) {
      const cmd = (tool: string) =>
        `${tool} sign -ca ca.pem -ca-key ca-key.pem -config ${cfg} -profile ${profile} srv.csr`;
      const ours = pipe(d, cmd(`${K} cfssl`));
      const theirs = pipe(d, cmd('cfssl'));
      if (profile === 'nonexistent-falls-back') {
        // the default profile has no usages: both refuse
        assert.notEqual(ours.code, 0);
        assert.match(theirs.stdout + theirs.stderr, /no key usage/);
        continue;
      }
      assert.equal(ours.code, 0, ours.stderr);
      const a = fields(JSON.parse(ours.stdout).cert);
      const b = fields(JSON.parse(theirs.stdout).cert);
      assert.deepEqual(a, b, `profile ${profile}`);
    }
    // -initca from the same CSR JSON
    const ca1 = fields(JSON.parse(pipe(d, `${K} cfssl gencert -initca ca-csr.json`).stdout).cert);
    const ca2 = fields(JSON.parse(pipe(d, 'cfssl gencert -initca ca-csr.json 2>/dev/null').stdout).cert);
    assert.deepEqual(ca1, ca2);
  },
);
