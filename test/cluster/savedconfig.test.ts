/**
 * The configuration `init` saves in the tree (src/cluster/savedconfig.ts): where it goes,
 * that it reads back to the same configuration, that the later commands use it instead of
 * this machine's defaults, that without it they judge certificates by what they hold, and
 * that a refused run writes nothing (no saved configuration, no journal).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig, type ConfigFlags } from '../../src/cluster/config.js';
import { goDuration, renderSavedConfig, SAVED_CONFIG_NAME } from '../../src/cluster/savedconfig.js';
import { cli, openssl, tmpDir } from '../helpers.js';
import { KUBEADM_CONFIG, treeHash } from './fixtures.js';

const NAME = 'h-kubetls-saved';
const FLAGS = [
  '--node-name',
  NAME,
  '--apiserver-advertise-address',
  '127.0.0.1',
  '--encryption-algorithm',
  'ECDSA-P256',
];

const CLUSTER = `apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
controlPlaneEndpoint: lb.example.com
encryptionAlgorithm: ECDSA-P384
certificateValidityPeriod: 90m
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint: {bindPort: 7443}
---
apiVersion: kubetls.io/v1alpha1
kind: ClusterNodes
nodes:
- {name: cp-0, role: control-plane, address: 10.0.0.1, certSANs: [cp-0.example.com, 192.0.2.7]}
- {name: w-0, role: worker, address: 10.0.0.20}
`;

test('the saved text reads back to the configuration it was rendered from', async () => {
  const cases: Array<[string, ConfigFlags, string | undefined]> = [
    ['defaults and two flags', { nodeName: 'n1', apiserverAdvertiseAddress: '10.1.2.3' }, undefined],
    ['a kubeadm file with every field', {}, KUBEADM_CONFIG],
    [
      'external etcd, odd durations, IPv6',
      {
        nodeName: 'v6',
        apiserverAdvertiseAddress: 'fd00::10',
        certificateValidityPeriod: '90m30s',
        caCertificateValidityPeriod: '87601h30m0.5s',
      },
      'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\netcd:\n  external:\n    endpoints: [https://10.0.0.5:2379]\n',
    ],
    ['a whole cluster with per-node SANs and a bind port', {}, CLUSTER],
    [
      'names that need quoting in YAML',
      { nodeName: 'yes', apiserverCertExtraSans: ['null', '*.example.com'], clusterName: 'on' },
      undefined,
    ],
  ];
  for (const [name, flags, text] of cases) {
    const { config } = await loadConfig(flags, text, 'cfg', { detectAddress: () => '10.9.9.9' });
    const again = await loadConfig({}, renderSavedConfig(config), 'saved', {
      detectAddress: () => {
        throw new Error('a saved configuration must not need this machine');
      },
    });
    assert.deepEqual(again.config, config, name);
    assert.deepEqual(again.warnings, [], name);
  }
  assert.deepEqual([8760 * 3600_000, 90 * 60_000, 90_500, 1500].map(goDuration), ['8760h', '90m', '90500ms', '1500ms']);
});

test('init saves its configuration in the cert dir; certs list shows and judges the certificates by it, not by this machine', (t) => {
  assert.notEqual(hostname(), NAME);
  const d = tmpDir('kubetls-saved-', t);
  const r = cli(['init', '--dir', d, ...FLAGS]);
  assert.equal(r.code, 0, r.stderr);
  const saved = join(d, 'pki', SAVED_CONFIG_NAME);
  assert.match(r.stdout, new RegExp(`\\[config\\] Storing the configuration used in "${saved}"`));
  assert.match(readFileSync(saved, 'utf8'), new RegExp(`name: "${NAME}"`));
  const list = (args: string[] = []) => JSON.parse(cli(['certs', 'list', '--dir', d, '-o', 'json', ...args]).stdout);
  const api = list().find((x: { name: string }) => x.name === 'apiserver');
  assert.ok(api.sans.includes(`DNS:${NAME}`) && api.sans.includes('IP:127.0.0.1'), api.sans.join(' '));
  assert.ok(!api.sans.includes(`DNS:${hostname()}`));
  assert.equal(api.state, 'ok');
  const etcd = list().find((x: { name: string }) => x.name === 'etcd-server');
  assert.equal(etcd.subject, `CN=${NAME}`);
  // --cert-dir finds it too
  const byCertDir = JSON.parse(
    cli(['certs', 'list', '--cert-dir', join(d, 'pki'), '--kubeconfig-dir', d, '-o', 'json']).stdout,
  );
  assert.equal(byCertDir.find((x: { name: string }) => x.name === 'apiserver').state, 'ok');
  // flags still win over the saved file: a SAN the certificate lacks is named
  const more = list(['--apiserver-cert-extra-sans', 'new.example.com']).find(
    (x: { name: string }) => x.name === 'apiserver',
  );
  assert.equal(more.state, 'missing-sans');
  assert.match(more.detail, /DNS:new\.example\.com/);
  // generate-csr on the same tree asks for the saved identities, not this machine's
  assert.equal(cli(['certs', 'generate-csr', '--dir', d]).code, 0);
  const csr = openssl(['req', '-in', join(d, 'pki', 'apiserver.csr'), '-noout', '-text']).stdout;
  assert.match(csr, new RegExp(`DNS:${NAME}`));
  assert.match(csr, /IP Address:127\.0\.0\.1/);
});

test('without a saved configuration, list shows what the certificates hold and compares them with nothing', (t) => {
  const d = tmpDir('kubetls-saved-none-', t);
  assert.equal(cli(['init', '--dir', d, ...FLAGS]).code, 0);
  unlinkSync(join(d, 'pki', SAVED_CONFIG_NAME));
  const rows = JSON.parse(cli(['certs', 'list', '--dir', d, '-o', 'json']).stdout);
  const api = rows.find((x: { name: string }) => x.name === 'apiserver');
  assert.ok(api.sans.includes(`DNS:${NAME}`), 'the SANs in the certificate');
  assert.ok(!api.sans.includes(`DNS:${hostname()}`), "not this machine's hostname");
  assert.deepEqual(
    rows.filter((x: { state: string }) => x.state !== 'ok'),
    [],
  );
  // the same tree judged against an explicit configuration is judged by it
  const other = JSON.parse(cli(['certs', 'list', '--dir', d, '-o', 'json', '--node-name', 'elsewhere']).stdout);
  assert.equal(other.find((x: { name: string }) => x.name === 'apiserver').state, 'missing-sans');
});

test('kubeconfig user takes the server and cluster name from the saved configuration', (t) => {
  const d = tmpDir('kubetls-saved-user-', t);
  assert.equal(cli(['init', '--dir', d, ...FLAGS, '--control-plane-endpoint', 'k8s.example.com:8443']).code, 0);
  const r = cli(['kubeconfig', 'user', '--dir', d, '--client-name', 'alice', '--out', join(d, 'alice.conf')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(readFileSync(join(d, 'alice.conf'), 'utf8'), /server: https:\/\/k8s\.example\.com:8443/);
});

test('a whole cluster saves one configuration at --dir; certs commands find it from --dir alone', (t) => {
  const d = tmpDir('kubetls-saved-cluster-', t);
  const cfg = join(d, 'cluster.yaml');
  writeFileSync(cfg, CLUSTER);
  const out = join(d, 'out');
  assert.equal(cli(['init', '--config', cfg, '--dir', out]).code, 0);
  assert.ok(existsSync(join(out, SAVED_CONFIG_NAME)));
  assert.ok(!existsSync(join(out, 'cp-0', 'pki', SAVED_CONFIG_NAME)));
  const check = cli(['certs', 'check-expiration', '--dir', out, '--threshold', '1m']);
  assert.equal(check.code, 0, check.stderr);
  assert.deepEqual(
    [...check.stdout.matchAll(/^# node (\S+)/gm)].map((m) => m[1]),
    ['cp-0', 'w-0'],
  );
  const rows = JSON.parse(cli(['certs', 'list', '--dir', out, '-o', 'json']).stdout);
  const api = rows.find((x: { node: string; name: string }) => x.node === 'cp-0' && x.name === 'apiserver');
  assert.equal(api.state, 'ok');
  assert.ok(api.sans.includes('DNS:cp-0.example.com') && api.sans.includes('IP:192.0.2.7'));
});

test('re-running init: the saved configuration changes only with the files it describes; a refused run writes nothing', async (t) => {
  const d = tmpDir('kubetls-saved-rerun-', t);
  assert.equal(cli(['init', '--dir', d, ...FLAGS]).code, 0);
  const saved = join(d, 'pki', SAVED_CONFIG_NAME);
  const before = readFileSync(saved, 'utf8');
  // every file kept (with warnings): the saved configuration still describes them, unchanged
  const kept = cli(['init', '--dir', d, ...FLAGS, '--apiserver-bind-port', '7443']);
  assert.equal(kept.code, 0, kept.stderr);
  assert.equal(readFileSync(saved, 'utf8'), before);
  // a file written under the new configuration: saved with it, in the same batch
  unlinkSync(join(d, 'scheduler.conf'));
  assert.equal(cli(['init', '--dir', d, ...FLAGS, '--apiserver-bind-port', '7443']).code, 0);
  assert.match(readFileSync(saved, 'utf8'), /bindPort: 7443/);

  // refused runs: a plan with problems, and flags that do not parse
  const refused: Array<[string, (dir: string) => void, string[]]> = [
    ['a certificate without its key', (dir) => unlinkSync(join(dir, 'pki', 'apiserver.key')), FLAGS],
    ['a SAN the existing certificate lacks', () => {}, [...FLAGS, '--apiserver-cert-extra-sans', 'x.example.com']],
    ['a bad flag', () => {}, [...FLAGS, '--service-cidr', 'nonsense']],
  ];
  for (const [name, breakIt, args] of refused) {
    const dir = tmpDir('kubetls-saved-refused-', t);
    assert.equal(cli(['init', '--dir', dir, ...FLAGS]).code, 0);
    unlinkSync(join(dir, 'pki', SAVED_CONFIG_NAME));
    breakIt(dir);
    const hash = treeHash(dir);
    const r = cli(['init', '--dir', dir, ...args]);
    assert.equal(r.code, 2, `${name}: ${r.stdout}`);
    assert.equal(treeHash(dir), hash, `${name}: nothing written`);
    assert.ok(!readdirSync(join(dir, 'pki')).some((f) => f.startsWith('.kubetls-journal')), name);
  }
  // and into an empty directory: not even the directory
  const fresh = join(tmpDir('kubetls-saved-fresh-', t), 'pki-tree');
  assert.equal(cli(['init', '--dir', fresh, ...FLAGS, '--service-cidr', 'nonsense']).code, 2);
  assert.ok(!existsSync(fresh));
});
