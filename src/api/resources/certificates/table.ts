/**
 * `kubectl get csr`'s columns, as kube-apiserver's Table printer builds them: NAME, AGE,
 * SIGNERNAME, REQUESTOR, REQUESTEDDURATION, CONDITION (docs/upstream/csr-api.md Part A §1).
 * CONDITION is Denied, else Approved, else Pending, then `,Failed` when a Failed condition
 * exists and `,Issued` when a certificate is set (`Approved,Issued`).
 */
import { humanAge, humanDuration } from '../../humanduration.js';
import type { KubeObject } from '../../object.js';
import type { TableConvertor } from '../../resource.js';
import { asCSR, conditionsOf, type CertificateSigningRequest } from './types.js';

/** The CONDITION cell. */
export function csrCondition(csr: CertificateSigningRequest): string {
  const types = new Set(conditionsOf(csr).map((c) => c.type));
  let s = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending';
  if (types.has('Failed')) s += ',Failed';
  if (csr.status?.certificate) s += ',Issued';
  return s;
}

export const csrTable: TableConvertor = {
  columns: [
    { name: 'Name', type: 'string', format: 'name', description: 'The name of the request (metadata.name).' },
    { name: 'Age', type: 'string', description: 'Time since the request was created (metadata.creationTimestamp).' },
    { name: 'SignerName', type: 'string', description: 'The signer asked to sign the request (spec.signerName).' },
    { name: 'Requestor', type: 'string', description: 'The user who created the request (spec.username).' },
    {
      name: 'RequestedDuration',
      type: 'string',
      description: 'The validity the requester asked for (spec.expirationSeconds).',
    },
    {
      name: 'Condition',
      type: 'string',
      description:
        'Denied, Approved or Pending, with Failed and Issued appended (status.conditions, status.certificate).',
    },
  ],
  cells(obj: KubeObject, now: Date): unknown[] {
    const csr = asCSR(obj);
    const spec = csr.spec ?? {};
    const expiration = spec.expirationSeconds;
    return [
      csr.metadata?.name ?? '',
      humanAge(csr.metadata?.creationTimestamp, now),
      spec.signerName || '<none>',
      spec.username ?? '',
      typeof expiration === 'number' ? humanDuration(expiration * 1000) : '<none>',
      csrCondition(csr),
    ];
  },
};
