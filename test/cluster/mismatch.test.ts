/**
 * A key that is not its certificate's is caught by every command that reads the pair:
 * check-expiration (marked row, reason on stderr, exit 1), list (`key-mismatch`), audit (a
 * KT-PKI-PAIR FAIL, with or without manifests naming the files) and init (refused). Table
 * driven over leaves, a CA, a kubeconfig's embedded pair and a key from another algorithm.
 */
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { buildNode } from '../audit/nodetree.js';
import { cli, openssl, tmpDir } from '../helpers.js';

const FLAGS = [
  '--node-name',
  'n1',
  '--apiserver-advertise-address',
  '10.0.0.1',
  '--encryption-algorithm',
  'ECDSA-P256',
];

/** Two trees from `init`: the one broken in each case, and one whose keys are swapped in. */
let tree = '';
let other = '';
let otherEd = '';
before(() => {
  tree = tmpDir('kubetls-mismatch-');
  other = tmpDir('kubetls-mismatch-other-');
  otherEd = tmpDir('kubetls-mismatch-rsa-');
  for (const [d, alg] of [
    [tree, 'ECDSA-P256'],
    [other, 'ECDSA-P256'],
    [otherEd, 'ED25519'],
  ] as const) {
    const r = cli(['init', '--dir', d, ...FLAGS.slice(0, 4), '--encryption-algorithm', alg]);
    assert.equal(r.code, 0, r.stderr);
  }
});

/** Replaces the client-key-data of a kubeconfig with another kubeconfig's. */
function swapKubeconfigKey(file: string, from: string): void {
  const key = /client-key-data: (\S+)/.exec(readFileSync(from, 'utf8'))![1]!;
  writeFileSync(file, readFileSync(file, 'utf8').replace(/client-key-data: \S+/, `client-key-data: ${key}`), {
    mode: 0o600,
  });
}

interface Case {
  name: string;
  /** the row name in check-expiration and list */
  row: string;
  /** the table check-expiration shows it in */
  table: 'certificates' | 'certificateAuthorities';
  break: (dir: string) => void;
  /** the audit's target for the finding (path under the root) */
  auditTarget: string;
}

const CASES: Case[] = [
  {
    name: 'a leaf key from another tree',
    row: 'apiserver',
    table: 'certificates',
    break: (d) => cpSync(join(other, 'pki/apiserver.key'), join(d, 'pki/apiserver.key')),
    auditTarget: 'etc/kubernetes/pki/apiserver.crt',
  },
  {
    name: 'a leaf key of another algorithm',
    row: 'etcd-healthcheck-client',
    table: 'certificates',
    break: (d) => cpSync(join(otherEd, 'pki/etcd/healthcheck-client.key'), join(d, 'pki/etcd/healthcheck-client.key')),
    auditTarget: 'etc/kubernetes/pki/etcd/healthcheck-client.crt',
  },
  {
    name: "a CA's key from another tree",
    row: 'front-proxy-ca',
    table: 'certificateAuthorities',
    break: (d) => cpSync(join(other, 'pki/front-proxy-ca.key'), join(d, 'pki/front-proxy-ca.key')),
    auditTarget: 'etc/kubernetes/pki/front-proxy-ca.crt',
  },
  {
    name: "a kubeconfig's embedded client key from another kubeconfig",
    row: 'admin.conf',
    table: 'certificates',
    break: (d) => swapKubeconfigKey(join(d, 'admin.conf'), join(d, 'super-admin.conf')),
    auditTarget: 'etc/kubernetes/admin.conf',
  },
];

for (const c of CASES) {
  test(`${c.name}: check-expiration marks ${c.row} and exits 1, list says key-mismatch, init refuses`, (t) => {
    const d = tmpDir('kubetls-mismatch-case-', t);
    cpSync(tree, d, { recursive: true });
    const healthy = cli(['certs', 'check-expiration', '--dir', d]);
    assert.equal(healthy.code, 0, healthy.stderr);
    c.break(d);

    const check = cli(['certs', 'check-expiration', '--dir', d]);
    assert.equal(check.code, 1, check.stdout + check.stderr);
    // the row keeps its dates and is marked; the reason goes to stderr with the verdict
    assert.match(check.stdout, new RegExp(`^!KEY MISMATCH! ${c.row}\\s+\\w{3} \\d\\d, \\d{4}`, 'm'));
    assert.match(
      check.stderr,
      new RegExp(`\\[check-expiration\\] ${c.row}: key mismatch: .*(does not match|client key)`),
    );
    const json = JSON.parse(cli(['certs', 'check-expiration', '--dir', d, '-o', 'json']).stdout);
    const entry = json[c.table].find((e: { name: string }) => e.name === c.row);
    assert.match(entry.keyMismatch, /does not match/);
    assert.ok(entry.expirationDate, 'the expiry is still reported');

    const list = JSON.parse(cli(['certs', 'list', '--dir', d, '-o', 'json']).stdout);
    const row = list.find((r: { name: string }) => r.name === c.row);
    assert.equal(row.state, 'key-mismatch');
    assert.match(row.detail, /does not match/);
    assert.equal(list.filter((r: { state: string }) => r.state !== 'ok').length, 1, JSON.stringify(list));
    assert.match(cli(['certs', 'list', '--dir', d]).stdout, new RegExp(`^${c.row}\\s.*\\skey-mismatch\\s`, 'm'));

    const init = cli(['init', '--dir', d, ...FLAGS]);
    assert.equal(init.code, 2);
    assert.match(init.stderr, /does not match/);
  });
}

test('audit FAILs a pair that does not match, whether or not a manifest names it', async (t) => {
  const { audit } = await import('../../src/audit/audit.js');
  // a tree as init writes it (no manifests), and a full node (manifests name most pairs)
  const bare = tmpDir('kubetls-mismatch-audit-', t);
  assert.equal(
    cli([
      'init',
      '--cert-dir',
      join(bare, 'etc/kubernetes/pki'),
      '--kubeconfig-dir',
      join(bare, 'etc/kubernetes'),
      ...FLAGS,
    ]).code,
    0,
  );
  const node = tmpDir('kubetls-mismatch-node-', t);
  buildNode(node);
  for (const root of [bare, node]) {
    const clean = await audit({ root });
    assert.deepEqual(
      clean.findings.filter((f) => f.id === 'KT-PKI-PAIR' && f.result === 'FAIL'),
      [],
    );
    // a pair no flag names adds no row while it matches: a healthy report is unchanged
    assert.ok(
      !clean.findings.some(
        (f) => f.id === 'KT-PKI-PAIR' && f.target === 'etc/kubernetes/pki/etcd/healthcheck-client.crt',
      ),
    );
    for (const c of CASES) {
      const d = tmpDir('kubetls-mismatch-audit-case-', t);
      cpSync(root, d, { recursive: true });
      // the cases' paths are relative to a --dir tree: map pki/ and *.conf under etc/kubernetes
      c.break(join(d, 'etc/kubernetes'));
      const r = await audit({ root: d });
      const fail = r.findings.filter((f) => f.id === 'KT-PKI-PAIR' && f.result === 'FAIL');
      // one finding per pair, whether the flags name it or it only sits in the PKI directory
      assert.equal(fail.filter((f) => f.target === c.auditTarget).length, 1, `${c.name}: ${JSON.stringify(fail)}`);
      assert.ok(
        fail.some((f) => f.target === c.auditTarget),
        `${c.name} in ${root === bare ? 'an init tree' : 'a node with manifests'}: ${JSON.stringify(fail)}`,
      );
      const cliRun = cli(['audit', '--root', d]);
      assert.equal(cliRun.code, 1, cliRun.stdout);
    }
  }
});

test('the mismatch check agrees with openssl', (t) => {
  const d = tmpDir('kubetls-mismatch-openssl-', t);
  cpSync(tree, d, { recursive: true });
  CASES[0]!.break(d);
  const pub = (args: string[]) => openssl(args).stdout;
  assert.notEqual(
    pub(['x509', '-in', join(d, 'pki/apiserver.crt'), '-noout', '-pubkey']),
    pub(['pkey', '-in', join(d, 'pki/apiserver.key'), '-pubout']),
  );
  assert.equal(
    pub(['x509', '-in', join(d, 'pki/apiserver-kubelet-client.crt'), '-noout', '-pubkey']),
    pub(['pkey', '-in', join(d, 'pki/apiserver-kubelet-client.key'), '-pubout']),
  );
});
