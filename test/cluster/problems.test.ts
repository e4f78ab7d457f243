/**
 * The planner's structured problems: each way a tree can be wrong gives a problem with the
 * registry code that says what it is, the file it concerns and the sentence `init` has
 * always printed; the refusal (PlanError) carries them all and renders them as before.
 */
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { cpSync } from 'node:fs';
import { exitCodeOf, type ErrorCode } from '../../src/errors/index.js';
import { PlanError } from '../../src/cluster/problem.js';
import { tmpDir } from '../helpers.js';
import { initNode } from './fixtures.js';

let tree = '';
let other = '';
before(async () => {
  tree = tmpDir('kubetls-problems-');
  other = tmpDir('kubetls-problems-other-');
  await initNode(tree);
  await initNode(other);
});

interface Case {
  name: string;
  break: (d: string) => void;
  flags?: Record<string, unknown>;
  code: ErrorCode;
  /** the problem's file, relative to the tree */
  path: string;
  message: RegExp;
}

const CASES: Case[] = [
  {
    name: 'a leaf without its key',
    break: (d) => unlinkSync(join(d, 'pki/apiserver.key')),
    code: 'NotFound',
    path: 'pki/apiserver.key',
    message: /apiserver\.key is missing while .*apiserver\.crt exists/,
  },
  {
    name: 'a CA key without its certificate',
    break: (d) => unlinkSync(join(d, 'pki/front-proxy-ca.crt')),
    code: 'NotFound',
    path: 'pki/front-proxy-ca.crt',
    message: /front-proxy-ca\.key exists but .*front-proxy-ca\.crt is missing/,
  },
  {
    name: "a leaf key that is not its certificate's",
    break: (d) => copyFileSync(join(other, 'pki/apiserver.key'), join(d, 'pki/apiserver.key')),
    code: 'KeyMismatch',
    path: 'pki/apiserver.key',
    message: /apiserver\.key does not match .*apiserver\.crt$/,
  },
  {
    name: 'a leaf from another PKI',
    break: (d) => {
      for (const ext of ['crt', 'key'])
        copyFileSync(join(other, `pki/front-proxy-client.${ext}`), join(d, `pki/front-proxy-client.${ext}`));
    },
    code: 'WrongIssuer',
    path: 'pki/front-proxy-client.crt',
    message: /is not signed by the "front-proxy-ca" CA/,
  },
  {
    name: 'a leaf that lacks a configured SAN',
    break: () => {},
    flags: { apiserverCertExtraSans: ['new.example.com'] },
    code: 'MissingSANs',
    path: 'pki/apiserver.crt',
    message: /does not cover the configured SANs DNS:new\.example\.com/,
  },
  {
    name: 'a CA file holding a leaf',
    break: (d) => {
      copyFileSync(join(d, 'pki/apiserver.crt'), join(d, 'pki/etcd/ca.crt'));
      copyFileSync(join(d, 'pki/apiserver.key'), join(d, 'pki/etcd/ca.key'));
    },
    code: 'NotACA',
    path: 'pki/etcd/ca.crt',
    message: /is not a CA certificate/,
  },
  {
    name: "an sa.pub that is not sa.key's",
    break: (d) => copyFileSync(join(other, 'pki/sa.pub'), join(d, 'pki/sa.pub')),
    code: 'KeyMismatch',
    path: 'pki/sa.pub',
    message: /sa\.pub is not the public half of/,
  },
  {
    name: 'a kubeconfig embedding another CA',
    break: (d) => copyFileSync(join(other, 'admin.conf'), join(d, 'admin.conf')),
    code: 'WrongIssuer',
    path: 'admin.conf',
    message: /admin\.conf embeds a different CA/,
  },
  {
    name: 'a certificate that is not PEM',
    break: (d) => writeFileSync(join(d, 'pki/apiserver-kubelet-client.crt'), 'garbage\n'),
    code: 'MalformedPEM',
    path: 'pki/apiserver-kubelet-client.crt',
    message: /apiserver-kubelet-client\.crt/,
  },
];

for (const c of CASES) {
  test(`plan problem: ${c.name} → ${c.code} on ${c.path}`, async (t) => {
    const d = tmpDir('kubetls-problems-case-', t);
    cpSync(tree, d, { recursive: true });
    c.break(d);
    const e = await initNode(d, c.flags ?? {}).then(
      () => assert.fail('init must refuse'),
      (err: unknown) => err,
    );
    assert.ok(e instanceof PlanError, String(e));
    assert.equal(e.code, 'PlanFailed');
    assert.equal(exitCodeOf(e), 2);
    const p = e.problems.find((x) => x.code === c.code);
    assert.ok(p, `${c.code} among ${JSON.stringify(e.problems)}`);
    assert.equal(p.path, join(d, c.path));
    assert.match(p.message, c.message);
    // the CLI's text is the problems' messages, as before: one alone, or a list
    const messages = [...new Set(e.problems.map((x) => x.message))];
    assert.equal(
      e.message,
      messages.length === 1
        ? messages[0]
        : `${messages.length} problems, nothing was written:\n  - ${messages.join('\n  - ')}`,
    );
  });
}

test('several problems are all reported at once, each with its own code', async (t) => {
  const d = tmpDir('kubetls-problems-many-', t);
  cpSync(tree, d, { recursive: true });
  for (const c of [CASES[0]!, CASES[6]!, CASES[7]!]) c.break(d);
  const e = (await initNode(d).catch((err: unknown) => err)) as PlanError;
  assert.deepEqual(e.problems.map((p) => p.code).sort(), ['KeyMismatch', 'NotFound', 'WrongIssuer']);
  assert.match(e.message, /^3 problems, nothing was written:\n {2}- /);
  assert.equal(readFileSync(join(d, 'pki/sa.pub'), 'latin1'), readFileSync(join(other, 'pki/sa.pub'), 'latin1'));
});
