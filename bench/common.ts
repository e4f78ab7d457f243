/** Shared benchmark plumbing: paths, hyperfine (or a median-of-N fallback), machine facts. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syncfsStatus } from '../src/util/syncfs.js';

/** Repository root (dist/bench/ → ../../). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = join(ROOT, 'dist/src/cli/main.cjs');
/** In CI the repo's parent dir holds shared/; KUBETLS_ANCHORS overrides. */
export const ANCHORS = process.env.KUBETLS_ANCHORS ?? resolve(ROOT, '../shared/anchors');

/**
 * The environment every timed command runs in. Node 20 reads NODE_EXTRA_CA_CERTS at start-up and,
 * because of it, builds its whole root-certificate store (~140 bundled roots through OpenSSL 3's
 * slow decoders) plus the extra file before the first line of JavaScript runs
 * (nodejs/node#40524): 40–50 ms per process on this project's 2-core machines, which set it for
 * their npm proxy. No timed command makes a TLS connection, and the Go anchors read nothing like
 * it, so it is dropped for every command — kubetls and anchor alike — unless BENCH_KEEP_ENV=1.
 * `init.ts` still times kubetls once with it, so the cost stays visible.
 */
export const EXTRA_CA = process.env.NODE_EXTRA_CA_CERTS;
export const KEEP_ENV = process.env.BENCH_KEEP_ENV === '1';
export function benchEnv(): NodeJS.ProcessEnv {
  if (KEEP_ENV) return process.env;
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

export const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
export const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export interface Timing {
  name: string;
  median: number;
  mean: number;
  min: number;
  max: number;
  runs: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * Times shell commands. Every run writes into a directory never used before: `dir` is a
 * symlink, re-pointed by hyperfine's --prepare (not timed) at a new empty directory under
 * `<dir>.runs/`, and nothing is deleted until the benchmark process exits.
 * Why not `rm -rf dir` before each run: on ext4 without a journal (this project's CI
 * machines) the inode allocator skips inodes freed in the last 60 s (360 s while their
 * inode-table block is dirty), reading each one's deletion time first (perf:
 * `recently_deleted` under `ext4_create`/`ext4_mkdir`), so a
 * delete-and-recreate loop makes every run slower than the last — a cost of the loop, not
 * of the tool, and one no first-time `init` pays. BENCH_REUSE_DIR=1 restores the old loop.
 */
export function timeCommands(
  cmds: { name: string; cmd: string }[],
  dir: string,
  runs: number,
  exportJson?: string,
): Timing[] {
  const reuse = process.env.BENCH_REUSE_DIR === '1';
  const runsDir = `${dir}.runs`;
  const prepare = reuse
    ? `rm -rf ${shq(dir)} && mkdir -p ${shq(dir)}`
    : `rm -rf ${shq(dir)} && mkdir -p ${shq(runsDir)} && ln -s "$(mktemp -d ${shq(runsDir)}/run.XXXXXX)" ${shq(dir)}`;
  if (has('hyperfine')) {
    const json = exportJson ?? join(mkdtempSync(join(tmpdir(), 'kubetls-hf-')), 'out.json');
    const args = [
      '--warmup',
      '1',
      '--runs',
      String(runs),
      '--prepare',
      prepare,
      '--export-json',
      json,
      '--style',
      'basic',
    ];
    for (const c of cmds) args.push('--command-name', c.name, c.cmd);
    const r = spawnSync('hyperfine', args, { stdio: ['ignore', 'inherit', 'inherit'], env: benchEnv() });
    if (r.status !== 0) throw new Error(`hyperfine failed (${r.status})`);
    const res = JSON.parse(readFileSync(json, 'utf8')) as {
      results: { command: string; median: number; mean: number; min: number; max: number; times: number[] }[];
    };
    return res.results.map((x) => ({
      name: x.command,
      median: x.median,
      mean: x.mean,
      min: x.min,
      max: x.max,
      runs: x.times.length,
    }));
  }
  // Fallback: own loop, one warm-up, median of N.
  return cmds.map((c) => {
    const times: number[] = [];
    for (let i = 0; i <= runs; i++) {
      if (spawnSync('sh', ['-c', prepare]).status !== 0) throw new Error(`cannot prepare ${dir}`);
      const t0 = process.hrtime.bigint();
      const r = spawnSync('sh', ['-c', c.cmd], { stdio: 'ignore', env: benchEnv() });
      const dt = Number(process.hrtime.bigint() - t0) / 1e9;
      if (r.status !== 0) throw new Error(`${c.name} failed (${r.status})`);
      if (i > 0) times.push(dt);
    }
    return {
      name: c.name,
      median: median(times),
      mean: times.reduce((a, b) => a + b, 0) / times.length,
      min: Math.min(...times),
      max: Math.max(...times),
      runs,
    };
  });
}

export function machine(): string {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    model = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch {
    /* not Linux: keep os.cpus() */
  }
  const nproc = spawnSync('nproc', { encoding: 'utf8' }).stdout?.trim() || String(cpus().length);
  return `nproc ${nproc}, ${model}, Node ${process.version}, ${new Date().toISOString()}, load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}\n${launcher()}`;
}

/** How the kubetls executable starts here (bundle + code cache, or the slower module tree after a bare `tsc`). */
function launcher(): string {
  const r = spawnSync(process.execPath, [CLI, '--version'], {
    encoding: 'utf8',
    env: { ...process.env, KUBETLS_DEBUG: '1' },
  });
  const line =
    (r.stderr ?? '').split('\n').find((l) => l.startsWith('kubetls: started')) ?? 'kubetls: launcher state unknown';
  const sync = syncfsStatus();
  const env =
    EXTRA_CA === undefined
      ? 'NODE_EXTRA_CA_CERTS not set'
      : KEEP_ENV
        ? `NODE_EXTRA_CA_CERTS=${EXTRA_CA} kept for every command (BENCH_KEEP_ENV=1)`
        : `NODE_EXTRA_CA_CERTS=${EXTRA_CA} dropped for every timed command (BENCH_KEEP_ENV=1 keeps it)`;
  return `launcher: ${line.replace(/^kubetls: /, '')}\nfilesystem flush: ${sync.native ? 'native syncfs' : `\`sync -f\` (${sync.reason})`}\nenvironment: ${env}`;
}

export const fmt = (s: number): string => (s < 1 ? `${(s * 1000).toFixed(0)} ms` : `${s.toFixed(2)} s`);
