/**
 * `kubetls serve` driven by real kubectl, old and new: the documentation's CSR workflow
 * verbatim (examples/csr-workflow.sh) with kubetls's and the real cfssl, `get -w`, delete,
 * Tables, and RBAC refusals in kube-apiserver's words.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { cli, freePort, hasCommand, ROOT, tmpDir } from '../../helpers.js';
import { csrManifest, kubectl, kubectls, serve } from './harness.js';

const all = kubectls();
const pick = (names: string[]) => all.filter((k) => names.includes(k.name));
const skip = all.length ? false : 'kubectl is not installed';

for (const [k, cfssl] of [
  ...pick(['kubectl', 'kubectl.1.33']).map((k) => [k, 'kubetls'] as const),
  ...pick(['kubectl.1.27', 'kubectl.1.20']).map((k) => [k, 'cfssl'] as const),
]) {
  test(
    `the documentation's CSR workflow, verbatim, with ${k.name} and ${cfssl === 'cfssl' ? 'the real cfssl' : 'kubetls cfssl'}`,
    {
      skip:
        skip ||
        (cfssl === 'cfssl' && !hasCommand('cfssl') ? 'cfssl is not installed' : false) ||
        (!hasCommand('jq') ? 'jq is not installed' : false),
    },
    async () => {
      const port = await freePort();
      const r = spawnSync('bash', [join(ROOT, 'examples/csr-workflow.sh')], {
        encoding: 'utf8',
        timeout: 120_000,
        env: {
          ...process.env,
          KUBECTL: k.path,
          PORT: String(port),
          ...(cfssl === 'cfssl' ? { CFSSL: 'cfssl', CFSSLJSON: 'cfssljson' } : {}),
        },
      });
      const out = r.stdout + r.stderr;
      assert.equal(r.status, 0, out);
      // kubectl get csr: the six columns, then Pending → Approved → Approved,Issued
      assert.match(out, /NAME\s+AGE\s+SIGNERNAME\s+REQUESTOR\s+REQUESTEDDURATION\s+CONDITION/);
      assert.match(out, /my-svc\.my-namespace\s+\S+\s+example\.com\/serving\s+kubernetes-admin\s+<none>\s+Pending/);
      assert.match(out, /certificatesigningrequest\.certificates\.k8s\.io\/my-svc\.my-namespace approved/);
      assert.match(
        out,
        /my-svc\.my-namespace\s+\S+\s+example\.com\/serving\s+kubernetes-admin\s+<none>\s+Approved,Issued/,
      );
      assert.match(out, /server\.crt: OK/);
    },
  );
}

for (const k of pick(['kubectl', 'kubectl.1.27', 'kubectl.1.20'])) {
  test(`${k.name}: get -w sees create, approve and delete; delete waits for the object to go`, { skip }, async (t) => {
    const s = await serve(t);
    const cache = tmpDir('kubectl-cache-', t);
    const watch = spawn(k.path, ['--kubeconfig', s.kubeconfig, '--cache-dir', cache, 'get', 'csr', '-w'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    t.after(() => watch.kill());
    let out = '';
    watch.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const until = async (re: RegExp) => {
      for (let i = 0; i < 200 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 50));
      assert.match(out, re);
    };
    const run = (args: string[], input?: string) => {
      const r = kubectl(k.path, s.kubeconfig, args, { cacheDir: cache, ...(input !== undefined ? { input } : {}) });
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    run(['apply', '-f', '-'], csrManifest('watched'));
    await until(/watched\s+\S+\s+example\.com\/serving\s+kubernetes-admin\s+<none>\s+Pending/);
    run(['certificate', 'approve', 'watched']);
    await until(/watched\s+\S+\s+example\.com\/serving\s+kubernetes-admin\s+<none>\s+Approved/);
    assert.match(
      run(['delete', 'csr', 'watched']),
      /certificatesigningrequest\.certificates\.k8s\.io "watched" deleted/,
    );
    const gone = kubectl(k.path, s.kubeconfig, ['get', 'csr', 'watched'], { cacheDir: cache });
    assert.equal(gone.code, 1);
    assert.match(
      gone.stderr,
      /Error from server \(NotFound\): certificatesigningrequests\.certificates\.k8s\.io "watched" not found/,
    );
    assert.equal(watch.exitCode, null, 'the watch stays open');
  });
}

test(
  'RBAC refusals in kube-apiserver words: a user without rights, approve without the approve verb',
  { skip },
  async (t) => {
    const s = await serve(t);
    const k = all[0]!.path;
    const bobConf = join(s.dir, 'bob.conf');
    const u = cli([
      'kubeconfig',
      'user',
      '--dir',
      s.dir,
      '--client-name',
      'bob',
      '--org',
      'team-a',
      '--control-plane-endpoint',
      `127.0.0.1:${s.port}`,
      '--out',
      bobConf,
    ]);
    assert.equal(u.code, 0, u.stderr);
    const denied = kubectl(k, bobConf, ['get', 'csr']);
    assert.equal(denied.code, 1);
    assert.match(
      denied.stderr,
      /Error from server \(Forbidden\): certificatesigningrequests\.certificates\.k8s\.io is forbidden: User "bob" cannot list resource "certificatesigningrequests" in API group "certificates\.k8s\.io" at the cluster scope/,
    );
    assert.equal(kubectl(k, bobConf, ['auth', 'can-i', 'list', 'csr']).stdout.trim(), 'no');
    const who = kubectl(k, bobConf, ['auth', 'whoami']);
    assert.match(who.stdout, /bob/);
    assert.match(who.stdout, /team-a/);

    // bob may create CSRs and update /approval, but not approve for example.com/serving
    const rbac = [
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRole',
      'metadata: {name: csr-approval-writer}',
      'rules:',
      '- {apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests], verbs: [create, get, list, watch]}',
      '- {apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests/approval], verbs: [update]}',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRoleBinding',
      'metadata: {name: bob-approval-writer}',
      'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: csr-approval-writer}',
      'subjects: [{kind: User, name: bob, apiGroup: rbac.authorization.k8s.io}]',
      '',
    ].join('\n');
    const applied = kubectl(k, s.kubeconfig, ['apply', '-f', '-'], { input: rbac });
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(kubectl(k, bobConf, ['auth', 'can-i', 'list', 'csr']).stdout.trim(), 'yes');
    const created = kubectl(k, bobConf, ['create', '-f', '-'], { input: csrManifest('bobs') });
    assert.equal(created.code, 0, created.stderr);
    const listed = kubectl(k, s.kubeconfig, ['get', 'csr', 'bobs', '-o', 'jsonpath={.spec.username} {.spec.groups}']);
    assert.match(listed.stdout, /^bob \["team-a","system:authenticated"\]$/);
    const approve = kubectl(k, bobConf, ['certificate', 'approve', 'bobs']);
    assert.equal(approve.code, 1);
    assert.match(
      approve.stderr,
      /certificatesigningrequests\.certificates\.k8s\.io "bobs" is forbidden: user not permitted to approve requests with signerName "example\.com\/serving"/,
    );
    // the admin may; system:masters through kube-apiserver-client is refused at create
    assert.equal(kubectl(k, s.kubeconfig, ['certificate', 'approve', 'bobs']).code, 0);
    const masters = kubectl(k, s.kubeconfig, ['create', '-f', '-'], {
      input: csrManifest('masters', {
        signerName: 'kubernetes.io/kube-apiserver-client',
        usages: ['client auth'],
        subj: '/O=system:masters/CN=mallory',
      }),
    });
    assert.equal(masters.code, 1);
    assert.match(masters.stderr, /Forbidden/);
    writeFileSync(join(s.dir, 'done'), '');
  },
);
