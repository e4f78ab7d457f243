#!/usr/bin/env node
// npm's install hook: builds the two small addons in native/ with the node-gyp that npm
// bundles — ecdsa_verify.node (the CSR-signature fast path of `kubetls cfssl serve`, see
// native/ecdsa_verify.c) and fs_sync.node (syncfs(2) for large batches of files, see
// native/fs_sync.c). They are accelerators, not requirements: when there is no compiler, or
// KUBETLS_SKIP_NATIVE=1, this says so and exits 0, and kubetls verifies through node:crypto
// and flushes filesystems with coreutils' `sync -f`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const skip = (why) => {
  console.warn(
    `kubetls: native addons not built (${why}); CSR signatures will be checked with node:crypto, about 2x slower on the signing server, and filesystems flushed with \`sync -f\``,
  );
  process.exit(0);
};
if (process.env.KUBETLS_SKIP_NATIVE === '1') skip('KUBETLS_SKIP_NATIVE=1');

// npm sets npm_config_node_gyp for lifecycle scripts; otherwise look next to npm itself
const candidates = [
  process.env.npm_config_node_gyp,
  join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
].filter((p) => p && existsSync(p));
if (candidates.length === 0) skip('node-gyp was not found');

// Node's own headers (official builds ship them in <prefix>/include/node) spare node-gyp a
// download from nodejs.org, which machines without internet cannot make
const args = [candidates[0], 'rebuild', '--directory', join(root, 'native')];
const prefix = join(dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h')))
  args.push(`--nodedir=${prefix}`);
const r = spawnSync(process.execPath, args, {
  cwd: root,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'pipe'],
  timeout: 300_000,
});
if (r.status !== 0) {
  const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-5).join(' | ');
  skip(r.error ? r.error.message : `node-gyp exited with ${r.status}: ${tail}`);
}
console.log(
  'kubetls: built native/build/Release/ecdsa_verify.node (fast CSR signature checks) and fs_sync.node (syncfs)',
);
