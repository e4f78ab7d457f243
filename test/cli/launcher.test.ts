/**
 * The `kubetls` launcher (src/cli/main.cts): it runs the esbuild bundle with the code cache
 * recorded at build time, and falls back to the module tree whenever the bundle or the cache
 * cannot be trusted. Tests run a copy of dist/src inside dist/ (so node_modules still
 * resolves), tamper with it, and check both the path taken and that the result is right.
 */
import assert from 'node:assert/strict';
import { isAscii } from 'node:buffer';
import { cpSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, cli, run, tmpDir } from '../helpers.js';

const DIST_CLI = join(ROOT, 'dist', 'src', 'cli');
const debugEnv = (extra: Record<string, string> = {}) => ({
  env: { ...process.env, KUBETLS_DEBUG: '1', KUBETLS_NO_BUNDLE: '', ...extra },
});

/** `--version` through the launcher of a copy made by copyOfDist, with KUBETLS_DEBUG on. */
/** `--version` from a copy must succeed and print `version` whichever way it started; returns stderr, which says the way. */
function startedAs(dir: string, version = '0.1.0'): string {
  const r = run(process.execPath, [join(dir, 'main.cjs'), '--version'], debugEnv());
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), version);
  return r.stderr;
}

/**
 * A private copy of dist/src laid out like a package: <top>/dist/src, removed after the test.
 * `checkout` adds <top>/src/cli/run.ts, which is how the launcher tells a source checkout
 * (where a bare tsc can leave the bundle stale) from an installed package.
 */
function copyOfDist(t: { after: (fn: () => void) => void }, checkout = false): string {
  const top = join(ROOT, 'dist', `launcher-test-${process.pid}-${Math.random().toString(36).slice(2)}`);
  cpSync(join(ROOT, 'dist', 'src'), join(top, 'dist', 'src'), { recursive: true, preserveTimestamps: true });
  if (checkout) {
    mkdirSync(join(top, 'src', 'cli'), { recursive: true });
    writeFileSync(join(top, 'src', 'cli', 'run.ts'), '');
  }
  t.after(() => rmSync(top, { recursive: true, force: true }));
  return join(top, 'dist', 'src', 'cli');
}

test('the built CLI starts from the bundle with an accepted code cache', () => {
  const r = cli(['--version'], debugEnv());
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), '0.1.0');
  assert.match(r.stderr, /started from the bundle; code cache accepted/);
  const cache = readFileSync(join(DIST_CLI, 'kubetls.cjs.cache'));
  assert.ok(cache.length > 100_000, `code cache of ${cache.length} bytes looks too small to hold the training run`);
});

test('the bundle is pure ASCII: the launcher decodes it as latin1, and npm ci prints no warning', () => {
  // esbuild escapes non-ASCII in strings but keeps it in regexes, templates and some comments
  // (JSDoc on class fields): one `≥` there costs every start ~1 ms and a warning on npm ci
  const bundle = readFileSync(join(DIST_CLI, 'kubetls.cjs'));
  if (isAscii(bundle)) return;
  const lines = bundle
    .toString('latin1')
    .split('\n')
    .flatMap((l, i) => ([...l].some((c) => c.charCodeAt(0) > 0x7f) ? [`${i + 1}: ${l.trim().slice(0, 120)}`] : []));
  assert.deepEqual(lines, [], 'non-ASCII lines in dist/src/cli/kubetls.cjs');
});

test('the former entry main.js still starts the CLI (through main.cjs, from the bundle)', () => {
  const r = run(process.execPath, [join(DIST_CLI, 'main.js'), '--version'], debugEnv());
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), '0.1.0');
  assert.match(r.stderr, /started from the bundle; code cache accepted/);
});

test('bundle and module tree give the same results (init --dry-run, init, certs list)', (t) => {
  const out: Record<string, string[]> = {};
  for (const mode of ['bundle', 'tree']) {
    const env = { env: { ...process.env, KUBETLS_NO_BUNDLE: mode === 'tree' ? '1' : '' } };
    const dir = tmpDir('kubetls-launch-', t);
    const dry = cli(
      ['init', '--dry-run', '--dir', dir, '--node-name', 'n1', '--apiserver-advertise-address', '10.0.0.5'],
      env,
    );
    const init = cli(
      [
        'init',
        '--dir',
        dir,
        '--node-name',
        'n1',
        '--apiserver-advertise-address',
        '10.0.0.5',
        '--encryption-algorithm',
        'ECDSA-P256',
      ],
      env,
    );
    const list = cli(['certs', 'list', '--dir', dir], env);
    const bad = cli(['init', '--dir', dir, '--service-cidr', 'nonsense'], env);
    for (const r of [dry, init, list]) assert.equal(r.code, 0, r.stderr);
    assert.equal(bad.code, 2);
    // the directory differs per run; expiry times may differ by a minute
    const norm = (s: string) => s.replaceAll(dir, 'DIR').replace(/\w{3} \d\d, \d{4} \d\d:\d\d UTC/g, 'DATE');
    out[mode] = [dry.stdout, init.stdout, list.stdout, bad.stderr].map(norm);
  }
  assert.deepEqual(out.bundle, out.tree);
});

test('a cache recorded for other bundle bytes is not used: V8 alone would accept it', (t) => {
  const dir = copyOfDist(t);
  const bundle = join(dir, 'kubetls.cjs');
  // same length, different program: V8's own check compares lengths only, so without the
  // launcher's hash the old bytecode (printing 0.1.0) would run
  const src = readFileSync(bundle, 'utf8');
  assert.ok(src.includes(".version('0.1.0')") || src.includes('.version("0.1.0")'));
  writeFileSync(bundle, src.replace(/\.version\((['"])0\.1\.0\1\)/, '.version($19.9.9$1)'));
  assert.match(startedAs(dir, '9.9.9'), /started from the bundle; code cache absent/);
});

test('a corrupt cache is rejected by V8 and the command still works', (t) => {
  const dir = copyOfDist(t);
  const cache = join(dir, 'kubetls.cjs.cache');
  const bytes = readFileSync(cache);
  // keep the hash (first 32 bytes), garble V8's data
  for (let i = 40; i < bytes.length; i += 7) bytes[i] = bytes[i]! ^ 0x5a;
  writeFileSync(cache, bytes);
  assert.match(startedAs(dir), /code cache rejected by V8/);
  writeFileSync(cache, 'short');
  assert.match(startedAs(dir), /code cache absent/);
});

test('a damaged bundle (truncated, or throwing as it loads) falls back to the module tree with the same result', (t) => {
  const dir = copyOfDist(t);
  const bundle = join(dir, 'kubetls.cjs');
  const src = readFileSync(bundle);
  writeFileSync(bundle, src.subarray(0, Math.floor(src.length / 2)));
  assert.match(startedAs(dir), /started from the module tree: the bundle did not load \(.+\)/);
  writeFileSync(bundle, Buffer.concat([Buffer.from('throw new Error("damaged on purpose");\n'), src]));
  assert.match(startedAs(dir), /started from the module tree: the bundle did not load \(damaged on purpose\)/);
});

test('the module tree is used when the bundle is missing, stale in a checkout, or turned off', (t) => {
  const dir = copyOfDist(t, true);
  const now = Date.now() / 1000;
  utimesSync(join(dir, 'run.js'), now + 60, now + 60);
  assert.match(startedAs(dir), /started from the module tree: the bundle is older than run.js/);
  rmSync(join(dir, 'kubetls.cjs'));
  assert.match(startedAs(dir), /started from the module tree: no bundle/);
  const off = cli(['--version'], debugEnv({ KUBETLS_NO_BUNDLE: '1' }));
  assert.equal(off.stdout.trim(), '0.1.0');
  assert.match(off.stderr, /started from the module tree: KUBETLS_NO_BUNDLE=1/);
});

test('an installed package (no src/) uses the bundle whatever order npm gave the mtimes', (t) => {
  const dir = copyOfDist(t);
  const now = Date.now() / 1000;
  utimesSync(join(dir, 'run.js'), now + 60, now + 60);
  assert.match(startedAs(dir), /started from the bundle; code cache accepted/);
});

test('KUBETLS_TRAIN (build time only) refuses a bad plan in one line and writes no cache', (t) => {
  const dir = copyOfDist(t);
  const cache = join(dir, 'kubetls.cjs.cache');
  const before = readFileSync(cache);
  const tmp = tmpDir('kubetls-train-', t);
  const cases: [string, string | null][] = [
    ['not json', '{"a":'],
    ['not a list', '{"init": true}'],
    ['not strings', '[["init", 3]]'],
    ['missing file', null],
  ];
  for (const [name, content] of cases) {
    const plan = join(tmp, `${name}.json`);
    if (content !== null) writeFileSync(plan, content);
    const r = run(process.execPath, [join(dir, 'main.cjs')], {
      env: { ...process.env, KUBETLS_TRAIN: plan, KUBETLS_NO_BUNDLE: '' },
    });
    assert.equal(r.code, 2, `${name}: ${r.stderr}`);
    assert.match(r.stderr, /^kubetls: KUBETLS_TRAIN=.*: expected a JSON list of command lines/, name);
    assert.equal(r.stderr.trim().split('\n').length, 1, name);
    assert.ok(readFileSync(cache).equals(before), `${name}: the cache changed`);
  }
});
