/**
 * The signer controller under load (bench/signing.ts runs this after `cfssl serve`): a real
 * `kubetls serve` with its **embedded** controllers (serve's default, `--controllers=*`) and
 * `--signer-config` naming the custom signer, so the csrsigning controller runs inside serve's
 * process, as system:kube-controller-manager over serve's own port. Nothing of the controller
 * runs in this process; it only makes the load and watches. Two phases, each over N CSRs:
 *
 * A. **approved first**: serve runs without the signer (`--controllers=*,-csrsigning`), N
 *    CSRs are created and approved, serve stops and starts again with the signer; the
 *    controller lists N approved CSRs and drains them. Rate = N ÷ (the controllers' "started"
 *    line on serve's stderr, i.e. the informer's first list in the cache → the last
 *    certificate seen on this process's watch). The watch starts from the resourceVersion
 *    before the restart, so no certificate is missed while it connects.
 * B. **approved while draining**: on that serve, N new CSRs are created, then approved by 16
 *    concurrent clients while the controller signs. Rate = N ÷ (first approval sent → last
 *    certificate seen); approve→issued of each CSR = its /approval answered → its
 *    certificate seen on the watch (0 when seen before the answer), p50/p99/max.
 *
 * `DRAIN_PROF=dir` runs serve under `node --cpu-prof` (one .cpuprofile per serve start, written
 * when serve exits); `DRAIN_LOG=1` copies serve's stderr here; `DRAIN_ONLY_A=1` skips phase B.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { V1CertificateSigningRequest } from '@kubernetes/client-node';
import { connect, type ControllerClient } from '../src/controllers/framework/client.js';
import { realClock } from '../src/controllers/framework/clock.js';
import { updateApproval, withCondition } from '../src/controllers/framework/csr.js';
import { freePort, initArgs } from '../test/helpers.js';
import { CLI } from './common.js';
import { processCpuMs } from './procstat.js';

export interface PhaseResult {
  n: number;
  /** seconds from the phase's start (A: controllers started; B: first approval) to the last certificate */
  secs: number;
  rate: number;
  load: string;
}

export interface DrainResult {
  /**
   * A: N approved CSRs, drained after serve (re)starts with the signer; serveMsPerCsr is serve's
   * CPU (user + system, every thread: the API, the store's writer, the controllers) over the
   * phase ÷ N, and serveCores that CPU ÷ the phase's wall time
   */
  first: PhaseResult & { syncSecs: number; serveMsPerCsr: number; serveCores: number };
  /** B: approvals by 16 clients while the controller drains */
  during: PhaseResult & { p50: number; p99: number; max: number; approveSecs: number };
  createSecs: number;
}

export const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

/** Runs `fn` over items with at most `c` in flight. */
async function pool<T>(items: T[], c: number, fn: (x: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}

interface Serve {
  proc: ChildProcess;
  /** performance.now() when the controllers' "started" line arrived */
  controllersStarted: Promise<number>;
  log(): string;
  stop(): Promise<void>;
}

function startServe(dir: string, port: number, args: string[]): Serve {
  const prof = process.env.DRAIN_PROF;
  const proc = spawn(
    process.execPath,
    [
      ...(prof ? ['--cpu-prof', '--cpu-prof-dir', prof] : []),
      CLI,
      'serve',
      '--dir',
      join(dir, 'cluster'),
      '--secure-port',
      String(port),
      ...args,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  let started: (t: number) => void = () => {};
  const controllersStarted = new Promise<number>((r) => (started = r));
  proc.stderr.on('data', (c: Buffer) => {
    const s = c.toString();
    if (process.env.DRAIN_LOG) process.stderr.write(s);
    log += s;
    if (/controllers: controllers started/.test(s)) started(performance.now());
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    proc,
    controllersStarted,
    log: () => log,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

async function ready(kubeconfig: string, serve: Serve): Promise<void> {
  for (let i = 0; ; i++) {
    const r = spawnSync('curl', ['-sk', '-o', '/dev/null', '-w', '%{http_code}', serverUrl(kubeconfig) + '/readyz']);
    if (/^(200|401|403)$/.test(r.stdout.toString())) return;
    if (i > 300 || serve.proc.exitCode !== null) throw new Error(`serve did not start: ${serve.log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const serverUrl = (kubeconfig: string): string =>
  /server:\s*(\S+)/.exec(spawnSync('cat', [kubeconfig], { encoding: 'utf8' }).stdout)?.[1] ?? '';

/** Watches every CSR from `resourceVersion`; records when each name's certificate is first seen. */
async function watchIssued(
  admin: ControllerClient,
  resourceVersion: string,
  expect: ReadonlySet<string>,
): Promise<{ issuedAt: Map<string, number>; all: Promise<void>; stop(): void }> {
  const issuedAt = new Map<string, number>();
  let allIssued: () => void = () => {};
  const all = new Promise<void>((r) => (allIssued = r));
  const watch = new admin.lib.Watch(admin.kubeConfig);
  const req = await watch.watch(
    '/apis/certificates.k8s.io/v1/certificatesigningrequests',
    { resourceVersion },
    (_type: string, obj: V1CertificateSigningRequest) => {
      const name = obj.metadata?.name ?? '';
      if (obj.status?.certificate && expect.has(name) && !issuedAt.has(name)) {
        issuedAt.set(name, performance.now());
        if (issuedAt.size === expect.size) allIssued();
      }
    },
    (e: unknown) => {
      if (e) console.error(`bench watch ended: ${String(e)}`);
    },
  );
  const timeout = new Promise<void>((_, rej) =>
    setTimeout(() => rej(new Error(`only ${issuedAt.size}/${expect.size} issued after 900 s`)), 900_000).unref(),
  );
  return { issuedAt, all: Promise.race([all, timeout]), stop: () => req.abort() };
}

async function createAll(admin: ControllerClient, names: string[], pems: string[]): Promise<number> {
  const c0 = performance.now();
  await pool(
    names.map((name, i) => ({ name, pem: pems[i % pems.length]! })),
    32,
    async ({ name, pem }) => {
      await admin.certificates.createCertificateSigningRequest({
        body: {
          apiVersion: 'certificates.k8s.io/v1',
          kind: 'CertificateSigningRequest',
          metadata: { name },
          spec: {
            signerName: 'example.com/serving',
            request: Buffer.from(pem).toString('base64'),
            usages: ['digital signature', 'key encipherment', 'server auth'],
          },
        },
      });
    },
  );
  return (performance.now() - c0) / 1000;
}

const approve = (admin: ControllerClient, name: string) =>
  updateApproval(admin, name, (c) =>
    withCondition(c, { type: 'Approved', reason: 'Bench', message: 'drain' }, realClock),
  );

async function currentRevision(admin: ControllerClient): Promise<string> {
  const l = await admin.certificates.listCertificateSigningRequest({ limit: 1 });
  return l.metadata?.resourceVersion ?? '';
}

export async function drain(dir: string, pems: string[], signerConfig: string): Promise<DrainResult> {
  const port = await freePort();
  const init = spawnSync(
    process.execPath,
    [CLI, ...initArgs(join(dir, 'cluster'), { nodeName: 'cp-0', apiServerPort: port })],
    {
      encoding: 'utf8',
    },
  );
  if (init.status !== 0) throw new Error(`init: ${init.stderr}`);
  const kubeconfig = join(dir, 'cluster', 'admin.conf');
  const signer = ['--signer-config', signerConfig];
  const N = pems.length;
  let serve = startServe(dir, port, [...signer, '--controllers=*,-csrsigning']);
  try {
    await ready(kubeconfig, serve);
    const admin = await connect({ file: kubeconfig });

    // A: N CSRs approved while no signer runs, then serve restarted with it
    const firstNames = pems.map((_, i) => `first-${i}`);
    const createSecs = await createAll(admin, firstNames, pems);
    await pool(firstNames, 16, async (name) => void (await approve(admin, name)));
    const rv = await currentRevision(admin);
    await serve.stop();
    const spawned = performance.now();
    serve = startServe(dir, port, signer);
    await ready(kubeconfig, serve);
    const a = await watchIssued(admin, rv, new Set(firstNames));
    const t0 = await serve.controllersStarted;
    const cpu0 = processCpuMs(serve.proc.pid!);
    await a.all;
    const cpu1 = processCpuMs(serve.proc.pid!);
    const cpuWall = performance.now() - t0;
    const aEnd = Math.max(...a.issuedAt.values());
    a.stop();
    const first = {
      n: N,
      secs: (aEnd - t0) / 1000,
      rate: N / ((aEnd - t0) / 1000),
      syncSecs: (t0 - spawned) / 1000,
      serveMsPerCsr: (cpu1 - cpu0) / N,
      serveCores: (cpu1 - cpu0) / cpuWall,
      load: load(),
    };

    // B: N new CSRs approved by 16 clients while the controller drains
    if (process.env.DRAIN_ONLY_A)
      return { first, during: { ...first, p50: NaN, p99: NaN, max: NaN, approveSecs: NaN }, createSecs };
    const names = pems.map((_, i) => `during-${i}`);
    await createAll(admin, names, pems);
    const b = await watchIssued(admin, await currentRevision(admin), new Set(names));
    const approvedAt = new Map<string, number>();
    const b0 = performance.now();
    await pool(names, 16, async (name) => {
      await approve(admin, name);
      approvedAt.set(name, performance.now());
    });
    const approveSecs = (performance.now() - b0) / 1000;
    await b.all;
    const bEnd = Math.max(...b.issuedAt.values());
    b.stop();
    const lat = names.map((n) => Math.max(0, b.issuedAt.get(n)! - approvedAt.get(n)!));
    return {
      first,
      during: {
        n: N,
        secs: (bEnd - b0) / 1000,
        rate: N / ((bEnd - b0) / 1000),
        p50: pct(lat, 50),
        p99: pct(lat, 99),
        max: Math.max(...lat),
        approveSecs,
        load: load(),
      },
      createSecs,
    };
  } finally {
    await serve.stop();
  }
}

export const writeSignerConfig = (file: string, caCert: string, caKey: string): void =>
  writeFileSync(
    file,
    `apiVersion: kubetls.io/v1alpha1
kind: SignerConfiguration
signers:
- signerName: example.com/serving
  caCertFile: ${caCert}
  caKeyFile: ${caKey}
  allowedUsages: ["digital signature", "key encipherment", "server auth"]
  allowedDNSNames: ["*.svc.cluster.local"]
  allowedIPRanges: ["10.0.0.0/8"]
`,
  );
