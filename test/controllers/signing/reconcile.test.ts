/** The signer controller's decision: kube-controller-manager's handling order. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signingDecision, type CsrState } from '../../../src/controllers/signing/reconcile.js';

const handles = (s: string) => s === 'example.com/serving';
const csr = (conditions: Array<[string, string]>, o: { certificate?: string; signerName?: string } = {}): CsrState => ({
  spec: { signerName: o.signerName ?? 'example.com/serving' },
  status: { conditions: conditions.map(([type, status]) => ({ type, status })), certificate: o.certificate ?? null },
});

test('only approved, not denied or failed, unissued CSRs of a handled signer are signed', () => {
  const cases: Array<[CsrState, true | string]> = [
    [csr([['Approved', 'True']]), true],
    [csr([]), 'not approved'],
    [{ spec: { signerName: 'example.com/serving' } }, 'not approved'],
    [csr([['Approved', 'False']]), 'not approved'],
    [
      csr([
        ['Approved', 'True'],
        ['Denied', 'True'],
      ]),
      'denied',
    ],
    [
      csr([
        ['Approved', 'True'],
        ['Failed', 'True'],
      ]),
      'failed',
    ],
    [csr([['Approved', 'True']], { certificate: 'LS0t' }), 'already issued'],
    [
      csr([['Approved', 'True']], { signerName: 'kubernetes.io/legacy-unknown' }),
      'signerName "kubernetes.io/legacy-unknown" is not this process\'s',
    ],
    [
      csr([
        ['Approved', 'True'],
        ['Custom', 'False'],
      ]),
      true,
    ],
  ];
  for (const [c, want] of cases) {
    const d = signingDecision(c, handles);
    assert.deepEqual(d, want === true ? { sign: true } : { sign: false, why: want }, JSON.stringify(c));
  }
});
