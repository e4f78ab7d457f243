/** Static audit: a compliant node tree from the real `kubetls init`, and broken variants that each fail exactly their checks. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { audit } from '../../src/audit/audit.js';
import type { Report } from '../../src/audit/finding.js';
import { fixedClock } from '../../src/pki/index.js';
import { cli, tmpDir } from '../helpers.js';
import { manifest, reissue, setFlag, variant as copyOf } from './mutate.js';
import { buildNode } from './nodetree.js';

const DAY = 86_400_000;
let base = '';
const NOW = new Date();
before(() => {
  base = tmpDir('kubetls-audit-base-');
  buildNode(base);
});

const variant = (
  t: { after: (fn: () => void) => void },
  mutate: (root: string) => void | Promise<void>,
): Promise<string> => copyOf(base, t, mutate);
const fails = (r: Report): string[] =>
  [...new Set(r.findings.filter((f) => f.result === 'FAIL').map((f) => f.id))].sort();
const run = (root: string, now = NOW): Promise<Report> => audit({ root, clock: fixedClock(now) });

test('compliant tree from kubetls init: no FAIL, only the anonymous-auth WARN', async () => {
  const r = await run(base);
  assert.deepEqual(
    fails(r),
    [],
    JSON.stringify(
      r.findings.filter((f) => f.result === 'FAIL'),
      null,
      1,
    ),
  );
  assert.deepEqual(
    r.findings.filter((f) => f.result === 'WARN').map((f) => `${f.id} ${f.component}`),
    ['KT-ANON kube-apiserver'],
  );
  const ids = new Set(r.findings.map((f) => f.id));
  for (const id of [
    '1.1.19',
    '1.1.20',
    '1.1.21',
    '1.2.4',
    '1.2.5',
    '1.2.22',
    '1.2.23',
    '1.2.24',
    '1.2.25',
    '1.2.26',
    '1.2.29',
    '1.3.4',
    '1.3.5',
    '1.3.6',
    '1.3.7',
    '1.4.2',
    '2.1',
    '2.2',
    '2.3',
    '2.4',
    '2.5',
    '2.6',
    '2.7',
    '4.1.7',
    '4.1.8',
    '4.2.3',
    '4.2.9',
    '4.2.10',
    '4.2.11',
    '4.2.12',
    'KT-PKI-CHAIN',
    'KT-PKI-SAN',
    'KT-PKI-SUBJECT',
    'KT-PKI-PAIR',
    'KT-PKI-EXPIRY',
    'KT-SA',
    'KT-KUBECONFIG-CA',
  ])
    assert.ok(ids.has(id), `missing ${id}`);
  assert.equal(r.findings.filter((f) => f.id === 'KT-PKI-SUBJECT').length, 12);
});

const cases: Array<[string, (root: string) => void | Promise<void>, string[]]> = [
  [
    'apiserver without --kubelet-certificate-authority',
    (r) => setFlag(r, 'kube-apiserver', 'kubelet-certificate-authority', null),
    ['1.2.5'],
  ],
  ['etcd --client-cert-auth=false', (r) => setFlag(r, 'etcd', 'client-cert-auth', 'false'), ['2.2']],
  [
    'CBC suite on the apiserver',
    (r) =>
      setFlag(
        r,
        'kube-apiserver',
        'tls-cipher-suites',
        'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA',
      ),
    ['1.2.29'],
  ],
  [
    'apiserver --tls-min-version=VersionTLS10',
    (r) => setFlag(r, 'kube-apiserver', 'tls-min-version', 'VersionTLS10'),
    ['KT-TLSMIN'],
  ],
  ['etcd over http', (r) => setFlag(r, 'kube-apiserver', 'etcd-servers', 'http://127.0.0.1:2379'), ['KT-ETCD-HTTPS']],
  [
    'etcd trusts the cluster CA',
    (r) => setFlag(r, 'etcd', 'trusted-ca-file', '/etc/kubernetes/pki/ca.crt'),
    ['2.7', 'KT-PKI-CHAIN'],
  ],
  ['scheduler on 0.0.0.0', (r) => setFlag(r, 'kube-scheduler', 'bind-address', '0.0.0.0'), ['1.4.2']],
  ['world-readable key', (r) => chmodSync(join(r, 'etc/kubernetes/pki/front-proxy-ca.key'), 0o644), ['1.1.21']],
  [
    'advertise address not in the apiserver SANs',
    (r) => setFlag(r, 'kube-apiserver', 'advertise-address', '10.0.0.99'),
    ['KT-PKI-SAN'],
  ],
  [
    'apiserver key swapped',
    (r) =>
      cpSync(join(r, 'etc/kubernetes/pki/apiserver-kubelet-client.key'), join(r, 'etc/kubernetes/pki/apiserver.key')),
    ['KT-PKI-PAIR'],
  ],
  [
    'expired apiserver certificate',
    (r) =>
      reissue(r, 'apiserver', (t) => {
        t.notBefore = new Date(NOW.getTime() - 10 * DAY);
        t.notAfter = new Date(NOW.getTime() - DAY);
      }),
    ['KT-PKI-EXPIRY'],
  ],
  [
    'leaf outlives its CA',
    (r) =>
      reissue(r, 'apiserver', (t) => {
        t.notAfter = new Date(NOW.getTime() + 4000 * DAY);
      }),
    ['KT-PKI-OUTLIVES'],
  ],
  [
    'kubelet without rotation or serving certs',
    (r) => {
      const p = join(r, 'var/lib/kubelet/config.yaml');
      writeFileSync(
        p,
        readFileSync(p, 'utf8')
          .replace('rotateCertificates: true', 'rotateCertificates: false')
          .replace('serverTLSBootstrap: true', 'serverTLSBootstrap: false'),
      );
    },
    ['4.2.10', '4.2.11', '4.2.9'],
  ],
  [
    'kubeconfig with another CA',
    (r) => cpSync(join(r, 'etc/kubernetes/pki/etcd/ca.crt'), join(r, 'etc/kubernetes/pki/ca.crt')),
    ['KT-KUBECONFIG-CA', 'KT-PKI-CHAIN', 'KT-PKI-PAIR'],
  ],
  [
    'unparsable manifest',
    (r) => writeFileSync(manifest(r, 'kube-scheduler'), 'kind: Pod\nspec: [unclosed'),
    ['KT-PARSE'],
  ],
];
for (const [name, mutate, expected] of cases) {
  test(`broken variant: ${name}`, async (t) => {
    const root = await variant(t, mutate);
    const r = await run(root);
    assert.deepEqual(
      fails(r),
      [...expected].sort(),
      JSON.stringify(
        r.findings.filter((f) => f.result === 'FAIL').map((f) => `${f.id} ${f.target} ${f.evidence}`),
        null,
        1,
      ),
    );
    for (const f of r.findings.filter((x) => x.result === 'FAIL'))
      assert.ok(f.evidence.length > 0 && f.remediation.length > 0);
  });
}

test('expiry windows: WARN under 30 days (exit 0), FAIL under 7 days (exit 1)', async () => {
  const warn = await run(base, new Date(NOW.getTime() + 340 * DAY));
  assert.deepEqual(fails(warn), []);
  assert.ok(warn.findings.some((f) => f.id === 'KT-PKI-EXPIRY' && f.result === 'WARN'));
  const fail = await run(base, new Date(NOW.getTime() + 361 * DAY));
  assert.deepEqual(fails(fail), ['KT-PKI-EXPIRY']);
  const c = cli(['audit', '--root', base, '--now', new Date(NOW.getTime() + 340 * DAY).toISOString()]);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /WARN/);
  assert.equal(
    cli(['audit', '--root', base, '--now', new Date(NOW.getTime() + 361 * DAY).toISOString(), '-o', 'junit']).code,
    1,
  );
});

test('ownership checks are skipped when not running as root', async () => {
  const r = await audit({ root: base, clock: fixedClock(NOW), checkOwnership: false });
  assert.ok(!r.findings.some((f) => (f.id === '1.1.19' || f.id === '4.1.8') && f.result !== 'SKIP'));
  assert.ok(r.findings.some((f) => f.id === '1.1.19' && f.result === 'SKIP'));
});

test('hostile input: alias bomb, huge file, path escaping the root, empty root', async (t) => {
  const root = await variant(t, (r) => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
      ...Array.from(
        { length: 12 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`,
      ),
    ].join('\n');
    writeFileSync(manifest(r, 'kube-scheduler'), `kind: Pod\n${bomb}\n`);
    writeFileSync(join(r, 'var/lib/kubelet/config.yaml'), 'x'.repeat(2 * 1024 * 1024));
    setFlag(r, 'kube-apiserver', 'tls-cert-file', '/../../../../etc/hostname');
  });
  const t0 = Date.now();
  const r = await run(root);
  assert.ok(Date.now() - t0 < 10_000);
  const parse = r.findings
    .filter((f) => f.id === 'KT-PARSE')
    .map((f) => f.evidence)
    .join('\n');
  assert.match(parse, /alias|Excessive/i);
  assert.match(parse, /over the 1048576-byte limit/);
  assert.ok(r.findings.some((f) => f.id === 'KT-PKI-PARSE' && f.target === '.kubetls-path-outside-root'));
  const empty = tmpDir('kubetls-empty-', t);
  const e = await run(empty);
  const noDir = e.findings.find((f) => f.id === 'KT-PARSE' && /manifests directory not found/.test(f.evidence));
  assert.ok(noDir);
  assert.match(noDir.remediation, /--root/, 'a missing directory is not a file to fix or remove');
});

test('audit CLI: table, json and junit; exit 1 on FAIL', async (t) => {
  const root = await variant(t, (r) => setFlag(r, 'etcd', 'client-cert-auth', 'false'));
  const table = cli(['audit', '--root', root]);
  assert.equal(table.code, 1);
  assert.match(table.stdout, /^ID +COMPONENT +CHECK +RESULT +EVIDENCE/);
  assert.match(table.stdout, /2\.2 +etcd +client certificates required +FAIL +--client-cert-auth=false/);
  const json = JSON.parse(cli(['audit', '--root', root, '-o', 'json']).stdout) as Report;
  assert.equal(json.summary.fail, 1);
  const junit = cli(['audit', '--root', root, '-o', 'junit']).stdout;
  assert.match(junit, /<failure message="--client-cert-auth=false">/);
  assert.equal(cli(['audit', '--root', base]).code, 0);
  const bad = cli(['audit', '--root', base, '--now', 'yesterday']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^error: --now: not a date/);
});
