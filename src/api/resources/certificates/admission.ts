/**
 * kube-apiserver's three CSR admission plugins (docs/upstream/csr-api.md Part B §3). Each
 * returns kube-apiserver's reason for refusing, or undefined; the API handler answers 403
 * Forbidden with `certificatesigningrequests.certificates.k8s.io "<name>" is forbidden: <reason>`.
 *  - CertificateApproval: an update through /approval needs verb `approve` on the stored
 *    object's signerName (not the request's: changing signerName on the way is no escape).
 *  - CertificateSigning: an update through /status that changes the certificate or the
 *    conditions needs verb `sign` on the stored signerName.
 *  - CertificateSubjectRestriction: nobody creates a request for the
 *    kubernetes.io/kube-apiserver-client signer with Organization `system:masters` (that
 *    group bypasses authorization entirely).
 */
import type { KubeObject, RequestAttributes } from '../../object.js';
import { PRIVILEGED_GROUP } from '../../authz/union.js';
import type { AdmissionCheck } from '../../resource.js';
import { certificateBytes } from './certificate.js';
import { sameConditions } from './conditions.js';
import { readRequest } from './request.js';
import { isAuthorizedForSignerName } from './signerauthorization.js';
import { asCSR, conditionsOf, GROUP, RESOURCE, SIGNERS } from './types.js';

const isCSR = (a: RequestAttributes): boolean => a.apiGroup === GROUP && a.resource === RESOURCE;
/** Admission's UPDATE: a PUT or a PATCH (a patch is applied first, then admitted as an update). */
const isUpdate = (a: RequestAttributes): boolean => a.verb === 'update' || a.verb === 'patch';
const signerOf = (obj: KubeObject): string => asCSR(obj).spec?.signerName ?? '';

export const certificateApproval: AdmissionCheck = async ({ attributes, old, authorizer }) => {
  if (!isCSR(attributes) || attributes.subresource !== 'approval' || !isUpdate(attributes)) return undefined;
  if (!old) return 'expected type CertificateSigningRequest, got: <nil>';
  const signerName = signerOf(old);
  if (await isAuthorizedForSignerName(authorizer, attributes.user, 'approve', signerName)) return undefined;
  return `user not permitted to approve requests with signerName ${JSON.stringify(signerName)}`;
};

/** reflect.DeepEqual on []byte, as upstream compares: an absent certificate and an empty one differ. */
function sameCertificateBytes(a: string | null | undefined, b: string | null | undefined): boolean {
  if (typeof a === 'string' && a === b) return true;
  const x = certificateBytes(a);
  const y = certificateBytes(b);
  return x === null || y === null ? x === y : x.equals(y);
}

export const certificateSigning: AdmissionCheck = async ({ attributes, obj, old, authorizer }) => {
  if (!isCSR(attributes) || attributes.subresource !== 'status' || !isUpdate(attributes)) return undefined;
  if (!old) return 'expected type CertificateSigningRequest, got: <nil>';
  const next = asCSR(obj);
  const prev = asCSR(old);
  if (
    sameCertificateBytes(next.status?.certificate, prev.status?.certificate) &&
    sameConditions(conditionsOf(next), conditionsOf(prev))
  )
    return undefined;
  const signerName = signerOf(old);
  if (await isAuthorizedForSignerName(authorizer, attributes.user, 'sign', signerName)) return undefined;
  return `user not permitted to sign requests with signerName ${JSON.stringify(signerName)}`;
};

export const certificateSubjectRestriction: AdmissionCheck = async ({ attributes, obj }) => {
  if (!isCSR(attributes) || attributes.subresource || attributes.verb !== 'create') return undefined;
  const csr = asCSR(obj);
  if (csr.spec?.signerName !== SIGNERS.kubeAPIServerClient) return undefined;
  const request = readRequest(csr.spec.request, false);
  if (!request.ok) return `failed to parse CSR: ${request.reason}`;
  if ((request.csr.subject.organization ?? []).includes(PRIVILEGED_GROUP))
    return `use of ${SIGNERS.kubeAPIServerClient} signer with system:masters group is not allowed`;
  return undefined;
};

/** In kube-apiserver's order. */
export const CSR_ADMISSION: AdmissionCheck[] = [certificateApproval, certificateSigning, certificateSubjectRestriction];
