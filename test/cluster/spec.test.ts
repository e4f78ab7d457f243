/**
 * docs/upstream/k8s-pki.md §1 conformance of a single-node `kubetls init`, judged by openssl (not by kubetls's own
 * parser): subject, EKU, key usage, basic constraints, SAN list and order, chain (and the
 * wrong chain failing), validity arithmetic, and private-key PEM labels for RSA-2048, ECDSA-P256
 * and ED25519. The expected values are written out from docs/upstream/k8s-pki.md §1 by hand, not derived from src/.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cli, hasCommand, openssl, tmpDir } from '../helpers.js';

const CONFIG = `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
nodeRegistration:
  name: node-x
localAPIEndpoint:
  advertiseAddress: 10.20.30.40
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
controlPlaneEndpoint: cp.example.com:8443
networking:
  serviceSubnet: 10.100.0.0/16
  dnsDomain: example.local
apiServer:
  certSANs:
  - 192.168.7.7
  - api.example.org
  - kubernetes
`;

interface CertSpec {
  base: string;
  cn: string;
  o: string[];
  /** openssl's EKU names; undefined = no EKU extension (CAs) */
  eku?: string[];
  /** exact SAN list in openssl's rendering and order; [] = no SAN extension */
  san: string[];
  ca: string | null; // signer base; null = self-signed CA
  wrongCa: string;
  purposes: ('sslserver' | 'sslclient')[];
}

const SERVER = 'TLS Web Server Authentication';
const CLIENT = 'TLS Web Client Authentication';
const ETCD_SAN = [
  'DNS:localhost',
  'DNS:node-x',
  'IP Address:10.20.30.40',
  'IP Address:127.0.0.1',
  'IP Address:0:0:0:0:0:0:0:1',
];

/** docs/upstream/k8s-pki.md §1 table, in its order, for the CONFIG above. */
const SPEC: CertSpec[] = [
  { base: 'ca', cn: 'kubernetes', o: [], san: ['DNS:kubernetes'], ca: null, wrongCa: 'etcd/ca', purposes: [] },
  {
    base: 'apiserver',
    cn: 'kube-apiserver',
    o: [],
    eku: [SERVER],
    ca: 'ca',
    wrongCa: 'front-proxy-ca',
    purposes: ['sslserver'],
    // DNS: node name, kubernetes.*, controlPlaneEndpoint host, certSANs DNS — sorted, "kubernetes" deduplicated.
    // IPs in order: first service IP, advertise address, certSANs IP.
    san: [
      'DNS:api.example.org',
      'DNS:cp.example.com',
      'DNS:kubernetes',
      'DNS:kubernetes.default',
      'DNS:kubernetes.default.svc',
      'DNS:kubernetes.default.svc.example.local',
      'DNS:node-x',
      'IP Address:10.100.0.1',
      'IP Address:10.20.30.40',
      'IP Address:192.168.7.7',
    ],
  },
  {
    base: 'apiserver-kubelet-client',
    cn: 'kube-apiserver-kubelet-client',
    o: ['kubeadm:cluster-admins'],
    eku: [CLIENT],
    san: [],
    ca: 'ca',
    wrongCa: 'etcd/ca',
    purposes: ['sslclient'],
  },
  {
    base: 'front-proxy-ca',
    cn: 'front-proxy-ca',
    o: [],
    san: ['DNS:front-proxy-ca'],
    ca: null,
    wrongCa: 'ca',
    purposes: [],
  },
  {
    base: 'front-proxy-client',
    cn: 'front-proxy-client',
    o: [],
    eku: [CLIENT],
    san: [],
    ca: 'front-proxy-ca',
    wrongCa: 'ca',
    purposes: ['sslclient'],
  },
  { base: 'etcd/ca', cn: 'etcd-ca', o: [], san: ['DNS:etcd-ca'], ca: null, wrongCa: 'ca', purposes: [] },
  {
    base: 'etcd/server',
    cn: 'node-x',
    o: [],
    eku: [SERVER, CLIENT],
    san: ETCD_SAN,
    ca: 'etcd/ca',
    wrongCa: 'ca',
    purposes: ['sslserver', 'sslclient'],
  },
  {
    base: 'etcd/peer',
    cn: 'node-x',
    o: [],
    eku: [SERVER, CLIENT],
    san: ETCD_SAN,
    ca: 'etcd/ca',
    wrongCa: 'ca',
    purposes: ['sslserver', 'sslclient'],
  },
  {
    base: 'etcd/healthcheck-client',
    cn: 'kube-etcd-healthcheck-client',
    o: [],
    eku: [CLIENT],
    san: [],
    ca: 'etcd/ca',
    wrongCa: 'ca',
    purposes: ['sslclient'],
  },
  {
    base: 'apiserver-etcd-client',
    cn: 'kube-apiserver-etcd-client',
    o: [],
    eku: [CLIENT],
    san: [],
    ca: 'etcd/ca',
    wrongCa: 'ca',
    purposes: ['sslclient'],
  },
];

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** openssl's "Nov 23 23:12:10 2026 GMT" → epoch ms (parsed by hand: Date.parse of this form is engine-specific). */
function opensslDate(s: string): number {
  const m = /^(\w{3}) +(\d+) (\d\d):(\d\d):(\d\d) (\d{4}) GMT$/.exec(s.trim());
  assert.ok(m, `unparsable openssl date ${s}`);
  return Date.UTC(Number(m[6]), MONTHS.indexOf(m[1]!), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
}

interface Parsed {
  cn: string[];
  o: string[];
  other: string[];
  eku?: string[] | undefined;
  keyUsage: string[];
  basic: string;
  san: string[];
  notBefore: number;
  notAfter: number;
  keyAlg: string;
}

function parse(file: string): Parsed {
  const out = openssl([
    'x509',
    '-in',
    file,
    '-noout',
    '-subject',
    '-nameopt',
    'sep_multiline,sname',
    '-ext',
    'subjectAltName,extendedKeyUsage,keyUsage,basicConstraints',
    '-startdate',
    '-enddate',
  ]).stdout;
  const lines = out.split('\n');
  const subj: string[] = [];
  let i = lines.indexOf('subject=') + 1;
  assert.ok(i > 0, out);
  while (i < lines.length && /^ {4}\w+=/.test(lines[i]!)) subj.push(lines[i++]!.trim());
  const ext = (name: string): string | undefined => {
    const j = lines.findIndex((l) => l.startsWith(`X509v3 ${name}`));
    return j < 0 ? undefined : lines[j + 1]!.trim();
  };
  const list = (v: string | undefined) => (v === undefined ? undefined : v.split(', '));
  const text = openssl(['x509', '-in', file, '-noout', '-text']).stdout;
  return {
    cn: subj.filter((s) => s.startsWith('CN=')).map((s) => s.slice(3)),
    o: subj.filter((s) => s.startsWith('O=')).map((s) => s.slice(2)),
    other: subj.filter((s) => !/^(CN|O)=/.test(s)),
    eku: list(ext('Extended Key Usage')),
    keyUsage: list(ext('Key Usage')) ?? [],
    basic: ext('Basic Constraints') ?? '',
    san: list(ext('Subject Alternative Name')) ?? [],
    notBefore: opensslDate(/notBefore=(.*)/.exec(out)![1]!),
    notAfter: opensslDate(/notAfter=(.*)/.exec(out)![1]!),
    keyAlg: /Public Key Algorithm: (\S+)/.exec(text)![1]!,
  };
}

const pubOfKey = (f: string) => openssl(['pkey', '-in', f, '-pubout']).stdout;
const pubOfCert = (f: string) => openssl(['x509', '-in', f, '-noout', '-pubkey']).stdout;

const ALGS = [
  { alg: 'RSA-2048', keyLabel: 'RSA PRIVATE KEY', keyAlg: 'rsaEncryption' },
  { alg: 'ECDSA-P256', keyLabel: 'EC PRIVATE KEY', keyAlg: 'id-ecPublicKey' },
  { alg: 'ED25519', keyLabel: 'PRIVATE KEY', keyAlg: 'ED25519' },
];

const HOUR = 3_600_000;
const SKEW = 5 * 60_000;

describe(
  'docs/upstream/k8s-pki.md §1: every certificate of a single-node init, checked with openssl',
  { skip: hasCommand('openssl') ? false : 'openssl not installed', timeout: 120_000 },
  () => {
    for (const { alg, keyLabel, keyAlg } of ALGS) {
      it(`${alg}: subject, EKU, key usage, SANs, chain, validity, key files`, (t) => {
        const d = tmpDir('kubetls-spec-', t);
        writeFileSync(join(d, 'kubeadm.yaml'), CONFIG);
        const t0 = Math.floor(Date.now() / 1000) * 1000; // openssl dates have 1 s resolution
        const r = cli([
          'init',
          '--dir',
          d,
          '--config',
          join(d, 'kubeadm.yaml'),
          '--encryption-algorithm',
          alg,
          '--no-progress',
        ]);
        const t1 = Date.now();
        assert.equal(r.code, 0, r.stderr);
        const pki = (b: string, ext = '.crt') => join(d, 'pki', b + ext);

        for (const s of SPEC) {
          const p = parse(pki(s.base));
          const where = `${alg} ${s.base}`;
          assert.deepEqual(p.cn, [s.cn], `${where} CN`);
          assert.deepEqual(p.o, s.o, `${where} O`);
          assert.deepEqual(p.other, [], `${where}: unexpected subject attributes`);
          assert.deepEqual(p.san, s.san, `${where} SANs (exact list and order)`);
          assert.equal(p.keyAlg, keyAlg, `${where} key algorithm`);
          // kubeadm backdates NotBefore by 5 min; NotAfter = start + period → NotAfter − NotBefore = period + 5 min.
          const period = s.ca === null ? 87600 * HOUR : 8760 * HOUR;
          assert.equal(p.notAfter - p.notBefore, period + SKEW, `${where} validity length`);
          assert.ok(
            p.notBefore >= t0 - SKEW - 2000 && p.notBefore <= t1 - SKEW + 2000,
            `${where} NotBefore ${new Date(p.notBefore).toISOString()} not ≈ now − 5 min`,
          );

          if (s.ca === null) {
            assert.equal(p.basic, 'CA:TRUE', where);
            assert.ok(p.keyUsage.includes('Certificate Sign'), `${where}: ${p.keyUsage.join(',')}`);
            assert.equal(p.eku, undefined, `${where}: CA should carry no EKU`);
            // Self-signed: verifies against itself and against nothing else.
            assert.equal(openssl(['verify', '-CAfile', pki(s.base), pki(s.base)], false).code, 0, where);
          } else {
            assert.equal(p.basic, 'CA:FALSE', where);
            // Ed25519 keys cannot encipher; the template in docs/upstream/k8s-pki.md §1 names KeyEncipherment for leaves, which
            // kubeadm only ever pairs with RSA/ECDSA keys — so only DigitalSignature is required here.
            assert.ok(p.keyUsage.includes('Digital Signature'), `${where}: ${p.keyUsage.join(',')}`);
            if (alg !== 'ED25519') assert.deepEqual(p.keyUsage, ['Digital Signature', 'Key Encipherment'], where);
            assert.ok(!p.keyUsage.includes('Certificate Sign'), where);
            assert.deepEqual(p.eku, s.eku, `${where} EKU`);
            for (const purpose of s.purposes) {
              const ok = openssl(['verify', '-purpose', purpose, '-CAfile', pki(s.ca), pki(s.base)], false);
              assert.equal(ok.code, 0, `${where} ${purpose}: ${ok.stdout}${ok.stderr}`);
            }
            // The purpose it does not have must be refused (client-only certs are not servers, and vice versa).
            for (const other of (['sslserver', 'sslclient'] as const).filter((x) => !s.purposes.includes(x))) {
              assert.notEqual(
                openssl(['verify', '-purpose', other, '-CAfile', pki(s.ca), pki(s.base)], false).code,
                0,
                `${where} must not verify as ${other}`,
              );
            }
          }
          const wrong = openssl(['verify', '-CAfile', pki(s.wrongCa), pki(s.base)], false);
          assert.notEqual(wrong.code, 0, `${where} verified against the wrong CA ${s.wrongCa}`);
          assert.match(
            wrong.stdout + wrong.stderr,
            /unable to get local issuer certificate|self-signed certificate|self signed certificate/,
            where,
          );

          // Key file: expected PEM label, and it is the private half of this certificate.
          const key = readFileSync(pki(s.base, '.key'), 'utf8');
          assert.match(key, new RegExp(`^-----BEGIN ${keyLabel}-----\\n`), `${where} key label`);
          assert.equal(
            pubOfKey(pki(s.base, '.key')),
            pubOfCert(pki(s.base)),
            `${where}: key does not match certificate`,
          );
        }

        // sa key pair: PKIX PUBLIC KEY, private key in the cluster's algorithm, halves matching.
        assert.match(readFileSync(pki('sa', '.pub'), 'utf8'), /^-----BEGIN PUBLIC KEY-----\n/);
        assert.match(readFileSync(pki('sa', '.key'), 'utf8'), new RegExp(`^-----BEGIN ${keyLabel}-----\\n`));
        assert.equal(pubOfKey(pki('sa', '.key')), readFileSync(pki('sa', '.pub'), 'utf8'));

        // Serials: distinct across the tree, in [1, 2^63−1].
        const serials = SPEC.map((s) =>
          BigInt(
            '0x' +
              openssl(['x509', '-in', pki(s.base), '-noout', '-serial'])
                .stdout.trim()
                .replace('serial=', ''),
          ),
        );
        assert.equal(new Set(serials).size, serials.length);
        for (const n of serials) assert.ok(n >= 1n && n <= 2n ** 63n - 1n, `serial ${n}`);
      });
    }
  },
);

describe(
  'ED25519 key usage (RFC 8410 §5 as updated by RFC 9295)',
  { skip: hasCommand('openssl') ? false : 'openssl not installed' },
  () => {
    // RFC 9295: for an Ed25519 subject key, keyEncipherment/dataEncipherment/keyAgreement MUST NOT be
    // present (end-entity and CA). kubetls copies the RSA-era kubeadm template unchanged.
    it('no keyEncipherment on any Ed25519 certificate (RFC 9295)', (t) => {
      const d = tmpDir('kubetls-ed-', t);
      assert.equal(
        cli([
          'init',
          '--dir',
          d,
          '--node-name',
          'n',
          '--apiserver-advertise-address',
          '10.0.0.1',
          '--encryption-algorithm',
          'ED25519',
          '--no-progress',
        ]).code,
        0,
      );
      for (const s of SPEC) {
        const ku = parse(join(d, 'pki', `${s.base}.crt`)).keyUsage;
        assert.ok(!ku.includes('Key Encipherment'), `${s.base}: ${ku.join(', ')}`);
      }
    });
  },
);
