import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTROLLERS, controllerHelp } from '../../../src/controllers/index.js';
import { describePermission } from '../../../src/controllers/permissions.js';
import { selectControllers } from '../../../src/controllers/selection.js';
import { isKubetlsError } from '../../../src/errors/index.js';

const names = (flag: string[]) => selectControllers(CONTROLLERS, flag).map((c) => c.name);
const byName = (n: string) => CONTROLLERS.find((c) => c.name === n)!;

test('registry: the approvers run by default and are named in --help; -kubelet-serving-approver turns it off', () => {
  for (const n of ['csrapproving', 'kubelet-serving-approver', 'csr-policy-approver']) {
    assert.ok(names(['*']).includes(n), n);
    assert.match(controllerHelp(), new RegExp(`(^|, )${n}(,|$)`));
  }
  assert.ok(!names(['*', '-kubelet-serving-approver']).includes('kubelet-serving-approver'));
  assert.ok(names(['*', '-kubelet-serving-approver']).includes('csrapproving'));
});

test('registry: each approver declares the permissions it uses', () => {
  const perms = (n: string, flags: Record<string, unknown> = {}) =>
    (byName(n).permissions?.(flags) ?? []).map(describePermission);
  assert.deepEqual(perms('csrapproving'), [
    'list certificatesigningrequests.certificates.k8s.io',
    'watch certificatesigningrequests.certificates.k8s.io',
    'update certificatesigningrequests/approval.certificates.k8s.io',
    'approve signers.certificates.k8s.io "kubernetes.io/kube-apiserver-client-kubelet"',
    'create subjectaccessreviews.authorization.k8s.io',
  ]);
  assert.ok(
    perms('kubelet-serving-approver').includes('approve signers.certificates.k8s.io "kubernetes.io/kubelet-serving"'),
  );
  assert.ok(perms('kubelet-serving-approver').includes('watch nodes'));
  assert.deepEqual(perms('csr-policy-approver'), [], 'idle without --approver-config');
  const dir = mkdtempSync(join(tmpdir(), 'approvers-'));
  const file = join(dir, 'a.yaml');
  writeFileSync(
    file,
    'apiVersion: kubetls.io/v1alpha1\nkind: ApproverConfiguration\nrules:\n- {signerName: example.com/a, users: [u]}\n- {signerName: example.com/b, groups: [g]}\n- {signerName: example.com/a, groups: [h]}\n',
  );
  const p = perms('csr-policy-approver', { approverConfig: file });
  assert.deepEqual(
    p.filter((x) => x.startsWith('approve')),
    ['approve signers.certificates.k8s.io "example.com/a"', 'approve signers.certificates.k8s.io "example.com/b"'],
  );
});

test('registry: bad approver flags stop start-up with exit-2 errors naming the flag or file', async () => {
  const reject = async (n: string, flags: Record<string, unknown>, want: RegExp) => {
    try {
      await byName(n).validate?.(flags, undefined);
    } catch (e) {
      assert.ok(isKubetlsError(e), String(e));
      assert.match(e.message, want);
      return;
    }
    assert.fail(`${n} accepted ${JSON.stringify(flags)}`);
  };
  await reject('kubelet-serving-approver', { kubeletServingIpRanges: '10.0.0.0/40' }, /--kubelet-serving-ip-ranges/);
  await reject('kubelet-serving-approver', { kubeletServingDnsPattern: '(' }, /--kubelet-serving-dns-pattern/);
  const dir = mkdtempSync(join(tmpdir(), 'approvers-'));
  const file = join(dir, 'bad.yaml');
  writeFileSync(
    file,
    'apiVersion: kubetls.io/v1alpha1\nkind: ApproverConfiguration\nrules:\n- {signerName: example.com/a}\n',
  );
  await reject('csr-policy-approver', { approverConfig: file }, /rules\[0\]\.users: Required value/);
  await reject('csr-policy-approver', { approverConfig: join(dir, 'missing.yaml') }, /missing\.yaml/);
});
