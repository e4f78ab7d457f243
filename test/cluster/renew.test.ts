/** certs renew: kubeadm semantics (SPEC §3, §9) with an injected clock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { buildCatalog } from '../../src/cluster/catalog.js';
import { loadConfig } from '../../src/cluster/config.js';
import { parseKubeconfig } from '../../src/cluster/kubeconfig.js';
import { renewCertificates } from '../../src/cluster/renew.js';
import { fixedClock } from '../../src/pki/clock.js';
import { parseCertificatePem } from '../../src/pki/load.js';
import { isSignedBy } from '../../src/pki/verify.js';
import { cli, run, tmpDir } from '../helpers.js';
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
