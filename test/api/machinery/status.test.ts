import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  alreadyExists,
  badRequest,
  conflict,
  forbidden,
  generateNameConflict,
  gone,
  internalError,
  invalid,
  methodNotSupported,
  notAcceptable,
  notFound,
  requestEntityTooLarge,
  resourceExpired,
  successStatus,
  toStatus,
  unsupportedMediaType,
  pathNotFound,
} from '../../../src/api/machinery/status.js';
import { KubetlsError, fieldError } from '../../../src/errors/index.js';

const CSR = { group: 'certificates.k8s.io', resource: 'certificatesigningrequests' };
const SECRETS = { group: '', resource: 'secrets' };

test('Status objects carry kube-apiserver messages, reasons, codes and details', () => {
  const cases: Array<[unknown, number, string, string, object | undefined]> = [
    [
      notFound(CSR, 'x'),
      404,
      'NotFound',
      'certificatesigningrequests.certificates.k8s.io "x" not found',
      { name: 'x', group: 'certificates.k8s.io', kind: 'certificatesigningrequests' },
    ],
    [notFound(SECRETS, 's'), 404, 'NotFound', 'secrets "s" not found', { name: 's', kind: 'secrets' }],
    [pathNotFound(), 404, 'NotFound', 'the server could not find the requested resource', undefined],
    // names are quoted as Go's %q quotes them
    [notFound(SECRETS, 'a"b\n'), 404, 'NotFound', 'secrets "a\\"b\\n" not found', { name: 'a"b\n', kind: 'secrets' }],
    [
      alreadyExists(CSR, 'x'),
      409,
      'AlreadyExists',
      'certificatesigningrequests.certificates.k8s.io "x" already exists',
      { name: 'x', group: 'certificates.k8s.io', kind: 'certificatesigningrequests' },
    ],
    [
      generateNameConflict(SECRETS, 'csr-abcde'),
      409,
      'AlreadyExists',
      'secrets "csr-abcde" already exists, the server was not able to generate a unique name for the object',
      { name: 'csr-abcde', kind: 'secrets', retryAfterSeconds: 1 },
    ],
    [
      conflict(CSR, 'x'),
      409,
      'Conflict',
      'Operation cannot be fulfilled on certificatesigningrequests.certificates.k8s.io "x": the object has been modified; please apply your changes to the latest version and try again',
      { name: 'x', group: 'certificates.k8s.io', kind: 'certificatesigningrequests' },
    ],
    [
      invalid({ group: 'certificates.k8s.io', kind: 'CertificateSigningRequest' }, 'x', [
        fieldError.required('spec.usages'),
      ]),
      422,
      'Invalid',
      'CertificateSigningRequest.certificates.k8s.io "x" is invalid: spec.usages: Required value',
      {
        name: 'x',
        group: 'certificates.k8s.io',
        kind: 'CertificateSigningRequest',
        causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.usages' }],
      },
    ],
    [
      invalid({ group: '', kind: 'Secret' }, 's', [
        fieldError.invalid('data[a b]', 'a b', 'bad key'),
        fieldError.invalid('data[a b]', 'a b', 'bad key'),
        fieldError.required('type'),
      ]),
      422,
      'Invalid',
      'Secret "s" is invalid: [data[a b]: Invalid value: "a b": bad key, type: Required value]',
      undefined,
    ],
    [badRequest('nope'), 400, 'BadRequest', 'nope', undefined],
    [
      forbidden(
        CSR,
        '',
        'User "bob" cannot list resource "certificatesigningrequests" in API group "certificates.k8s.io" at the cluster scope',
      ),
      403,
      'Forbidden',
      'certificatesigningrequests.certificates.k8s.io is forbidden: User "bob" cannot list resource "certificatesigningrequests" in API group "certificates.k8s.io" at the cluster scope',
      { group: 'certificates.k8s.io', kind: 'certificatesigningrequests' },
    ],
    [
      forbidden(CSR, 'x', 'no'),
      403,
      'Forbidden',
      'certificatesigningrequests.certificates.k8s.io "x" is forbidden: no',
      undefined,
    ],
    // NewForbidden always sets details: an empty object is printed, as Go prints the empty struct
    [forbidden(undefined, '', 'no'), 403, 'Forbidden', 'forbidden: no', {}],
    [
      methodNotSupported(CSR, 'deletecollection'),
      405,
      'MethodNotAllowed',
      'deletecollection is not supported on resources of kind "certificatesigningrequests.certificates.k8s.io"',
      undefined,
    ],
    [
      resourceExpired('too old resource version: 5 (10)'),
      410,
      'Expired',
      'too old resource version: 5 (10)',
      undefined,
    ],
    [gone('gone'), 410, 'Gone', 'gone', undefined],
    [
      requestEntityTooLarge('limit is 3145728'),
      413,
      'RequestEntityTooLarge',
      'Request entity too large: limit is 3145728',
      undefined,
    ],
    [
      unsupportedMediaType(['application/json-patch+json', 'application/merge-patch+json']),
      415,
      'UnsupportedMediaType',
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json',
      undefined,
    ],
    [
      notAcceptable(['application/json']),
      406,
      'NotAcceptable',
      'only the following media types are accepted: application/json',
      undefined,
    ],
    [
      internalError(new Error('disk')),
      500,
      'InternalError',
      'Internal error occurred: disk',
      { causes: [{ message: 'disk' }] },
    ],
    [new Error('plain'), 500, 'InternalError', 'Internal error occurred: plain', undefined],
    ['thrown string', 500, 'InternalError', 'Internal error occurred: thrown string', undefined],
    [new KubetlsError('NotFound', 'no file'), 404, 'NotFound', 'no file', undefined],
  ];
  for (const [err, code, reason, message, details] of cases) {
    const s = toStatus(err);
    assert.equal(s.kind, 'Status');
    assert.equal(s.apiVersion, 'v1');
    assert.deepEqual(s.metadata, {});
    assert.equal(s.status, 'Failure');
    assert.equal(s.code, code, message);
    assert.equal(s.reason, reason, message);
    assert.equal(s.message, message);
    if (details) assert.deepEqual(s.details, details, message);
    // what travels is plain JSON
    assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
  }
  // a KubetlsError with field errors gets them as causes
  const plain = toStatus(new KubetlsError('Invalid', 'bad', { fieldErrors: [fieldError.required('spec.request')] }));
  assert.deepEqual(plain.details, {
    causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.request' }],
  });
  // Success
  assert.deepEqual(successStatus(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 });
  assert.deepEqual(successStatus({ name: 'x', group: '', kind: 'secrets', uid: 'u' }).details, {
    name: 'x',
    kind: 'secrets',
    uid: 'u',
  });
});
