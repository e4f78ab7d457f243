/** certs renew: kubeadm semantics (docs/upstream/k8s-pki.md §3, §9) with an injected clock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { buildCatalog } from '../../src/cluster/catalog.js';
import { loadConfig } from '../../src/cluster/config.js';
import { parseKubeconfig } from '../../src/cluster/kubeconfig.js';
import { renewCertificates } from '../../src/cluster/renew.js';
import { fixedClock } from '../../src/pki/clock.js';
import { parseCertificatePem } from '../../src/pki/certpem.js';
import { isSignedBy } from '../../src/pki/verify.js';
import { CHECKOUT_NOT_REACHABLE, CLI, cli, hasCommand, othersCanReach, run, tmpDir } from '../helpers.js';
import { initNode, START } from './fixtures.js';

const DAY = 86_400_000;

async function setup(t: { after: (fn: () => void) => void }) {
  const dir = tmpDir('kubetls-renew-', t);
  await initNode(dir);
  const { config } = await loadConfig({ nodeName: 'node-a', apiserverAdvertiseAddress: '192.0.2.10' });
  return { dir, catalog: buildCatalog(config) };
}

test('renewed leaf: new serial and key, same CN/O/SANs/EKU, NotBefore = start − 5 min, NotAfter = start + period', async (t) => {
  const { dir, catalog } = await setup(t);
  const old = parseCertificatePem(readFileSync(join(dir, 'pki/apiserver.crt')));
  const oldKey = readFileSync(join(dir, 'pki/apiserver.key'), 'utf8');
  const start = new Date(START.getTime() + 200 * DAY);
  const res = await renewCertificates({
    catalog,
    certDir: join(dir, 'pki'),
    kubeconfigDir: dir,
    names: ['apiserver'],
    validityMs: 365 * DAY,
    clock: fixedClock(start),
  });
  assert.deepEqual(res.renewed, ['apiserver']);
  assert.deepEqual(res.restart, ['kube-apiserver']);
  const neu = parseCertificatePem(readFileSync(join(dir, 'pki/apiserver.crt')));
  assert.notEqual(neu.serialNumber, old.serialNumber);
  assert.notEqual(readFileSync(join(dir, 'pki/apiserver.key'), 'utf8'), oldKey);
  assert.ok(!neu.spkiDer.equals(old.spkiDer), 'a new key pair');
  assert.deepEqual(
    [neu.subject, neu.dnsNames, neu.ipAddresses, neu.extKeyUsage],
    [old.subject, old.dnsNames, old.ipAddresses, old.extKeyUsage],
  );
  assert.equal(neu.notBefore.getTime(), start.getTime() - 5 * 60_000);
  assert.equal(neu.notAfter.getTime(), start.getTime() + 365 * DAY);
  assert.ok(neu.notAfter > old.notAfter);
  assert.ok(isSignedBy(neu, parseCertificatePem(readFileSync(join(dir, 'pki/ca.crt')))));
  // the old pair is kept as a backup with its mode
  const backups = readdirSync(join(dir, 'pki')).filter((f) => f.startsWith('apiserver.') && f.includes('.bak-'));
  assert.equal(backups.length, 2);
  assert.equal(
    readFileSync(
      join(
        dir,
        'pki',
        backups.find((b) => b.startsWith('apiserver.key'))!,
      ),
      'utf8',
    ),
    oldKey,
  );
});

test("renewed kubeconfig: only the current user's cert/key change; identity kept; kubectl still reads it", async (t) => {
  const { dir, catalog } = await setup(t);
  const before = await parseKubeconfig(readFileSync(join(dir, 'admin.conf'), 'utf8'), join(dir, 'admin.conf'));
  const res = await renewCertificates({
    catalog,
    certDir: join(dir, 'pki'),
    kubeconfigDir: dir,
    names: ['admin.conf', 'scheduler.conf'],
    validityMs: 30 * DAY,
    clock: fixedClock(START),
  });
  assert.deepEqual(res.restart, ['kube-scheduler']);
  const after = await parseKubeconfig(readFileSync(join(dir, 'admin.conf'), 'utf8'), join(dir, 'admin.conf'));
  assert.equal(after.server, before.server);
  assert.equal(after.currentContext, before.currentContext);
  assert.equal(after.caPem, before.caPem);
  assert.notEqual(after.clientKeyPem, before.clientKeyPem);
  const c = parseCertificatePem(after.clientCertPem!);
  assert.deepEqual(c.subject, { commonName: 'kubernetes-admin', organization: ['kubeadm:cluster-admins'] });
  assert.equal(c.notAfter.getTime(), START.getTime() + 30 * DAY);
  const k = run('kubectl', [
    'config',
    'view',
    '--raw',
    '--kubeconfig',
    join(dir, 'admin.conf'),
    '-o',
    'jsonpath={.users[0].name}',
  ]);
  assert.equal(k.code, 0, k.stderr);
  assert.equal(k.stdout, 'kubernetes-admin');
});

test('renew all skips certificates under an external CA and keeps going; unknown names are refused', async (t) => {
  const { dir, catalog } = await setup(t);
  unlinkSync(join(dir, 'pki/etcd/ca.key'));
  const etcdServer = readFileSync(join(dir, 'pki/etcd/server.crt'));
  const res = await renewCertificates({
    catalog,
    certDir: join(dir, 'pki'),
    kubeconfigDir: dir,
    names: ['all'],
    validityMs: DAY,
    clock: fixedClock(START),
  });
  assert.ok(res.lines.includes("[renew] Detected external etcd-ca, certificate etcd-server can't be renewed"));
  assert.deepEqual(readFileSync(join(dir, 'pki/etcd/server.crt')), etcdServer);
  assert.ok(
    res.renewed.includes('apiserver') &&
      res.renewed.includes('super-admin.conf') &&
      !res.renewed.includes('kubelet.conf'),
  );
  assert.deepEqual(res.restart, ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy']);
  await assert.rejects(
    renewCertificates({
      catalog,
      certDir: join(dir, 'pki'),
      kubeconfigDir: dir,
      names: ['kubelet.conf'],
      validityMs: DAY,
      clock: fixedClock(START),
    }),
    /unknown certificate "kubelet.conf"/,
  );
});

test('CLI renew prints what to restart; a missing certificate fails with exit 1', (t) => {
  const dir = tmpDir('kubetls-renew-', t);
  assert.equal(cli(['init', '--dir', dir, '--encryption-algorithm', 'ECDSA-P256', '--node-name', 'n1']).code, 0);
  const r = cli(['certs', 'renew', 'etcd-peer', 'front-proxy-client', '--dir', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /You must restart kube-apiserver, etcd so that they use the new certificates/);
  unlinkSync(join(dir, 'pki/apiserver.crt'));
  const bad = cli(['certs', 'renew', 'apiserver', '--dir', dir]);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /cannot renew apiserver: .*apiserver.crt does not exist/);
  assert.ok(!existsSync(join(dir, 'pki/apiserver.crt')));
});

test('a CA whose key does not match its certificate stops only its own renewals, before anything of theirs is written', async (t) => {
  const { dir, catalog } = await setup(t);
  const other = tmpDir('kubetls-renew-other-', t);
  await initNode(other);
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(dir, 'pki/front-proxy-ca.key'), readFileSync(join(other, 'pki/front-proxy-ca.key')));
  const fpc = readFileSync(join(dir, 'pki/front-proxy-client.crt'));
  const res = await renewCertificates({
    catalog,
    certDir: join(dir, 'pki'),
    kubeconfigDir: dir,
    names: ['all'],
    validityMs: DAY,
    clock: fixedClock(START),
  });
  assert.deepEqual(res.failed, ['front-proxy-client']);
  assert.ok(
    res.lines.some((l) =>
      /cannot renew front-proxy-client: the "front-proxy-ca" CA is unusable: .*does not match/.test(l),
    ),
    res.lines.join('\n'),
  );
  assert.deepEqual(readFileSync(join(dir, 'pki/front-proxy-client.crt')), fpc);
  assert.ok(res.renewed.includes('apiserver') && res.renewed.includes('etcd-peer'));
});

/** Every file under `dir` with its content, to tell what changed. */
function contents(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), join(rel, e.name));
      else out.set(join(rel, e.name), readFileSync(join(d, e.name), 'latin1'));
    }
  };
  walk(dir, '');
  return out;
}

test('renew all with a read-only kubeconfig directory: each renewal and each failure reported, the restart list, exit 1', (t) => {
  // removed at exit, after the hook below gives the directory its write permission back
  const d = tmpDir('kubetls-renew-ro-');
  assert.equal(cli(['init', '--dir', d, '--encryption-algorithm', 'ECDSA-P256', '--node-name', 'n1']).code, 0);
  // root writes into read-only directories: run the command as nobody, on a tree nobody owns
  const root = process.getuid?.() === 0;
  if (root && !hasCommand('setpriv')) return t.skip('running as root without setpriv (util-linux) to drop privileges');
  if (root && !othersCanReach(CLI)) return t.skip(CHECKOUT_NOT_REACHABLE);
  if (root) {
    const own = (p: string) => {
      chownSync(p, 65534, 65534);
      if (statSync(p).isDirectory()) for (const e of readdirSync(p)) own(join(p, e));
    };
    own(d);
  }
  chmodSync(d, 0o555); // the kubeconfigs' directory; pki/ below it stays writable
  t.after(() => chmodSync(d, 0o700));
  const before = contents(d);
  const args = [CLI, 'certs', 'renew', 'all', '--dir', d];
  const r = root
    ? run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...args])
    : run(process.execPath, args);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const renewed = [...r.stdout.matchAll(/^\[renew\] (\S+) renewed: new key/gm)].map((m) => m[1]);
  const failed = [...r.stdout.matchAll(/^\[renew\] cannot renew (\S+): cannot write (\S+): permission denied$/gm)];
  assert.deepEqual(renewed, [
    'apiserver',
    'apiserver-kubelet-client',
    'front-proxy-client',
    'etcd-server',
    'etcd-peer',
    'etcd-healthcheck-client',
    'apiserver-etcd-client',
  ]);
  assert.deepEqual(
    failed.map((m) => m[1]),
    ['admin.conf', 'super-admin.conf', 'controller-manager.conf', 'scheduler.conf', 'kube-proxy.conf'],
  );
  assert.deepEqual(
    failed.map((m) => m[2]),
    failed.map((m) => join(d, m[1]!)),
  );
  // what was renewed must be restarted; what failed is not in the list
  assert.match(r.stdout, /You must restart kube-apiserver, etcd so that they use the new certificates\.$/m);
  assert.match(
    r.stderr,
    /^error: 5 of 12 certificates not renewed: admin\.conf, super-admin\.conf, controller-manager\.conf, scheduler\.conf, kube-proxy\.conf \(the others were renewed, see above\)$/m,
  );
  const after = contents(d);
  for (const [rel, text] of before) {
    if (rel.endsWith('.conf')) assert.equal(after.get(rel), text, `${rel} untouched`);
    else if (
      /(^|\/)(apiserver|front-proxy-client|server|peer|healthcheck-client|apiserver-[a-z-]+)\.(crt|key)$/.test(rel)
    ) {
      assert.notEqual(after.get(rel), text, `${rel} renewed`);
      assert.ok(
        [...after].some(([r2, c]) => r2.startsWith(`${rel}.bak-`) && c === text),
        `${rel} kept as a backup`,
      );
    }
  }
  assert.deepEqual(
    [...after.keys()].filter((k) => k.endsWith('.tmp') || k.endsWith('.kubetls-journal')),
    [],
  );
  const verify = run('openssl', ['verify', '-CAfile', join(d, 'pki/ca.crt'), join(d, 'pki/apiserver.crt')]);
  assert.equal(verify.code, 0, verify.stderr);
});

test('renew --dry-run says what it would renew and keep, and writes nothing', (t) => {
  const d = tmpDir('kubetls-renew-dry-', t);
  assert.equal(cli(['init', '--dir', d, '--encryption-algorithm', 'ECDSA-P256', '--node-name', 'n1']).code, 0);
  const before = contents(d);
  const r = cli(['certs', 'renew', 'apiserver', 'admin.conf', '--dir', d, '--dry-run']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    new RegExp(
      `^\\[renew\\] apiserver would be renewed: new key, expires .*; previous files would be kept as ${join(d, 'pki/apiserver.key')}\\.bak-\\d{8}T\\d{6}Z, ${join(d, 'pki/apiserver.crt')}\\.bak-`,
      'm',
    ),
  );
  assert.match(r.stdout, /^\[renew\] admin\.conf would be renewed/m);
  assert.match(r.stdout, /Dry run: nothing was written\. Renewing would mean restarting kube-apiserver/);
  assert.deepEqual(contents(d), before);
});

test('renew returns structured problems: a registry code, the file and the line printed', async (t) => {
  const { dir, catalog } = await setup(t);
  unlinkSync(join(dir, 'pki/apiserver.crt'));
  unlinkSync(join(dir, 'scheduler.conf'));
  const res = await renewCertificates({
    catalog,
    certDir: join(dir, 'pki'),
    kubeconfigDir: dir,
    names: ['apiserver', 'scheduler.conf', 'admin.conf'],
    validityMs: DAY,
    clock: fixedClock(START),
  });
  assert.deepEqual(res.failed, ['apiserver', 'scheduler.conf']);
  assert.deepEqual(res.renewed, ['admin.conf']);
  assert.deepEqual(
    res.problems.map((p) => [p.code, p.path]),
    [
      ['NotFound', join(dir, 'pki/apiserver.crt')],
      ['NotFound', join(dir, 'scheduler.conf')],
    ],
  );
  for (const p of res.problems)
    assert.ok(
      res.lines.some((l) => l.endsWith(p.message)),
      p.message,
    );
});
