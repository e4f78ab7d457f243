/**
 * The CSR validation tables (docs/upstream/k8s-pki.md §9, csr-api.md Part B §0): every
 * expected line is kube-apiserver's field error text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCsr, csrToPem } from '../../../../src/pki/csr.js';
import { generateKeyPairSync } from 'node:crypto';
import { formatFieldError } from '../../../../src/errors/index.js';
import type { KubeObject } from '../../../../src/api/object.js';
import { KEY_USAGES, KIND } from '../../../../src/api/resources/certificates/types.js';
import { decodeJsonObject } from '../../../../src/api/machinery/decode.js';
import { certificateSigningRequest } from '../../../../src/api/machinery/schemas/index.js';
import { toStatus } from '../../../../src/api/machinery/status.js';
import { validateCreate, validateUpdate } from '../../../../src/api/resources/certificates/validation.js';
import { b64, certPem, CERTIFICATE, condition, csrPem, newCSR, REQUEST } from './csrs.js';

const errs = (o: KubeObject): string[] => validateCreate(o).map(formatFieldError);
const SORTED = [...KEY_USAGES]
  .sort()
  .map((u) => JSON.stringify(u))
  .join(', ');

test('a well-formed request validates, with every one of the 23 usages', () => {
  assert.deepEqual(errs(newCSR()), []);
  assert.equal(KEY_USAGES.length, 23);
  assert.deepEqual(errs(newCSR({ spec: { usages: [...KEY_USAGES] } })), []);
});

test('expirationSeconds: -1, 0, 1 and 60 are refused; 600 and more, or none, are accepted', () => {
  for (const s of [-1, 0, 1, 60, 599])
    assert.deepEqual(errs(newCSR({ spec: { expirationSeconds: s } })), [
      `spec.expirationSeconds: Invalid value: ${s}: may not specify a duration less than 600 seconds (10 minutes)`,
    ]);
  for (const s of [600, 601, 3600, 86400, 2_147_483_647, null])
    assert.deepEqual(errs(newCSR({ spec: { expirationSeconds: s } })), [], String(s));
});

test('usages: required, from the 23 known strings, no duplicates (each bad entry its own error)', () => {
  assert.deepEqual(errs(newCSR({ spec: { usages: undefined } })), ['spec.usages: Required value']);
  assert.deepEqual(errs(newCSR({ spec: { usages: [] } })), ['spec.usages: Required value']);
  assert.deepEqual(errs(newCSR({ spec: { usages: ['client auth', 'bogus', 'Server Auth'] } })), [
    `spec.usages[1]: Unsupported value: "bogus": supported values: ${SORTED}`,
    `spec.usages[2]: Unsupported value: "Server Auth": supported values: ${SORTED}`,
  ]);
  assert.deepEqual(
    errs(newCSR({ spec: { usages: ['client auth', 'client auth', 'digital signature', 'client auth'] } })),
    ['spec.usages[1]: Duplicate value: "client auth"', 'spec.usages[3]: Duplicate value: "client auth"'],
  );
});

test('signerName: required; the legacy signer is refused in v1; syntax checked', () => {
  assert.deepEqual(errs(newCSR({ spec: { signerName: '' } })), ['spec.signerName: Required value']);
  assert.deepEqual(errs(newCSR({ spec: { signerName: 'kubernetes.io/legacy-unknown' } })), [
    'spec.signerName: Invalid value: "kubernetes.io/legacy-unknown": the legacy signerName is not allowed via this API version',
  ]);
  assert.deepEqual(errs(newCSR({ spec: { signerName: 'serving' } })), [
    'spec.signerName: Invalid value: "serving": must be a fully qualified domain and path of the form \'example.com/signer-name\'',
  ]);
  for (const s of ['kubernetes.io/kube-apiserver-client', 'kubernetes.io/kubelet-serving', 'example.com/serving'])
    assert.deepEqual(errs(newCSR({ spec: { signerName: s } })), [], s);
});

test('request: a CERTIFICATE REQUEST PEM block whose self-signature verifies', () => {
  const invalid = (request: string, why: string) => [
    `spec.request: Invalid value: "${request.length > 256 ? `${request.slice(0, 256)}...` : request}": ${why}`,
  ];
  const garbage = b64('this is not a CSR');
  assert.deepEqual(
    errs(newCSR({ spec: { request: garbage } })),
    invalid(garbage, 'PEM block type must be CERTIFICATE REQUEST'),
  );
  // the first block decides: a certificate first is refused even with a request after it
  const certFirst = b64(certPem() + csrPem());
  assert.deepEqual(
    errs(newCSR({ spec: { request: certFirst } })),
    invalid(certFirst, 'PEM block type must be CERTIFICATE REQUEST'),
  );
  // the legacy label is not accepted either
  const legacy = b64(csrPem().replaceAll('CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'));
  assert.deepEqual(
    errs(newCSR({ spec: { request: legacy } })),
    invalid(legacy, 'PEM block type must be CERTIFICATE REQUEST'),
  );
  assert.deepEqual(errs(newCSR({ spec: { request: null } })), [
    'spec.request: Invalid value: null: PEM block type must be CERTIFICATE REQUEST',
  ]);
  // bytes that are not DER
  const junk = b64('-----BEGIN CERTIFICATE REQUEST-----\nAAECAwQF\n-----END CERTIFICATE REQUEST-----\n');
  const [junkErr] = errs(newCSR({ spec: { request: junk } }));
  assert.match(
    junkErr!,
    /^spec\.request: Invalid value: ".*": not a valid PKCS#10 certificate request \(malformed DER: /,
  );
  // a signature that does not verify: the last byte of an ECDSA and of an RSA request flipped
  const tamper = (pem: string): string => {
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    der[der.length - 1] = der[der.length - 1]! ^ 0x01;
    return b64(csrToPem(der));
  };
  const ec = tamper(csrPem());
  assert.deepEqual(errs(newCSR({ spec: { request: ec } })), invalid(ec, 'x509: ECDSA verification failure'));
  const rsaKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const rsa = tamper(csrToPem(createCsr({ subject: { commonName: 'x' } }, rsaKey)));
  assert.deepEqual(errs(newCSR({ spec: { request: rsa } })), invalid(rsa, 'crypto/rsa: verification error'));
  const ed = generateKeyPairSync('ed25519').privateKey;
  assert.deepEqual(
    errs(newCSR({ spec: { request: b64(csrToPem(createCsr({ subject: { commonName: 'x' } }, ed))) } })),
    [],
  );
});

test('metadata: a name or generateName, any name a URL path can carry, no namespace, valid labels', () => {
  assert.deepEqual(errs(newCSR({ metadata: { name: undefined } })), [
    'metadata.name: Required value: name or generateName is required',
  ]);
  // CSR names are not DNS names: kube-apiserver only asks that they be path segments
  for (const name of ['My_CSR', 'csr:node:1', 'x'.repeat(300)])
    assert.deepEqual(errs(newCSR({ metadata: { name } })), [], name);
  assert.deepEqual(errs(newCSR({ metadata: { name: 'a/b%c' } })), [
    `metadata.name: Invalid value: "a/b%c": may not contain '/'`,
    `metadata.name: Invalid value: "a/b%c": may not contain '%'`,
  ]);
  assert.deepEqual(errs(newCSR({ metadata: { name: '..' } })), [`metadata.name: Invalid value: "..": may not be '..'`]);
  // longer than a store key can hold (was a 500 from the store; fuzz)
  assert.match(errs(newCSR({ metadata: { name: 'x'.repeat(513) } })).join(), /must be no more than 512 characters$/);
  assert.deepEqual(errs(newCSR({ metadata: { namespace: 'default' } })), [
    'metadata.namespace: Forbidden: not allowed on this type',
  ]);
  assert.deepEqual(errs(newCSR({ metadata: { labels: { 'app/x/y': 'ok', team: 'a b' } } })).length, 2);
});

test("wrong JSON types never reach validation: decoding refuses them with kube-apiserver's 400", () => {
  const refused = (o: KubeObject): string => {
    try {
      decodeJsonObject(JSON.stringify(o), certificateSigningRequest, 'Strict', { kind: KIND, version: 'v1' });
    } catch (e) {
      const s = toStatus(e);
      assert.equal(s.code, 400);
      assert.equal(s.reason, 'BadRequest');
      return s.message!.replace(
        'CertificateSigningRequest in version "v1" cannot be handled as a CertificateSigningRequest: ',
        '',
      );
    }
    return assert.fail('decoded');
  };
  const spec = (f: string) => `into Go struct field CertificateSigningRequestSpec.spec.${f} of type`;
  // Go's decoder reports the first type error in document order
  assert.equal(
    refused(newCSR({ spec: { usages: 'client auth', expirationSeconds: 1.5, request: 'not base64!' } })),
    'illegal base64 data at input byte 3',
  );
  assert.equal(
    refused(newCSR({ spec: { usages: 'client auth' } })),
    `json: cannot unmarshal string ${spec('usages')} []v1.KeyUsage`,
  );
  assert.equal(
    refused(newCSR({ spec: { usages: ['client auth', 7] } })),
    `json: cannot unmarshal number 7 ${spec('usages')} v1.KeyUsage`,
  );
  assert.equal(
    refused(newCSR({ spec: { expirationSeconds: 1.5 } })),
    `json: cannot unmarshal number 1.5 ${spec('expirationSeconds')} int32`,
  );
  assert.equal(
    refused(newCSR({ spec: { expirationSeconds: 2 ** 31 } })),
    `json: cannot unmarshal number 2147483648 ${spec('expirationSeconds')} int32`,
  );
  assert.equal(
    refused({ ...newCSR(), spec: 'x' }),
    'json: cannot unmarshal string into Go struct field CertificateSigningRequest.spec of type v1.CertificateSigningRequestSpec',
  );
  assert.equal(
    refused(newCSR({ metadata: { labels: { a: 1 } } })),
    'json: cannot unmarshal number 1 into Go struct field ObjectMeta.metadata.labels of type string',
  );
  assert.equal(
    refused(newCSR({ status: { conditions: [{ type: 'Approved', lastUpdateTime: 'yesterday' }] } })),
    'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": not an RFC 3339 time',
  );
  // what decodes, validates
  const ok = decodeJsonObject(JSON.stringify(newCSR()), certificateSigningRequest, 'Strict', {
    kind: KIND,
    version: 'v1',
  });
  assert.deepEqual(validateCreate(ok.object as KubeObject).map(formatFieldError), []);
});

// ---------------------------------------------------------------- conditions and certificate (update paths)

const stored = newCSR();
const viaApproval = (conditions: object[]): string[] =>
  validateUpdate(newCSR({ status: { conditions } }), stored, 'approval').map(formatFieldError);
const T = '2026-12-05T12:30:00Z';
const c = (type: string, extra: object = {}) => condition(type, { lastUpdateTime: T, lastTransitionTime: T, ...extra });

test('condition combinations: Approved+Denied is an error, Approved+Failed is allowed', () => {
  assert.deepEqual(viaApproval([c('Approved')]), []);
  assert.deepEqual(viaApproval([c('Denied')]), []);
  assert.deepEqual(viaApproval([c('Approved'), c('Failed')]), []);
  assert.deepEqual(viaApproval([c('Approved'), c('Denied')]), [
    'status.conditions[1].type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive',
  ]);
  assert.deepEqual(viaApproval([c('Denied'), c('Approved')]), [
    'status.conditions[1].type: Invalid value: "Approved": Approved and Denied conditions are mutually exclusive',
  ]);
});

test('condition rules: type required and unique; Approved/Denied/Failed only True; others True, False or Unknown', () => {
  assert.deepEqual(viaApproval([c('Approved'), c('Approved')]), [
    'status.conditions[1].type: Duplicate value: "Approved"',
  ]);
  assert.deepEqual(viaApproval([c('')]), ['status.conditions[0].type: Required value']);
  assert.deepEqual(viaApproval([c('Approved', { status: 'False' })]), [
    'status.conditions[0].status: Unsupported value: "False": supported values: "True"',
  ]);
  assert.deepEqual(viaApproval([c('Failed', { status: 'Unknown' })]), [
    'status.conditions[0].status: Unsupported value: "Unknown": supported values: "True"',
  ]);
  assert.deepEqual(viaApproval([c('Approved', { status: '' })]), ['status.conditions[0].status: Required value']);
  for (const s of ['True', 'False', 'Unknown']) assert.deepEqual(viaApproval([c('Reviewed', { status: s })]), [], s);
  assert.deepEqual(viaApproval([c('Reviewed', { status: 'Maybe' })]), [
    'status.conditions[0].status: Unsupported value: "Maybe": supported values: "True", "False", "Unknown"',
  ]);
});

test('status.certificate: PEM CERTIFICATE blocks only, no headers, parsing as X.509; at least one', () => {
  const viaStatus = (certificate: string): string[] =>
    validateUpdate(newCSR({ status: { certificate } }), stored, 'status').map(formatFieldError);
  const bad = (why: string) => [`status.certificate: Invalid value: "<certificate data>": ${why}`];
  assert.deepEqual(viaStatus(CERTIFICATE), []);
  assert.deepEqual(viaStatus(b64(certPem() + certPem('intermediate'))), [], 'a chain');
  assert.deepEqual(viaStatus(b64('garbage')), bad('must contain at least one CERTIFICATE PEM block'));
  assert.deepEqual(viaStatus(REQUEST), bad('only CERTIFICATE PEM blocks are allowed, found "CERTIFICATE REQUEST"'));
  assert.deepEqual(
    viaStatus(b64(certPem() + csrPem())),
    bad('only CERTIFICATE PEM blocks are allowed, found "CERTIFICATE REQUEST"'),
  );
  const withHeader = certPem().replace('-----\n', '-----\nProc-Type: 4,ENCRYPTED\n\n');
  assert.deepEqual(viaStatus(b64(withHeader)), bad('no PEM block headers are permitted'));
  const [notX509] = viaStatus(b64('-----BEGIN CERTIFICATE-----\nAAECAwQF\n-----END CERTIFICATE-----\n'));
  assert.match(notX509!, /^status\.certificate: Invalid value: "<certificate data>": not a valid X\.509 certificate/);
});

test('update: the stored request, byte for byte, is not read again; a changed request is, with the create message', () => {
  // a request whose signature does not verify (its last byte flipped): on create it is refused
  const tamper = (pem: string): string => {
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    der[der.length - 1] = der[der.length - 1]! ^ 0x01;
    return b64(csrToPem(der));
  };
  const broken = tamper(csrPem({ commonName: 'broken-a' }));
  const refusal = errs(newCSR({ spec: { request: broken } }));
  assert.equal(refusal.length, 1);
  assert.match(refusal[0]!, /^spec\.request: Invalid value: ".*": x509: ECDSA verification failure$/);
  // stored with it anyway (written around the API): /approval, /status and the main resource
  // take the stored text as settled and do not verify it again
  const storedBroken = newCSR({ spec: { request: broken } });
  for (const path of ['main', 'approval', 'status'] as const)
    assert.deepEqual(
      validateUpdate(newCSR({ spec: { request: broken } }), storedBroken, path).map(formatFieldError),
      [],
      path,
    );
  assert.deepEqual(
    validateUpdate(
      newCSR({ spec: { request: broken }, status: { certificate: CERTIFICATE } }),
      storedBroken,
      'status',
    ).map(formatFieldError),
    [],
  );
  // a request that differs from the stored one (the strategy never lets one through; the rule
  // holds anyway) is read and verified, and refused in the words of create
  const other = tamper(csrPem({ commonName: 'broken-b' }));
  for (const [request, prev] of [
    [other, newCSR()],
    [other, storedBroken],
    [broken, newCSR()],
  ] as const)
    assert.deepEqual(
      validateUpdate(newCSR({ spec: { request } }), prev, 'status').map(formatFieldError),
      errs(newCSR({ spec: { request } })),
    );
  const garbage = b64('not a request');
  assert.deepEqual(validateUpdate(newCSR({ spec: { request: garbage } }), newCSR(), 'approval').map(formatFieldError), [
    `spec.request: Invalid value: "${garbage}": PEM block type must be CERTIFICATE REQUEST`,
  ]);
  // absent on both sides is no stored text: read (and refused) as on create
  const none = newCSR({ spec: { request: null } });
  assert.deepEqual(validateUpdate(none, none, 'status').map(formatFieldError), [
    'spec.request: Invalid value: null: PEM block type must be CERTIFICATE REQUEST',
  ]);
});
