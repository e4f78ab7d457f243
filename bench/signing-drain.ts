/**
 * The signer controller under load (bench/signing.ts runs this after the signing core): a
 * real `kubetls serve`, N CSRs for a custom signer created, then all approved as fast as 16
 * concurrent clients can; the csrsigning controller (5 workers, as kube-controller-manager)
 * signs them and writes each certificate through /status. Measured from a watch: the drain
 * rate (approvals started → last certificate seen) and each CSR's approve→issued latency
 * (its approval answered → its certificate seen on the watch), p50/p99.
 *
 * The controller runs in this process as `kubetls controller-manager` would (identity
 * system:kube-controller-manager, granted `sign` on the custom signer by kubectl apply), not
 * embedded in serve, so that the drain is measured apart from serve. This process also generates
 * the load (approvals and the watch) on the same event loop, which costs the controller.
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1CertificateSigningRequest } from '@kubernetes/client-node';
import { connect } from '../src/controllers/framework/client.js';
import { realClock } from '../src/controllers/framework/clock.js';
import { updateApproval, withCondition } from '../src/controllers/framework/csr.js';
import { ControllerManager } from '../src/controllers/manager.js';
import { signingController } from '../src/controllers/csrsigning.js';
import { CLI } from './common.js';

const RBAC = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: bench-custom-signer}
rules:
- {apiGroups: [certificates.k8s.io], resources: [signers], resourceNames: [example.com/serving], verbs: [sign]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: bench-custom-signer}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: bench-custom-signer}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: "system:kube-controller-manager"}
`;

export interface DrainResult {
  n: number;
  secs: number;
  rate: number;
  p50: number;
  p99: number;
  max: number;
  how: string;
  /** the approvals alone: how fast serve took 16 concurrent /approval writes meanwhile */
  approveSecs: number;
  createSecs: number;
}

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

export async function drain(dir: string, pems: string[], signerConfig: string): Promise<DrainResult> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const init = spawnSync(
    process.execPath,
    [
      CLI,
      'init',
      '--dir',
      join(dir, 'cluster'),
      '--encryption-algorithm',
      'ECDSA-P256',
      '--node-name',
      'cp-0',
      '--apiserver-advertise-address',
      '127.0.0.1',
      '--apiserver-bind-port',
      String(port),
    ],
    { encoding: 'utf8' },
  );
  if (init.status !== 0) throw new Error(`init: ${init.stderr}`);
  const serve = spawn(process.execPath, [CLI, 'serve', '--dir', join(dir, 'cluster'), '--secure-port', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  let stopManager = (): Promise<void> => Promise.resolve();
  serve.stderr.on('data', (c: Buffer) => (log += c.toString()));
  try {
    const kubeconfig = join(dir, 'cluster', 'admin.conf');
    for (let i = 0; ; i++) {
      const r = spawnSync('kubectl', ['--kubeconfig', kubeconfig, 'get', '--raw', '/readyz'], { encoding: 'utf8' });
      if (r.status === 0) break;
      if (i > 150 || serve.exitCode !== null) throw new Error(`serve did not start: ${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const rbac = spawnSync('kubectl', ['--kubeconfig', kubeconfig, 'apply', '-f', '-'], {
      input: RBAC,
      encoding: 'utf8',
    });
    if (rbac.status !== 0) throw new Error(`kubectl apply: ${rbac.stderr}`);
    const admin = await connect({ file: kubeconfig });
    const manager = new ControllerManager({
      client: await connect({ file: join(dir, 'cluster', 'controller-manager.conf') }),
      controllers: [signingController],
      flags: { signerConfig },
      pkiDir: join(dir, 'cluster', 'pki'),
      leaderElection: false,
      log: (l) => {
        if (process.env.DRAIN_LOG) console.error(l);
      },
    });
    await manager.checkPermissions();
    manager.start();
    stopManager = () => manager.stop();
    await manager.whenStarted();
    const N = pems.length;
    const names = pems.map((_, i) => `drain-${i}`);
    const c0 = performance.now();
    await pool(
      names.map((name, i) => ({ name, pem: pems[i]! })),
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
    const createSecs = (performance.now() - c0) / 1000;
    // the watch that sees certificates arrive
    const issuedAt = new Map<string, number>();
    let allIssued: () => void = () => {};
    const done = new Promise<void>((r) => (allIssued = r));
    const { Watch } = await import('@kubernetes/client-node');
    const watch = new Watch(admin.kubeConfig);
    const req = await watch.watch(
      '/apis/certificates.k8s.io/v1/certificatesigningrequests',
      {},
      (_type: string, obj: V1CertificateSigningRequest) => {
        const name = obj.metadata?.name ?? '';
        if (obj.status?.certificate && !issuedAt.has(name)) {
          issuedAt.set(name, performance.now());
          if (issuedAt.size === N) allIssued();
        }
      },
      () => {},
    );
    const approvedAt = new Map<string, number>();
    const t0 = performance.now();
    await pool(names, 16, async (name) => {
      await updateApproval(admin, name, (c) =>
        withCondition(c, { type: 'Approved', reason: 'Bench', message: 'drain' }, realClock),
      );
      approvedAt.set(name, performance.now());
    });
    const approveSecs = (performance.now() - t0) / 1000;
    const timeout = new Promise<void>((_, rej) =>
      setTimeout(() => rej(new Error(`only ${issuedAt.size}/${N} issued after 600 s`)), 600_000).unref(),
    );
    await Promise.race([done, timeout]);
    const secs = (Math.max(...issuedAt.values()) - t0) / 1000;
    req.abort();
    // a certificate seen before its approval's answer came back counts as 0 ms
    const lat = names.map((n) => Math.max(0, issuedAt.get(n)! - approvedAt.get(n)!));
    return {
      n: N,
      secs,
      rate: N / secs,
      p50: pct(lat, 50),
      p99: pct(lat, 99),
      max: Math.max(...lat),
      how: 'controller manager in the benchmark process',
      approveSecs,
      createSecs,
    };
  } finally {
    await stopManager();
    serve.kill('SIGTERM');
    await new Promise((r) => (serve.exitCode !== null ? r(null) : serve.once('exit', r)));
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
