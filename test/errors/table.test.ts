/**
 * The error registry as a table: every code with the answer each surface gives — the CLI's
 * exit code, the Kubernetes API's HTTP status and `Status` reason, the cfssl API's numeric code
 * and HTTP status — written out here and checked through the functions those surfaces call
 * (`exitCodeOf`, the API's `toStatus`, the cfssl API's `errorResponse`). A code added to the
 * registry without a row here, or a row whose answer changes, fails: a change of what a
 * client or a script sees is made on purpose, in both places.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorResponse } from '../../src/cfssl/api.js';
import { toStatus } from '../../src/api/machinery/status.js';
import {
  ERROR_REGISTRY,
  KubetlsError,
  exitCodeOf,
  fieldError,
  type ErrorCode,
  type StatusReason,
} from '../../src/errors/index.js';

/** [code, CLI exit, HTTP status, Status reason, cfssl code, cfssl HTTP status] */
type Row = [ErrorCode, 1 | 2, number, StatusReason, number, number];

const TABLE: Row[] = [
  ['BadFlag', 2, 400, 'BadRequest', 400, 400],
  ['MissingFlag', 2, 400, 'BadRequest', 400, 400],
  ['InvalidArgument', 2, 400, 'BadRequest', 400, 400],
  ['InvalidConfig', 2, 422, 'Invalid', 400, 400],
  ['MalformedYAML', 2, 400, 'BadRequest', 400, 400],
  ['MalformedJSON', 2, 400, 'BadRequest', 400, 400],
  ['InvalidKubeconfig', 2, 422, 'Invalid', 400, 400],
  ['MalformedKubeconfig', 2, 400, 'BadRequest', 400, 400],
  ['InvalidCIDR', 2, 422, 'Invalid', 400, 400],
  ['InvalidEndpoint', 2, 422, 'Invalid', 400, 400],
  ['InvalidHost', 2, 422, 'Invalid', 400, 400],
  ['InvalidIP', 2, 422, 'Invalid', 400, 400],
  ['InvalidSAN', 2, 422, 'Invalid', 400, 400],
  ['InvalidDuration', 2, 422, 'Invalid', 5200, 400],
  ['InvalidPattern', 2, 422, 'Invalid', 5200, 400],
  ['InvalidSerial', 2, 422, 'Invalid', 400, 400],
  ['InvalidOID', 2, 422, 'Invalid', 400, 400],
  ['InvalidTime', 2, 422, 'Invalid', 400, 400],
  ['InvalidValidity', 2, 422, 'Invalid', 400, 400],
  ['NotAPod', 2, 400, 'BadRequest', 400, 400],
  ['PathEscapesRoot', 2, 403, 'Forbidden', 400, 400],
  ['NotFound', 2, 404, 'NotFound', 404, 404],
  ['ReadFailed', 2, 400, 'BadRequest', 400, 400],
  ['NotARegularFile', 2, 400, 'BadRequest', 400, 400],
  ['TooLarge', 2, 413, 'RequestEntityTooLarge', 413, 413],
  ['WriteFailed', 2, 500, 'InternalError', 400, 400],
  ['FileExists', 2, 409, 'AlreadyExists', 400, 400],
  ['InvalidJournal', 2, 400, 'BadRequest', 400, 400],
  ['MalformedPEM', 2, 400, 'BadRequest', 9002, 400],
  ['MalformedDER', 2, 400, 'BadRequest', 400, 400],
  ['MalformedKey', 2, 400, 'BadRequest', 2003, 400],
  ['MalformedCertificate', 2, 400, 'BadRequest', 1003, 400],
  ['MalformedCSR', 2, 400, 'BadRequest', 9003, 400],
  ['CSRSignature', 2, 400, 'BadRequest', 9003, 400],
  ['MalformedCRL', 2, 400, 'BadRequest', 400, 400],
  ['UntrustedCRL', 2, 400, 'BadRequest', 400, 400],
  ['UnsupportedKey', 2, 400, 'BadRequest', 400, 400],
  ['InvalidKeySize', 2, 422, 'Invalid', 2400, 400],
  ['InvalidKeyAlgorithm', 2, 422, 'Invalid', 2400, 400],
  ['KeyGeneration', 2, 500, 'InternalError', 400, 400],
  ['KeyMismatch', 2, 400, 'BadRequest', 400, 400],
  ['InvalidCertificate', 2, 422, 'Invalid', 400, 400],
  ['InvalidKeyUsage', 2, 422, 'Invalid', 400, 400],
  ['InvalidExtKeyUsage', 2, 422, 'Invalid', 400, 400],
  ['InvalidUsage', 2, 422, 'Invalid', 400, 400],
  ['NoIssuer', 2, 500, 'InternalError', 400, 400],
  ['NotACA', 2, 400, 'BadRequest', 400, 400],
  ['NotSelfSigned', 2, 400, 'BadRequest', 400, 400],
  ['CAExpired', 2, 400, 'BadRequest', 400, 400],
  ['ExternalCA', 2, 400, 'BadRequest', 400, 400],
  ['WrongIssuer', 2, 400, 'BadRequest', 400, 400],
  ['NotShared', 2, 400, 'BadRequest', 400, 400],
  ['MissingSANs', 2, 400, 'BadRequest', 400, 400],
  ['UnknownCertificate', 2, 400, 'BadRequest', 400, 400],
  ['NoServiceAccountKey', 2, 400, 'BadRequest', 400, 400],
  ['InvalidPolicy', 2, 422, 'Invalid', 5200, 400],
  ['InvalidRequest', 2, 400, 'BadRequest', 5300, 400],
  ['InvalidField', 2, 400, 'BadRequest', 400, 400],
  ['NoKeyUsages', 2, 400, 'BadRequest', 5100, 400],
  ['UnmatchedWhitelist', 2, 400, 'BadRequest', 5500, 400],
  ['Unsupported', 2, 400, 'BadRequest', 400, 400],
  ['PlanFailed', 2, 400, 'BadRequest', 400, 400],
  ['RenewFailed', 1, 500, 'InternalError', 400, 400],
  ['NoTLS', 2, 400, 'BadRequest', 400, 400],
  ['AuthRequired', 2, 401, 'Unauthorized', 400, 400],
  ['BadToken', 2, 401, 'Unauthorized', 400, 400],
  ['Forbidden', 2, 403, 'Forbidden', 400, 400],
  ['MethodNotAllowed', 2, 405, 'MethodNotAllowed', 405, 405],
  ['RequestFailed', 2, 502, 'InternalError', 400, 400],
  ['BadRequest', 2, 400, 'BadRequest', 400, 400],
  ['Unauthorized', 2, 401, 'Unauthorized', 400, 400],
  ['AlreadyExists', 2, 409, 'AlreadyExists', 400, 400],
  ['Conflict', 2, 409, 'Conflict', 400, 400],
  ['Expired', 2, 410, 'Expired', 400, 400],
  ['Invalid', 2, 422, 'Invalid', 400, 400],
  ['NotAcceptable', 2, 406, 'NotAcceptable', 400, 400],
  ['UnsupportedMediaType', 2, 415, 'UnsupportedMediaType', 400, 400],
  ['TooManyRequests', 2, 429, 'TooManyRequests', 400, 400],
  ['Timeout', 2, 504, 'Timeout', 400, 400],
  ['ServiceUnavailable', 2, 503, 'ServiceUnavailable', 400, 400],
  ['InvalidStore', 2, 500, 'InternalError', 400, 400],
  ['InternalError', 2, 500, 'InternalError', 400, 400],
];

test('the table has one row per registered code, and no other', () => {
  const codes = TABLE.map((r) => r[0]);
  assert.equal(new Set(codes).size, codes.length, 'a code has two rows');
  assert.deepEqual([...codes].sort(), Object.keys(ERROR_REGISTRY).sort());
});

for (const [code, exit, http, reason, cfsslCode, cfsslStatus] of TABLE) {
  test(`${code}: exit ${exit}, HTTP ${http} ${reason}, cfssl ${cfsslCode}/${cfsslStatus}`, () => {
    const root = new Error('the cause');
    const e = new KubetlsError(code, `a ${code} failure`, { hint: 'what to do', cause: root });
    assert.equal(exitCodeOf(e), exit);
    const status = toStatus(e);
    assert.equal(status.code, http);
    assert.equal(status.reason, reason);
    assert.equal(status.status, 'Failure');
    assert.equal(status.message, `a ${code} failure`);
    const r = errorResponse(e);
    assert.equal(r.status, cfsslStatus);
    const body = JSON.parse(String(r.body)) as { success: boolean; errors: Array<{ code: number; message: string }> };
    assert.equal(body.success, false);
    assert.equal(body.errors[0]!.code, cfsslCode);
    // the same code wrapped with context answers the same everywhere
    const wrapped = e.withContext('file.pem');
    assert.equal(exitCodeOf(wrapped), exit);
    assert.equal(toStatus(wrapped).code, http);
    assert.equal(wrapped.cause, root);
    assert.equal(wrapped.message, `file.pem: a ${code} failure`);
  });
}

test('field errors become the Status causes of whatever code carries them', () => {
  const errs = [fieldError.required('spec.request'), fieldError.duplicate('spec.usages[1]', 'client auth')];
  for (const code of ['Invalid', 'InvalidConfig', 'BadRequest'] as const) {
    const s = toStatus(new KubetlsError(code, 'x', { fieldErrors: errs }));
    assert.equal(s.code, ERROR_REGISTRY[code].http);
    assert.deepEqual(s.details?.causes, [
      { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.request' },
      { reason: 'FieldValueDuplicate', message: 'Duplicate value: "client auth"', field: 'spec.usages[1]' },
    ]);
  }
});

test('what is not a KubetlsError: exit 2, a 500 InternalError, cfssl 500', () => {
  const e = new Error('boom');
  assert.equal(exitCodeOf(e), 2);
  const s = toStatus(e);
  assert.equal(s.code, 500);
  assert.equal(s.reason, 'InternalError');
  assert.equal(errorResponse(e).status, 500);
});
