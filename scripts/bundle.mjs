#!/usr/bin/env node
// Second half of `npm run build` (after tsc): bundles the CLI into dist/src/cli/kubetls.cjs
// with esbuild and records a V8 code cache for it after the launcher has run the main
// commands once (init, certs, kubeconfig, audit, cfssl) on throw-away files; see
// src/cli/main.cts for why. The launcher falls back to the module tree without these files,
// so a failure here is reported, never hidden: the build fails, because tests and
// benchmarks are meant to run what users run.
import { spawnSync } from 'node:child_process';
import { isAscii } from 'node:buffer';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'src', 'cli');
const bundle = join(cli, 'kubetls.cjs');
const cache = `${bundle}.cache`;
rmSync(cache, { force: true });

await build({
  entryPoints: [join(cli, 'run.js')],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // the bundle sits in dist/src/cli, as deep as the modules it replaces, so paths that
  // modules derive from import.meta.url (the native addon's) stay right
  banner: { js: 'var __kubetls_import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
  define: { 'import.meta.url': '__kubetls_import_meta_url' },
  // some code (commander's errors among it) names errors after their class: keep class names
  keepNames: true,
  // a native addon found through its package's own paths (bindings): loaded from node_modules;
  // the controllers' client and metrics libraries too, so only the commands that run
  // controllers load them (client-node is ES-module-only: src/util/esmimport.ts)
  external: ['better-sqlite3', 'prom-client', '@kubernetes/client-node'],
  legalComments: 'eof',
  logLevel: 'warning',
});
// the launcher decodes an ASCII bundle as latin1 (faster than utf8); a non-ASCII character in a
// regex or template literal (esbuild escapes them in strings only) costs ~1 ms per start
if (!isAscii(readFileSync(bundle)))
  console.warn(
    'kubetls: the CLI bundle is not pure ASCII (a literal non-ASCII character in the sources); start-up decodes it as UTF-8, ~1 ms slower',
  );

// training: the launcher runs these command lines in one process and then records the
// cache, so the bytecode of everything they use is in it. Outputs go to a temp dir.
const t = mkdtempSync(join(tmpdir(), 'kubetls-train-'));
try {
  const single = ['--dir', join(t, 's'), '--node-name', 'n1', '--apiserver-advertise-address', '10.0.0.5'];
  writeFileSync(
    join(t, 'csr.json'),
    JSON.stringify({
      CN: 'system:node:w1',
      hosts: ['w1', '10.0.0.9'],
      key: { algo: 'ecdsa', size: 256 },
      names: [{ O: 'system:nodes' }],
    }),
  );
  writeFileSync(
    join(t, 'ca-config.json'),
    JSON.stringify({
      signing: {
        default: { expiry: '8760h' },
        profiles: {
          kubernetes: { usages: ['signing', 'key encipherment', 'server auth', 'client auth'], expiry: '8760h' },
        },
      },
    }),
  );
  const plan = [
    [
      'init',
      '--config',
      join(root, 'examples', 'cluster.yaml'),
      '--encryption-algorithm',
      'ECDSA-P256',
      '--dir',
      join(t, 'c'),
      '--no-progress',
    ],
    ['init', ...single, '--encryption-algorithm', 'ECDSA-P256', '--no-progress'],
    ['init', ...single, '--encryption-algorithm', 'ECDSA-P256', '--no-progress'], // re-run: the checks of existing files
    ['init', '--dry-run', ...single],
    ['certs', 'check-expiration', '--dir', join(t, 's')],
    ['certs', 'check-expiration', '--dir', join(t, 's'), '-o', 'json'],
    ['certs', 'list', '--dir', join(t, 's')],
    ['certs', 'renew', 'all', '--dir', join(t, 's')],
    ['certs', 'scan', join(t, 'c')],
    ['certs', 'generate-csr', '--dir', join(t, 'g')],
    [
      'kubeconfig',
      'user',
      '--client-name',
      'alice',
      '--org',
      'devs',
      '--dir',
      join(t, 's'),
      '--out',
      join(t, 'alice.conf'),
    ],
    ['audit', '--root', join(t, 's')],
    [
      'cfssl',
      'gencert',
      '-ca',
      join(t, 's', 'pki', 'ca.crt'),
      '-ca-key',
      join(t, 's', 'pki', 'ca.key'),
      '-config',
      join(t, 'ca-config.json'),
      '-profile',
      'kubernetes',
      join(t, 'csr.json'),
    ],
    ['cfssl', 'certinfo', '-cert', join(t, 's', 'pki', 'apiserver.crt')],
  ];
  writeFileSync(join(t, 'plan.json'), JSON.stringify(plan));
  const r = spawnSync(process.execPath, [join(cli, 'main.cjs')], {
    env: { ...process.env, KUBETLS_TRAIN: join(t, 'plan.json'), KUBETLS_NO_BUNDLE: '', KUBETLS_DEBUG: '1' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 300_000,
  });
  const trained = (r.stderr ?? '').split('\n').filter((l) => l.startsWith('kubetls: trained on'));
  if (r.status !== 0 || !existsSync(cache) || trained.length !== plan.length) {
    console.error(
      `kubetls: training run for the code cache failed (exit ${r.status}): ${(r.error?.message ?? r.stderr).trim().split('\n').slice(-3).join(' | ')}`,
    );
    process.exit(1);
  }
  if (process.env.KUBETLS_DEBUG) console.log(trained.join('\n'));
} finally {
  rmSync(t, { recursive: true, force: true });
}
const kib = (f) => `${Math.round(statSync(f).size / 1024)} KiB`;
console.log(`kubetls: bundled the CLI (${kib(bundle)}) and recorded its code cache (${kib(cache)})`);
