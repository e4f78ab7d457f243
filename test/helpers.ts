/** Shared test helpers: temp dirs, running the real CLI and real tools (openssl, etcd, kubectl). */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
