/**
 * A real `kubetls serve` for tests: a fresh ECDSA PKI (fast) made by `kubetls init`, the
 * server started as a child process on a free 127.0.0.1 port, ready when /readyz answers,
 * stopped (SIGTERM, then SIGKILL) after the test. Also the kubectl binaries the machine has.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cli, freePort, hasCommand, initArgs, opensslCsrPem, tmpDir, type RunResult } from '../../helpers.js';
import { startServeProcess } from './process.js';

export interface Served {
  dir: string;
  port: number;
  url: string;
  /** admin.conf: kubernetes-admin in kubeadm:cluster-admins */
  kubeconfig: string;
  proc: ChildProcess;
  /** everything the server wrote to stderr so far */
  log(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface ServeOptions {
  /** extra `kubetls serve` flags */
  args?: string[];
  /** reuse a directory (a restart) instead of making a new PKI */
  dir?: string;
  port?: number;
  env?: NodeJS.ProcessEnv;
}

/** A fresh PKI (`kubetls init`, ECDSA) for a server on `port`, removed after the test; returns its directory. */
export function servePki(t: { after: (fn: () => void) => void }, port: number): string {
  const dir = tmpDir('kubetls-serve-', t);
  const r = cli(initArgs(dir, { nodeName: 'cp-0', apiServerPort: port }));
  if (r.code !== 0) throw new Error(`init failed: ${r.stderr}`);
  return dir;
}

/** Starts `kubetls serve`; resolves once /readyz answers 200 (or rejects with the server's output). */
export async function serve(
  t: { after: (fn: () => Promise<void> | void) => void },
  o: ServeOptions = {},
): Promise<Served> {
  const port = o.port ?? (await freePort());
  const dir = o.dir ?? servePki(t, port);
  // the embedded controllers write too (events, leases, certificates): a test of the API runs
  // without them unless it names them (`--controllers=*`), so what it counts is its own doing
  const args = o.args ?? [];
  const controllers = args.some((a) => a.startsWith('--controllers')) ? [] : ['--controllers='];
  const kubeconfig = join(dir, 'admin.conf');
  // a server that never gets ready is stopped by startServeProcess itself
  const p = await startServeProcess({
    dir,
    port,
    args: [...controllers, ...args],
    env: { ...process.env, ...o.env },
    kubeconfig,
  });
  t.after(async () => {
    await p.stop();
  });
  return { dir, port, url: `https://127.0.0.1:${port}`, kubeconfig, proc: p.proc, log: p.log, stop: p.stop };
}

/**
 * The kubectl binaries here: the default one, the versioned ones beside it (kubectl.1.27 …
 * kubectl.1.33) and Debian's 1.20 (KUBECTL_1_20, or extracted at /tmp/k120 by .ci/run).
 */
export function kubectls(): Array<{ name: string; path: string }> {
  const out: Array<{ name: string; path: string }> = [];
  if (!hasCommand('kubectl')) return out;
  const main = realpathSync(spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim());
  out.push({ name: 'kubectl', path: main });
  const dir = dirname(main);
  for (const f of readdirSync(dir).sort()) if (/^kubectl\.1\.\d+$/.test(f)) out.push({ name: f, path: join(dir, f) });
  const old = process.env.KUBECTL_1_20 ?? '/tmp/k120/usr/bin/kubectl';
  if (existsSync(old)) out.push({ name: 'kubectl.1.20', path: old });
  return out;
}

/** Runs kubectl with a fresh discovery cache (as docs/upstream/csr-api.md's measurements did). */
export function kubectl(
  bin: string,
  kubeconfig: string,
  args: string[],
  o: { input?: string; cacheDir?: string; env?: NodeJS.ProcessEnv } = {},
): RunResult {
  const r = spawnSync(bin, ['--kubeconfig', kubeconfig, ...(o.cacheDir ? ['--cache-dir', o.cacheDir] : []), ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    ...(o.input !== undefined ? { input: o.input } : {}),
    ...(o.env ? { env: { ...process.env, ...o.env } } : {}),
  });
  if (r.error) throw r.error;
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/** A PEM CSR made by openssl, base64 in one line as `kubectl apply` manifests carry it. */
export function csrManifest(
  name: string,
  o: { signerName?: string; usages?: string[]; subj?: string; expirationSeconds?: number } = {},
): string {
  const pem = opensslCsrPem(o.subj);
  const usages = o.usages ?? ['digital signature', 'server auth'];
  return [
    'apiVersion: certificates.k8s.io/v1',
    'kind: CertificateSigningRequest',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    `  request: ${Buffer.from(pem).toString('base64')}`,
    `  signerName: ${o.signerName ?? 'example.com/serving'}`,
    ...(o.expirationSeconds ? [`  expirationSeconds: ${o.expirationSeconds}`] : []),
    '  usages:',
    ...usages.map((u) => `  - ${u}`),
    '',
  ].join('\n');
}
