/** Shared test helpers: temp dirs, running the real CLI and real tools (openssl, etcd, kubectl). */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../src/cli/main.cjs', import.meta.url));
/** Repository root (dist/test/ → ../../). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Creates a temp dir removed when the process exits (pass a test context to remove it after that test). */
export function tmpDir(prefix = 'kubetls-test-', t?: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  const clean = () => rmSync(d, { recursive: true, force: true });
  if (t) t.after(clean);
  else process.on('exit', clean);
  return d;
}

export function run(cmd: string, args: string[], o: SpawnSyncOptions = {}): RunResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024, ...o });
  if (r.error) throw r.error;
  return { code: r.status ?? (r.signal ? 128 : 1), stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

/** Runs the built kubetls CLI. */
export const cli = (args: string[], o: SpawnSyncOptions = {}): RunResult => run(process.execPath, [CLI, ...args], o);

export function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** openssl with its output; throws with stderr when it fails and `check` is set. */
export function openssl(args: string[], check = true, input?: string): RunResult {
  const r = run('openssl', args, input === undefined ? {} : { input });
  if (check && r.code !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
  return r;
}

/** A PKCS#10 request (new ECDSA P-256 key, thrown away) made by `openssl req`, PEM; `san` as -addext takes it. */
export function opensslCsrPem(subj = '/CN=test', san?: string): string {
  return openssl(
    [
      'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', '/dev/null',
      '-subj', subj, ...(san ? ['-addext', `subjectAltName=${san}`] : []),
    ],
    true,
  ).stdout; // prettier-ignore
}

/**
 * The longest a hostile-input run may take: far above a normal run (well under a second,
 * a few seconds on a loaded machine), far below a hang. Pass it as `timeout` so a command
 * that blocks (a FIFO open) or reads forever (/dev/zero) fails its test instead of hanging CI.
 */
export const HANG_MS = 20_000;

/** Runs the CLI with a bounded run time: a hang throws (ETIMEDOUT), failing the test. */
export const boundedCli = (args: string[], o: SpawnSyncOptions = {}): RunResult =>
  cli(args, { timeout: HANG_MS, maxBuffer: 4 * 1024 * 1024, ...o });

/** A named pipe (FIFO) at `path`, made with coreutils' mkfifo. */
export function mkfifo(path: string): string {
  const r = spawnSync('mkfifo', [path]);
  if (r.status !== 0) throw new Error(`mkfifo ${path} failed: ${String(r.stderr)}`);
  return path;
}

/**
 * `kubetls init` arguments for a quick test or benchmark tree: ECDSA P-256 keys (fast), node
 * `nodeName` (default n1); with `apiServerPort`, the API server advertised on
 * `apiServerAddress` (default 127.0.0.1):`apiServerPort`, so admin.conf points at a `kubetls serve`
 * there; then `extra`.
 */
export function initArgs(
  dir: string,
  o: { nodeName?: string; apiServerPort?: number; apiServerAddress?: string; extra?: readonly string[] } = {},
): string[] {
  return [
    'init',
    '--dir',
    dir,
    '--encryption-algorithm',
    'ECDSA-P256',
    '--node-name',
    o.nodeName ?? 'n1',
    ...(o.apiServerPort === undefined
      ? []
      : [
          '--apiserver-advertise-address',
          o.apiServerAddress ?? '127.0.0.1',
          '--apiserver-bind-port',
          String(o.apiServerPort),
        ]),
    ...(o.extra ?? []),
  ];
}

/** The file flags of a cfssl-compatible `serve` run in a directory holding ca.pem, config.json and a tls.pem pair. */
export const SERVE_FILE_FLAGS: readonly string[] = [
  '-ca',
  'ca.pem',
  '-ca-key',
  'ca-key.pem',
  '-config',
  'config.json',
  '-tls-cert',
  'tls.pem',
  '-tls-key',
  'tls-key.pem',
];

/**
 * Whether an unprivileged user (the tests that drop root's privileges run as uid 65534) can
 * reach `path`: every directory above it searchable by others. A checkout under a 0700
 * directory (`mktemp -d`) is not, and such a test can only skip there.
 */
export function othersCanReach(path: string): boolean {
  for (let d = dirname(resolve(path)); ; d = dirname(d)) {
    if (!(statSync(d).mode & 0o001)) return false;
    if (d === dirname(d)) return true;
  }
}

/** The reason a test that runs kubetls as uid 65534 gives when `othersCanReach(CLI)` is false. */
export const CHECKOUT_NOT_REACHABLE = `the checkout (${CLI}) is not reachable by an unprivileged user: a directory above it is not searchable by others (e.g. under mktemp -d's 0700)`;

/**
 * mulberry32: a small seeded PRNG in [0, 1), good enough to pick test cases; a property or
 * fuzz test prints its seed so a failure can be replayed.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
