/**
 * Real kubectl reads every kubeconfig kubetls writes (single node, with and without a
 * controlPlaneEndpoint; a worker tree of whole-cluster mode; `kubeconfig user`), and what it
 * reads is checked against docs/upstream/k8s-pki.md §2 with openssl: user = client CN, O, server URL, embedded CA
 * = pki/ca.crt byte for byte, client cert clientAuth-only and chaining to ca, key matching cert.
 * Only `kubectl config view --raw -o json` and `config get-contexts` are used: both exist in
 * kubectl 1.20 (Debian, CI) and 1.32.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cli, hasCommand, openssl, run, tmpDir } from '../helpers.js';

const HAVE = hasCommand('kubectl') && hasCommand('openssl');

interface Expect {
  file: string;
  cn: string;
  o: string[];
  server: string;
}

interface KubeconfigJson {
  'current-context': string;
  clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[];
  users: { name: string; user: { 'client-certificate-data': string; 'client-key-data': string } }[];
  contexts: { name: string; context: { cluster: string; user: string } }[];
}

/** Subject "O = a, O = b, CN = x" (openssl's default RFC2253-ish one-line form) → {cn, o}. */
function subjectOf(certPem: string, dir: string): { cn: string; o: string[]; eku: string; text: string } {
  const f = join(dir, 'subject-probe.crt');
  writeFileSync(f, certPem);
  const out = openssl([
    'x509',
    '-in',
    f,
    '-noout',
    '-subject',
    '-ext',
    'extendedKeyUsage',
    '-nameopt',
    'sep_multiline,sname',
  ]).stdout;
  const cn = [...out.matchAll(/^\s+CN=(.*)$/gm)].map((m) => m[1]!);
  const o = [...out.matchAll(/^\s+O=(.*)$/gm)].map((m) => m[1]!);
  const eku = /Extended Key Usage:.*\n\s*(.*)/.exec(out)?.[1]?.trim() ?? '';
  assert.equal(cn.length, 1, out);
  return { cn: cn[0]!, o, eku, text: out };
}

function checkKubeconfig(dir: string, caFile: string, e: Expect): void {
  const file = join(dir, e.file);
  const r = run('kubectl', ['config', 'view', '--raw', '--kubeconfig', file, '-o', 'json'], { timeout: 30_000 });
  assert.equal(r.code, 0, `${e.file}: ${r.stderr}`);
  const k = JSON.parse(r.stdout) as KubeconfigJson;
  const ctxName = `${e.cn}@kubernetes`;
  assert.equal(k['current-context'], ctxName, e.file);
  assert.equal(k.contexts.length, 1, e.file);
  assert.deepEqual(k.contexts[0], { name: ctxName, context: { cluster: 'kubernetes', user: e.cn } }, e.file);
  assert.equal(k.users.length, 1);
  assert.equal(k.users[0]!.name, e.cn, e.file);
  assert.equal(k.clusters.length, 1);
  assert.equal(k.clusters[0]!.name, 'kubernetes');
  assert.equal(k.clusters[0]!.cluster.server, e.server, e.file);

  // Embedded CA is exactly the CA file on disk (byte for byte, after base64).
  const caData = Buffer.from(k.clusters[0]!.cluster['certificate-authority-data'], 'base64').toString('utf8');
  assert.equal(caData, readFileSync(caFile, 'utf8'), `${e.file}: certificate-authority-data != ${caFile}`);

  const certPem = Buffer.from(k.users[0]!.user['client-certificate-data'], 'base64').toString('utf8');
  const keyPem = Buffer.from(k.users[0]!.user['client-key-data'], 'base64').toString('utf8');
  const work = tmpDir('kubetls-kc-');
  const s = subjectOf(certPem, work);
  assert.equal(s.cn, e.cn, `${e.file} CN`);
  assert.deepEqual(s.o, e.o, `${e.file} O`);
  assert.equal(s.eku, 'TLS Web Client Authentication', `${e.file}: EKU must be clientAuth only`);

  const certFile = join(work, 'client.crt');
  const keyFile = join(work, 'client.key');
  writeFileSync(certFile, certPem);
  writeFileSync(keyFile, keyPem, { mode: 0o600 });
  const v = openssl(['verify', '-purpose', 'sslclient', '-CAfile', caFile, certFile], false);
  assert.equal(v.code, 0, `${e.file}: ${v.stdout}${v.stderr}`);
  assert.match(v.stdout, /: OK$/m);
  // ... and as a TLS *server* cert it must be rejected (clientAuth only).
  const vs = openssl(['verify', '-purpose', 'sslserver', '-CAfile', caFile, certFile], false);
  assert.notEqual(vs.code, 0, `${e.file}: client cert must not pass as sslserver`);

  const fromKey = openssl(['pkey', '-in', keyFile, '-pubout']).stdout;
  const fromCert = openssl(['x509', '-in', certFile, '-noout', '-pubkey']).stdout;
  assert.equal(fromKey, fromCert, `${e.file}: client-key-data does not match client-certificate-data`);

  const g = run('kubectl', ['config', 'get-contexts', '--kubeconfig', file], { timeout: 30_000 });
  assert.equal(g.code, 0, g.stderr);
  // Current context is starred; columns: CURRENT NAME CLUSTER AUTHINFO.
  assert.match(g.stdout, new RegExp(`^\\*\\s+${escape(ctxName)}\\s+kubernetes\\s+${escape(e.cn)}\\s*$`, 'm'), g.stdout);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The five kubeadm kubeconfigs plus kube-proxy.conf for one control-plane node. */
function controlPlaneExpectations(node: string, cpServer: string, localServer: string): Expect[] {
  return [
    { file: 'admin.conf', cn: 'kubernetes-admin', o: ['kubeadm:cluster-admins'], server: cpServer },
    { file: 'super-admin.conf', cn: 'kubernetes-super-admin', o: ['system:masters'], server: cpServer },
    { file: 'kubelet.conf', cn: `system:node:${node}`, o: ['system:nodes'], server: cpServer },
    { file: 'controller-manager.conf', cn: 'system:kube-controller-manager', o: [], server: localServer },
    { file: 'scheduler.conf', cn: 'system:kube-scheduler', o: [], server: localServer },
    // docs/upstream/k8s-pki.md §1 names only the CN for kube-proxy; kubetls sets no O (kube-proxy is authorised by user name).
    { file: 'kube-proxy.conf', cn: 'system:kube-proxy', o: [], server: cpServer },
  ];
}

describe(
  'kubectl reads every kubetls kubeconfig',
  { skip: HAVE ? false : 'kubectl/openssl not installed', timeout: 120_000 },
  () => {
    it('single node, no control-plane endpoint: every server is advertise:6443', (t) => {
      const d = tmpDir('kubetls-kc1-', t);
      const r = cli([
        'init',
        '--dir',
        d,
        '--node-name',
        'node-a',
        '--apiserver-advertise-address',
        '10.1.2.3',
        '--encryption-algorithm',
        'ECDSA-P256',
        '--no-progress',
      ]);
      assert.equal(r.code, 0, r.stderr);
      for (const e of controlPlaneExpectations('node-a', 'https://10.1.2.3:6443', 'https://10.1.2.3:6443'))
        checkKubeconfig(d, join(d, 'pki/ca.crt'), e);
    });

    it('--control-plane-endpoint moves admin/super-admin/kubelet/kube-proxy, not controller-manager/scheduler', (t) => {
      const d = tmpDir('kubetls-kc2-', t);
      // RSA here so both key types go through kubectl + openssl pkey.
      const r = cli([
        'init',
        '--dir',
        d,
        '--node-name',
        'node-b',
        '--apiserver-advertise-address',
        '10.1.2.3',
        '--control-plane-endpoint',
        'cp.example.com:8443',
        '--no-progress',
      ]);
      assert.equal(r.code, 0, r.stderr);
      for (const e of controlPlaneExpectations('node-b', 'https://cp.example.com:8443', 'https://10.1.2.3:6443'))
        checkKubeconfig(d, join(d, 'pki/ca.crt'), e);
    });

    it('whole-cluster mode: worker tree (kubelet.conf, kube-proxy.conf) and a second control plane', (t) => {
      const d = tmpDir('kubetls-kc3-', t);
      writeFileSync(
        join(d, 'cluster.yaml'),
        [
          'apiVersion: kubeadm.k8s.io/v1beta4',
          'kind: ClusterConfiguration',
          'controlPlaneEndpoint: lb.example.com:6443',
          '---',
          'apiVersion: kubetls.io/v1alpha1',
          'kind: ClusterNodes',
          'nodes:',
          '- {name: cp-0, role: control-plane, address: 10.0.0.10}',
          '- {name: cp-1, role: control-plane, address: 10.0.0.11}',
          '- {name: worker-0, role: worker, address: 10.0.0.20}',
          '',
        ].join('\n'),
      );
      const r = cli([
        'init',
        '--dir',
        join(d, 'out'),
        '--config',
        join(d, 'cluster.yaml'),
        '--encryption-algorithm',
        'ECDSA-P256',
        '--no-progress',
      ]);
      assert.equal(r.code, 0, r.stderr);
      const w = join(d, 'out', 'worker-0');
      // Every node trusts the same cluster CA.
      assert.equal(readFileSync(join(w, 'pki/ca.crt'), 'utf8'), readFileSync(join(d, 'out/cp-0/pki/ca.crt'), 'utf8'));
      checkKubeconfig(w, join(w, 'pki/ca.crt'), {
        file: 'kubelet.conf',
        cn: 'system:node:worker-0',
        o: ['system:nodes'],
        server: 'https://lb.example.com:6443',
      });
      checkKubeconfig(w, join(w, 'pki/ca.crt'), {
        file: 'kube-proxy.conf',
        cn: 'system:kube-proxy',
        o: [],
        server: 'https://lb.example.com:6443',
      });
      // cp-1's local endpoint is its own address, not cp-0's.
      const cp1 = join(d, 'out', 'cp-1');
      for (const e of controlPlaneExpectations('cp-1', 'https://lb.example.com:6443', 'https://10.0.0.11:6443'))
        checkKubeconfig(cp1, join(cp1, 'pki/ca.crt'), e);
    });

    it('`kubeconfig user --client-name alice --org devs` output is read by kubectl', (t) => {
      const d = tmpDir('kubetls-kc4-', t);
      assert.equal(
        cli([
          'init',
          '--dir',
          d,
          '--node-name',
          'node-c',
          '--apiserver-advertise-address',
          '10.9.8.7',
          '--encryption-algorithm',
          'ECDSA-P256',
          '--no-progress',
        ]).code,
        0,
      );
      const u = cli([
        'kubeconfig',
        'user',
        '--client-name',
        'alice',
        '--org',
        'devs',
        '--dir',
        d,
        '--apiserver-advertise-address',
        '10.9.8.7',
      ]);
      assert.equal(u.code, 0, u.stderr);
      writeFileSync(join(d, 'alice.conf'), u.stdout);
      checkKubeconfig(d, join(d, 'pki/ca.crt'), {
        file: 'alice.conf',
        cn: 'alice',
        o: ['devs'],
        server: 'https://10.9.8.7:6443',
      });
    });
  },
);
