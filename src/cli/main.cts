#!/usr/bin/env node
/**
 * The `kubetls` executable: starts the command line (./run.ts) as fast as Node 20 allows.
 *
 * CommonJS on purpose (this file compiles to main.cjs, the package's `bin`): Node starts a
 * CommonJS entry sooner than an ES module entry, whose loader it must set up first
 * (bench/RESULTS.md, "2026-11-24 04:50–05:25: CommonJS launcher"). Nothing here needs ESM: the bundle is CommonJS, and the module-tree fallback is
 * reached with a dynamic import(). main.js, the old entry, re-exports this file.
 *
 * `npm run build` makes two files next to this one (scripts/bundle.mjs):
 *   kubetls.cjs        the CLI and its dependencies in one esbuild bundle;
 *   kubetls.cjs.cache  a V8 code cache of that bundle, recorded after the launcher ran the
 *                      main commands once (KUBETLS_TRAIN), prefixed with the SHA-256 of the
 *                      bundle it belongs to.
 * Why: loading the module tree (~40 ESM files, and `yaml`'s ~70 CommonJS files) and
 * compiling it lazily cost more than the work of most commands (bench/RESULTS.md,
 * "2026-11-24: start-up (the launcher)"). One file
 * plus bytecode from the cache removes most of both. Node 22 has `module.enableCompileCache`
 * for this; Node 20, which kubetls supports, does not, hence these few lines over `node:vm`.
 *
 * Any doubt falls back to the plain module tree, which behaves the same, only slower:
 * KUBETLS_NO_BUNDLE=1; no bundle; a bundle that fails to compile or evaluate; in a source checkout, a bundle older than run.js (tsc ran
 * after the bundle). A cache for other bytes is not used (checked by hash, because V8
 * itself only compares lengths), and V8 rejects one from another V8 version.
 * KUBETLS_DEBUG=1 says which path was taken.
 */
import { createHash } from 'node:crypto';
import { isAscii } from 'node:buffer';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';

const here = __dirname;
const BUNDLE = join(here, 'kubetls.cjs');
const CACHE = `${BUNDLE}.cache`;
const HASH_BYTES = 32;

function debug(line: string): void {
  if (process.env.KUBETLS_DEBUG) process.stderr.write(`kubetls: ${line}\n`);
}

/**
 * In a source checkout (src/ next to dist/), a bare `tsc` after `npm run build` leaves the
 * bundle behind the modules; tsc rewrites every output, so run.js being newer says so.
 * Installed packages have no src/, and npm's unpacking gives files arbitrary mtimes there.
 */
function staleInCheckout(): boolean {
  try {
    statSync(join(here, '..', '..', '..', 'src', 'cli', 'run.ts'));
  } catch {
    return false;
  }
  return statSync(join(here, 'run.js')).mtimeMs > statSync(BUNDLE).mtimeMs;
}

/** The bundle's bytes when it should be used, else why not. */
function usableBundle(): { bytes: Buffer } | { why: string } {
  if (process.env.KUBETLS_NO_BUNDLE === '1') return { why: 'KUBETLS_NO_BUNDLE=1' };
  try {
    if (staleInCheckout()) return { why: 'the bundle is older than run.js (run npm run build)' };
    return { bytes: readFileSync(BUNDLE) };
  } catch {
    return { why: 'no bundle (run npm run build)' };
  }
}

/** The cached data recorded for exactly these bundle bytes, if any. */
function cachedDataFor(hash: Buffer): Buffer | undefined {
  try {
    const file = readFileSync(CACHE);
    return file.length > HASH_BYTES && file.subarray(0, HASH_BYTES).equals(hash)
      ? file.subarray(HASH_BYTES)
      : undefined;
  } catch {
    return undefined;
  }
}

interface Cli {
  main(argv: string[]): Promise<number>;
  start(argv: string[]): void;
}

/** Compiles and evaluates the bundle (with its code cache when that belongs to these bytes). */
function loadBundle(bytes: Buffer): { cli: Cli; record: () => Promise<void> } {
  const hash = createHash('sha256').update(bytes).digest();
  const cachedData = cachedDataFor(hash);
  // the CommonJS module wrapper, so the bundle sees the same names as under require()
  // the bundle is ASCII (scripts/bundle.mjs checks): latin1 decodes it in half the time of utf8
  const text = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  const source = `(function (exports, require, module, __filename, __dirname) {${text}\n})`;
  const script = new Script(source, { filename: BUNDLE, ...(cachedData ? { cachedData } : {}) });
  debug(
    `started from the bundle; code cache ${!cachedData ? 'absent' : script.cachedDataRejected ? 'rejected by V8' : 'accepted'}`,
  );
  // the bundle's import() of ES-module-only packages goes through this (src/util/esmimport.ts)
  (globalThis as { __kubetlsImport?: (s: string) => Promise<unknown> }).__kubetlsImport ??= (s: string) => import(s);
  const wrapper = script.runInThisContext() as (e: object, r: NodeJS.Require, m: object, f: string, d: string) => void;
  const module = { exports: {} };
  wrapper.call(module.exports, module.exports, createRequire(BUNDLE), module, BUNDLE, here);
  // after a run, the cache also holds the bytecode of every function that run compiled;
  // written like every other kubetls file (loaded only when training, to keep start-up lean)
  const record = async () => {
    const { writeBatch } = await import('../util/files.js');
    const data = Buffer.concat([hash, script.createCachedData()]);
    await writeBatch([{ path: CACHE, data, mode: 0o644, existing: 'replace' }]);
  };
  // a bundle cut at a statement boundary can evaluate without error and still export nothing
  const cli = module.exports as Partial<Cli>;
  if (typeof cli.main !== 'function' || typeof cli.start !== 'function')
    throw new Error('the bundle exports no CLI entry (truncated?)');
  return { cli: cli as Cli, record };
}

/**
 * Build time only (scripts/bundle.mjs sets KUBETLS_TRAIN to a JSON list of command lines):
 * run each command in this process, then record the code cache, so it covers them all.
 */
async function train(cli: Cli, record: () => Promise<void>, planFile: string): Promise<void> {
  let plan: unknown;
  let why = '';
  try {
    plan = JSON.parse(readFileSync(planFile, 'utf8'));
  } catch (e) {
    why = ` (${(e as Error).message.split('\n')[0]})`;
  }
  if (!Array.isArray(plan) || !plan.every((a) => Array.isArray(a) && a.every((x) => typeof x === 'string'))) {
    process.stderr.write(
      `kubetls: KUBETLS_TRAIN=${planFile}: expected a JSON list of command lines (lists of strings)${why}\n`,
    );
    process.exitCode = 2;
    return;
  }
  for (const argv of plan) {
    process.exitCode = undefined;
    const code = await cli.main(argv).catch(() => 2);
    debug(`trained on \`${argv.slice(0, 3).join(' ')}…\`: exit ${code}`);
  }
  process.exitCode = 0;
  await record();
}

/** The bundle compiled and evaluated, or why not: a damaged bundle (truncated, edited) must not stop the CLI. */
function tryLoadBundle(bundle: ReturnType<typeof usableBundle>): ReturnType<typeof loadBundle> | { why: string } {
  if (!('bytes' in bundle)) return bundle;
  try {
    return loadBundle(bundle.bytes);
  } catch (e) {
    return {
      why: `the bundle did not load (${String((e as Error)?.message ?? e)
        .split('\n')[0]!
        .slice(0, 200)})`,
    };
  }
}

async function start(): Promise<void> {
  const loaded = tryLoadBundle(usableBundle());
  const plan = process.env.KUBETLS_TRAIN;
  if ('cli' in loaded) {
    if (plan) await train(loaded.cli, loaded.record, plan);
    else loaded.cli.start(process.argv.slice(2));
  } else if (plan) {
    process.stderr.write(`kubetls: cannot train the code cache: ${loaded.why}\n`);
    process.exitCode = 1;
  } else {
    debug(`started from the module tree: ${loaded.why}`);
    (await import('./run.js')).start(process.argv.slice(2));
  }
}

void start();
