/** Shared benchmark plumbing: paths, hyperfine (or a median-of-N fallback), machine facts. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (dist/bench/ → ../../). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = join(ROOT, 'dist/src/cli/main.js');
/** In CI the repo's parent dir holds shared/; KUBETLS_ANCHORS overrides. */
export const ANCHORS = process.env.KUBETLS_ANCHORS ?? resolve(ROOT, '../shared/anchors');

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
 * Times shell commands. `dir` is emptied and recreated before every run (hyperfine --prepare,
 * so the rm is not timed) — every run writes into a fresh empty directory.
 */
export function timeCommands(cmds: { name: string; cmd: string }[], dir: string, runs: number, exportJson?: string): Timing[] {
  const prepare = `rm -rf ${shq(dir)} && mkdir -p ${shq(dir)}`;
  if (has('hyperfine')) {
    const json = exportJson ?? join(mkdtempSync(join(tmpdir(), 'kubetls-hf-')), 'out.json');
    const args = ['--warmup', '1', '--runs', String(runs), '--prepare', prepare, '--export-json', json, '--style', 'basic'];
    for (const c of cmds) args.push('--command-name', c.name, c.cmd);
    const r = spawnSync('hyperfine', args, { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw new Error(`hyperfine failed (${r.status})`);
    const res = JSON.parse(readFileSync(json, 'utf8')) as { results: { command: string; median: number; mean: number; min: number; max: number; times: number[] }[] };
    return res.results.map((x) => ({ name: x.command, median: x.median, mean: x.mean, min: x.min, max: x.max, runs: x.times.length }));
  }
  // Fallback: own loop, one warm-up, median of N.
  return cmds.map((c) => {
    const times: number[] = [];
    for (let i = 0; i <= runs; i++) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const t0 = process.hrtime.bigint();
      const r = spawnSync('sh', ['-c', c.cmd], { stdio: 'ignore' });
      const dt = Number(process.hrtime.bigint() - t0) / 1e9;
      if (r.status !== 0) throw new Error(`${c.name} failed (${r.status})`);
      if (i > 0) times.push(dt);
    }
    return { name: c.name, median: median(times), mean: times.reduce((a, b) => a + b, 0) / times.length, min: Math.min(...times), max: Math.max(...times), runs };
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
  return `nproc ${nproc}, ${model}, Node ${process.version}, ${new Date().toISOString()}, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n${launcher()}`;
}

/** How the kubetls executable starts here (bundle + code cache, or the slower module tree after a bare `tsc`). */
function launcher(): string {
  const r = spawnSync(process.execPath, [CLI, '--version'], { encoding: 'utf8', env: { ...process.env, KUBETLS_DEBUG: '1' } });
  const line = (r.stderr ?? '').split('\n').find((l) => l.startsWith('kubetls: started')) ?? 'kubetls: launcher state unknown';
  return `launcher: ${line.replace(/^kubetls: /, '')}`;
}

export const fmt = (s: number): string => (s < 1 ? `${(s * 1000).toFixed(0)} ms` : `${s.toFixed(2)} s`);
