/**
 * The planner (`caSourcesFrom`, `saSourceFrom`, `planNode`) as a pure function, table-driven:
 * two real trees are made and read once (`init` and `readSnapshot`), then each case edits the
 * in-memory snapshot — a file missing, another tree's file in its place, an unreadable file,
 * an expired CA — and checks the steps and problems the planner decides, with no disk access
 * in between. (test/cluster/problems.test.ts drives the same rules through `init` on disk.)
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { loadConfig } from '../../src/cluster/config.js';
import type { Catalog } from '../../src/cluster/catalog.js';
import { catalogOf, nodeTargets } from '../../src/cluster/nodes.js';
import { caSourcesFrom, planNode, saSourceFrom, type Plan } from '../../src/cluster/plan.js';
import type { Problem } from '../../src/cluster/problem.js';
import { readSnapshot, type CertFiles, type KubeconfigFile, type Snapshot } from '../../src/cluster/snapshot.js';
import type { ErrorCode } from '../../src/errors/index.js';
import { tmpDir } from '../helpers.js';
import { initNode, START } from './fixtures.js';

let catalog: Catalog;
let tree: Snapshot;
let other: Snapshot;

const readTree = async (dir: string): Promise<Snapshot> => {
  const { config } = await loadConfig({
    nodeName: 'node-a',
    apiserverAdvertiseAddress: '192.0.2.10',
    encryptionAlgorithm: 'ECDSA-P256',
  });
  const [t] = nodeTargets(config, { certDir: join(dir, 'pki'), kubeconfigDir: dir });
  catalog = catalogOf(t!);
  return readSnapshot(catalog, t!.certDir, t!.kubeconfigDir);
};

before(async () => {
  const a = tmpDir('kubetls-plan-');
  const b = tmpDir('kubetls-plan-other-');
  await initNode(a);
  await initNode(b);
  tree = await readTree(a);
  other = await readTree(b);
});

/** A copy whose maps and entries can be edited without touching the original. */
function copy(s: Snapshot): Snapshot {
  return {
    ...s,
    certs: new Map([...s.certs].map(([k, v]) => [k, { ...v }])),
    kubeconfigs: new Map([...s.kubeconfigs].map(([k, v]) => [k, { ...v }])),
    sa: { ...s.sa },
  };
}

const missingCert = (f: CertFiles): CertFiles => ({
  certPath: f.certPath,
  keyPath: f.keyPath,
  certExists: false,
  keyExists: false,
});
const missingKubeconfig = (f: KubeconfigFile): KubeconfigFile => ({ path: f.path, exists: false });

/** An empty tree: nothing exists. */
function empty(s: Snapshot): void {
  for (const [k, f] of s.certs) s.certs.set(k, missingCert(f));
  for (const [k, f] of s.kubeconfigs) s.kubeconfigs.set(k, missingKubeconfig(f));
  s.sa = { keyPath: s.sa.keyPath, pubPath: s.sa.pubPath, keyExists: false, pubExists: false };
}

function plan(edit: (s: Snapshot) => void, now = START): { plan: Plan; problems: Problem[]; warnings: string[] } {
  const snapshot = copy(tree);
  edit(snapshot);
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const cas = caSourcesFrom(snapshot, catalog, now, problems, warnings);
  const sa = saSourceFrom(snapshot, problems);
  const p = planNode({ node: 'node-a', catalog, snapshot, cas, sa, ownsCas: true, now });
  return { plan: p, problems: [...problems, ...p.errors], warnings: [...warnings, ...p.warnings] };
}

/** `kind:name=action` for every step, to compare whole plans. */
const stepsOf = (p: Plan): Map<string, string> =>
  new Map(p.steps.map((s) => [`${s.kind}:${s.kind === 'sa' ? 'sa' : s.spec.name}`, s.action]));

interface Case {
  name: string;
  edit: (s: Snapshot) => void;
  now?: Date;
  /** the problems' codes and files (relative to the tree), sorted */
  problems: Array<[ErrorCode, string]>;
  /** steps whose action differs from "keep" (or, with `from: 'empty'`, from "generate") */
  steps?: Record<string, string>;
  warning?: RegExp;
}

const cert = (s: Snapshot, name: string): CertFiles => s.certs.get(name)!;
const kc = (s: Snapshot, name: string): KubeconfigFile => s.kubeconfigs.get(name)!;

const CASES: Case[] = [
  { name: 'a complete tree: every file kept', edit: () => {}, problems: [] },
  {
    name: 'a leaf missing both files: generated again, nothing else',
    edit: (s) => s.certs.set('apiserver', missingCert(cert(s, 'apiserver'))),
    problems: [],
    steps: { 'leaf:apiserver': 'generate' },
  },
  {
    name: 'a kubeconfig missing: generated again',
    edit: (s) => s.kubeconfigs.set('admin.conf', missingKubeconfig(kc(s, 'admin.conf'))),
    problems: [],
    steps: { 'kubeconfig:admin.conf': 'generate' },
  },
  {
    name: 'a leaf certificate without its key',
    edit: (s) => s.certs.set('apiserver', { ...cert(s, 'apiserver'), keyExists: false, key: undefined as never }),
    problems: [['NotFound', 'pki/apiserver.key']],
  },
  {
    name: 'a leaf key without its certificate',
    edit: (s) => s.certs.set('apiserver', { ...cert(s, 'apiserver'), certExists: false, cert: undefined }),
    problems: [['NotFound', 'pki/apiserver.crt']],
  },
  {
    name: "a leaf whose key is another tree's",
    edit: (s) => s.certs.set('apiserver', { ...cert(s, 'apiserver'), key: cert(other, 'apiserver').key! }),
    problems: [['KeyMismatch', 'pki/apiserver.key']],
  },
  {
    name: 'a leaf pair from another tree: signed by another CA',
    edit: (s) =>
      s.certs.set('apiserver', {
        ...cert(s, 'apiserver'),
        cert: cert(other, 'apiserver').cert,
        key: cert(other, 'apiserver').key!,
      }),
    problems: [['WrongIssuer', 'pki/apiserver.crt']],
  },
  {
    name: 'a leaf kept while its CA is missing (it would be generated)',
    edit: (s) => s.certs.set('front-proxy-ca', missingCert(cert(s, 'front-proxy-ca'))),
    problems: [['WrongIssuer', 'pki/front-proxy-client.crt']],
    steps: { 'ca:front-proxy-ca': 'generate' },
  },
  {
    name: 'a CA key without its certificate: the CA is broken, its leaves are not judged',
    edit: (s) => s.certs.set('ca', { ...cert(s, 'ca'), certExists: false, cert: undefined }),
    problems: [['NotFound', 'pki/ca.crt']],
  },
  {
    name: "a CA certificate with another tree's key",
    edit: (s) => s.certs.set('ca', { ...cert(s, 'ca'), key: cert(other, 'ca').key! }),
    problems: [['KeyMismatch', 'pki/ca.key']],
  },
  {
    name: 'a leaf certificate as the CA: not a CA',
    edit: (s) =>
      s.certs.set('etcd-ca', {
        ...cert(s, 'etcd-ca'),
        cert: cert(s, 'etcd-server').cert,
        key: cert(s, 'etcd-server').key!,
      }),
    problems: [['NotACA', 'pki/etcd/ca.crt']],
  },
  {
    name: 'the CA certificate without its key: external CA mode, existing leaves kept',
    edit: (s) => s.certs.set('ca', { ...cert(s, 'ca'), keyExists: false, key: undefined as never }),
    problems: [],
    steps: { 'ca:ca': 'external' },
  },
  {
    name: 'external CA mode with a leaf missing: it cannot be signed',
    edit: (s) => {
      s.certs.set('ca', { ...cert(s, 'ca'), keyExists: false, key: undefined as never });
      s.certs.set('apiserver', missingCert(cert(s, 'apiserver')));
    },
    problems: [['ExternalCA', 'pki/apiserver.crt']],
    steps: { 'ca:ca': 'external', 'leaf:apiserver': 'generate' },
  },
  {
    name: "a kubeconfig embedding another tree's CA",
    edit: (s) => s.kubeconfigs.set('admin.conf', { ...kc(other, 'admin.conf'), path: kc(s, 'admin.conf').path }),
    problems: [['WrongIssuer', 'admin.conf']],
  },
  {
    name: 'an unreadable leaf: its read error, with its code',
    edit: (s) => s.certs.set('apiserver', { ...cert(s, 'apiserver'), error: 'not PEM', errorCode: 'MalformedPEM' }),
    problems: [['MalformedPEM', 'pki/apiserver.crt']],
  },
  {
    name: "sa.pub from another tree: not sa.key's public half",
    edit: (s) => (s.sa = { ...s.sa, pubPem: other.sa.pubPem! }),
    problems: [['KeyMismatch', 'pki/sa.pub']],
  },
  {
    name: 'sa.pub missing: written from the key',
    edit: (s) => (s.sa = { ...s.sa, pubExists: false, pubPem: undefined as never }),
    problems: [],
    steps: { 'sa:sa': 'write-pub' },
  },
  {
    name: 'an expired CA is a warning, not a problem',
    edit: () => {},
    now: new Date(START.getTime() + 20 * 365 * 86_400_000),
    problems: [],
    warning: /"ca" CA certificate .* expired on/,
  },
];

test('an empty tree: every CA, leaf, kubeconfig and the service-account key is generated, no problem', () => {
  const { plan: p, problems } = plan(empty);
  assert.deepEqual(problems, []);
  const actions = [...stepsOf(p).values()];
  assert.ok(actions.length >= catalog.cas.length + catalog.leaves.length + catalog.kubeconfigs.length);
  assert.deepEqual(new Set(actions), new Set(['generate']));
});

for (const c of CASES) {
  test(`plan: ${c.name}`, () => {
    const { plan: p, problems, warnings } = plan(c.edit, c.now);
    const base = tree.kubeconfigDir;
    assert.deepEqual(
      problems.map((x) => [x.code, x.path?.slice(base.length + 1)]).sort(),
      [...c.problems].sort(),
      problems.map((x) => x.message).join('\n'),
    );
    for (const x of problems) assert.ok(x.message.length > 0 && !x.message.includes('\n'), x.message);
    if (c.problems.length === 0) {
      // no problem: a step for every file, each as the case says (keep by default)
      const expected = new Map([...stepsOf(plan(() => {}).plan)].map(([k]) => [k, c.steps?.[k] ?? 'keep']));
      for (const [k, v] of Object.entries(c.steps ?? {})) if (!expected.has(k)) expected.set(k, v);
      assert.deepEqual(stepsOf(p), expected);
    } else for (const [k, v] of Object.entries(c.steps ?? {})) assert.equal(stepsOf(p).get(k), v, k);
    if (c.warning)
      assert.ok(
        warnings.some((w) => c.warning!.test(w)),
        warnings.join('\n'),
      );
  });
}
