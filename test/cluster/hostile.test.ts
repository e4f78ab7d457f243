/** Hostile input to init/certs: each gives a one-line error (exit 2) and changes no file. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, parseConfigFile } from '../../src/cluster/config.js';
import { KubetlsError } from '../../src/errors/index.js';
import { cli, initArgs, tmpDir } from '../helpers.js';
import { treeHash } from './fixtures.js';

function initTree(t: { after: (fn: () => void) => void }) {
  const dir = tmpDir('kubetls-hostile-', t);
  const r = cli(initArgs(dir, { extra: ['--apiserver-advertise-address', '10.0.0.1'] }));
  assert.equal(r.code, 0, r.stderr);
  return dir;
}

/** Runs the CLI expecting failure: exit 2, one "error: …" line on stderr matching `re`, tree unchanged. */
function expectOneLineError(dir: string, args: string[], re: RegExp) {
  const before = treeHash(dir);
  const r = cli(args);
  assert.equal(r.code, 2, `exit code for ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  const lines = r.stderr
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('[warning]'));
  assert.equal(lines.length, 1, `one line expected, got:\n${r.stderr}`);
  assert.match(lines[0]!, /^error: /);
  assert.match(lines[0]!, re);
  assert.ok(!/[A-Za-z0-9+/]{40,}/.test(r.stderr), 'no key material (base64) in errors');
  assert.equal(treeHash(dir), before, 'no file may change');
}

test('garbage PEM in ca.crt, cert/key mismatch, a key that is not a key', (t) => {
  const dir = initTree(t);
  const base = initArgs(dir, { extra: ['--apiserver-advertise-address', '10.0.0.1'] });
  const ca = readFileSync(join(dir, 'pki/ca.crt'));
  writeFileSync(
    join(dir, 'pki/ca.crt'),
    '-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n',
  );
  expectOneLineError(dir, base, /ca\.crt: PEM block "CERTIFICATE" has invalid base64/);
  writeFileSync(join(dir, 'pki/ca.crt'), ca);
  const key = readFileSync(join(dir, 'pki/apiserver.key'));
  writeFileSync(join(dir, 'pki/apiserver.key'), readFileSync(join(dir, 'pki/front-proxy-client.key')));
  expectOneLineError(dir, base, /apiserver\.key does not match .*apiserver\.crt/);
  writeFileSync(join(dir, 'pki/apiserver.key'), 'hello');
  expectOneLineError(dir, base, /apiserver\.key: no PEM private key found/);
  writeFileSync(join(dir, 'pki/apiserver.key'), key);
  writeFileSync(join(dir, 'pki/etcd/ca.crt'), readFileSync(join(dir, 'pki/apiserver.crt')));
  expectOneLineError(dir, base, /is not a CA certificate/);
});

test('a leaf from another CA is refused by init and reported by renew', (t) => {
  const dir = initTree(t);
  const other = initTree(t);
  for (const f of ['apiserver.crt', 'apiserver.key'])
    writeFileSync(join(dir, 'pki', f), readFileSync(join(other, 'pki', f)));
  expectOneLineError(
    dir,
    ['init', '--dir', dir, '--node-name', 'n1', '--apiserver-advertise-address', '10.0.0.1'],
    /apiserver\.crt is not signed by the "ca" CA/,
  );
});

test('a kept kubeconfig is checked whole: client key vs certificate, client certificate vs CA, identity', (t) => {
  const dir = initTree(t);
  const base = initArgs(dir, { extra: ['--apiserver-advertise-address', '10.0.0.1'] });
  const admin = readFileSync(join(dir, 'admin.conf'), 'utf8');
  const field = (text: string, name: string) => new RegExp(`${name}: (\\S+)`).exec(text)![1]!;
  const scheduler = readFileSync(join(dir, 'scheduler.conf'), 'utf8');
  // another user's key in admin.conf: kubectl would fail with "private key does not match public key"
  writeFileSync(
    join(dir, 'admin.conf'),
    admin.replace(field(admin, 'client-key-data'), field(scheduler, 'client-key-data')),
  );
  expectOneLineError(dir, base, /admin\.conf: its client key does not match its client certificate/);
  // the cluster's CA data, but a client pair from another PKI
  const other = initTree(t);
  const foreign = readFileSync(join(other, 'admin.conf'), 'utf8');
  writeFileSync(
    join(dir, 'admin.conf'),
    admin
      .replace(field(admin, 'client-certificate-data'), field(foreign, 'client-certificate-data'))
      .replace(field(admin, 'client-key-data'), field(foreign, 'client-key-data')),
  );
  expectOneLineError(dir, base, /admin\.conf: its client certificate is not signed by the cluster's "ca"/);
  // a whole, valid kubeconfig of another identity is kept, with a warning
  writeFileSync(join(dir, 'admin.conf'), scheduler);
  const r = cli(base);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /admin\.conf: its client certificate is for "system:kube-scheduler", not "kubernetes-admin" \(kept as it is\)/,
  );
});

test('sa.pub that is not the public half of sa.key is refused', (t) => {
  const dir = initTree(t);
  const other = initTree(t);
  const base = initArgs(dir, { extra: ['--apiserver-advertise-address', '10.0.0.1'] });
  writeFileSync(join(dir, 'pki/sa.pub'), readFileSync(join(other, 'pki/sa.pub')));
  expectOneLineError(dir, base, /sa\.pub is not the public half of .*sa\.key; remove it/);
  writeFileSync(join(dir, 'pki/sa.pub'), 'garbage');
  expectOneLineError(dir, base, /sa\.pub is not the public half/);
  rmSync(join(dir, 'pki/sa.pub'));
  const r = cli(base);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(join(dir, 'pki/sa.pub'), 'utf8').startsWith('-----BEGIN PUBLIC KEY-----'), true);
});

test('bad config values: CIDR, SAN, endpoint, algorithm, duration, advertise address, YAML', (t) => {
  const dir = initTree(t);
  const base = ['init', '--dir', dir, '--node-name', 'n1'];
  expectOneLineError(
    dir,
    [...base, '--service-cidr', '10.96.0.0/40'],
    /serviceSubnet: "10\.96\.0\.0\/40" is not a valid CIDR/,
  );
  expectOneLineError(dir, [...base, '--service-cidr', 'banana'], /not a valid CIDR/);
  expectOneLineError(
    dir,
    [...base, '--apiserver-cert-extra-sans', 'ok.example.com,bad_name!'],
    /apiServer\.certSANs\[1\]: "bad_name!" is neither an IP address nor a valid DNS name/,
  );
  expectOneLineError(dir, [...base, '--control-plane-endpoint', 'a:b:c:99999'], /controlPlaneEndpoint/);
  expectOneLineError(dir, [...base, '--encryption-algorithm', 'DSA-1024'], /unknown encryptionAlgorithm "DSA-1024"/);
  expectOneLineError(
    dir,
    [...base, '--certificate-validity-period', '1 year'],
    /certificateValidityPeriod: invalid duration "1 year"/,
  );
  expectOneLineError(
    dir,
    [...base, '--apiserver-advertise-address', '300.1.1.1'],
    /advertise address "300\.1\.1\.1" is not an IP address/,
  );
  expectOneLineError(
    dir,
    [...base, '--node-name', 'Bad Name'],
    /node name "bad name" is not a valid DNS-1123 subdomain/,
  );
  const cfg = join(dir, '..', `${dir.split('/').pop()}-cfg.yaml`);
  t.after(() => rmSync(cfg, { force: true }));
  writeFileSync(cfg, 'kind: ClusterConfiguration\napiVersion: kubeadm.k8s.io/v1beta4\nnetworking: [1, 2\n');
  expectOneLineError(dir, [...base, '--config', cfg], /not valid YAML/);
  writeFileSync(cfg, 'kind: ClusterConfiguration\napiVersion: kubeadm.k8s.io/v1alpha1\n');
  expectOneLineError(dir, [...base, '--config', cfg], /apiVersion "kubeadm\.k8s\.io\/v1alpha1" is not supported/);
  writeFileSync(cfg, 'kind: Pod\napiVersion: v1\n');
  expectOneLineError(dir, [...base, '--config', cfg], /unknown document kind "Pod"/);
  writeFileSync(
    cfg,
    'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n',
  );
  expectOneLineError(dir, [...base, '--config', cfg], /not valid YAML|must be a mapping|unknown document kind/);
  writeFileSync(cfg, 'x'.repeat(2 * 1024 * 1024));
  expectOneLineError(dir, [...base, '--config', cfg], /over the 1048576-byte limit/);
  expectOneLineError(dir, [...base, '--config', join(dir, 'does-not-exist.yaml')], /no such file/);
});

test('ClusterNodes validation names the field', async () => {
  const doc = (nodes: string) => `apiVersion: kubetls.io/v1alpha1\nkind: ClusterNodes\nnodes:\n${nodes}`;
  const bad: Array<[string, RegExp]> = [
    ['- {name: a, role: worker, address: 10.0.0.1}\n', /at least one node must have role control-plane/],
    ['- {name: a, role: boss, address: 10.0.0.1}\n', /nodes\[0\]\.role: must be control-plane or worker/],
    ['- {name: a, role: control-plane, address: nowhere}\n', /nodes\[0\]\.address: "nowhere" is not an IP address/],
    [
      '- {name: a, role: control-plane, address: 10.0.0.1}\n- {name: a, role: worker, address: 10.0.0.2}\n',
      /nodes\[1\]\.name: duplicate node "a"/,
    ],
    ['- {name: "-x-", role: control-plane, address: 10.0.0.1}\n', /nodes\[0\]\.name/],
  ];
  for (const [nodes, re] of bad)
    await assert.rejects(
      loadConfig({}, doc(nodes)),
      (e: unknown) => e instanceof KubetlsError && re.test(e.message),
      nodes,
    );
  await assert.rejects(parseConfigFile('- just\n- a list\n'), /must be a mapping/);
});

test('unknown config fields are warned about, with the field they were probably meant to be; kubeadm fields pass quietly', async () => {
  const text = [
    'apiVersion: kubeadm.k8s.io/v1beta4',
    'kind: ClusterConfiguration',
    'kubernetesVersion: v1.31.0',
    'imageRepository: registry.k8s.io',
    'controlPlaneEndpoint: lb.example.com:6443',
    'networking: {serviceSubnet: 10.96.0.0/12, podSubnet: 10.244.0.0/16}',
    'apiServer: {certSans: [foo.example.com], extraArgs: [{name: v, value: "2"}]}',
    'etcd: {local: {dataDir: /var/lib/etcd, serverCertSans: [etcd.example.com]}}',
    'dns: {disabled: true}',
    'colour: blue',
    '---',
    'apiVersion: kubeadm.k8s.io/v1beta4',
    'kind: InitConfiguration',
    'localAPIEndpoint: {advertiseAddress: 10.0.0.1, bindport: 6443}',
    'nodeRegistration: {name: cp-0, criSocket: unix:///run/containerd/containerd.sock}',
    '---',
    'apiVersion: kubetls.io/v1alpha1',
    'kind: ClusterNodes',
    'nodes:',
    '- {name: cp-0, role: control-plane, address: 10.0.0.1, extra: 1}',
    '- {name: cp-1, role: control-plane, address: 10.0.0.2, certSans: [x.example.com]}',
    '',
  ].join('\n');
  const { warnings, config } = await loadConfig({}, text, 'c.yaml');
  const unknown = warnings.filter((w) => w.includes('unknown field'));
  assert.deepEqual(unknown, [
    'ClusterConfiguration: unknown field "colour"; ignored',
    'ClusterConfiguration: unknown field "apiServer.certSans" (did you mean "certSANs"?); ignored',
    'ClusterConfiguration: unknown field "etcd.local.serverCertSans" (did you mean "serverCertSANs"?); ignored',
    'InitConfiguration: unknown field "localAPIEndpoint.bindport" (did you mean "bindPort"?); ignored',
    'ClusterNodes: unknown field "nodes[0].extra"; ignored',
    'ClusterNodes: unknown field "nodes[1].certSans" (did you mean "certSANs"?); ignored',
  ]);
  assert.deepEqual(config.apiServerCertSANs, [], 'a misspelled field is not read');
  // an HA cluster without an endpoint is legal but fragile: said once
  const ha = await loadConfig({}, text.replace('controlPlaneEndpoint: lb.example.com:6443\n', ''), 'c.yaml');
  assert.equal(
    ha.warnings.filter((w) =>
      /2 control-plane nodes but no controlPlaneEndpoint: kubeconfigs point at cp-0 \(10\.0\.0\.1\) only/.test(w),
    ).length,
    1,
  );
  assert.equal(
    warnings.some((w) => w.includes('no controlPlaneEndpoint')),
    false,
  );
  // the shipped example is clean
  const example = await loadConfig(
    {},
    readFileSync(join(import.meta.dirname ?? '.', '..', '..', '..', 'examples', 'cluster.yaml'), 'utf8'),
    'cluster.yaml',
  );
  assert.deepEqual(example.warnings, []);
});

test('usage errors are one line that points at --help', () => {
  for (const [args, re] of [
    [['init', '--bogus'], /^error: unknown option '--bogus' \(see --help\)$/],
    [['certs', 'renew'], /^error: missing required argument 'names' \(see --help\)$/],
    [['kubeconfig', 'user'], /^error: required option '--client-name <name>' not specified \(see --help\)$/],
    [['nosuch'], /^error: unknown command 'nosuch' \(see --help\)$/],
  ] as Array<[string[], RegExp]>) {
    const r = cli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr.trimEnd(), re);
    assert.equal(r.stdout, '');
  }
});
