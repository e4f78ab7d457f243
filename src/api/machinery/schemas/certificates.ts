/**
 * certificates.k8s.io/v1 CertificateSigningRequest (k8s.io/api `certificates/v1/types.go`).
 * status.conditions carries `+listType=map` for server-side apply but **no** patchStrategy
 * tag, so a strategic merge patch replaces the list whole, as kube-apiserver does.
 */
import { bytes, int32, listOf, mapOf, named, obj, str, time } from '../schema.js';
import { topLevel } from './meta.js';

export const csrCondition = obj('v1.CertificateSigningRequestCondition', {
  type: named(str, 'v1.RequestConditionType'),
  status: named(str, 'v1.ConditionStatus'),
  reason: str,
  message: str,
  lastUpdateTime: time,
  lastTransitionTime: time,
});

export const certificateSigningRequest = topLevel('v1.CertificateSigningRequest', {
  spec: obj('v1.CertificateSigningRequestSpec', {
    request: bytes,
    signerName: str,
    expirationSeconds: int32,
    usages: listOf(named(str, 'v1.KeyUsage')),
    username: str,
    uid: str,
    groups: listOf(str),
    extra: mapOf(listOf(str)),
  }),
  status: obj('v1.CertificateSigningRequestStatus', {
    conditions: listOf(csrCondition),
    certificate: bytes,
  }),
});
