/**
 * `kubetls audit` output, byte for byte, on a node tree issued at a fixed time and audited at a
 * fixed time: the compliant tree and broken variants that reach every branch of the checks
 * (table, JSON and JUnit for the main ones, JSON — every field of every finding — for the rest).
 * The library runs with ownership checks off, which is what the CLI prints when not run as
 * root; as root, the CLI itself is compared too (ownership rows included).
 */
import { test, before } from 'node:test';
import { generateKeyPairSync, webcrypto } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { parse, stringify } from 'yaml';
import { audit } from '../../src/audit/audit.js';
import { render, type OutputFormat } from '../../src/audit/render.js';
import {
  certToPem,
  createIssuer,
  fixedClock,
  generateKey,
  issueCertificate,
  parseCertificatePem,
  parsePrivateKeyPem,
} from '../../src/pki/index.js';
import { cli, tmpDir } from '../helpers.js';
import { assertGolden, zeroTimings } from './golden.js';
import { manifest, reissue, setFlag, variant } from './mutate.js';
import { buildNodeAt, SUITES } from './nodetree.js';

/** The PKI is issued at ISSUED; the audit looks at it at NOW (leaves expire 2026-01-01). */
const ISSUED = new Date('2025-01-01T00:00:00Z');
const NOW = new Date('2025-06-01T00:00:00Z');
const at = (iso: string): Date => new Date(iso);
const FORMATS: readonly OutputFormat[] = ['table', 'json', 'junit'];

let base = '';
before(async () => {
  base = tmpDir('kubetls-golden-base-');
  await buildNodeAt(ISSUED, base);
});

const pki = (root: string, p: string): string => join(root, 'etc/kubernetes/pki', p);
const kubeconfig = (root: string, name: string): string => join(root, 'etc/kubernetes', name);
const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');

/** Edits a kubeadm kubeconfig (one cluster, one user) through `edit(cluster, user)`. */
function editKubeconfig(
  root: string,
  name: string,
  edit: (cluster: Record<string, unknown>, user: Record<string, unknown>) => void,
): void {
  const file = kubeconfig(root, name);
  const doc = parse(readFileSync(file, 'utf8')) as {
    clusters: { cluster: Record<string, unknown> }[];
    users: { user: Record<string, unknown> }[];
  };
  edit(doc.clusters[0]!.cluster, doc.users[0]!.user);
  writeFileSync(file, stringify(doc), { mode: 0o600 });
}

function kubeletConfig(root: string, cfg: Record<string, unknown>): void {
  writeFileSync(join(root, 'var/lib/kubelet/config.yaml'), stringify(cfg));
}

/** A leaf with a 1024-bit RSA key, issued by the cluster CA (KT-PKI-KEYSIZE). */
function weakRsaLeaf(root: string): void {
  const issuer = createIssuer(
    parseCertificatePem(readFileSync(pki(root, 'ca.crt'))).der,
    parsePrivateKeyPem(readFileSync(pki(root, 'ca.key'))),
  );
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const der = issueCertificate(
    {
      subject: { commonName: 'weak-rsa' },
      notBefore: ISSUED,
      notAfter: at('2026-01-01T00:00:00Z'),
      keyUsage: ['digitalSignature'],
      extKeyUsage: ['clientAuth'],
    },
    { publicKey, issuer },
  );
  writeFileSync(pki(root, 'weak-rsa.crt'), certToPem(der));
}

/** A self-signed SHA-1 certificate (KT-PKI-SIG); kubetls cannot sign with SHA-1, WebCrypto can. */
async function sha1Cert(root: string): Promise<void> {
  const alg = {
    name: 'RSASSA-PKCS1-v1_5',
    hash: 'SHA-1',
    publicExponent: new Uint8Array([1, 0, 1]),
    modulusLength: 2048,
  };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: '01',
      name: 'CN=legacy-sha1',
      notBefore: ISSUED,
      notAfter: at('2030-01-01T00:00:00Z'),
      signingAlgorithm: alg,
      keys,
    },
    webcrypto,
  );
  writeFileSync(pki(root, 'legacy-sha1.crt'), cert.toString('pem'));
}

type Mutation = (root: string) => void | Promise<void>;
interface Scenario {
  name: string;
  mutate?: Mutation;
  now?: Date;
  /** formats with a golden file (JSON holds every field of every finding) */
  formats?: readonly OutputFormat[];
}

const SCENARIOS: Scenario[] = [
  { name: 'compliant', formats: FORMATS },
  // 22 days before the leaves expire: WARN everywhere, nothing FAILs.
  { name: 'expiring', now: at('2025-12-10T00:00:00Z') },
  {
    name: 'wrong-cn',
    formats: FORMATS,
    mutate: async (r) => {
      await reissue(r, 'apiserver', (t) => (t.commonName = 'kube-apiserver-wrong'));
      await reissue(r, 'apiserver-kubelet-client', (t) => (t.organization = ['system:nodes']));
    },
  },
  {
    name: 'expired',
    formats: FORMATS,
    mutate: async (r) => {
      await reissue(r, 'apiserver', (t) => {
        t.notBefore = at('2025-05-01T00:00:00Z');
        t.notAfter = at('2025-05-31T00:00:00Z');
      });
      await reissue(r, 'apiserver-kubelet-client', (t) => (t.notBefore = at('2025-06-10T00:00:00Z')));
      await reissue(r, 'front-proxy-client', (t) => (t.notAfter = at('2025-06-05T00:00:00Z')), 'front-proxy-ca');
      await reissue(r, 'etcd/healthcheck-client', (t) => (t.notAfter = at('2025-06-20T00:00:00Z')), 'etcd/ca');
      await reissue(r, 'apiserver-etcd-client', (t) => (t.notAfter = at('2040-01-01T00:00:00Z')), 'etcd/ca');
    },
  },
  {
    name: 'world-readable-key',
    formats: FORMATS,
    mutate: (r) => {
      chmodSync(pki(r, 'front-proxy-ca.key'), 0o644);
      chmodSync(pki(r, 'apiserver.key'), 0o640);
      chmodSync(pki(r, 'ca.crt'), 0o666);
      chmodSync(pki(r, 'etcd/ca.crt'), 0o600);
    },
  },
  {
    name: 'missing-files',
    formats: FORMATS,
    mutate: (r) => {
      for (const p of ['apiserver.key', 'etcd/server.crt', 'sa.pub', 'front-proxy-ca.crt']) rmSync(pki(r, p));
      rmSync(kubeconfig(r, 'admin.conf'));
      rmSync(join(r, 'var/lib/kubelet/config.yaml'));
      rmSync(manifest(r, 'kube-scheduler'));
    },
  },
  {
    name: 'flags',
    mutate: (r) => {
      setFlag(r, 'kube-apiserver', 'kubelet-certificate-authority', null);
      setFlag(r, 'kube-apiserver', 'insecure-port', '8080');
      setFlag(r, 'kube-apiserver', 'anonymous-auth', 'false');
      setFlag(r, 'kube-apiserver', 'etcd-servers', 'http://127.0.0.1:2379,https://10.0.0.10:2379');
      setFlag(r, 'kube-apiserver', 'tls-min-version', 'VersionTLS10');
      setFlag(r, 'kube-apiserver', 'tls-cipher-suites', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,TLS_FOO');
      setFlag(r, 'kube-controller-manager', 'feature-gates', 'Foo=true,RotateKubeletServerCertificate=false');
      setFlag(r, 'kube-controller-manager', 'bind-address', '0.0.0.0');
      setFlag(r, 'kube-controller-manager', 'tls-cipher-suites', 'TLS_RSA_WITH_AES_128_CBC_SHA');
      setFlag(r, 'kube-controller-manager', 'tls-min-version', 'VersionTLS11');
      setFlag(r, 'kube-controller-manager', 'root-ca-file', null);
      setFlag(r, 'kube-scheduler', 'tls-min-version', 'TLS1.9');
      setFlag(r, 'kube-scheduler', 'bind-address', null);
      setFlag(r, 'etcd', 'client-cert-auth', 'false');
      setFlag(r, 'etcd', 'auto-tls', 'true');
      setFlag(r, 'etcd', 'peer-auto-tls', 'true');
      setFlag(r, 'etcd', 'peer-client-cert-auth', null);
      setFlag(r, 'etcd', 'trusted-ca-file', '/etc/kubernetes/pki/ca.crt');
      setFlag(r, 'etcd', 'listen-client-urls', 'http://127.0.0.1:2379');
      setFlag(r, 'etcd', 'name', 'default');
      setFlag(r, 'etcd', 'cipher-suites', `${SUITES},TLS_BAR`);
    },
  },
  {
    name: 'no-client-ca',
    mutate: (r) => {
      for (const f of ['client-ca-file', 'tls-cert-file', 'tls-private-key-file', 'kubelet-client-key'])
        setFlag(r, 'kube-apiserver', f, null);
      setFlag(r, 'etcd', 'trusted-ca-file', null);
      setFlag(r, 'etcd', 'name', null);
    },
  },
  {
    name: 'kubelet',
    mutate: (r) =>
      kubeletConfig(r, {
        apiVersion: 'kubelet.config.k8s.io/v1beta1',
        kind: 'KubeletConfiguration',
        authentication: { anonymous: { enabled: true } },
        rotateCertificates: false,
        serverTLSBootstrap: true,
        featureGates: { RotateKubeletServerCertificate: false },
        tlsCertFile: '/etc/kubernetes/pki/apiserver.crt',
        tlsPrivateKeyFile: '/etc/kubernetes/pki/apiserver-kubelet-client.key',
        tlsMinVersion: 'VersionTLS11',
        tlsCipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'TLS_BOGUS'],
      }),
  },
  {
    name: 'kubelet-bare',
    mutate: (r) => kubeletConfig(r, { apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration' }),
  },
  { name: 'kubelet-wrong-kind', mutate: (r) => kubeletConfig(r, { apiVersion: 'v1', kind: 'ConfigMap' }) },
  {
    name: 'kubeconfigs',
    mutate: (r) => {
      editKubeconfig(r, 'admin.conf', (c) => (c.server = 'http://10.0.0.10:6443'));
      editKubeconfig(r, 'scheduler.conf', (c) => delete c['certificate-authority-data']);
      editKubeconfig(
        r,
        'controller-manager.conf',
        (c) => (c['certificate-authority-data'] = b64(readFileSync(pki(r, 'etcd/ca.crt')))),
      );
      editKubeconfig(
        r,
        'kubelet.conf',
        (_c, u) => (u['client-key-data'] = b64(readFileSync(pki(r, 'front-proxy-client.key')))),
      );
      editKubeconfig(r, 'kube-proxy.conf', (_c, u) => {
        delete u['client-certificate-data'];
        delete u['client-key-data'];
        u.token = 'abcdef.0123456789abcdef';
      });
      writeFileSync(kubeconfig(r, 'super-admin.conf'), 'apiVersion: v1\nkind: Config\nclusters: [unclosed');
    },
  },
  {
    name: 'kubeconfig-files',
    mutate: (r) => {
      editKubeconfig(r, 'kubelet.conf', (_c, u) => {
        delete u['client-certificate-data'];
        delete u['client-key-data'];
        u['client-certificate'] = '/var/lib/kubelet/pki/kubelet-client-current.pem';
        u['client-key'] = '/var/lib/kubelet/pki/kubelet-client-current.pem';
      });
      editKubeconfig(r, 'admin.conf', (c, u) => {
        delete c['certificate-authority-data'];
        c['certificate-authority'] = '/etc/kubernetes/pki/ca.crt';
        u['client-certificate-data'] = b64('not a certificate');
      });
      editKubeconfig(r, 'scheduler.conf', (c) => (c['certificate-authority-data'] = b64('garbage')));
      editKubeconfig(r, 'controller-manager.conf', (_c, u) => (u['client-key-data'] = b64('garbage')));
      editKubeconfig(r, 'kube-proxy.conf', (_c, u) => {
        delete u['client-certificate-data'];
        delete u['client-key-data'];
        u['client-certificate'] = '/etc/kubernetes/pki/front-proxy-client.crt';
        u['client-key'] = '/etc/kubernetes/pki/front-proxy-client.key';
      });
    },
  },
  {
    name: 'hostile',
    mutate: (r) => {
      const bomb = [
        'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
        ...Array.from({ length: 12 }, (_, i) => {
          const [p, c] = [String.fromCharCode(97 + i), String.fromCharCode(98 + i)];
          return `${c}: &${c} [*${p},*${p},*${p},*${p},*${p}]`;
        }),
      ].join('\n');
      writeFileSync(manifest(r, 'kube-scheduler'), `kind: Pod\n${bomb}\n`);
      writeFileSync(manifest(r, 'zz-configmap'), 'kind: ConfigMap\n');
      for (let i = 0; i < 66; i++)
        writeFileSync(
          manifest(r, `zz-other-${String(i).padStart(2, '0')}`),
          'kind: Pod\nspec: {containers: [{name: x}]}\n',
        );
      writeFileSync(join(r, 'var/lib/kubelet/config.yaml'), 'x'.repeat(2 * 1024 * 1024));
      setFlag(r, 'kube-apiserver', 'tls-cert-file', '/../../../../etc/hostname');
    },
  },
  {
    name: 'empty-root',
    mutate: (r) => {
      for (const d of ['etc', 'var']) rmSync(join(r, d), { recursive: true });
    },
  },
  {
    name: 'worker',
    mutate: (r) => {
      for (const f of readdirSync(join(r, 'etc/kubernetes/manifests'))) rmSync(join(r, 'etc/kubernetes/manifests', f));
      for (const k of ['admin.conf', 'super-admin.conf', 'controller-manager.conf', 'scheduler.conf'])
        rmSync(kubeconfig(r, k));
      const ca = readFileSync(pki(r, 'ca.crt'));
      rmSync(join(r, 'etc/kubernetes/pki'), { recursive: true });
      mkdirSync(join(r, 'etc/kubernetes/pki'));
      writeFileSync(pki(r, 'ca.crt'), ca);
    },
  },
  {
    name: 'intrinsic',
    mutate: async (r) => {
      weakRsaLeaf(r);
      await sha1Cert(r);
      writeFileSync(pki(r, 'garbage.crt'), 'not a certificate\n');
      writeFileSync(pki(r, 'broken.key'), 'not a key\n', { mode: 0o600 });
      setFlag(r, 'kube-apiserver', 'kubelet-certificate-authority', '/etc/kubernetes/pki/apiserver.crt');
      setFlag(r, 'kube-controller-manager', 'cluster-signing-key-file', '/etc/kubernetes/pki/front-proxy-ca.key');
      const other = await generateKey('ECDSA-P256');
      writeFileSync(pki(r, 'sa.pub'), other.publicKey.export({ format: 'pem', type: 'spki' }));
      cpSync(pki(r, 'apiserver-kubelet-client.key'), pki(r, 'apiserver.key'));
    },
  },
  {
    name: 'san',
    mutate: (r) => {
      setFlag(r, 'kube-apiserver', 'advertise-address', '10.0.0.99');
      setFlag(r, 'kube-apiserver', 'service-cluster-ip-range', '10.200.0.0/16');
      setFlag(r, 'kube-apiserver', 'etcd-servers', 'https://etcd.example.com:2379');
      setFlag(r, 'etcd', 'advertise-client-urls', 'https://10.0.0.77:2379');
      setFlag(r, 'etcd', 'initial-advertise-peer-urls', 'https://[fd00::1]:2380');
    },
  },
];

/** What `kubetls audit` prints for `root`, with the temp root and the timings' milliseconds normalised. */
const normalise = (out: string, root: string): string => zeroTimings(out.split(root).join('<root>'));

for (const s of SCENARIOS) {
  test(`audit golden: ${s.name}`, async (t) => {
    const root = await variant(base, t, s.mutate ?? (() => {}));
    const report = await audit({ root, clock: fixedClock(s.now ?? NOW), checkOwnership: false });
    for (const format of s.formats ?? ['json'])
      assertGolden(`audit/${s.name}.${format}.golden`, normalise(render(report, format), root));
  });
}

test(
  'audit golden: the CLI as root (ownership rows), exit code included',
  { skip: process.getuid?.() !== 0 && 'ownership rows are only checked when running as root' },
  async (t) => {
    const root = await variant(base, t, (r) => chmodSync(pki(r, 'sa.key'), 0o644));
    for (const format of FORMATS) {
      const r = cli(['audit', '--root', root, '--now', NOW.toISOString(), '-o', format]);
      assertGolden(`audit/cli-root.${format}.golden`, `exit ${r.code}\n${normalise(r.stdout, root)}${r.stderr}`);
    }
  },
);
