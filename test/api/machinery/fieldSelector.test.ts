import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkFieldSelector,
  escapeFieldValue,
  fieldSelectorString,
  fieldsMatch,
  parseFieldSelector,
  requiresExactMatch,
  unescapeFieldValue,
} from '../../../src/api/machinery/fieldSelector.js';
import { toStatus } from '../../../src/api/machinery/status.js';
import type { KubeObject } from '../../../src/api/object.js';

const CSR: KubeObject = {
  apiVersion: 'certificates.k8s.io/v1',
  kind: 'CertificateSigningRequest',
  metadata: { name: 'my-svc.my-namespace' },
  spec: { signerName: 'example.com/serving' },
};
const FIELDS = { 'spec.signerName': (o: KubeObject) => (o.spec as { signerName?: string }).signerName };

test('field selectors parse, unescape and match through the resource getters', () => {
  const cases: Array<[string, boolean]> = [
    ['', true],
    ['metadata.name=my-svc.my-namespace', true],
    ['metadata.name==my-svc.my-namespace', true],
    ['metadata.name!=my-svc.my-namespace', false],
    ['metadata.name=other', false],
    ['metadata.namespace=', true],
    ['metadata.namespace!=default', true],
    ['spec.signerName=example.com/serving', true],
    ['spec.signerName=example.com/serving,metadata.name=my-svc.my-namespace', true],
    ['spec.signerName=example.com/serving,metadata.name=x', false],
    ['spec.signerName=kubernetes.io/kubelet-serving', false],
    ['metadata.name=my-svc.my-namespace,', true],
    [',,metadata.name=my-svc.my-namespace', true],
  ];
  for (const [sel, want] of cases) assert.equal(fieldsMatch(parseFieldSelector(sel), CSR, FIELDS), want, sel);
  // what kubectl delete's wait sends, decoded from %3D
  const s = parseFieldSelector(
    new URLSearchParams('fieldSelector=metadata.name%3Dmy-svc.my-namespace').get('fieldSelector')!,
  );
  assert.equal(requiresExactMatch(s, 'metadata.name'), 'my-svc.my-namespace');
  assert.equal(requiresExactMatch(parseFieldSelector('metadata.name!=x'), 'metadata.name'), undefined);
  // escapes round-trip
  for (const v of ['a,b', 'a=b', 'a\\b', '\\,=', 'plain', '']) {
    assert.equal(unescapeFieldValue(escapeFieldValue(v)), v);
    const sel = parseFieldSelector(`metadata.name=${escapeFieldValue(v)}`);
    assert.equal(sel[0]!.value, v);
    assert.equal(fieldSelectorString(sel), `metadata.name=${escapeFieldValue(v)}`);
  }
  // the first operator wins: `a=b=c` has an unescaped `=` in the value
  assert.throws(() => parseFieldSelector('a=b=c'), /unescaped character in value: 61/);
  assert.equal(parseFieldSelector('a!=b')[0]!.operator, '!=');
  assert.equal(parseFieldSelector('a==b')[0]!.value, 'b');
  // a getter that returns undefined reads as ''
  assert.equal(fieldsMatch(parseFieldSelector('spec.signerName='), { metadata: {}, spec: {} }, FIELDS), true);
  // an inherited name is not a getter
  assert.equal(fieldsMatch(parseFieldSelector('constructor=x'), CSR, FIELDS), false);
});

test('bad field selectors are 400 with kube-apiserver wording', () => {
  const cases: Array<[string, string]> = [
    ['metadata.name', "invalid selector: 'metadata.name'; can't understand 'metadata.name'"],
    ['a=b,c', "invalid selector: 'a=b,c'; can't understand 'c'"],
    ['a=b\\', 'invalid field selector: invalid escape sequence: \\'],
    ['a=b\\x', 'invalid field selector: invalid escape sequence: \\x'],
    ['a=b=c', 'invalid field selector: unescaped character in value: 61'],
  ];
  for (const [sel, msg] of cases)
    assert.throws(
      () => parseFieldSelector(sel),
      (e) => {
        const s = toStatus(e);
        assert.equal(s.code, 400);
        assert.equal(s.message, msg);
        return true;
      },
    );
  assert.throws(() => parseFieldSelector('a='.repeat(40000)), /at most 65536 are accepted/);
});

test('field labels are checked against what the resource supports, with kube messages', () => {
  const csr = { fields: FIELDS, namespaced: false };
  checkFieldSelector(parseFieldSelector('metadata.name=a,spec.signerName=b'), csr);
  assert.throws(
    () => checkFieldSelector(parseFieldSelector('spec.username=x'), csr),
    (e) => toStatus(e).message === 'field label not supported: spec.username' && toStatus(e).code === 400,
  );
  assert.throws(
    () => checkFieldSelector(parseFieldSelector('metadata.namespace=x'), csr),
    /field label not supported: metadata.namespace/,
  );
  checkFieldSelector(parseFieldSelector('metadata.namespace=x,type=y'), {
    fields: { type: () => 'y' },
    namespaced: true,
  });
  // no declared fields: the default conversion
  checkFieldSelector(parseFieldSelector('metadata.name=a,metadata.namespace=b'), { namespaced: false });
  assert.throws(
    () => checkFieldSelector(parseFieldSelector('spec.x=1'), { namespaced: true }),
    (e) => toStatus(e).message === '"spec.x" is not a known field selector: only "metadata.name", "metadata.namespace"',
  );
});
