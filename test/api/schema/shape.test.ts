import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFieldError, statusCause } from '../../../src/errors/index.js';
import { knownFields } from '../../../src/api/schema/message.js';
import { isBase64, shapeErrors } from '../../../src/api/schema/shape.js';
import { CSR_SCHEMA, CSR_SPEC } from '../../../src/api/resources/certificates/schema.js';
import { formatTime, isZeroTime, parseTime, timeValue } from '../../../src/api/time.js';

const lines = (o: unknown) => shapeErrors(o, CSR_SCHEMA).map(formatFieldError);

test('shape: every JSON type mismatch with its path; null is the zero value everywhere', () => {
  assert.deepEqual(lines({ metadata: {}, spec: {}, status: {} }), []);
  assert.deepEqual(lines({ apiVersion: null, metadata: null, spec: null, status: null }), []);
  assert.deepEqual(
    lines({
      apiVersion: 1,
      metadata: {
        name: 5,
        labels: ['a'],
        annotations: { a: null },
        creationTimestamp: 'yesterday',
        ownerReferences: [{ controller: 'yes' }],
      },
      spec: {
        request: 'a=b=',
        usages: [null, 1],
        extra: { k: 'v', j: ['x', 2] },
        expirationSeconds: '600',
        groups: {},
      },
      status: { conditions: [{ type: 'Approved', lastUpdateTime: 0 }, 'x'], certificate: true },
    }),
    [
      'metadata.name: Invalid value: 5: must be a string',
      'metadata.creationTimestamp: Invalid value: "yesterday": must be an RFC 3339 time (e.g. "2026-12-05T12:00:00Z")',
      'metadata.labels: Invalid value: ["a"]: must be an object',
      'metadata.ownerReferences[0].controller: Invalid value: "yes": must be a boolean',
      'spec.request: Invalid value: "a=b=": must be base64-encoded data',
      'spec.expirationSeconds: Invalid value: "600": must be an integer',
      'spec.usages[1]: Invalid value: 1: must be a string',
      'spec.groups: Invalid value: {}: must be an array',
      'spec.extra[k]: Invalid value: "v": must be an array',
      'spec.extra[j][1]: Invalid value: 2: must be a string',
      'status.conditions[0].lastUpdateTime: Invalid value: 0: must be an RFC 3339 time (e.g. "2026-12-05T12:00:00Z")',
      'status.conditions[1]: Invalid value: "x": must be an object',
      'status.certificate: Invalid value: true: must be base64-encoded data',
      'apiVersion: Invalid value: 1: must be a string',
    ],
  );
  assert.deepEqual(lines('a string'), ['Invalid value: "a string": must be an object']);
  assert.equal(statusCause(shapeErrors({ spec: { usages: 1 } }, CSR_SCHEMA)[0]!).reason, 'FieldValueTypeInvalid');
});

test('base64 as Go reads []byte: standard alphabet, padded, line breaks ignored', () => {
  for (const s of ['', 'QQ==', 'QUI=', 'QUJD', 'QUJD\nREVG', 'QUJD\r\nREVG'])
    assert.equal(isBase64(s), true, JSON.stringify(s));
  for (const s of ['QQ', 'Q===', 'QU JD', 'QUJD-_', '@@@@', 'QQ==QQ=='])
    assert.equal(isBase64(s), false, JSON.stringify(s));
});

test('known fields for strict decoding: apiVersion and kind for a kind, then its own', () => {
  assert.deepEqual(knownFields(CSR_SCHEMA), ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
  assert.deepEqual(knownFields(CSR_SPEC), [
    'request',
    'signerName',
    'expirationSeconds',
    'usages',
    'username',
    'uid',
    'groups',
    'extra',
  ]);
});

test('metav1.Time: RFC 3339 read as Go reads it, written to the second in UTC, compared by instant', () => {
  assert.equal(formatTime(new Date('2026-12-05T12:00:00.999Z')), '2026-12-05T12:00:00Z');
  assert.equal(parseTime('2026-12-05T12:00:00Z'), Date.UTC(2026, 11, 5, 12));
  assert.equal(parseTime('2026-12-05T13:30:00+01:30'), Date.UTC(2026, 11, 5, 12));
  assert.equal(parseTime('2026-12-05T12:00:00.5Z'), Date.UTC(2026, 11, 5, 12) + 500);
  assert.equal(parseTime('0001-01-01T00:00:00Z'), -62_135_596_800_000);
  for (const bad of [
    '2026-12-05',
    '2026-12-05 12:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-12-05T24:00:00Z',
    '2026-12-05T12:00:00+24:00',
    '2026-12-05t12:00:00z',
  ])
    assert.equal(parseTime(bad), undefined, bad);
  assert.equal(timeValue('2026-12-05T12:00:00Z'), Date.UTC(2026, 11, 5, 12));
  for (const zero of [undefined, null, '', '0001-01-01T00:00:00Z']) {
    assert.equal(timeValue(zero), undefined);
    assert.equal(isZeroTime(zero), true);
  }
  assert.equal(isZeroTime('not a time'), false, 'text that is not a time is not zero: validation reports it');
});
