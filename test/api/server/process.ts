/**
 * Starting a real `kubetls serve` process and waiting until `GET /readyz` answers 200: the one
 * copy that the test harness (harness.ts) and the benchmark (bench/serve.ts) share. Neither
 * node:test nor a PKI here: callers make the directory and own the process's lifetime.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { CLI } from '../../helpers.js';

export interface ServeProcess {
  proc: ChildProcess;
  port: number;
  /** everything the server wrote to stderr so far ('' when stderr is inherited) */
  log(): string;
  /** `signal` (SIGTERM), then SIGKILL after `killAfterMs`; resolves with the exit code */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface SpawnServeOptions {
  dir: string;
  port: number;
  /** `kubetls serve` flags after --dir and --secure-port */
  args?: readonly string[];
  /** the CLI to run (default: this tree's dist/src/cli/main.cjs; a benchmark compares another build) */
  cli?: string;
  /** node's own flags before the CLI (e.g. --cpu-prof) */
  nodeArgs?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** 'pipe' collects stderr for log() (tests); 'inherit' shows it (benchmarks) */
  stderr?: 'pipe' | 'inherit';
  /** the admin kubeconfig whose client certificate /readyz is asked with (so --anonymous-auth=false servers are seen ready too) */
  kubeconfig?: string;
  /** how long to wait for /readyz (ms; default 30 s) and how often to ask (default 100 ms) */
  readyWithinMs?: number;
  pollMs?: number;
  killAfterMs?: number;
}

/** Servers not stopped yet: a benchmark or test process that exits leaves none behind (one listener for all). */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

/** Spawns `kubetls serve` and resolves once /readyz answers 200; rejects (the process stopped) when it exits or never gets ready. */
export async function startServeProcess(o: SpawnServeOptions): Promise<ServeProcess> {
  const argv = [
    ...(o.nodeArgs ?? []),
    o.cli ?? CLI,
    'serve',
    '--dir',
    o.dir,
    '--secure-port',
    String(o.port),
    ...(o.args ?? []),
  ];
  const piped = (o.stderr ?? 'pipe') === 'pipe';
  const proc = spawn(process.execPath, argv, {
    stdio: ['ignore', 'ignore', piped ? 'pipe' : 'inherit'],
    env: o.env ?? process.env,
  });
  let stderr = '';
  proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const kill = () => proc.kill('SIGKILL');
  live.add(proc);
  proc.on('exit', () => live.delete(proc));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
    proc.kill(signal);
    const timer = setTimeout(kill, o.killAfterMs ?? 10_000);
    const code = await exited;
    clearTimeout(timer);
    live.delete(proc);
    return code;
  };
  const served: ServeProcess = { proc, port: o.port, log: () => stderr, stop };
  const pollMs = o.pollMs ?? 100;
  const deadline = Date.now() + (o.readyWithinMs ?? 30_000);
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`kubetls serve exited ${proc.exitCode}: ${stderr}`);
    if ((await readyz(o.port, o.kubeconfig)) === 200) return served;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  await stop();
  throw new Error(`kubetls serve did not become ready in ${(o.readyWithinMs ?? 30_000) / 1000} s: ${stderr}`);
}

/** GET /readyz, as the kubeconfig's user when one is given and readable, else anonymously; 0 when nothing answers. */
export function readyz(port: number, kubeconfig?: string): Promise<number> {
  let id: { cert?: string; key?: string } = {};
  try {
    if (kubeconfig) {
      const text = readFileSync(kubeconfig, 'utf8');
      const field = (name: string) =>
        Buffer.from(new RegExp(`${name}:\\s*(\\S+)`).exec(text)?.[1] ?? '', 'base64').toString('utf8');
      id = { cert: field('client-certificate-data'), key: field('client-key-data') };
    }
  } catch {
    // no admin.conf (a --tls-cert-file setup): anonymous
  }
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/readyz', rejectUnauthorized: false, timeout: 2000, ...id },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}
