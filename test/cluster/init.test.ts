/** kubetls init: layout, formats, modes, idempotency, external CA, whole-cluster mode. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/cluster/config.js';
import { initPki } from '../../src/cluster/init.js';
import { KubetlsError } from '../../src/errors/index.js';
import { parseCertificatePem } from '../../src/pki/certpem.js';
import { isSignedBy } from '../../src/pki/verify.js';
import { cli, tmpDir } from '../helpers.js';
import { clock, initNode, KUBEADM_CONFIG, START, treeHash } from './fixtures.js';

const LEAVES = [
  'apiserver',
  'apiserver-kubelet-client',
  'front-proxy-client',
  'apiserver-etcd-client',
  'etcd/server',
  'etcd/peer',
  'etcd/healthcheck-client',
];
const CAS = ['ca', 'front-proxy-ca', 'etcd/ca'];
const KUBECONFIGS = [
  'admin.conf',
  'super-admin.conf',
  'kubelet.conf',
  'controller-manager.conf',
  'scheduler.conf',
  'kube-proxy.conf',
];
const cert = (dir: string, base: string) => parseCertificatePem(readFileSync(join(dir, 'pki', `${base}.crt`)));

test("writes kubeadm's layout with 0600 keys, 0700 dirs and kubeadm key formats", async (t) => {
  const dir = tmpDir('kubetls-init-', t);
  const res = await initNode(dir);
  for (const b of [...CAS, ...LEAVES]) {
    assert.ok(existsSync(join(dir, 'pki', `${b}.crt`)), `${b}.crt`);
    assert.equal(statSync(join(dir, 'pki', `${b}.key`)).mode & 0o777, 0o600, `${b}.key mode`);
    assert.equal(statSync(join(dir, 'pki', `${b}.crt`)).mode & 0o777, 0o644);
    assert.match(readFileSync(join(dir, 'pki', `${b}.key`), 'utf8'), /^-----BEGIN EC PRIVATE KEY-----/);
  }
  for (const k of KUBECONFIGS) assert.equal(statSync(join(dir, k)).mode & 0o777, 0o600, k);
  assert.equal(statSync(join(dir, 'pki')).mode & 0o777, 0o700);
  assert.equal(statSync(join(dir, 'pki', 'etcd')).mode & 0o777, 0o700);
  assert.match(readFileSync(join(dir, 'pki', 'sa.pub'), 'utf8'), /^-----BEGIN PUBLIC KEY-----/);
  assert.match(readFileSync(join(dir, 'pki', 'sa.key'), 'utf8'), /^-----BEGIN EC PRIVATE KEY-----/);
  assert.equal(res.written.length, 3 * 2 + 7 * 2 + 6 + 2);
  // CAs sign their leaves
  assert.ok(isSignedBy(cert(dir, 'apiserver'), cert(dir, 'ca')));
  assert.ok(isSignedBy(cert(dir, 'front-proxy-client'), cert(dir, 'front-proxy-ca')));
  assert.ok(isSignedBy(cert(dir, 'apiserver-etcd-client'), cert(dir, 'etcd/ca')));
  assert.ok(!isSignedBy(cert(dir, 'apiserver-etcd-client'), cert(dir, 'ca')));
});

test('validity follows the injected clock: NotBefore = start − 5 min, NotAfter = start + period', async (t) => {
  const dir = tmpDir('kubetls-init-', t);
  const { config } = await loadConfig({}, KUBEADM_CONFIG);
  await initPki({ config, certDir: join(dir, 'pki'), kubeconfigDir: dir, clock });
  const leaf = cert(dir, 'apiserver');
  assert.equal(leaf.notBefore.getTime(), START.getTime() - 5 * 60_000);
  assert.equal(leaf.notAfter.getTime(), START.getTime() + 720 * 3600_000);
  const ca = cert(dir, 'ca');
  assert.equal(ca.notAfter.getTime(), START.getTime() + 43800 * 3600_000);
  assert.equal(ca.isCA, true);
  assert.deepEqual(ca.dnsNames, ['kubernetes']);
  // docs/upstream/k8s-pki.md §1 SAN rules: DNS sorted and deduplicated, IPs in kubeadm's order
  assert.deepEqual(leaf.dnsNames, [
    'api.example.com',
    'cp-1',
    'k8s.example.com',
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'kubernetes.default.svc.example.local',
  ]);
  assert.deepEqual(leaf.ipAddresses, ['10.100.0.1', '192.0.2.10', '192.0.2.100']);
  const etcdPeer = cert(dir, 'etcd/peer');
  assert.deepEqual(etcdPeer.ipAddresses, ['192.0.2.10', '127.0.0.1', '::1', '192.0.2.200']);
  assert.deepEqual(cert(dir, 'etcd/server').dnsNames, ['cp-1', 'etcd.example.com', 'localhost']);
  const admin = readFileSync(join(dir, 'admin.conf'), 'utf8');
  assert.match(admin, /server: https:\/\/k8s.example.com:8443/);
  assert.match(readFileSync(join(dir, 'scheduler.conf'), 'utf8'), /server: https:\/\/192.0.2.10:6443/);
});

test('a leaf never outlives its CA', async (t) => {
  const dir = tmpDir('kubetls-init-', t);
  await initNode(dir, { certificateValidityPeriod: '100h', caCertificateValidityPeriod: '50h' });
  assert.equal(cert(dir, 'apiserver').notAfter.getTime(), cert(dir, 'ca').notAfter.getTime());
});

test('re-running keeps every file byte for byte; --dry-run writes nothing', async (t) => {
  const dir = tmpDir('kubetls-init-', t);
  const dry = await initNode(dir, {}, undefined, { dryRun: true });
  assert.equal(dry.written.length, 0);
  assert.ok(!existsSync(join(dir, 'pki')));
  assert.ok(dry.lines.some((l) => l.includes('generate') && l.includes('"apiserver"')));
  await initNode(dir);
  const before = treeHash(dir);
  const again = await initNode(dir);
  assert.equal(again.written.length, 0);
  assert.equal(treeHash(dir), before);
  assert.ok(
    again.lines.every((l) => /Using existing|Using the existing/.test(l)),
    again.lines.join('\n'),
  );
});

test('a missing leaf is regenerated from the existing CA', async (t) => {
  const dir = tmpDir('kubetls-init-', t);
  await initNode(dir);
  const ca = readFileSync(join(dir, 'pki', 'ca.crt'));
  unlinkSync(join(dir, 'pki', 'apiserver.crt'));
  unlinkSync(join(dir, 'pki', 'apiserver.key'));
  const res = await initNode(dir);
  assert.deepEqual(
    res.written.map((p) => p.slice(dir.length)),
    ['/pki/apiserver.crt', '/pki/apiserver.key'],
  );
  assert.deepEqual(readFileSync(join(dir, 'pki', 'ca.crt')), ca);
  assert.ok(isSignedBy(cert(dir, 'apiserver'), cert(dir, 'ca')));
});

test('external CA mode: ca.crt without ca.key keeps existing leaves and refuses to sign missing ones', async (t) => {
  const dir = tmpDir('kubetls-init-', t);
  await initNode(dir);
  unlinkSync(join(dir, 'pki', 'ca.key'));
  const ok = await initNode(dir);
  assert.ok(ok.lines.some((l) => l.includes('external')));
  assert.equal(ok.written.length, 0);
  unlinkSync(join(dir, 'pki', 'apiserver.crt'));
  unlinkSync(join(dir, 'pki', 'apiserver.key'));
  const before = treeHash(dir);
  await assert.rejects(initNode(dir), (e: unknown) => e instanceof KubetlsError && /external CA/.test(e.message));
  assert.equal(treeHash(dir), before);
});

test('an existing leaf that misses a configured SAN, or does not chain to its CA, is an error and nothing changes', async (t) => {
  const dir = tmpDir('kubetls-init-', t);
  await initNode(dir);
  const before = treeHash(dir);
  await assert.rejects(
    initNode(dir, { apiserverCertExtraSans: ['new.example.com'] }),
    (e: unknown) =>
      e instanceof KubetlsError &&
      /does not cover the configured SANs DNS:new.example.com.*move .*apiserver\.crt and .*apiserver\.key away and run this init again/.test(
        e.message,
      ),
  );
  assert.equal(treeHash(dir), before);
  // the advice in the message works: with the pair moved away, init issues it with the new SAN
  const moved = tmpDir('kubetls-moved-', t);
  for (const ext of ['crt', 'key']) renameSync(join(dir, 'pki', `apiserver.${ext}`), join(moved, `apiserver.${ext}`));
  await initNode(dir, { apiserverCertExtraSans: ['new.example.com'] });
  assert.ok(cert(dir, 'apiserver').dnsNames.includes('new.example.com'));
  for (const ext of ['crt', 'key']) renameSync(join(moved, `apiserver.${ext}`), join(dir, 'pki', `apiserver.${ext}`));
  // swap in a front-proxy-client from another PKI
  const other = tmpDir('kubetls-other-', t);
  await initNode(other);
  for (const ext of ['crt', 'key'])
    writeFileSync(
      join(dir, 'pki', `front-proxy-client.${ext}`),
      readFileSync(join(other, 'pki', `front-proxy-client.${ext}`)),
    );
  const swapped = treeHash(dir);
  await assert.rejects(
    initNode(dir),
    (e: unknown) =>
      e instanceof KubetlsError && /front-proxy-client.crt is not signed by the "front-proxy-ca" CA/.test(e.message),
  );
  assert.equal(treeHash(dir), swapped);
});

test('every key algorithm, sa.key included, follows encryptionAlgorithm', async (t) => {
  const labels: Record<string, RegExp> = {
    'RSA-2048': /RSA PRIVATE KEY/,
    'ECDSA-P384': /EC PRIVATE KEY/,
    ED25519: /^-----BEGIN PRIVATE KEY-----/,
  };
  for (const [alg, label] of Object.entries(labels)) {
    const dir = tmpDir('kubetls-alg-', t);
    await initNode(dir, { encryptionAlgorithm: alg });
    for (const b of ['ca', 'apiserver', 'etcd/peer', 'sa'])
      assert.match(readFileSync(join(dir, 'pki', `${b}.key`), 'utf8'), label, `${alg} ${b}`);
    assert.equal(
      cert(dir, 'apiserver').publicKeyAlgorithm,
      alg.startsWith('RSA') ? 'rsa' : alg.startsWith('ECDSA') ? 'ec' : 'ed25519',
    );
  }
});

test('external etcd drops the etcd CA and its four certificates', async (t) => {
  const dir = tmpDir('kubetls-init-', t);
  const text =
    'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\netcd:\n  external:\n    endpoints: [https://10.0.0.5:2379]\n';
  await initNode(dir, {}, text);
  assert.ok(!existsSync(join(dir, 'pki', 'etcd')));
  assert.ok(!existsSync(join(dir, 'pki', 'apiserver-etcd-client.crt')));
  assert.ok(existsSync(join(dir, 'pki', 'front-proxy-client.crt')));
});

const CLUSTER = `apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
controlPlaneEndpoint: 10.0.0.100:6443
encryptionAlgorithm: ECDSA-P256
---
apiVersion: kubetls.io/v1alpha1
kind: ClusterNodes
nodes:
- {name: cp-0, role: control-plane, address: 10.0.0.1}
- {name: cp-1, role: control-plane, address: 10.0.0.2, certSANs: [cp-1.example.com]}
- {name: worker-0, role: worker, address: 10.0.0.20}
`;

test('whole-cluster mode: one tree per node, shared CAs and sa key, per-node SANs, workers get only what they need', async (t) => {
  const dir = tmpDir('kubetls-cluster-', t);
  const { config } = await loadConfig({}, CLUSTER);
  const res = await initPki({ config, certDir: '', kubeconfigDir: dir, outDir: dir, clock });
  assert.equal(res.plans.length, 3);
  for (const f of [
    'pki/ca.crt',
    'pki/ca.key',
    'pki/sa.key',
    'pki/sa.pub',
    'pki/etcd/ca.key',
    'pki/front-proxy-ca.key',
  ]) {
    assert.deepEqual(readFileSync(join(dir, 'cp-1', f)), readFileSync(join(dir, 'cp-0', f)), f);
  }
  const api1 = parseCertificatePem(readFileSync(join(dir, 'cp-1/pki/apiserver.crt')));
  assert.ok(api1.ipAddresses.includes('10.0.0.2') && api1.ipAddresses.includes('10.0.0.100'));
  assert.ok(
    api1.dnsNames.includes('cp-1.example.com') && api1.dnsNames.includes('cp-1') && !api1.dnsNames.includes('cp-0'),
  );
  assert.equal(parseCertificatePem(readFileSync(join(dir, 'cp-0/pki/etcd/server.crt'))).subject.commonName, 'cp-0');
  assert.deepEqual(
    parseCertificatePem(readFileSync(join(dir, 'worker-0/pki/ca.crt'))).der,
    parseCertificatePem(readFileSync(join(dir, 'cp-0/pki/ca.crt'))).der,
  );
  assert.ok(!existsSync(join(dir, 'worker-0/pki/ca.key')), 'workers never hold a CA key');
  assert.ok(!existsSync(join(dir, 'worker-0/admin.conf')));
  assert.match(readFileSync(join(dir, 'worker-0/kubelet.conf'), 'utf8'), /server: https:\/\/10.0.0.100:6443/);
  assert.match(readFileSync(join(dir, 'worker-0/kubelet.conf'), 'utf8'), /system:node:worker-0/);
  // idempotent across the cluster
  const before = treeHash(dir);
  const again = await initPki({ config, certDir: '', kubeconfigDir: dir, outDir: dir, clock });
  assert.equal(again.written.length, 0);
  assert.equal(treeHash(dir), before);
  // a node holding a different CA is refused
  rmSync(join(dir, 'worker-0'), { recursive: true });
  const other = tmpDir('kubetls-other-', t);
  await initNode(other);
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(dir, 'worker-0/pki'), { recursive: true });
  writeFileSync(join(dir, 'worker-0/pki/ca.crt'), readFileSync(join(other, 'pki/ca.crt')));
  await assert.rejects(
    initPki({ config, certDir: '', kubeconfigDir: dir, outDir: dir, clock }),
    /differs from the cluster's "ca" CA/,
  );
});

test('CLI: no flags at all writes ./kubetls-pki in the working directory', (t) => {
  const cwd = tmpDir('kubetls-cwd-', t);
  const r = cli(['init', '--encryption-algorithm', 'ECDSA-P256', '--node-name', 'solo'], { cwd });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(join(cwd, 'kubetls-pki/pki/ca.crt')));
  assert.ok(existsSync(join(cwd, 'kubetls-pki/admin.conf')));
  assert.match(r.stdout, /\[certs\] Generating "apiserver" certificate and key/);
  const dry = cli(['init', '--dry-run', '--dir', 'other', '--node-name', 'solo'], { cwd });
  assert.equal(dry.code, 0, dry.stderr);
  assert.ok(!existsSync(join(cwd, 'other')));
});

test('an existing kubeconfig pointing at another server is kept with a warning', async (t) => {
  const dir = tmpDir('kubetls-init-', t);
  await initNode(dir);
  const before = treeHash(dir);
  const res = await initNode(dir, { apiserverBindPort: 7443 });
  assert.equal(res.written.length, 0);
  assert.equal(treeHash(dir), before);
  assert.ok(
    res.warnings.some((w) =>
      w.includes('scheduler.conf points at https://192.0.2.10:6443, not https://192.0.2.10:7443 (kept as it is)'),
    ),
    res.warnings.join('\n'),
  );
});

test('no advertise address and none detectable: 127.0.0.1 with a warning, never an error', async () => {
  const { detectAdvertiseAddress } = await import('../../src/cluster/network.js');
  assert.equal(
    detectAdvertiseAddress({
      lo: [
        {
          address: '127.0.0.1',
          netmask: '255.0.0.0',
          family: 'IPv4',
          mac: '00:00:00:00:00:00',
          internal: true,
          cidr: '127.0.0.1/8',
        },
      ],
    }),
    null,
  );
  assert.equal(
    detectAdvertiseAddress({
      eth0: [
        {
          address: '10.1.2.3',
          netmask: '255.0.0.0',
          family: 'IPv4',
          mac: '02:00:00:00:00:01',
          internal: false,
          cidr: '10.1.2.3/8',
        },
      ],
    }),
    '10.1.2.3',
  );
  const loaded = await loadConfig({ nodeName: 'n1' }, undefined, undefined, { detectAddress: () => null });
  assert.equal(loaded.config.advertiseAddress, '127.0.0.1');
  assert.match(loaded.warnings.join('\n'), /using 127\.0\.0\.1/);
  const detected = await loadConfig({ nodeName: 'n1' }, undefined, undefined, { detectAddress: () => '10.9.8.7' });
  assert.equal(detected.config.advertiseAddress, '10.9.8.7');
  assert.deepEqual(detected.warnings, []);
});

test('whole-cluster mode never looks up this machine: no address detection, no hostname, no 127.0.0.1 warning', async (t) => {
  const noLookup = () => {
    throw new Error('address detection must not run in whole-cluster mode');
  };
  const loaded = await loadConfig({}, CLUSTER, 'cluster.yaml', { detectAddress: noLookup });
  assert.deepEqual(loaded.warnings, []);
  assert.equal(loaded.config.advertiseAddress, '10.0.0.1');
  assert.equal(loaded.config.nodeName, 'cp-0');
  // explicit single-node values still win (certs commands pointed at one node's tree use them)
  const given = await loadConfig({ nodeName: 'cp-1', apiserverAdvertiseAddress: '10.0.0.2' }, CLUSTER, 'cluster.yaml', {
    detectAddress: noLookup,
  });
  assert.equal(given.config.nodeName, 'cp-1');
  assert.equal(given.config.advertiseAddress, '10.0.0.2');
  // the CLI in a network namespace without interfaces would have said "using 127.0.0.1";
  // per-node flags are named as ignored, since every node's name and address come from ClusterNodes
  const dir = tmpDir('kubetls-cluster-cli-', t);
  writeFileSync(join(dir, 'cluster.yaml'), CLUSTER);
  const r = cli(['init', '--config', join(dir, 'cluster.yaml'), '--dir', join(dir, 'out'), '--node-name', 'elsewhere']);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /127\.0\.0\.1/);
  assert.match(r.stderr, /--node-name: ignored in whole-cluster mode/);
  assert.match(readFileSync(join(dir, 'out/cp-1/pki/apiserver.crt'), 'latin1'), /BEGIN CERTIFICATE/);
  assert.ok(!existsSync(join(dir, 'out/elsewhere')));
});

test('re-running with another encryptionAlgorithm keeps the files and says which keys stay as they are', async (t) => {
  const dir = tmpDir('kubetls-init-', t);
  await initNode(dir);
  const before = treeHash(dir);
  const res = await initNode(dir, { encryptionAlgorithm: 'RSA-2048' });
  assert.equal(treeHash(dir), before);
  assert.ok(
    res.warnings.some((w) =>
      /existing keys use ECDSA-P256; encryptionAlgorithm RSA-2048 applies to new keys only/.test(w),
    ),
    res.warnings.join('\n'),
  );
  const same = await initNode(dir);
  assert.ok(!same.warnings.some((w) => w.includes('existing keys use')));
});
