/**
 * Configuration values kube-apiserver or kubeadm would refuse, refused here too with the
 * field named: etcd.external that is not a mapping, a service subnet larger than
 * kube-apiserver allocates from, SAN lists past their documented cap.
 */
import { test } from 'node:test';
import { readdirSync } from 'node:fs';
import assert from 'node:assert/strict';
import { loadConfig, MAX_SANS_PER_LIST } from '../../src/cluster/config.js';
import { KubetlsError } from '../../src/errors/index.js';
import { boundedCli, tmpDir, initArgs } from '../helpers.js';

const cluster = (body: string) => `apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n${body}\n`;
const load = (flags: Record<string, unknown>, text?: string) =>
  loadConfig({ nodeName: 'n1', apiserverAdvertiseAddress: '10.0.0.1', ...flags }, text, 'c.yaml');
const rejects = (p: Promise<unknown>, code: string, re: RegExp) =>
  assert.rejects(p, (e: unknown) => e instanceof KubetlsError && e.code === code && re.test(e.message));

test('etcd.external must be a mapping, and excludes etcd.local', async () => {
  for (const v of ['"yes"', 'true', '1', '[a, b]', '"https://10.0.0.5:2379"'])
    await rejects(load({}, cluster(`etcd: {external: ${v}}`)), 'InvalidConfig', /^etcd\.external must be a mapping$/);
  const ext = await load({}, cluster('etcd: {external: {endpoints: ["https://10.0.0.5:2379"], caFile: /ca.crt}}'));
  assert.equal(ext.config.etcdExternal, true);
  for (const v of ['', 'external: null', 'external: ~']) {
    const local = await load({}, cluster(`etcd: {${v}}`));
    assert.equal(local.config.etcdExternal, false, v);
  }
  await rejects(
    load({}, cluster('etcd: {local: {dataDir: /var/lib/etcd}, external: {endpoints: [https://e:2379]}}')),
    'InvalidConfig',
    /etcd: local and external are mutually exclusive/,
  );
});

test('a service subnet larger than kube-apiserver takes (IPv4 /12, IPv6 /108) is refused', async () => {
  for (const cidr of ['0.0.0.0/0', '10.0.0.0/8', '10.96.0.0/11'])
    await rejects(
      load({ serviceCidr: cidr }),
      'InvalidCIDR',
      new RegExp(
        `^serviceSubnet: "${cidr.replace(/\./g, '\\.')}" is too large; for 32-bit addresses, the mask must be >= 12$`,
      ),
    );
  for (const cidr of ['::/0', 'fd00::/64', 'fd00:10:96::/107'])
    await rejects(
      load({ serviceCidr: cidr }),
      'InvalidCIDR',
      /is too large; for 128-bit addresses, the mask must be >= 108$/,
    );
  // dual stack: each family is checked, the error names the part at fault
  await rejects(load({ serviceCidr: '10.96.0.0/12,fd00::/64' }), 'InvalidCIDR', /"fd00::\/64" is too large/);
  // the config file's field is named as such
  await rejects(
    load({}, cluster('networking: {serviceSubnet: 10.0.0.0/8}')),
    'InvalidCIDR',
    /^networking\.serviceSubnet: /,
  );
  for (const cidr of ['10.96.0.0/12', '10.96.0.0/24', 'fd00:10:96::/108', '10.96.0.0/12,fd00:10:96::/112'])
    assert.equal((await load({ serviceCidr: cidr })).config.serviceSubnet, cidr);
});

test(`SAN lists stop at ${MAX_SANS_PER_LIST} entries, each list named`, async () => {
  const sans = (n: number) => Array.from({ length: n }, (_, i) => `h${i}.example.com`);
  const yamlList = (n: number) => `[${sans(n).join(', ')}]`;
  const max = MAX_SANS_PER_LIST;
  assert.equal((await load({ apiserverCertExtraSans: sans(max) })).config.apiServerCertSANs.length, max);
  await rejects(
    load({ apiserverCertExtraSans: sans(max + 1) }),
    'InvalidConfig',
    new RegExp(`^--apiserver-cert-extra-sans: Too many: ${max + 1}: must have at most ${max} items$`),
  );
  await rejects(
    load({}, cluster(`apiServer: {certSANs: ${yamlList(max + 1)}}`)),
    'InvalidConfig',
    /^apiServer\.certSANs: Too many: 257/,
  );
  await rejects(
    load({ apiserverCertExtraSans: sans(200) }, cluster(`apiServer: {certSANs: ${yamlList(100)}}`)),
    'InvalidConfig',
    /^apiServer\.certSANs: Too many: 300: with --apiserver-cert-extra-sans, must have at most 256 items$/,
  );
  for (const field of ['serverCertSANs', 'peerCertSANs'])
    await rejects(
      load({}, cluster(`etcd: {local: {${field}: ${yamlList(max + 1)}}}`)),
      'InvalidConfig',
      new RegExp(`^etcd\\.local\\.${field}: Too many: 257`),
    );
  const nodes = `---\napiVersion: kubetls.io/v1alpha1\nkind: ClusterNodes\nnodes:\n- {name: cp-0, role: control-plane, address: 10.0.0.1, certSANs: ${yamlList(max + 1)}}\n`;
  await rejects(load({}, cluster('') + nodes), 'InvalidConfig', /^nodes\[0\]\.certSANs: Too many: 257/);
});

test('the CLI refuses 0.0.0.0/0 and 10,000 extra SANs quickly, in one line, writing nothing', (t) => {
  const d = tmpDir('kubetls-limits-', t);
  const base = initArgs(d, { extra: ['--apiserver-advertise-address', '10.0.0.1'] });
  const wide = boundedCli([...base, '--service-cidr', '0.0.0.0/0']);
  assert.equal(wide.code, 2);
  assert.equal(wide.stderr.trim().split('\n').length, 1);
  assert.match(
    wide.stderr,
    /^error: serviceSubnet: "0\.0\.0\.0\/0" is too large; for 32-bit addresses, the mask must be >= 12 \(hint: /,
  );
  const many = Array.from({ length: 10_000 }, (_, i) => `s${i}`).join(',');
  const lots = boundedCli([...base, '--apiserver-cert-extra-sans', many]);
  assert.equal(lots.code, 2);
  assert.equal(lots.stderr, 'error: --apiserver-cert-extra-sans: Too many: 10000: must have at most 256 items\n');
  assert.deepEqual(readdirSync(d), [], 'nothing was written');
});
