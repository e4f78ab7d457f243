/**
 * Directory creation and writes where the filesystem refuses them: /proc (mkdir answers
 * ENOENT under a parent that exists, which made Node's recursive mkdir spin forever), /sys
 * (EPERM/EACCES), a read-only filesystem (EROFS, which Node's recursive mkdir reported as
 * ENOENT), and a path component that is a file. Every writing command, each run bounded in
 * time: a spin fails the test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDir } from '../../src/util/files.js';
import { KubetlsError } from '../../src/errors/index.js';
import { CLI, HANG_MS, boundedCli, tmpDir, type RunResult, initArgs } from '../helpers.js';

const CSR_JSON = JSON.stringify({ CN: 'x', key: { algo: 'ecdsa', size: 256 } });

/** One `error:` line matching `re`, exit 2, no stack trace. */
function expectError(r: RunResult, re: RegExp, what: string) {
  assert.equal(r.code, 2, `${what}: ${r.stdout}${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `${what}: one line expected:\n${r.stderr}`);
  assert.match(lines[0]!, /^error: /, what);
  assert.match(lines[0]!, re, what);
}

function fixtures(t: { after: (fn: () => void) => void }) {
  const d = tmpDir('kubetls-dirs-', t);
  const tree = join(d, 'tree');
  assert.equal(boundedCli(initArgs(tree)).code, 0);
  writeFileSync(join(d, 'csr.json'), CSR_JSON);
  const json = boundedCli(['cfssl', 'genkey', join(d, 'csr.json')]).stdout;
  writeFileSync(join(d, 'genkey.json'), json);
  return { d, tree, json: join(d, 'genkey.json') };
}

/** The writing commands, each aimed at `target` (a directory, or a file path for --out/-bare). */
function writers(tree: string, json: string) {
  return {
    init: (dir: string) => initArgs(dir),
    'init --cert-dir': (dir: string) => [
      'init',
      '--cert-dir',
      dir,
      '--kubeconfig-dir',
      join(tree, '..', 'kc-unused'),
      '--encryption-algorithm',
      'ECDSA-P256',
      '--node-name',
      'n1',
    ],
    'certs generate-csr': (dir: string) => ['certs', 'generate-csr', '--dir', dir, '--node-name', 'n1'],
    'kubeconfig user --out': (dir: string) => [
      'kubeconfig',
      'user',
      '--client-name',
      'a',
      '--dir',
      tree,
      '--out',
      join(dir, 'x.conf'),
    ],
    'cfssljson -bare': (dir: string) => ['cfssljson', '-f', json, '-bare', join(dir, 'x')],
  };
}

test('under /proc: every writing command ends quickly with the directory /proc refused', (t) => {
  const { tree, json } = fixtures(t);
  for (const [name, args] of Object.entries(writers(tree, json))) {
    // /proc/self/kt: mkdir gives ENOENT although /proc/self exists; /proc/1 exists, its children cannot be made
    for (const target of ['/proc/self/kt', '/proc/1/kt', '/proc/self/a/b/c']) {
      const r = boundedCli(args(target));
      const re = /^error: cannot create directory \/proc\/\S+: \/proc\/(self|1) does not accept new directories/m;
      if (name === 'cfssljson -bare') assert.equal(r.code, 1, `${name} ${target}: ${r.stderr}`);
      else expectError(r, re, `${name} ${target}`);
      assert.match(r.stderr, re, `${name} ${target}`);
    }
  }
  // a file directly in an existing /proc directory: the create is refused the same way
  const out = boundedCli(['kubeconfig', 'user', '--client-name', 'a', '--dir', tree, '--out', '/proc/self/x.conf']);
  expectError(
    out,
    /cannot write \/proc\/self\/x\.conf: its directory does not accept new files/,
    '--out /proc/self/x.conf',
  );
  const bare = boundedCli(['cfssljson', '-f', json, '-bare', '/proc/self/x']);
  assert.equal(bare.code, 1); // the cfssl family exits 1 on errors, as cfssl does
  assert.match(
    bare.stderr,
    /^error: cannot write \/proc\/self\/x(-key)?\.(pem|csr): its directory does not accept new files/m,
  );
});

test('under /sys: refused with the errno the kernel gives (not ENOENT), quickly', (t) => {
  const { tree, json } = fixtures(t);
  for (const [name, args] of Object.entries(writers(tree, json))) {
    const r = boundedCli(args('/sys/kubetls-test/a'));
    assert.notEqual(r.code, 0, name);
    assert.match(
      r.stderr,
      /^error: cannot create directory \/sys\/kubetls-test: (operation not permitted|permission denied|read-only file system)$/m,
      `${name}: ${r.stderr}`,
    );
  }
  assert.ok(!existsSync('/sys/kubetls-test'));
});

test('a path component that is a file is named, for every writing command', (t) => {
  const { d, tree, json } = fixtures(t);
  const file = join(d, 'plain-file');
  writeFileSync(file, 'x');
  for (const [name, args] of Object.entries(writers(tree, json))) {
    const r = boundedCli(args(join(file, 'sub')));
    assert.notEqual(r.code, 0, name);
    assert.match(
      r.stderr,
      new RegExp(`cannot create directory .*: ${file} exists and is a regular file, not a directory`),
      `${name}: ${r.stderr}`,
    );
  }
});

test('ensureDir: creates each missing component 0700, accepts symlinked directories, refuses a dangling link', (t) => {
  const d = tmpDir('kubetls-dirs-', t);
  ensureDir(join(d, 'a/b/c'));
  for (const p of ['a', 'a/b', 'a/b/c']) assert.ok(existsSync(join(d, p)));
  ensureDir(join(d, 'a/b/c')); // again: nothing to do
  mkdirSync(join(d, 'real'));
  spawnSync('ln', ['-s', join(d, 'real'), join(d, 'link')]);
  ensureDir(join(d, 'link/inside'));
  assert.deepEqual(readdirSync(join(d, 'real')), ['inside']);
  spawnSync('ln', ['-s', join(d, 'nowhere'), join(d, 'dangling')]);
  assert.throws(
    () => ensureDir(join(d, 'dangling/x')),
    (e: unknown) => e instanceof KubetlsError && e.code === 'WriteFailed' && /dangling symbolic link/.test(e.message),
  );
});

/** `unshare -rm` (user + mount namespace) can mount a read-only tmpfs here; CI containers may not allow it. */
function canMountReadOnly(dir: string): boolean {
  const r = spawnSync('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o ro none "$0"', dir], { timeout: HANG_MS });
  return r.status === 0;
}

test('a read-only filesystem is reported as such (EROFS), for every writing command', (t) => {
  const { d, tree, json } = fixtures(t);
  const ro = join(d, 'ro');
  mkdirSync(ro);
  if (!canMountReadOnly(ro)) return t.skip('cannot mount a read-only tmpfs (unshare -rm not permitted here)');
  const inRo = (args: string[]) => {
    const r = spawnSync(
      'unshare',
      ['-rm', 'sh', '-c', 'mount -t tmpfs -o ro none "$0" && exec "$@"', ro, process.execPath, CLI, ...args],
      { encoding: 'utf8', timeout: HANG_MS },
    );
    if (r.error) throw r.error;
    return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
  };
  for (const [name, args] of Object.entries(writers(tree, json))) {
    const r = inRo(args(join(ro, 'sub')));
    assert.notEqual(r.code, 0, name);
    assert.match(
      r.stderr,
      new RegExp(`^error: cannot create directory ${ro}/sub: read-only file system$`, 'm'),
      `${name}: ${r.stderr}`,
    );
    // straight into the read-only directory: the file itself is refused
    const direct = inRo(args(ro));
    assert.notEqual(direct.code, 0, name);
    assert.match(
      direct.stderr,
      /^error: cannot (write|create directory) .*: read-only file system$/m,
      `${name}: ${direct.stderr}`,
    );
  }
});
