/**
 * What the CLI prints, under hostile conditions: a reader that goes away (`| head -1`) ends
 * every command quietly with status 0; control characters and escape sequences from input
 * (file names, certificate names, config keys) reach the terminal escaped, never raw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { certToPem, generateKey, issueCertificate } from '../../src/pki/index.js';
import { CLI, HANG_MS, boundedCli, tmpDir, initArgs } from '../helpers.js';

const DAY = 86_400_000;
const ESC = '\x1b';

/** Runs `kubetls args | reader` in bash; kubetls's own status (PIPESTATUS) and its stderr. */
function piped(dir: string, args: string[], reader: string, delay = '0.2'): { code: number; stderr: string } {
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  // the delay lets the reader close the pipe first, so the write fails for sure (EPIPE)
  const script = `{ sleep ${delay}; exec "${process.execPath}" "${CLI}" ${quoted} 2>"$0"; } | ${reader}; exit "\${PIPESTATUS[0]}"`;
  const errFile = join(dir, 'stderr');
  const r = spawnSync('bash', ['-c', script, errFile], { encoding: 'utf8', timeout: HANG_MS });
  if (r.error) throw r.error;
  return { code: r.status ?? 1, stderr: readFileSync(errFile, 'utf8') };
}

async function selfSigned(cn: string): Promise<string> {
  const k = await generateKey('ECDSA-P256');
  const now = Date.now();
  return certToPem(
    issueCertificate(
      { subject: { commonName: cn }, notBefore: new Date(now - DAY), notAfter: new Date(now + 365 * DAY), isCA: true },
      { publicKey: k.publicKey, selfSignKey: k.privateKey },
    ),
  );
}

test('a closed stdout ends every command quietly with status 0 (no EPIPE stack trace)', async (t) => {
  const d = tmpDir('kubetls-epipe-', t);
  const tree = join(d, 'tree');
  assert.equal(boundedCli(initArgs(tree)).code, 0);
  // a bundle large enough that `head -1` leaves while scan is still writing (far over a pipe's 64 KiB)
  const many = join(d, 'many');
  mkdirSync(many);
  const one = await selfSigned('bulk');
  for (let i = 0; i < 30; i++) writeFileSync(join(many, `bundle-${i}.pem`), one.repeat(100)); // each under the 1 MiB cap
  writeFileSync(join(d, 'csr.json'), JSON.stringify({ CN: 'x', key: { algo: 'ecdsa', size: 256 } }));
  const commands: string[][] = [
    initArgs(join(d, 'fresh')),
    ['init', '--dir', tree, '--node-name', 'n1', '--dry-run'],
    ['certs', 'list', '--dir', tree],
    ['certs', 'check-expiration', '--dir', tree, '--threshold', '400d'], // would exit 1: the pipe ends it first
    ['certs', 'scan', tree],
    ['certs', 'scan', tree, '-o', 'yaml'],
    ['kubeconfig', 'user', '--client-name', 'a', '--dir', tree],
    ['certs', 'generate-csr', '--dir', join(d, 'csr'), '--node-name', 'n1'],
    ['cfssl', 'genkey', join(d, 'csr.json')],
    ['cfssl', 'print-defaults', 'config'],
    ['audit', '--root', tree],
    ['--help'],
  ];
  for (const args of commands) {
    // `true` exits at once: every write of kubetls meets a closed pipe
    const r = piped(d, args, 'true');
    assert.equal(r.code, 0, `${args.join(' ')} | true: status ${r.code}\n${r.stderr}`);
    assert.doesNotMatch(r.stderr, /EPIPE|Error|\n\s+at /, args.join(' '));
  }
  // the usual case: head reads a line, then leaves while a large output is still being written
  for (const args of [
    ['certs', 'scan', many],
    ['certs', 'scan', many, '-o', 'json'],
  ]) {
    const r = piped(d, args, 'head -1 >/dev/null', '0');
    assert.equal(r.code, 0, `${args.join(' ')} | head -1: ${r.stderr}`);
    assert.equal(r.stderr, '');
  }
});

test('errors, warnings and tables escape control characters and terminal escapes from input', async (t) => {
  const d = tmpDir('kubetls-escape-', t);
  const hostile = `x${ESC}]0;pwned\x07${ESC}[2J\nerror: forged\u202e`;
  const escaped = 'x\\x1b]0;pwned\\x07\\x1b[2J\\x0aerror: forged\\u202e';
  // an error message quoting a path: kubetls and cfssl families
  for (const args of [
    ['init', '--config', join(d, hostile)],
    ['cfssl', 'certinfo', '-cert', join(d, hostile)],
    ['certs', 'list', '--dir', d, '--service-cidr', hostile],
  ]) {
    const r = boundedCli(args);
    assert.notEqual(r.code, 0);
    assert.ok(
      !r.stderr.includes(ESC) && !r.stderr.includes('\x07') && !r.stderr.includes('\u202e'),
      JSON.stringify(r.stderr),
    );
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, `one line: ${JSON.stringify(r.stderr)}`);
    assert.ok(r.stderr.includes(escaped), JSON.stringify(r.stderr));
  }
  // a usage error from the flag parser quotes the flag it refused
  const usage = boundedCli(['init', `--x${ESC}[2J`]);
  assert.equal(usage.code, 2);
  assert.equal(usage.stderr, "error: unknown option '--x\\x1b[2J' (see --help)\n");
  // a warning quoting a config key
  const cfg = join(d, 'c.yaml');
  writeFileSync(cfg, 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n"\\e[31mred\\a": 1\n');
  const w = boundedCli(initArgs(join(d, 'out'), { extra: ['--config', cfg, '--dry-run'] }));
  assert.equal(w.code, 0, w.stderr);
  assert.match(w.stderr, /\[warning\] ClusterConfiguration: unknown field "\\x1b\[31mred\\x07"; ignored/);
  assert.ok(!w.stderr.includes(ESC));
  // table cells: a certificate whose CN carries escapes, in a file whose name does
  const tree = join(d, 'tree');
  mkdirSync(tree);
  writeFileSync(join(tree, `evil${ESC}[2J\n.pem`), await selfSigned(`cn${ESC}]0;title\x07\nFAKE ROW`));
  const scan = boundedCli(['certs', 'scan', tree]);
  assert.equal(scan.code, 0, scan.stderr);
  assert.ok(!scan.stdout.includes(ESC) && !scan.stdout.includes('\x07'), JSON.stringify(scan.stdout));
  assert.match(scan.stdout, /evil\\x1b\[2J\\x0a\.pem\s+cn\\x1b\]0;title\\x07\\x0aFAKE ROW\s/);
  assert.equal(scan.stdout.trim().split('\n').length, 4, 'header, one row, blank line, summary');
});

test('kubeconfig user refuses control characters in --client-name and --org, and a validity that is not positive', (t) => {
  const d = tmpDir('kubetls-escape-', t);
  assert.equal(boundedCli(initArgs(d)).code, 0);
  const r = boundedCli([
    'kubeconfig',
    'user',
    '--client-name',
    'alice\nsystem:masters',
    '--org',
    `ops${ESC}[8m`,
    '--validity-period',
    '0h',
    '--dir',
    d,
  ]);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(
    r.stderr,
    'error: kubeconfig user: [--client-name: Invalid value: "alice\\nsystem:masters": must not contain newlines or other control characters, --org[0]: Invalid value: "ops\\u001b[8m": must not contain newlines or other control characters, --validity-period: Invalid value: "0s": must be a positive duration]\n',
  );
  for (const v of ['-1h', '0s']) {
    const neg = boundedCli(['kubeconfig', 'user', '--client-name', 'bob', '--validity-period', v, '--dir', d]);
    assert.equal(neg.code, 2);
    assert.match(neg.stderr, /--validity-period: Invalid value: "-?\d+h?\d*m?\d*s": must be a positive duration/);
  }
  assert.equal(
    boundedCli(['kubeconfig', 'user', '--client-name', 'bob', '--validity-period', '1h', '--dir', d]).code,
    0,
  );
});
