/**
 * certificates.k8s.io/v1 CertificateSigningRequest (k8s.io/api `certificates/v1/types.go` and
 * `generated.proto`): JSON types, protobuf numbers (kubectl >= 1.32 sends approvals as
 * protobuf) and Go's JSON presence. status.conditions carries `+listType=map` for
 * server-side apply but **no** patchStrategy tag, so a strategic merge patch replaces the
 * list whole, as kube-apiserver does.
 */
import { bytes, int32, listOf, mapOf, named, obj, pb, str, time } from '../schema.js';
import { topLevel } from './meta.js';

export const csrCondition = obj('v1.CertificateSigningRequestCondition', {
  type: pb(1, named(str, 'v1.RequestConditionType'), 'always'),
  status: pb(6, named(str, 'v1.ConditionStatus'), 'always'),
  reason: pb(2, str),
  message: pb(3, str),
  lastUpdateTime: pb(4, time, 'always'),
  lastTransitionTime: pb(5, time, 'always'),
});

export const certificateSigningRequest = topLevel('v1.CertificateSigningRequest', {
  spec: pb(
    2,
    obj('v1.CertificateSigningRequestSpec', {
      request: pb(1, bytes, 'always'),
      signerName: pb(7, str, 'always'),
      expirationSeconds: pb(8, int32, 'pointer'),
      usages: pb(5, listOf(named(str, 'v1.KeyUsage'))),
      username: pb(2, str),
      uid: pb(3, str),
      groups: pb(4, listOf(str)),
      /** map[string]ExtraValue; ExtraValue is []string (a message with one repeated field in protobuf) */
      extra: pb(6, mapOf(listOf(str))),
    }),
    'always',
  ),
  status: pb(
    3,
    obj('v1.CertificateSigningRequestStatus', {
      conditions: pb(1, listOf(csrCondition)),
      certificate: pb(2, bytes),
    }),
    'always',
  ),
});
