/**
 * Memory of `kubetls controller-manager` (standalone, every default controller) with N CSRs in
 * its informer cache (issue 19): a real `kubetls serve` (no embedded controllers) whose store is
 * seeded with N copies of one pending CSR the API created (bench/seed.ts), then the controller
 * manager started against it. Measured: the time from its spawn to its "controllers started"
 * line (the informers' first list in the cache, as their handlers saw it), then RSS (VmRSS,
 * VmHWM) and the V8 heap after a full GC, asked through a preloaded probe (SIGUSR2 → one
 * line of `process.memoryUsage()` on stderr). The same with the one template CSR first, in
 * the same run, as the baseline.
 *
 * The CSRs are for example.com/serving, which no controller of this run signs or approves,
 * so the figures are the cache and the handlers' pass over it, not the work. The manager runs
 * with admin.conf (serve grants system:kube-controller-manager only what its own embedded
 * controllers declare, and here it runs none).
 *
 *   npm run build && node dist/bench/controller-memory.js [--objects 100000]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '../src/controllers/framework/client.js';
import { CLI, machine } from './common.js';
import { seedCsrs } from './seed.js';
import { load } from './signing-drain.js';

const arg = (name: string, d: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const OBJECTS = arg('objects', 100_000);

const PROBE = `process.on('SIGUSR2', () => {
  if (global.gc) global.gc();
  process.stderr.write('MEMPROBE ' + JSON.stringify(process.memoryUsage()) + '\\n');
});
`;

interface Proc {
  proc: ChildProcess;
  log(): string;
  stop(): Promise<void>;
}

function start(args: string[], nodeFlags: string[] = []): Proc {
  const proc = spawn(process.execPath, [...nodeFlags, CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (c: Buffer) => (log += c.toString()));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    proc,
    log: () => log,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

async function until(what: string, p: Proc, ok: () => boolean, ms = 600_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end || p.proc.exitCode !== null) throw new Error(`${what}: ${p.log().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const status = (pid: number) => {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mib = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0) / 1024;
  return { rss: mib('VmRSS'), hwm: mib('VmHWM') };
};

async function measure(
  dir: string,
  probe: string,
  servePid: number,
): Promise<{ syncSecs: number; rss: number; hwm: number; heap: number; serveRss: number }> {
  const t0 = performance.now();
  const cm = start(
    ['controller-manager', '--kubeconfig', join(dir, 'admin.conf'), '--leader-elect=false', '--secure-port', '0'],
    ['--expose-gc', '--require', probe],
  );
  try {
    await until('controllers started', cm, () => /controllers started/.test(cm.log()));
    const syncSecs = (performance.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 2000)); // the handlers' queue work settles
    const before = cm.log().length;
    cm.proc.kill('SIGUSR2');
    await until('the memory probe', cm, () => /MEMPROBE /.test(cm.log().slice(before)), 30_000);
    const m = JSON.parse(/MEMPROBE (.*)/.exec(cm.log().slice(before))![1]!) as { heapUsed: number };
    return { syncSecs, ...status(cm.proc.pid!), heap: m.heapUsed / 2 ** 20, serveRss: status(servePid).rss };
  } finally {
    await cm.stop();
  }
}

console.log(`${machine()}`);
const work = mkdtempSync(join(tmpdir(), 'kubetls-cm-memory-'));
try {
  const dir = join(work, 'cluster');
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const init = spawnSync(
    process.execPath,
    [CLI, 'init', '--dir', dir, '--encryption-algorithm', 'ECDSA-P256', '--node-name', 'cp-0',
      '--apiserver-advertise-address', '127.0.0.1', '--apiserver-bind-port', String(port)],
    { encoding: 'utf8' },
  ); // prettier-ignore
  if (init.status !== 0) throw new Error(`init: ${init.stderr}`);
  const probe = join(work, 'memprobe.cjs');
  writeFileSync(probe, PROBE);
  const serveArgs = ['serve', '--dir', dir, '--secure-port', String(port), '--controllers='];
  let serve = start(serveArgs);
  await until('serve listening', serve, () => /listening on/.test(serve.log()));
  const admin = await connect({ file: join(dir, 'admin.conf') });
  const { privateKey } = (await import('node:crypto')).generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { createCsr, csrToPem } = await import('../src/pki/index.js');
  const pem = csrToPem(
    createCsr({ subject: { commonName: 'web.ns.svc.cluster.local' }, dnsNames: ['web.ns.svc.cluster.local'], ipAddresses: ['10.0.0.1'] }, privateKey),
  ); // prettier-ignore
  await admin.certificates.createCertificateSigningRequest({
    body: {
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { name: 'template' },
      spec: {
        signerName: 'example.com/serving',
        request: Buffer.from(pem).toString('base64'),
        usages: ['digital signature', 'key encipherment', 'server auth'],
      },
    },
  });
  const one = await measure(dir, probe, serve.proc.pid!);
  const oneLoad = load();
  await serve.stop();
  const s0 = performance.now();
  await seedCsrs(dir, 'template', OBJECTS, 'stored');
  const seedSecs = (performance.now() - s0) / 1000;
  serve = start(serveArgs);
  await until('serve listening', serve, () => /listening on/.test(serve.log()));
  const many = await measure(dir, probe, serve.proc.pid!);
  const manyLoad = load();
  await serve.stop();

  console.log(`(seeded ${OBJECTS} CSRs in ${seedSecs.toFixed(1)} s)\n`);
  console.log(
    '| CSRs in the cache | start → informers synced | RSS | peak RSS (VmHWM) | V8 heap used after GC | serve (no controllers) RSS after their list | load |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---|');
  for (const [n, r, l] of [
    [1, one, oneLoad],
    [OBJECTS + 1, many, manyLoad],
  ] as const)
    console.log(
      `| ${n.toLocaleString('en')} | ${r.syncSecs.toFixed(2)} s | ${r.rss.toFixed(0)} MiB | ${r.hwm.toFixed(0)} MiB | ${r.heap.toFixed(0)} MiB | ${r.serveRss.toFixed(0)} MiB | ${l} |`,
    );
  console.log(
    `\nper CSR: ${(((many.rss - one.rss) * 2 ** 20) / OBJECTS).toFixed(0)} bytes of RSS, ${(((many.heap - one.heap) * 2 ** 20) / OBJECTS).toFixed(0)} bytes of heap`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
