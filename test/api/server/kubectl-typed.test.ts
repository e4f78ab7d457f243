/**
 * `kubetls serve` with kubectl's typed commands, which kubectl ≥ 1.32 sends as protobuf:
 * `create secret generic|tls`, `create configmap`, `create namespace`, `create role`,
 * `create clusterrole`, `create rolebinding`, `create clusterrolebinding`, `create secret
 * docker-registry`, `auth reconcile` with kubectl 1.33, 1.32 and 1.27 (JSON), read back as JSON; client-side `kubectl apply` (create, then
 * configure), `kubectl edit` (a real editor run: sed), `label` and `annotate`; `kubectl apply
 * --server-side` refused with a 415 kubectl understands. And `kubectl describe csr` (1.20,
 * 1.27, 1.33) showing the Events recorded for that CSR, found by its involvedObject field
 * selector (name, namespace, kind and uid).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { csrManifest, kubectl, kubectls, serve } from './harness.js';

const all = kubectls();
const pick = (names: string[]) => all.filter((k) => names.includes(k.name));
const TYPED = pick(['kubectl.1.33', 'kubectl.1.32', 'kubectl.1.27']);
const DESCRIBE = pick(['kubectl.1.33', 'kubectl.1.27', 'kubectl.1.20']);

/** Bytes that are not UTF-8, so kubectl puts the file in binaryData. */
const BINARY = Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80, 0x7f]);

const json = (r: { code: number; stdout: string; stderr: string }): Record<string, unknown> => {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
};

test(
  'typed creates, apply, edit, label and annotate with kubectl 1.33, 1.32 and 1.27; server-side apply is a clear 415',
  { skip: TYPED.length ? false : 'no kubectl 1.27, 1.32 or 1.33 installed' },
  async (t) => {
    const s = await serve(t);
    writeFileSync(join(s.dir, 'bin'), BINARY);
    for (const k of TYPED) {
      await t.test(k.name, () => {
        const v = k.name.replace('kubectl.', '').replace('.', '-'); // names per version: 1-33
        const kc = (args: string[], o: { input?: string; env?: NodeJS.ProcessEnv } = {}) =>
          kubectl(k.path, s.kubeconfig, args, { cacheDir: join(s.dir, `cache-${v}`), ...o });
        const created = (args: string[], what: string) => {
          const r = kc(['create', ...args]);
          assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
          assert.equal(r.stdout, `${what} created\n`);
        };

        created(
          ['secret', 'generic', `s-${v}`, '--from-literal=user=admin', '--from-literal=pass=s3cr3t'],
          `secret/s-${v}`,
        );
        const secret = json(kc(['get', 'secret', `s-${v}`, '-o', 'json'])) as {
          data: Record<string, string>;
          type: string;
        };
        assert.deepEqual(secret.data, { pass: 'czNjcjN0', user: 'YWRtaW4=' });
        assert.equal(secret.type, 'Opaque');
        const pki = join(s.dir, 'pki');
        created(
          ['secret', 'tls', `t-${v}`, `--cert=${join(pki, 'apiserver.crt')}`, `--key=${join(pki, 'apiserver.key')}`],
          `secret/t-${v}`,
        );
        const tls = json(kc(['get', 'secret', `t-${v}`, '-o', 'json'])) as {
          data: Record<string, string>;
          type: string;
        };
        assert.equal(tls.type, 'kubernetes.io/tls');
        assert.deepEqual(Object.keys(tls.data).sort(), ['tls.crt', 'tls.key']);

        created(
          ['configmap', `cm-${v}`, '--from-literal=a=b', `--from-file=bin=${join(s.dir, 'bin')}`],
          `configmap/cm-${v}`,
        );
        const cm = json(kc(['get', 'configmap', `cm-${v}`, '-o', 'json'])) as {
          data: object;
          binaryData: Record<string, string>;
        };
        assert.deepEqual(cm.data, { a: 'b' });
        assert.deepEqual(Buffer.from(cm.binaryData['bin']!, 'base64'), BINARY);

        created(['namespace', `ns-${v}`], `namespace/ns-${v}`);
        const ns = json(kc(['get', 'namespace', `ns-${v}`, '-o', 'json']));
        assert.deepEqual([ns.spec, ns.status], [{ finalizers: ['kubernetes'] }, { phase: 'Active' }]);

        const rbac = 'rbac.authorization.k8s.io';
        created(
          ['role', `r-${v}`, '--verb=get,list', '--resource=secrets', `--resource-name=s-${v}`, '-n', `ns-${v}`],
          `role.${rbac}/r-${v}`,
        );
        assert.deepEqual(json(kc(['get', 'role', `r-${v}`, '-n', `ns-${v}`, '-o', 'json'])).rules, [
          { verbs: ['get', 'list'], apiGroups: [''], resources: ['secrets'], resourceNames: [`s-${v}`] },
        ]);
        created(['clusterrole', `cr-${v}`, '--verb=get', '--non-resource-url=/healthz'], `clusterrole.${rbac}/cr-${v}`);
        assert.deepEqual(json(kc(['get', 'clusterrole', `cr-${v}`, '-o', 'json'])).rules, [
          { verbs: ['get'], nonResourceURLs: ['/healthz'] },
        ]);
        // RBAC names are path segments, as upstream's: a colon is fine (kubeadm:get-nodes)
        created(['clusterrole', `team:cr-${v}`, '--verb=get', '--resource=nodes'], `clusterrole.${rbac}/team:cr-${v}`);
        created(
          ['clusterrole', `agg-${v}`, `--aggregation-rule=example.com/agg-${v}=true`],
          `clusterrole.${rbac}/agg-${v}`,
        );
        assert.deepEqual(json(kc(['get', 'clusterrole', `agg-${v}`, '-o', 'json'])).aggregationRule, {
          clusterRoleSelectors: [{ matchLabels: { [`example.com/agg-${v}`]: 'true' } }],
        });
        created(
          [
            'rolebinding',
            `rb-${v}`,
            `--role=r-${v}`,
            `--user=jane-${v}`,
            '--serviceaccount=default:sa',
            '-n',
            `ns-${v}`,
          ],
          `rolebinding.${rbac}/rb-${v}`,
        );
        const rb = json(kc(['get', 'rolebinding', `rb-${v}`, '-n', `ns-${v}`, '-o', 'json']));
        assert.deepEqual(rb.roleRef, { apiGroup: rbac, kind: 'Role', name: `r-${v}` });
        assert.deepEqual(rb.subjects, [
          { kind: 'User', apiGroup: rbac, name: `jane-${v}` },
          { kind: 'ServiceAccount', name: 'sa', namespace: 'default' },
        ]);
        created(
          ['clusterrolebinding', `crb-${v}`, `--clusterrole=cr-${v}`, `--user=jane-${v}`],
          `clusterrolebinding.${rbac}/crb-${v}`,
        );
        // the binding is in force: RBAC reads what the protobuf create stored
        const canI = kc(['auth', 'can-i', 'get', '/healthz', '--as', `jane-${v}`]);
        assert.equal(canI.stdout, 'yes\n', canI.stderr);
        const canIRole = kc(['auth', 'can-i', 'get', `secrets/s-${v}`, '-n', `ns-${v}`, '--as', `jane-${v}`]);
        assert.equal(canIRole.stdout, 'yes\n', canIRole.stderr);

        // kubectl auth reconcile: typed RBAC gets, creates and updates (protobuf from 1.32)
        const reconcile = (verbs: string) =>
          kc(['auth', 'reconcile', '-f', '-'], {
            input: [
              `apiVersion: ${rbac}/v1`,
              'kind: ClusterRole',
              `metadata: {name: rec-${v}}`,
              `rules: [{apiGroups: [""], resources: [configmaps], verbs: [${verbs}]}]`,
              '---',
              `apiVersion: ${rbac}/v1`,
              'kind: ClusterRoleBinding',
              `metadata: {name: rec-${v}}`,
              `roleRef: {apiGroup: ${rbac}, kind: ClusterRole, name: rec-${v}}`,
              `subjects: [{apiGroup: ${rbac}, kind: User, name: bob-${v}}]`,
              '',
            ].join('\n'),
          });
        for (const [verbs, required] of [
          ['get', 'create'],
          ['get, list', 'update'],
        ] as const) {
          const r = reconcile(verbs);
          assert.equal(r.code, 0, r.stderr);
          assert.equal(
            r.stdout,
            `clusterrole.${rbac}/rec-${v} reconciled\nclusterrolebinding.${rbac}/rec-${v} reconciled\n`,
          );
          assert.match(r.stderr, new RegExp(`^\treconciliation required ${required}$`, 'm'));
        }
        assert.equal(kc(['auth', 'can-i', 'list', 'configmaps', '--as', `bob-${v}`]).stdout, 'yes\n');
        created(
          [
            'secret',
            'docker-registry',
            `d-${v}`,
            '--docker-server=registry.example.com',
            '--docker-username=u',
            '--docker-password=p',
          ],
          `secret/d-${v}`,
        );
        const docker = json(kc(['get', 'secret', `d-${v}`, '-o', 'json'])) as {
          data: Record<string, string>;
          type: string;
        };
        assert.equal(docker.type, 'kubernetes.io/dockerconfigjson');
        const auths = JSON.parse(Buffer.from(docker.data['.dockerconfigjson']!, 'base64').toString()) as {
          auths: Record<string, { username: string }>;
        };
        assert.equal(auths.auths['registry.example.com']!.username, 'u');

        // client-side apply: create, then configure (a strategic merge patch)
        const manifest = (value: string) =>
          `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied-${v}\ndata:\n  key: ${value}\n`;
        const a1 = kc(['apply', '-f', '-'], { input: manifest('one') });
        assert.equal(a1.stdout, `configmap/applied-${v} created\n`, a1.stderr);
        const a2 = kc(['apply', '-f', '-'], { input: manifest('two') });
        assert.equal(a2.stdout, `configmap/applied-${v} configured\n`, a2.stderr);
        assert.deepEqual(json(kc(['get', 'configmap', `applied-${v}`, '-o', 'json'])).data, { key: 'two' });

        // server-side apply is not served: a 415 that kubectl reports as such
        const ssa = kc(['apply', '--server-side', '-f', '-'], { input: manifest('three') });
        assert.notEqual(ssa.code, 0);
        assert.match(ssa.stderr, /server-side apply \(application\/apply-patch\+yaml\) is not supported by kubetls/);
        assert.match(ssa.stderr, /Server-side apply not available on the server|UnsupportedMediaType/);
        assert.deepEqual(json(kc(['get', 'configmap', `applied-${v}`, '-o', 'json'])).data, { key: 'two' });

        // the OpenAPI documents are published, so `kubectl explain` works (test/api/server/openapi.test.ts)
        const explain = kc(['explain', 'certificatesigningrequest.spec']);
        assert.equal(explain.code, 0, explain.stderr);
        assert.match(explain.stdout, /signerName\s+<string> -required-/);

        // kubectl edit with a real editor (sed), then label and annotate: all patches
        const edit = kc(['edit', 'configmap', `applied-${v}`], {
          env: { KUBE_EDITOR: 'sed -i -e s/key:\\ two/key:\\ edited/' },
        });
        assert.equal(edit.stdout, `configmap/applied-${v} edited\n`, edit.stderr);
        assert.deepEqual(json(kc(['get', 'configmap', `applied-${v}`, '-o', 'json'])).data, { key: 'edited' });
        assert.equal(kc(['label', 'secret', `s-${v}`, 'team=pki']).stdout, `secret/s-${v} labeled\n`);
        // kubectl 1.27 prints `annotate` (its own typo), later versions `annotated`
        assert.match(
          kc(['annotate', 'secret', `s-${v}`, 'note=rotated']).stdout,
          new RegExp(`^secret/s-${v} annotated?\\n$`),
        );
        const meta = json(kc(['get', 'secret', `s-${v}`, '-o', 'json'])).metadata as Record<string, unknown>;
        assert.deepEqual([meta.labels, meta.annotations], [{ team: 'pki' }, { note: 'rotated' }]);
      });
    }
  },
);

test(
  'kubectl describe csr (1.33, 1.27, 1.20) shows the Events recorded for that CSR, by name, kind and uid',
  { skip: DESCRIBE.length ? false : 'no kubectl 1.20, 1.27 or 1.33 installed' },
  async (t) => {
    const s = await serve(t);
    const admin = DESCRIBE[0]!;
    const kc = (bin: string, args: string[], input?: string) =>
      kubectl(bin, s.kubeconfig, args, { cacheDir: join(s.dir, 'cache'), ...(input !== undefined ? { input } : {}) });
    const apply = kc(admin.path, ['apply', '-f', '-'], csrManifest('ev-csr'));
    assert.equal(apply.code, 0, apply.stderr);
    const csr = json(kc(admin.path, ['get', 'csr', 'ev-csr', '-o', 'json']));
    const uid = (csr.metadata as { uid: string }).uid;
    const involved = (u: string) => ({
      kind: 'CertificateSigningRequest',
      name: 'ev-csr',
      uid: u,
      apiVersion: 'certificates.k8s.io/v1',
    });
    // a core/v1 Event and an events.k8s.io/v1 Event about this CSR, and one about an older
    // CSR of the same name (another uid), which describe must not show
    const events = [
      {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: 'ev-csr.core', namespace: 'default' },
        involvedObject: involved(uid),
        reason: 'SignedByTest',
        message: 'signed by the core/v1 test event',
        type: 'Normal',
        source: { component: 'kubetls-test' },
        firstTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        lastTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        count: 1,
      },
      {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name: 'ev-csr.events', namespace: 'default' },
        regarding: involved(uid),
        reason: 'CheckedByTest',
        note: 'checked by the events.k8s.io test event',
        type: 'Warning',
        action: 'Check',
        reportingController: 'kubetls.example.com/test',
        reportingInstance: 'test-0',
        eventTime: new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z'),
      },
      {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: 'ev-csr.stale', namespace: 'default' },
        involvedObject: involved('00000000-0000-4000-8000-000000000000'),
        reason: 'StaleByTest',
        message: 'about an older CSR of the same name',
        type: 'Normal',
      },
    ];
    for (const e of events) {
      const r = kc(admin.path, ['create', '-f', '-'], JSON.stringify(e));
      assert.equal(r.code, 0, r.stderr);
    }
    // the events.k8s.io field selector names the same objects
    const byRegarding = json(
      kc(admin.path, [
        'get',
        '--raw',
        `/apis/events.k8s.io/v1/events?fieldSelector=regarding.uid%3D${uid},regarding.name%3Dev-csr,regarding.kind%3DCertificateSigningRequest`,
      ]),
    );
    assert.deepEqual((byRegarding.items as Array<{ metadata: { name: string } }>).map((e) => e.metadata.name).sort(), [
      'ev-csr.core',
      'ev-csr.events',
    ]);
    for (const k of DESCRIBE) {
      const d = kc(k.path, ['describe', 'csr', 'ev-csr']);
      assert.equal(d.code, 0, `${k.name}: ${d.stderr}`);
      const ev = d.stdout.slice(d.stdout.indexOf('Events:'));
      assert.match(
        ev,
        /Normal\s+SignedByTest\s+.*kubetls-test\s+signed by the core\/v1 test event/,
        `${k.name}:\n${d.stdout}`,
      );
      assert.match(
        ev,
        /Warning\s+CheckedByTest\s+.*checked by the events\.k8s\.io test event/,
        `${k.name}:\n${d.stdout}`,
      );
      assert.doesNotMatch(ev, /StaleByTest/, k.name);
    }
  },
);
