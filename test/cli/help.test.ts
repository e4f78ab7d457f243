/** Each command's --help lists the flags it reads, and no `init` flag it would ignore. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { CLI, HANG_MS, boundedCli } from '../helpers.js';

const CONFIG_FLAGS = [
  '--config',
  '--apiserver-advertise-address',
  '--apiserver-bind-port',
  '--apiserver-cert-extra-sans',
  '--control-plane-endpoint',
  '--service-cidr',
  '--service-dns-domain',
  '--node-name',
  '--encryption-algorithm',
  '--certificate-validity-period',
  '--ca-certificate-validity-period',
];
const CATALOG = CONFIG_FLAGS.slice(0, 8);

const EXPECTED: Array<[string[], string[]]> = [
  [['init'], CONFIG_FLAGS],
  [['certs', 'check-expiration'], ['--config']],
  [
    ['certs', 'renew'],
    ['--config', '--encryption-algorithm', '--certificate-validity-period'],
  ],
  [['certs', 'list'], CATALOG],
  [
    ['certs', 'generate-csr'],
    [...CATALOG, '--encryption-algorithm'],
  ],
  [
    ['kubeconfig', 'user'],
    [
      '--config',
      '--apiserver-advertise-address',
      '--apiserver-bind-port',
      '--control-plane-endpoint',
      '--encryption-algorithm',
    ],
  ],
];

test('--help shows exactly the configuration flags each command reads', () => {
  for (const [cmd, flags] of EXPECTED) {
    const r = boundedCli([...cmd, '--help']);
    assert.equal(r.code, 0, cmd.join(' '));
    const shown = CONFIG_FLAGS.filter((f) => new RegExp(`^\\s+${f} `, 'm').test(r.stdout));
    assert.deepEqual(shown.sort(), [...flags].sort(), cmd.join(' '));
  }
  // a flag a command no longer lists is refused, not silently ignored
  const r = boundedCli(['certs', 'check-expiration', '--node-name', 'x']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^error: unknown option '--node-name'/);
});

test('commands that do not use the node name run on a machine whose hostname is not a valid node name', (t) => {
  // a UTS namespace with the hostname "Bad_Host": init needs --node-name there, check-expiration
  // (which has no --node-name to give) must not ask for one
  const inUts = (args: string[]) =>
    spawnSync(
      'unshare',
      [
        '-ru',
        'sh',
        '-c',
        'echo Bad_Host > /proc/sys/kernel/hostname && exec "$@"',
        'sh',
        process.execPath,
        CLI,
        ...args,
      ],
      {
        encoding: 'utf8',
        timeout: HANG_MS,
      },
    );
  const probe = spawnSync('unshare', ['-ru', 'sh', '-c', 'echo Bad_Host > /proc/sys/kernel/hostname'], {
    timeout: HANG_MS,
  });
  if (probe.status !== 0)
    return t.skip('cannot set a hostname in a new UTS namespace (unshare -ru not permitted here)');
  const init = inUts(['init', '--dir', '/nonexistent-kubetls', '--dry-run']);
  assert.equal(init.status, 2);
  assert.match(init.stderr, /node name "bad_host" is not a valid DNS-1123 subdomain \(hint: set --node-name\)/);
  for (const args of [
    ['certs', 'check-expiration', '--dir', '/nonexistent-kubetls'],
    ['certs', 'renew', 'all', '--dir', '/nonexistent-kubetls'],
    ['kubeconfig', 'user', '--client-name', 'a', '--dir', '/nonexistent-kubetls'],
  ]) {
    const r = inUts(args);
    assert.doesNotMatch(r.stderr, /node name/, args.join(' '));
    assert.match(r.stdout + r.stderr, /nonexistent-kubetls/, args.join(' ')); // it went on to look at the files
  }
});
