/** RESIDUAL TIME arithmetic (docs/upstream/k8s-pki.md §3), kubeadm's tables, JSON shape and the monitoring exit codes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCatalog } from '../../src/cluster/catalog.js';
import { loadConfig } from '../../src/cluster/config.js';
import {
  checkExpiration,
  expirationObject,
  expirationVerdict,
  renderExpirationText,
} from '../../src/cluster/expiration.js';
import { formatExpires, parseThreshold, residualTime } from '../../src/cluster/expiryformat.js';
import { fixedClock } from '../../src/pki/clock.js';
import { cli, initArgs, openssl, tmpDir } from '../helpers.js';
import { initNode, START } from './fixtures.js';

test('residualTime follows ShortHumanDuration exactly', () => {
  const s = 1000;
  const cases: Array<[number, string]> = [
    [-3 * s, '<invalid>'],
    [-2 * s, '<invalid>'],
    [-1999, '0s'],
    [-1 * s, '0s'],
    [-1, '0s'],
    [0, '0s'],
    [59_999, '59s'],
    [60 * s, '1m'],
    [59 * 60 * s + 59 * s, '59m'],
    [3600 * s, '1h'],
    [23 * 3600 * s + 3599 * s, '23h'],
    [24 * 3600 * s, '1d'],
    [364 * 86400 * s + 86399 * s, '364d'],
    [365 * 86400 * s, '1y'],
    [10 * 365 * 86400 * s - 1, '9y'],
  ];
  for (const [ms, want] of cases) assert.equal(residualTime(ms), want, `${ms} ms`);
});

test('EXPIRES uses Go layout "Jan 02, 2006 15:04 MST" in UTC; thresholds accept days and Go durations', () => {
  assert.equal(formatExpires(new Date('2027-03-05T07:09:59Z')), 'Mar 05, 2027 07:09 UTC');
  assert.equal(parseThreshold('30d'), 30 * 86_400_000);
  assert.equal(parseThreshold('720h'), 30 * 86_400_000);
  assert.throws(() => parseThreshold('soon'), /invalid duration/);
  // the hint names days too: this flag takes "30d" where a plain Go duration would not
  assert.throws(
    () => parseThreshold('3x'),
    (e: Error & { hint?: string }) => /units: d, h/.test(e.hint ?? '') && /"30d"/.test(e.hint ?? ''),
  );
});

test('text tables, JSON and the verdict with an injected clock', async (t) => {
  const dir = tmpDir('kubetls-exp-', t);
  await initNode(dir);
  const { config } = await loadConfig({ nodeName: 'node-a', apiserverAdvertiseAddress: '192.0.2.10' });
  const catalog = buildCatalog(config);
  const later = fixedClock(new Date(START.getTime() + 300 * 86_400_000));
  const r = await checkExpiration(catalog, join(dir, 'pki'), dir, later);
  const text = renderExpirationText(r);
  const lines = text.split('\n');
  assert.equal(
    lines[0],
    'CERTIFICATE                EXPIRES                  RESIDUAL TIME   CERTIFICATE AUTHORITY   EXTERNALLY MANAGED',
  );
  assert.equal(
    lines[1],
    'admin.conf                 Mar 01, 2027 12:00 UTC   65d             ca                      no',
  );
  assert.ok(!text.includes('kubelet.conf'), 'kubelet.conf is rotated by the kubelet and not listed');
  assert.ok(text.includes('kube-proxy.conf'));
  assert.deepEqual(
    r.certificates.map((e) => e.name),
    [...r.certificates.map((e) => e.name)].sort(),
  );
  assert.match(
    text,
    /\n\nCERTIFICATE AUTHORITY {3}EXPIRES {18}RESIDUAL TIME {3}EXTERNALLY MANAGED\nca {22}Feb 27, 2036 12:00 UTC {3}9y {14}no\n/,
  );
  const obj = expirationObject(r) as {
    certificates: Array<{ name: string; residualTime: number; expirationDate: string }>;
  };
  assert.equal(obj.certificates[0]!.residualTime, 65 * 86_400_000 * 1e6);
  assert.equal(obj.certificates[0]!.expirationDate, '2027-03-01T12:00:00Z');
  assert.equal(expirationVerdict(r.certificates, 30 * 86_400_000).ok, true);
  const v = expirationVerdict(r.certificates, 90 * 86_400_000);
  assert.equal(v.ok, false);
  assert.match(v.problems[0]!, /expires in 65d/);
  const expired = await checkExpiration(
    catalog,
    join(dir, 'pki'),
    dir,
    fixedClock(new Date(START.getTime() + 400 * 86_400_000)),
  );
  assert.match(renderExpirationText(expired), /apiserver\s+Mar 01, 2027 12:00 UTC\s+<invalid>/);
});

test('CLI: exit 0 when healthy, 1 when within --threshold, missing (!MISSING!) or external CA is reported', (t) => {
  const dir = tmpDir('kubetls-exp-', t);
  assert.equal(cli(['init', '--dir', dir, '--encryption-algorithm', 'ECDSA-P256', '--node-name', 'n1']).code, 0);
  const ok = cli(['certs', 'check-expiration', '--dir', dir]);
  assert.equal(ok.code, 0, ok.stderr);
  const near = cli(['certs', 'check-expiration', '--dir', dir, '--threshold', '400d']);
  assert.equal(near.code, 1);
  assert.match(near.stderr, /apiserver: expires in 364d/);
  const json = cli(['certs', 'check-expiration', '--dir', dir, '-o', 'json']);
  assert.equal(JSON.parse(json.stdout).kind, 'CertificateExpirationInfo');
  const yaml = cli(['certs', 'check-expiration', '--dir', dir, '-o', 'yaml']);
  assert.match(yaml.stdout, /^kind: CertificateExpirationInfo/m);
  unlinkSync(join(dir, 'pki', 'front-proxy-client.crt'));
  unlinkSync(join(dir, 'pki', 'etcd', 'ca.key'));
  const missing = cli(['certs', 'check-expiration', '--dir', dir]);
  assert.equal(missing.code, 1);
  assert.match(missing.stdout, /^!MISSING! front-proxy-client$/m);
  assert.match(missing.stdout, /^etcd-server\s+\S+ \d\d, \d{4} \d\d:\d\d UTC\s+364d\s+etcd-ca\s+yes$/m);
  rmSync(join(dir, 'admin.conf'));
  assert.match(cli(['certs', 'check-expiration', '--dir', dir]).stdout, /!MISSING! admin.conf/);
  assert.equal(cli(['certs', 'check-expiration', '--dir', dir, '-o', 'xml']).code, 2);
  assert.equal(cli(['certs', 'check-expiration', '--no-such-flag']).code, 2);
  assert.equal(cli(['--help']).code, 0);
});

test('whole-cluster mode: check-expiration, list and renew read every node tree with its role', async (t) => {
  const dir = tmpDir('kubetls-wc-', t);
  const cfg = join(dir, 'cluster.yaml');
  writeFileSync(
    cfg,
    [
      'apiVersion: kubeadm.k8s.io/v1beta4',
      'kind: ClusterConfiguration',
      'controlPlaneEndpoint: lb.example.com:6443',
      '---',
      'apiVersion: kubetls.io/v1alpha1',
      'kind: ClusterNodes',
      'nodes:',
      '- {name: cp-0, role: control-plane, address: 10.0.0.1}',
      '- {name: cp-1, role: control-plane, address: 10.0.0.2}',
      '- {name: w-0, role: worker, address: 10.0.1.1}',
      '',
    ].join('\n'),
  );
  const out = join(dir, 'cl');
  assert.equal(cli(['init', '--config', cfg, '--dir', out, '--encryption-algorithm', 'ECDSA-P256']).code, 0);
  const check = cli(['certs', 'check-expiration', '--config', cfg, '--dir', out]);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  assert.deepEqual(
    [...check.stdout.matchAll(/^# node (\S+) \((\S+)\)$/gm)].map((m) => `${m[1]} ${m[2]}`),
    ['cp-0 control-plane', 'cp-1 control-plane', 'w-0 worker'],
  );
  assert.doesNotMatch(check.stdout, /MISSING/);
  const worker = check.stdout.slice(check.stdout.indexOf('# node w-0'));
  assert.match(worker, /^kube-proxy\.conf\s/m);
  assert.doesNotMatch(worker, /apiserver|etcd/, 'a worker is not checked against the control-plane list');
  // renewed with cp-0's CA key (below), so not "externally managed" although w-0 has no ca.key
  assert.match(worker, /^kube-proxy\.conf\s.*\sca\s+no$/m);
  assert.match(worker, /^ca\s.*\sno$/m);
  const json = JSON.parse(cli(['certs', 'check-expiration', '--config', cfg, '--dir', out, '-o', 'json']).stdout);
  assert.equal(json.kind, 'ClusterCertificateExpiration');
  assert.deepEqual(
    json.nodes.map((n: { node: string }) => n.node),
    ['cp-0', 'cp-1', 'w-0'],
  );
  const w0 = json.nodes[2] as {
    certificates: Array<{ externallyManaged: boolean }>;
    certificateAuthorities: Array<{ externallyManaged: boolean }>;
  };
  assert.deepEqual(
    [...w0.certificates, ...w0.certificateAuthorities].map((e) => e.externallyManaged),
    [false, false],
  );
  // a missing file on one node fails the whole check, naming the node
  unlinkSync(join(out, 'cp-1', 'scheduler.conf'));
  const broken = cli(['certs', 'check-expiration', '--config', cfg, '--dir', out]);
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /\[cp-1\] .*scheduler\.conf/);
  // renew: the worker's kube-proxy.conf is signed with the CA key of the first control plane
  const before = readFileSync(join(out, 'w-0', 'kube-proxy.conf'), 'utf8');
  const renew = cli(['certs', 'renew', 'kube-proxy.conf', '--config', cfg, '--dir', out]);
  assert.equal(renew.code, 0, renew.stdout + renew.stderr);
  assert.match(renew.stdout, /^\[w-0\] \[renew\] kube-proxy\.conf renewed/m);
  const after = readFileSync(join(out, 'w-0', 'kube-proxy.conf'), 'utf8');
  assert.notEqual(after, before);
  const certFile = join(dir, 'kp.crt');
  writeFileSync(certFile, Buffer.from(/client-certificate-data: (\S+)/.exec(after)![1]!, 'base64'));
  assert.match(openssl(['verify', '-CAfile', join(out, 'cp-0', 'pki', 'ca.crt'), certFile]).stdout, /OK/);
  assert.equal(cli(['certs', 'renew', 'nosuch', '--config', cfg, '--dir', out]).code, 2);
  assert.equal(
    cli(['certs', 'list', '--config', cfg, '--cert-dir', join(out, 'cp-0', 'pki')]).code,
    2,
    '--cert-dir does not apply to a cluster',
  );
  const list = cli(['certs', 'list', '--config', cfg, '--dir', out, '-o', 'json']);
  assert.ok(
    JSON.parse(list.stdout).some((r: { node: string; name: string }) => r.node === 'w-0' && r.name === 'kubelet.conf'),
  );
});

test('an unreadable certificate is one !ERROR! row; the reason goes to stderr and the columns keep their width', async (t) => {
  const dir = tmpDir('kubetls-exp-err-', t);
  assert.equal(cli(initArgs(dir, { extra: ['--apiserver-advertise-address', '10.0.0.1'] })).code, 0);
  const width = (out: string) => /^CERTIFICATE\s+EXPIRES\s+/m.exec(out)![0].length;
  const good = cli(['certs', 'check-expiration', '--dir', dir]);
  writeFileSync(join(dir, 'pki', 'apiserver.crt'), 'garbage\n');
  const r = cli(['certs', 'check-expiration', '--dir', dir]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^!ERROR! apiserver\s*$/m);
  assert.equal(width(r.stdout), width(good.stdout));
  assert.match(r.stderr, /\[check-expiration\] apiserver: unreadable: .*apiserver\.crt/);
});
