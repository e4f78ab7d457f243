/**
 * `kubetls cfssl <command> -h|-help|--help` prints that command's usage and flags as cfssl
 * does: on stderr, exit status 0 (Go's flag package); checked against the real cfssl.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boundedCli, hasCommand, run } from '../helpers.js';

const needCfssl = hasCommand('cfssl') && hasCommand('cfssljson') ? {} : { skip: 'cfssl/cfssljson not installed' };

/** Each command and the flags its help must list (the ones kubetls implements for it). */
const EXPECTED: Record<string, string[]> = {
  genkey: ['initca', 'loglevel'],
  gencert: ['initca', 'renewca', 'ca', 'ca-key', 'config', 'profile', 'hostname', 'label', 'loglevel'],
  gencsr: ['key', 'hostname', 'loglevel'],
  sign: ['hostname', 'csr', 'ca', 'ca-key', 'config', 'profile', 'label', 'loglevel'],
  certinfo: ['cert', 'csr', 'loglevel'],
  selfsign: ['config', 'loglevel'],
  gencrl: ['loglevel'],
  'print-defaults': ['loglevel'],
  serve: [
    'address',
    'port',
    'ca',
    'ca-key',
    'config',
    'tls-cert',
    'tls-key',
    'mutual-tls-ca',
    'mutual-tls-cn',
    'min-tls-version',
    'loglevel',
  ],
};

test('every command answers -h, -help and --help with its usage and only its flags, on stderr, status 0', () => {
  for (const [cmd, flags] of Object.entries(EXPECTED)) {
    for (const h of ['-h', '-help', '--help']) {
      const r = boundedCli(['cfssl', cmd, h]);
      assert.equal(r.code, 0, `${cmd} ${h}: ${r.stderr}`);
      assert.equal(r.stdout, '', `${cmd} ${h}: nothing on stdout`);
      assert.ok(r.stderr.startsWith(`\tkubetls cfssl ${cmd} -- `), r.stderr);
      assert.match(r.stderr, new RegExp(`\\nUsage of ${cmd}:\\n {8}kubetls cfssl ${cmd}`));
      const listed = [...r.stderr.matchAll(/^ {2}-([a-z-]+)=(?:""|"[^"]*"|\d+|true|false): \S/gm)].map((m) => m[1]);
      for (const f of flags) assert.ok(listed.includes(f), `${cmd} ${h}: -${f} listed`);
      // a flag the command does not read is not listed (serve's TLS flags on sign, sign's -csr on serve)
      for (const other of ['tls-cert', 'csr', 'initca', 'remote', 'ca-bundle'])
        if (!flags.includes(other)) assert.ok(!listed.includes(other), `${cmd} ${h}: -${other} not listed`);
    }
  }
  // -h after other flags still asks for help, as with Go's flag package
  const late = boundedCli(['cfssl', 'sign', '-ca', 'x', '-h']);
  assert.equal(late.code, 0);
  assert.match(late.stderr, /Usage of sign:/);
  // a command kubetls does not have is still an error
  const none = boundedCli(['cfssl', 'bundle', '-h']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /^error: unknown command "bundle"/);
});

test('the same stream and status as the real cfssl and cfssljson, and the same flag-line layout', needCfssl, () => {
  for (const cmd of ['sign', 'certinfo', 'genkey', 'gencert', 'serve']) {
    const real = run('cfssl', [cmd, '-h']);
    const ours = boundedCli(['cfssl', cmd, '-h']);
    assert.equal(ours.code, real.code, cmd);
    assert.equal(ours.stdout === '', real.stdout === '', `${cmd}: help on the same stream`);
    assert.equal(ours.stderr !== '', real.stderr !== '');
    // every flag both implement is described on one "  -name=default: usage" line in both
    const flags = (s: string) => new Set([...s.matchAll(/^ {2}-([a-z-]+)=/gm)].map((m) => m[1]));
    const common = [...flags(ours.stderr)].filter((f) => flags(real.stderr).has(f));
    assert.ok(common.length >= 2, `${cmd}: ${common.join(',')}`);
    assert.match(real.stderr, new RegExp(`Usage of ${cmd}:`));
  }
  const real = run('cfssljson', ['-h']);
  const ours = boundedCli(['cfssljson', '-h']);
  assert.equal(ours.code, real.code);
  assert.equal(ours.stdout, '');
  assert.equal(real.stdout, '');
  for (const f of ['-bare', '-f string', '-stdout']) {
    assert.ok(real.stderr.includes(`  ${f}\n`), `real: ${f}`);
    assert.ok(ours.stderr.includes(`  ${f}\n`), `ours: ${f}`);
  }
});
