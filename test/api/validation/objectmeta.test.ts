import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldPath, formatFieldError } from '../../../src/errors/index.js';
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isPathSegmentName,
  isQualifiedName,
  isValidLabelValue,
} from '../../../src/api/validation/content.js';
import {
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  nameIsPathSegment,
  validateLabels,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from '../../../src/api/validation/objectmeta.js';

const LABEL_RE = "(e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const LABEL_MSG = `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character ${LABEL_RE}`;
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const KEY_NAME_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

test('DNS-1123 labels and subdomains: syntax and byte lengths (63, 253)', () => {
  assert.deepEqual(isDNS1123Label('my-name'), []);
  assert.deepEqual(isDNS1123Label('a'.repeat(63)), []);
  assert.deepEqual(isDNS1123Label('a'.repeat(64)), ['must be no more than 63 bytes']);
  assert.deepEqual(isDNS1123Label('a.b'), ['must not contain dots']);
  assert.deepEqual(isDNS1123Label('-a'), [LABEL_MSG]);
  assert.deepEqual(isDNS1123Label('A'), [LABEL_MSG]);
  assert.deepEqual(isDNS1123Label(''), [LABEL_MSG]);
  assert.deepEqual(isDNS1123Subdomain('example.com'), []);
  assert.deepEqual(isDNS1123Subdomain(`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`), []);
  assert.deepEqual(isDNS1123Subdomain('a'.repeat(254)), ['must be no more than 253 bytes']);
  assert.deepEqual(isDNS1123Subdomain('a..b'), [SUBDOMAIN_MSG]);
  // lengths are UTF-8 bytes, as Go's len()
  assert.deepEqual(isDNS1123Label('é'.repeat(32)), ['must be no more than 63 bytes', LABEL_MSG]);
});

test('label keys (qualified names) and values', () => {
  for (const k of ['app', 'App_1.x', 'example.com/app', 'kubernetes.io/os', 'a'.repeat(63)])
    assert.deepEqual(isQualifiedName(k), [], k);
  assert.deepEqual(isQualifiedName('/app'), ['prefix part must be non-empty']);
  assert.deepEqual(isQualifiedName('example.com/'), ['name part must be non-empty', KEY_NAME_MSG]);
  assert.deepEqual(isQualifiedName('Example.com/app'), [`prefix part ${SUBDOMAIN_MSG}`]);
  assert.deepEqual(isQualifiedName('a'.repeat(64)), ['name part must be no more than 63 bytes']);
  assert.deepEqual(isQualifiedName('-app'), [KEY_NAME_MSG]);
  assert.equal(isQualifiedName('a/b/c').length, 1);
  assert.match(
    isQualifiedName('a/b/c')[0]!,
    /^a valid label key .* with an optional DNS subdomain prefix and '\/' \(e\.g\. 'example\.com\/MyName'\)$/,
  );
  for (const v of ['', 'v1', 'My_value-1.2', 'a'.repeat(63)]) assert.deepEqual(isValidLabelValue(v), [], v);
  assert.deepEqual(isValidLabelValue('a'.repeat(64)), ['must be no more than 63 bytes']);
  assert.equal(isValidLabelValue('a b').length, 1);
});

test('name validators: DNS subdomain, DNS label, path segment; generateName prefixes may end in -', () => {
  assert.deepEqual(nameIsDNSSubdomain('my-node', false), []);
  assert.deepEqual(nameIsDNSSubdomain('csr-', true), []);
  assert.equal(nameIsDNSSubdomain('csr-', false).length, 1);
  assert.deepEqual(nameIsDNSLabel('kube-system', false), []);
  assert.deepEqual(nameIsDNSLabel('a.b', false), ['must not contain dots']);
  assert.deepEqual(nameIsPathSegment('Any_Name:1', false), []);
  assert.deepEqual(isPathSegmentName('.'), ["may not be '.'"]);
  assert.deepEqual(isPathSegmentName('.', true), []);
  assert.deepEqual(isPathSegmentName('a/%'), ["may not contain '/'", "may not contain '%'"]);
});

test('validateObjectMeta: name or generateName, namespace by scope, generation, labels, annotations, owners, finalizers', () => {
  const v = (meta: object, namespaced = false) =>
    validateObjectMeta(meta, { namespaced, name: nameIsDNSSubdomain }).map(formatFieldError);
  assert.deepEqual(v({ name: 'ok' }), []);
  assert.deepEqual(v({ generateName: 'bad_', name: 'bad_x' }), [
    `metadata.generateName: Invalid value: "bad_": ${SUBDOMAIN_MSG}`,
    `metadata.name: Invalid value: "bad_x": ${SUBDOMAIN_MSG}`,
  ]);
  assert.deepEqual(v({}), ['metadata.name: Required value: name or generateName is required']);
  assert.deepEqual(v({ name: 'x' }, true), ['metadata.namespace: Required value']);
  assert.deepEqual(v({ name: 'x', namespace: 'Kube' }, true), [
    `metadata.namespace: Invalid value: "Kube": ${LABEL_MSG}`,
  ]);
  assert.deepEqual(v({ name: 'x', namespace: 'default' }), ['metadata.namespace: Forbidden: not allowed on this type']);
  assert.deepEqual(v({ name: 'x', generation: -1 }), [
    'metadata.generation: Invalid value: -1: must be greater than or equal to 0',
  ]);
  assert.deepEqual(v({ name: 'x', labels: { '-bad': 'ok', good: 'no spaces' } }).length, 2);
  assert.deepEqual(
    v({ name: 'x', annotations: { 'Example.COM/Note': 'free text, any length' } }),
    [],
    'annotation keys ignore case',
  );
  assert.deepEqual(v({ name: 'x', annotations: { big: 'x'.repeat(256 * 1024) } }), [
    'metadata.annotations: Too long: may not be more than 262144 bytes',
  ]);
  assert.deepEqual(v({ name: 'x', annotations: { big: 'x'.repeat(256 * 1024 - 3) } }), []);
  assert.deepEqual(
    v({
      name: 'x',
      ownerReferences: [
        { apiVersion: 'v1', kind: 'Event', name: 'e', uid: '1' },
        { apiVersion: 'a/b/c', kind: 'K', name: 'n', uid: '2', controller: true },
        { apiVersion: '', kind: '', name: '', uid: '', controller: true },
      ],
    }),
    [
      'metadata.ownerReferences[0]: Invalid value: {"apiVersion":"v1","kind":"Event","name":"e","uid":"1"}: /v1, Kind=Event is disallowed from being an owner',
      'metadata.ownerReferences[1].apiVersion: Invalid value: "a/b/c": must be <group>/<version> or <version>',
      'metadata.ownerReferences[2].apiVersion: Required value: must not be empty',
      'metadata.ownerReferences[2].kind: Required value: must not be empty',
      'metadata.ownerReferences[2].name: Required value: must not be empty',
      'metadata.ownerReferences[2].uid: Required value: must not be empty',
      'metadata.ownerReferences: Invalid value: [{"apiVersion":"v1","kind":"Event","name":"e","uid":"1"},{"apiVersion":"a/b/c","kind":"K","name":"n","uid":"2","controller":true},{"apiVersion":"","kind":"","name":"","uid":"","controller":true}]: Only one reference can have Controller set to true. Found "true" in references for K/n and /',
    ],
  );
  assert.deepEqual(v({ name: 'x', finalizers: ['orphan', 'foregroundDeletion', 'bad finalizer'] }), [
    `metadata.finalizers: Invalid value: "bad finalizer": ${KEY_NAME_MSG}`,
    'metadata.finalizers: Invalid value: ["orphan","foregroundDeletion","bad finalizer"]: finalizer orphan and foregroundDeletion cannot be both set',
  ]);
  assert.deepEqual(
    v({ name: 'x', managedFields: [{ operation: 'Merge', fieldsType: 'FieldsV2', manager: 'a\u0007b' }, {}] }),
    [
      'metadata.managedFields[0].operation: Unsupported value: "Merge": supported values: "Apply", "Update"',
      'metadata.managedFields[0].fieldsType: Invalid value: "FieldsV2": must be `FieldsV1`',
      'metadata.managedFields[0].manager: Invalid value: "a\\u0007b": invalid character U+0007 (at position 1)',
      'metadata.managedFields[1].operation: Required value: must not be empty',
    ],
  );
});

test('validateObjectMetaUpdate: immutable identity, no decrement, resourceVersion required, no finalizer while deleting', () => {
  const old = { name: 'x', uid: 'u', resourceVersion: '5', generation: 2, creationTimestamp: '2026-01-01T00:00:00Z' };
  const v = (meta: object, prev: object = old) => validateObjectMetaUpdate(meta, prev).map(formatFieldError);
  assert.deepEqual(v({ ...old, labels: { a: 'b' } }), []);
  assert.deepEqual(v({ ...old, name: 'y', uid: 'v' }), [
    'metadata.name: Invalid value: "y": field is immutable',
    'metadata.uid: Invalid value: "v": field is immutable',
  ]);
  assert.deepEqual(v({ ...old, generation: 1 }), ['metadata.generation: Invalid value: 1: must not be decremented']);
  assert.deepEqual(v({ ...old, resourceVersion: '' }), [
    'metadata.resourceVersion: Invalid value: "": must be specified for an update',
  ]);
  assert.deepEqual(v({ ...old, deletionTimestamp: '2026-02-01T00:00:00Z' }), [
    'metadata.deletionTimestamp: Invalid value: "2026-02-01T00:00:00Z": field is immutable',
  ]);
  const deleting = { ...old, deletionTimestamp: '2026-02-01T00:00:00Z', finalizers: ['a'] };
  assert.deepEqual(v({ ...deleting, finalizers: ['a', 'example.com/z', 'example.com/b'] }, deleting), [
    'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/b", "example.com/z"}',
  ]);
  assert.deepEqual(v({ ...deleting, finalizers: [] }, deleting), []);
});

test('label keys and values (also what label selectors check): one Invalid per bad key and per bad value', () => {
  assert.deepEqual(isQualifiedName('app.kubernetes.io/name'), []);
  assert.deepEqual(isQualifiedName('a'), []);
  assert.deepEqual(isValidLabelValue(''), []);
  assert.deepEqual(isValidLabelValue('A_b.c-9'), []);
  assert.equal(isQualifiedName('').length, 2, 'empty name: non-empty and regex');
  assert.match(isValidLabelValue('a b')[0]!, /regex used for validation is '\(\(\[A-Za-z0-9\]/);
  const errs = validateLabels(
    { ok: 'yes', 'bad key': 'v', k: 'bad value' },
    FieldPath.root('metadata').child('labels'),
  );
  assert.equal(errs.length, 2);
  assert.equal(errs[0]!.field, 'metadata.labels');
  assert.equal(errs[0]!.value, 'bad key');
  assert.equal(errs[1]!.value, 'bad value');
  assert.deepEqual(validateLabels(undefined, FieldPath.root('metadata').child('labels')), []);
});
