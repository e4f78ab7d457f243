import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, RequestAttributes, UserInfo } from '../../../../src/api/object.js';
import type { AdmissionCheck, Authorizer, Decision } from '../../../../src/api/resource.js';
import {
  certificateApproval,
  certificateSigning,
  certificateSubjectRestriction,
  CSR_ADMISSION,
} from '../../../../src/api/resources/certificates/admission.js';
import { b64, CERTIFICATE, condition, csrPem, newCSR } from './csrs.js';

/** Allows exactly the listed `verb name` pairs on signers; records every question; can be made to fail. */
function fakeAuthorizer(allowed: string[], fail = false): Authorizer & { asked: RequestAttributes[] } {
  const asked: RequestAttributes[] = [];
  return {
    asked,
    async authorize(a: RequestAttributes): Promise<Decision> {
      asked.push(a);
      if (fail) throw new Error('authorizer down');
      return { allowed: a.resource === 'signers' && allowed.includes(`${a.verb} ${a.name}`) };
    },
  };
}

const approver: UserInfo = { username: 'approver', groups: ['system:authenticated'] };
const attrs = (verb: string, subresource?: string, over: Partial<RequestAttributes> = {}): RequestAttributes => ({
  user: approver,
  verb,
  resourceRequest: true,
  apiGroup: 'certificates.k8s.io',
  apiVersion: 'v1',
  resource: 'certificatesigningrequests',
  name: 'my-svc.my-namespace',
  ...(subresource ? { subresource } : {}),
  ...over,
});

async function run(
  check: AdmissionCheck,
  a: RequestAttributes,
  obj: KubeObject,
  old: KubeObject | undefined,
  authz: Authorizer,
) {
  return check({ attributes: a, obj, old, authorizer: authz });
}

test('CertificateApproval: verb approve on signers named by the stored signerName, then <domain>/*', async () => {
  const old = newCSR();
  const sent = newCSR({ status: { conditions: [condition('Approved')] } });
  let authz = fakeAuthorizer(['approve example.com/serving']);
  assert.equal(await run(certificateApproval, attrs('update', 'approval'), sent, old, authz), undefined);
  assert.deepEqual(authz.asked, [
    {
      user: approver,
      verb: 'approve',
      resourceRequest: true,
      apiGroup: 'certificates.k8s.io',
      apiVersion: '*',
      resource: 'signers',
      name: 'example.com/serving',
    },
  ]);
  // the domain wildcard is asked second
  authz = fakeAuthorizer(['approve example.com/*']);
  assert.equal(await run(certificateApproval, attrs('patch', 'approval'), sent, old, authz), undefined);
  assert.deepEqual(
    authz.asked.map((a) => a.name),
    ['example.com/serving', 'example.com/*'],
  );
  // no other wildcard counts
  for (const grant of ['approve *', 'approve */*', 'approve example.com', 'sign example.com/serving']) {
    authz = fakeAuthorizer([grant]);
    assert.equal(
      await run(certificateApproval, attrs('update', 'approval'), sent, old, authz),
      'user not permitted to approve requests with signerName "example.com/serving"',
      grant,
    );
  }
  // the stored signerName decides, not the one in the request
  const renamed = newCSR({
    spec: { signerName: 'mine.example.org/x' },
    status: { conditions: [condition('Approved')] },
  });
  authz = fakeAuthorizer(['approve mine.example.org/x']);
  assert.equal(
    await run(certificateApproval, attrs('update', 'approval'), renamed, old, authz),
    'user not permitted to approve requests with signerName "example.com/serving"',
  );
  // the domain is what precedes the first slash
  const odd = newCSR({ spec: { signerName: 'a.example.com/b/c' } });
  authz = fakeAuthorizer(['approve a.example.com/*']);
  assert.equal(await run(certificateApproval, attrs('update', 'approval'), odd, odd, authz), undefined);
  // an authorizer that fails is a refusal
  authz = fakeAuthorizer(['approve example.com/serving'], true);
  assert.match(
    String(await run(certificateApproval, attrs('update', 'approval'), sent, old, authz)),
    /not permitted to approve/,
  );
  assert.equal(authz.asked.length, 2);
});

test('CertificateApproval applies to updates of certificatesigningrequests/approval only', async () => {
  const authz = fakeAuthorizer([]);
  const csr = newCSR();
  for (const a of [
    attrs('update'),
    attrs('update', 'status'),
    attrs('create'),
    attrs('get', 'approval'),
    attrs('update', 'approval', { apiGroup: 'example.com' }),
    attrs('update', 'approval', { resource: 'podcertificaterequests' }),
  ])
    assert.equal(await run(certificateApproval, a, csr, csr, authz), undefined, JSON.stringify(a));
  assert.equal(authz.asked.length, 0);
});

test('CertificateSigning: verb sign, only when status.certificate or status.conditions change', async () => {
  const approved = condition('Approved', {
    lastUpdateTime: '2026-12-05T12:00:00Z',
    lastTransitionTime: '2026-12-05T12:00:00Z',
  });
  const old = newCSR({ status: { conditions: [approved] } });
  const withCert = newCSR({ status: { conditions: [approved], certificate: CERTIFICATE } });
  const refused = 'user not permitted to sign requests with signerName "example.com/serving"';
  let authz = fakeAuthorizer([]);
  assert.equal(await run(certificateSigning, attrs('update', 'status'), withCert, old, authz), refused);
  assert.deepEqual(
    authz.asked.map((a) => `${a.verb} ${a.name}`),
    ['sign example.com/serving', 'sign example.com/*'],
  );
  authz = fakeAuthorizer(['sign example.com/*']);
  assert.equal(await run(certificateSigning, attrs('update', 'status'), withCert, old, authz), undefined);
  // a Failed condition is a change too
  const failed = newCSR({ status: { conditions: [approved, condition('Failed')] } });
  assert.equal(await run(certificateSigning, attrs('patch', 'status'), failed, old, fakeAuthorizer([])), refused);
  // nothing changed in status (a label edit through /status): no check at all
  authz = fakeAuthorizer([]);
  const relabelled = newCSR({ metadata: { labels: { a: 'b' } }, status: { conditions: [structuredClone(approved)] } });
  assert.equal(await run(certificateSigning, attrs('update', 'status'), relabelled, old, authz), undefined);
  assert.equal(authz.asked.length, 0);
  // conditions compare semantically (times by instant); the certificate byte for byte, absent ≠ empty
  const sameInstant = newCSR({
    status: { conditions: [{ ...approved, lastUpdateTime: '2026-12-05T13:00:00+01:00' }] },
  });
  assert.equal(
    await run(certificateSigning, attrs('update', 'status'), sameInstant, old, fakeAuthorizer([])),
    undefined,
  );
  const emptyCert = newCSR({ status: { conditions: [approved], certificate: '' } });
  assert.equal(await run(certificateSigning, attrs('update', 'status'), emptyCert, old, fakeAuthorizer([])), refused);
  // not on the main resource or /approval
  assert.equal(await run(certificateSigning, attrs('update'), withCert, old, fakeAuthorizer([])), undefined);
  assert.equal(
    await run(certificateSigning, attrs('update', 'approval'), withCert, old, fakeAuthorizer([])),
    undefined,
  );
});

test('CertificateSubjectRestriction: no system:masters through kubernetes.io/kube-apiserver-client on create', async () => {
  const authz = fakeAuthorizer([]);
  const req = (o: string[], signerName = 'kubernetes.io/kube-apiserver-client') =>
    newCSR({
      spec: { signerName, request: b64(csrPem({ commonName: 'me', organization: o })), usages: ['client auth'] },
    });
  const refused = 'use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed';
  assert.equal(
    await run(certificateSubjectRestriction, attrs('create'), req(['system:masters']), undefined, authz),
    refused,
  );
  assert.equal(
    await run(certificateSubjectRestriction, attrs('create'), req(['dev', 'system:masters']), undefined, authz),
    refused,
  );
  assert.equal(
    await run(certificateSubjectRestriction, attrs('create'), req(['system:admin']), undefined, authz),
    undefined,
  );
  assert.equal(
    await run(certificateSubjectRestriction, attrs('create'), req(['System:Masters']), undefined, authz),
    undefined,
  );
  // other signers may carry the group (their own policy decides)
  assert.equal(
    await run(
      certificateSubjectRestriction,
      attrs('create'),
      req(['system:masters'], 'example.com/serving'),
      undefined,
      authz,
    ),
    undefined,
  );
  // a request that does not parse is refused with the parse error
  const garbage = newCSR({
    spec: { signerName: 'kubernetes.io/kube-apiserver-client', request: b64('this is not a CSR') },
  });
  assert.equal(
    await run(certificateSubjectRestriction, attrs('create'), garbage, undefined, authz),
    'failed to parse CSR: PEM block type must be CERTIFICATE REQUEST',
  );
  // only create of the main resource
  assert.equal(
    await run(certificateSubjectRestriction, attrs('update'), req(['system:masters']), req([]), authz),
    undefined,
  );
  assert.equal(
    await run(certificateSubjectRestriction, attrs('create', 'status'), req(['system:masters']), undefined, authz),
    undefined,
  );
  assert.equal(authz.asked.length, 0);
});

test('CSR_ADMISSION holds the three checks in kube-apiserver order', () => {
  assert.deepEqual(CSR_ADMISSION, [certificateApproval, certificateSigning, certificateSubjectRestriction]);
});
