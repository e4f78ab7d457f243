/**
 * Every file input of every command, fed /dev/zero, /dev/urandom and a FIFO (no writer):
 * each must end quickly with a non-zero exit and a message naming the path and what it
 * is, never block on the FIFO nor read the device forever. Inputs are given directly
 * (flags, arguments) and indirectly (a file inside the PKI tree, a kubeconfig's
 * client-certificate, a kubeconfig under audit --root). Every run has a bounded time
 * (HANG_MS): a hang fails the test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { closeSync, cpSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildNode } from '../audit/nodetree.js';
import { CLI, HANG_MS, boundedCli, freePort, mkfifo, tmpDir, initArgs } from '../helpers.js';

type Kind = 'zero' | 'urandom' | 'fifo';
const KINDS: Kind[] = ['zero', 'urandom', 'fifo'];
const WHAT: Record<Kind, RegExp> = {
  zero: /is a character device, not a regular file/,
  urandom: /is a character device, not a regular file/,
  fifo: /is a FIFO \(named pipe\), not a regular file/,
};

/** A special file of `kind` at `at`: a symlink to the device, or a FIFO. */
function place(kind: Kind, at: string): string {
  rmSync(at, { force: true });
  if (kind === 'fifo') return mkfifo(at);
  symlinkSync(kind === 'zero' ? '/dev/zero' : '/dev/urandom', at);
  return at;
}

interface Outcome {
  code: number | null;
  out: string;
  ms: number;
}

/** Runs the CLI asynchronously (so cases can overlap), killed after HANG_MS. */
function runAsync(args: string[], cwd: string): Promise<Outcome> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, timeout: HANG_MS, killSignal: 'SIGKILL', maxBuffer: 4 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const ms = Date.now() - t0;
        if (err && (err as { killed?: boolean }).killed)
          return reject(new Error(`kubetls ${args.join(' ')}: still running after ${ms} ms (hung)`));
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}`, ms });
      },
    );
  });
}

/** Runs cases two at a time (the machine is shared): each a [label, promise factory]. */
async function pool<T>(jobs: Array<() => Promise<T>>, width = 2): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < jobs.length) {
        const i = next++;
        results[i] = await jobs[i]!();
      }
    }),
  );
  return results;
}

interface Case {
  name: string;
  /** the command line; `x` is the hostile path */
  args: (x: string) => string[];
  /** where the hostile file goes; default: given directly (/dev/zero, /dev/urandom, a FIFO in the scratch dir) */
  at?: (dir: string) => string;
}

const CSR_JSON = JSON.stringify({ CN: 'x', hosts: ['x.example'], key: { algo: 'ecdsa', size: 256 } });
const CA_JSON = JSON.stringify({ CN: 'Test CA', key: { algo: 'ecdsa', size: 256 } });

test('every command that reads a file refuses /dev/zero, /dev/urandom and a FIFO quickly, naming the path', async (t) => {
  const d = tmpDir('kubetls-special-', t);
  // the real inputs the commands need besides the hostile one
  writeFileSync(join(d, 'csr.json'), CSR_JSON);
  writeFileSync(join(d, 'ca-csr.json'), CA_JSON);
  writeFileSync(join(d, 'serials'), '1\n2\n');
  const ca = JSON.parse(boundedCli(['cfssl', 'gencert', '-initca', join(d, 'ca-csr.json')]).stdout) as Record<
    string,
    string
  >;
  writeFileSync(join(d, 'ca.pem'), ca.cert!);
  writeFileSync(join(d, 'ca-key.pem'), ca.key!);
  const kc = JSON.parse(boundedCli(['cfssl', 'genkey', join(d, 'csr.json')]).stdout) as Record<string, string>;
  writeFileSync(join(d, 'server.csr'), kc.csr!);
  const tree = join(d, 'tree');
  assert.equal(boundedCli(initArgs(tree)).code, 0);
  const port = String(await freePort());
  const f = (n: string) => join(d, n);
  const serveBase = ['cfssl', 'serve', '-address', '127.0.0.1', '-port', port, '-workers', '1'];
  const serveCa = [...serveBase, '-ca', f('ca.pem'), '-ca-key', f('ca-key.pem')];

  const cases: Case[] = [
    // cfssl: every file flag and argument
    { name: 'cfssl genkey CSRJSON', args: (x) => ['cfssl', 'genkey', x] },
    { name: 'cfssl genkey -initca CSRJSON', args: (x) => ['cfssl', 'genkey', '-initca', x] },
    { name: 'cfssl gencert -initca CSRJSON', args: (x) => ['cfssl', 'gencert', '-initca', x] },
    {
      name: 'cfssl gencert -ca',
      args: (x) => ['cfssl', 'gencert', '-ca', x, '-ca-key', f('ca-key.pem'), f('csr.json')],
    },
    {
      name: 'cfssl gencert -ca-key',
      args: (x) => ['cfssl', 'gencert', '-ca', f('ca.pem'), '-ca-key', x, f('csr.json')],
    },
    {
      name: 'cfssl gencert -config',
      args: (x) => ['cfssl', 'gencert', '-ca', f('ca.pem'), '-ca-key', f('ca-key.pem'), '-config', x, f('csr.json')],
    },
    {
      name: 'cfssl gencert -renewca -ca',
      args: (x) => ['cfssl', 'gencert', '-renewca', '-ca', x, '-ca-key', f('ca-key.pem')],
    },
    { name: 'cfssl gencsr -key', args: (x) => ['cfssl', 'gencsr', '-key', x, f('csr.json')] },
    { name: 'cfssl gencsr CSRJSON', args: (x) => ['cfssl', 'gencsr', '-key', f('ca-key.pem'), x] },
    { name: 'cfssl sign CSR', args: (x) => ['cfssl', 'sign', '-ca', f('ca.pem'), '-ca-key', f('ca-key.pem'), x] },
    {
      name: 'cfssl sign -csr',
      args: (x) => ['cfssl', 'sign', '-ca', f('ca.pem'), '-ca-key', f('ca-key.pem'), '-csr', x],
    },
    {
      name: 'cfssl sign SUBJECT',
      args: (x) => ['cfssl', 'sign', '-ca', f('ca.pem'), '-ca-key', f('ca-key.pem'), f('server.csr'), x],
    },
    { name: 'cfssl sign -ca', args: (x) => ['cfssl', 'sign', '-ca', x, '-ca-key', f('ca-key.pem'), f('server.csr')] },
    {
      name: 'cfssl sign -config',
      args: (x) => ['cfssl', 'sign', '-ca', f('ca.pem'), '-ca-key', f('ca-key.pem'), '-config', x, f('server.csr')],
    },
    { name: 'cfssl certinfo -cert', args: (x) => ['cfssl', 'certinfo', '-cert', x] },
    { name: 'cfssl certinfo -csr', args: (x) => ['cfssl', 'certinfo', '-csr', x] },
    { name: 'cfssl selfsign CSRJSON', args: (x) => ['cfssl', 'selfsign', 'x.example', x] },
    { name: 'cfssl selfsign -config', args: (x) => ['cfssl', 'selfsign', '-config', x, 'x.example', f('csr.json')] },
    { name: 'cfssl gencrl SERIALS', args: (x) => ['cfssl', 'gencrl', x, f('ca.pem'), f('ca-key.pem')] },
    { name: 'cfssl gencrl CA-KEY', args: (x) => ['cfssl', 'gencrl', f('serials'), f('ca.pem'), x] },
    { name: 'cfssl serve -ca', args: (x) => [...serveBase, '-ca', x, '-ca-key', f('ca-key.pem'), '-tls-throwaway'] },
    {
      name: 'cfssl serve -tls-cert',
      args: (x) => [...serveCa, '-tls-cert', x, '-tls-key', f('ca-key.pem')],
    },
    {
      name: 'cfssl serve -mutual-tls-ca',
      args: (x) => [...serveCa, '-tls-throwaway', '-mutual-tls-ca', x],
    },
    {
      name: 'cfssl serve -config',
      args: (x) => [...serveCa, '-tls-throwaway', '-config', x],
    },
    { name: 'cfssljson -f', args: (x) => ['cfssljson', '-f', x, '-bare', f('out')] },
    // the kubeadm-like commands: --config
    { name: 'init --config', args: (x) => ['init', '--config', x, '--dir', f('new')] },
    {
      name: 'certs check-expiration --config',
      args: (x) => ['certs', 'check-expiration', '--config', x, '--dir', tree],
    },
    { name: 'certs renew --config', args: (x) => ['certs', 'renew', 'all', '--config', x, '--dir', tree] },
    { name: 'certs list --config', args: (x) => ['certs', 'list', '--config', x, '--dir', tree] },
    { name: 'certs generate-csr --config', args: (x) => ['certs', 'generate-csr', '--config', x, '--dir', f('csrs')] },
    {
      name: 'kubeconfig user --config',
      args: (x) => ['kubeconfig', 'user', '--client-name', 'a', '--config', x, '--dir', tree],
    },
    // probe's client material
    { name: 'probe --ca', args: (x) => ['probe', '--ca', x, '127.0.0.1:1'] },
    { name: 'probe --cert', args: (x) => ['probe', '--cert', x, '--key', f('ca-key.pem'), '127.0.0.1:1'] },
    { name: 'probe --key', args: (x) => ['probe', '--cert', f('ca.pem'), '--key', x, '127.0.0.1:1'] },
    // files inside the tree a command reads: each case gets its own copy of the tree
    {
      name: 'init over a tree whose ca.crt is special',
      args: () => ['init', '--dir', '$TREE', '--node-name', 'n1'],
      at: (c) => join(c, 'pki/ca.crt'),
    },
    {
      name: 'check-expiration: ca.key',
      args: () => ['certs', 'check-expiration', '--dir', '$TREE'],
      at: (c) => join(c, 'pki/ca.key'),
    },
    {
      name: 'check-expiration: admin.conf',
      args: () => ['certs', 'check-expiration', '--dir', '$TREE'],
      at: (c) => join(c, 'admin.conf'),
    },
    {
      name: 'renew: apiserver.crt',
      args: () => ['certs', 'renew', 'apiserver', '--dir', '$TREE'],
      at: (c) => join(c, 'pki/apiserver.crt'),
    },
    { name: 'list: sa.key', args: () => ['certs', 'list', '--dir', '$TREE'], at: (c) => join(c, 'pki/sa.key') },
    {
      name: 'generate-csr: an existing key',
      args: () => ['certs', 'generate-csr', '--dir', '$TREE', '--node-name', 'n1'],
      at: (c) => join(c, 'pki/apiserver.key'),
    },
    {
      name: 'kubeconfig user: ca.key',
      args: () => ['kubeconfig', 'user', '--client-name', 'a', '--dir', '$TREE'],
      at: (c) => join(c, 'pki/ca.key'),
    },
  ];

  let copies = 0;
  const jobs = cases.flatMap((c) =>
    KINDS.map((kind) => async () => {
      let x: string;
      let args: string[];
      if (c.at) {
        const copy = join(d, `tree-${copies++}`);
        cpSync(tree, copy, { recursive: true });
        x = place(kind, c.at(copy));
        args = c.args(x).map((a) => (a === '$TREE' ? copy : a));
      } else {
        x = kind === 'zero' ? '/dev/zero' : kind === 'urandom' ? '/dev/urandom' : join(d, `fifo-${copies++}`);
        if (kind === 'fifo') mkfifo(x);
        args = c.args(x);
      }
      const r = await runAsync(args, d);
      return { c, kind, x, r };
    }),
  );
  const results = await pool(jobs);
  const failures: string[] = [];
  for (const { c, kind, x, r } of results) {
    const problems = [
      r.code === 0 && 'exit status 0',
      !WHAT[kind].test(r.out) && `no "${WHAT[kind].source}" message`,
      !r.out.includes(x) && `the message does not name ${x}`,
      /\n\s+at /.test(r.out) && 'a stack trace',
    ].filter(Boolean);
    if (problems.length) failures.push(`${c.name} [${kind}]: ${problems.join(', ')}\n${r.out.slice(0, 600)}`);
  }
  assert.deepEqual(failures, [], failures.join('\n\n'));
  assert.equal(results.length, cases.length * KINDS.length);
});

test('stdin ("-") gets the same cap while reading: /dev/zero and /dev/urandom piped into the cfssl commands', (t) => {
  const d = tmpDir('kubetls-special-', t);
  for (const dev of ['/dev/zero', '/dev/urandom']) {
    for (const args of [
      ['cfssl', 'certinfo', '-cert', '-'],
      ['cfssl', 'genkey', '-'],
      ['cfssl', 'sign', '-ca', 'x', '-ca-key', 'y', '-'],
      ['cfssljson', '-bare', join(d, 'out')],
    ]) {
      const fd = openSync(dev, 'r');
      const r = boundedCli(args, { stdio: [fd, 'pipe', 'pipe'] });
      closeSync(fd);
      assert.notEqual(r.code, 0, `${args.join(' ')} < ${dev}`);
      // the signer's CA files are read first: for sign, the missing -ca is the error, no hang either
      assert.match(r.stderr, args[1] === 'sign' ? /cannot read x: no such file/ : /stdin is over the \d+-byte limit/);
    }
  }
});

test('audit: a kubeconfig or manifest under --root that is a FIFO or a device is reported, not read', async (t) => {
  const base = tmpDir('kubetls-special-audit-', t);
  buildNode(join(base, 'node'));
  const jobs = KINDS.flatMap((kind, k) =>
    ['etc/kubernetes/admin.conf', 'etc/kubernetes/manifests/kube-apiserver.yaml'].map((rel, i) => async () => {
      const root = join(base, `copy-${k}-${i}`);
      cpSync(join(base, 'node'), root, { recursive: true });
      place(kind, join(root, rel));
      return { kind, rel, r: await runAsync(['audit', '--root', root], root) };
    }),
  );
  for (const { kind, rel, r } of await pool(jobs)) {
    assert.notEqual(r.code, 0, `${rel} [${kind}]: ${r.out.slice(0, 400)}`);
    // reported (relative to the root) by what it is
    assert.match(r.out, WHAT[kind], `${rel} [${kind}]: ${r.out.slice(0, 2000)}`);
    assert.ok(r.out.includes(rel.split('/').pop()!), r.out.slice(0, 2000));
  }
});
