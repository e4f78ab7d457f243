/** The catalog of checks and the identities the audit reads from the certificate catalog. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHECKS, checkKind, type CheckName } from '../../src/audit/checks.js';
import { finding, Findings, type FindingInit } from '../../src/audit/finding.js';
import { AUDITED_KUBECONFIGS, expectedIdentity, fixedDnsNames } from '../../src/audit/identities.js';
import { buildCatalog } from '../../src/cluster/catalog.js';
import { loadConfig } from '../../src/cluster/config.js';
import { ROOT } from '../helpers.js';

const entries = Object.entries(CHECKS) as [CheckName, (typeof CHECKS)[CheckName]][];

test('every check has an ID of its kind, a title, a remediation and a severity', () => {
  for (const [key, spec] of entries) {
    const kind = checkKind(spec);
    const pattern = { cis: /^\d+(\.\d+)+$/, kubetls: /^KT-[A-Z0-9]+(-[A-Z0-9]+)*$/, probe: /^P-[A-Z0-9]+$/ }[kind];
    assert.match(spec.id, pattern, key);
    assert.equal(key.startsWith('probe.'), kind === 'probe', `${key}: probe keys and P- IDs go together`);
    assert.ok(spec.title.length > 0 && spec.remediation.length > 0, key);
    assert.ok(spec.severity === 'FAIL' || spec.severity === 'WARN', key);
  }
});

test('no check is declared twice (same ID, title and remediation under two keys)', () => {
  const seen = new Map<string, string>();
  for (const [key, spec] of entries) {
    const sig = `${spec.id}\0${spec.title}\0${spec.remediation}`;
    assert.equal(seen.get(sig), undefined, `${key} repeats ${seen.get(sig)}`);
    seen.set(sig, key);
  }
});

test('docs/audit.md lists every ID of the catalog', () => {
  const docs = readFileSync(join(ROOT, 'docs/audit.md'), 'utf8');
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const missing = [...new Set(entries.map(([, s]) => s.id))].filter(
    (id) => !new RegExp(`(^|[\\s|/(\`])${escape(id)}($|[\\s|/),\`])`, 'm').test(docs),
  );
  assert.deepEqual(missing, []);
});

const base: FindingInit = {
  check: 'etcd.client-cert-auth',
  component: 'etcd',
  result: 'FAIL',
  evidence: '--client-cert-auth=false',
  target: 'etc/kubernetes/manifests/etcd.yaml',
};
const cases: Array<[string, Partial<FindingInit>, { remediation: string; target?: string }]> = [
  ['FAIL takes the catalog remediation', {}, { remediation: CHECKS['etcd.client-cert-auth'].remediation }],
  ['a given remediation wins', { remediation: 'do this' }, { remediation: 'do this' }],
  ['WARN has a remediation too', { result: 'WARN' }, { remediation: CHECKS['etcd.client-cert-auth'].remediation }],
  ['PASS has none, even when given one', { result: 'PASS', remediation: 'x' }, { remediation: '' }],
  ['SKIP has none', { result: 'SKIP' }, { remediation: '' }],
  ['an empty target is left out', { target: '' }, { remediation: CHECKS['etcd.client-cert-auth'].remediation }],
];
for (const [name, change, want] of cases) {
  test(`finding(): ${name}`, () => {
    const o = { ...base, ...change };
    const f = finding(o);
    assert.equal(f.id, '2.2');
    assert.equal(f.check, CHECKS['etcd.client-cert-auth'].title);
    assert.equal(f.remediation, want.remediation);
    assert.equal(f.target, o.target || undefined);
    // JSON output lists the fields in this order.
    assert.deepEqual(Object.keys(f), [
      'id',
      'component',
      'check',
      'result',
      'evidence',
      'remediation',
      ...(o.target ? ['target'] : []),
    ]);
  });
}

test('Findings.verdict: PASS when met, else the severity (WARN for advice)', () => {
  const f = new Findings();
  const o = { component: 'x', evidence: 'e' };
  f.verdict(true, { ...o, check: 'apiserver.anonymous' });
  f.verdict(false, { ...o, check: 'apiserver.anonymous' });
  f.verdict(false, { ...o, check: 'kubelet.anonymous' });
  assert.deepEqual(
    f.list.map((x) => `${x.id} ${x.result}`),
    ['KT-ANON PASS', 'KT-ANON WARN', 'KT-ANON FAIL'],
  );
});

test('the audit reads every kubeconfig of the certificate catalog, and only those', async () => {
  const { config } = await loadConfig({ nodeName: 'cp1', apiserverAdvertiseAddress: '10.0.0.10' });
  const names = buildCatalog(config).kubeconfigs.map((k) => k.name);
  assert.deepEqual([...AUDITED_KUBECONFIGS].sort(), [...names].sort());
});

test('expected identities are what init issues, relaxed only where the audit says why', async () => {
  const { config } = await loadConfig({ nodeName: 'cp1', apiserverAdvertiseAddress: '10.0.0.10' });
  const catalog = buildCatalog(config);
  const specs: { name: string; cn: string; org: string[]; eku: readonly string[]; dnsNames: string[] }[] = [
    ...catalog.leaves.map((l) => ({
      name: l.name,
      cn: l.commonName,
      org: l.organization,
      eku: l.extKeyUsage,
      dnsNames: l.dnsNames,
    })),
    ...catalog.kubeconfigs.map((k) => ({
      name: k.name,
      cn: k.clientName,
      org: k.organization,
      eku: ['clientAuth'],
      dnsNames: [],
    })),
  ];
  for (const s of specs) {
    const e = expectedIdentity(s.name, 'cp1');
    assert.equal(e.cn, s.cn, s.name);
    for (const o of s.org) assert.ok(e.org?.includes(o), `${s.name}: ${o} accepted`);
    if (s.org.length === 0) assert.equal(e.org, undefined, `${s.name}: no O required`);
    for (const u of e.eku ?? []) assert.ok(s.eku.includes(u), `${s.name}: ${u} is one init issues`);
    for (const n of fixedDnsNames(s.name)) assert.ok(s.dnsNames.includes(n), `${s.name}: ${n}`);
  }
  // Without the node name: a pattern where the name is part of the CN, nothing where it is the CN.
  assert.equal((expectedIdentity('kubelet.conf').cn as RegExp).source, '^system:node:.+$');
  assert.equal(expectedIdentity('etcd-server').cn, undefined);
  // The tolerances: kubeadm < 1.29 organisations, etcd serving needs serverAuth only.
  assert.deepEqual(expectedIdentity('admin.conf').org, ['kubeadm:cluster-admins', 'system:masters']);
  assert.deepEqual(expectedIdentity('etcd-server').eku, ['serverAuth']);
  assert.deepEqual(fixedDnsNames('apiserver'), ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc']);
  assert.throws(() => expectedIdentity('no-such-certificate'), /no "no-such-certificate"/);
});
