/** Real kubelet-shaped CSRs for approver tests: keys and requests made with src/pki, objects as the server stores them. */
import { generateKeyPairSync } from 'node:crypto';
import type { CertificateSigningRequest } from '../../../src/api/resources/certificates/types.js';
import { createCsr, csrToPem, type CsrTemplate } from '../../../src/pki/csr.js';

const KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

export const request = (t: CsrTemplate): string => Buffer.from(csrToPem(createCsr(t, KEY))).toString('base64');

export const CREATED = '2026-12-05T12:00:00Z';

export interface CsrOptions extends Partial<CsrTemplate> {
  signerName?: string;
  usages?: string[];
  username?: string;
  groups?: string[];
  expirationSeconds?: number;
  conditions?: Array<Record<string, string>>;
  certificate?: string;
  /** spec.request as given (overrides the template) */
  rawRequest?: string;
}

/** A stored-looking CSR whose request is built from the template parts. */
export function csr(name: string, o: CsrOptions): CertificateSigningRequest {
  const t: CsrTemplate = { subject: o.subject ?? {} };
  if (o.dnsNames) t.dnsNames = o.dnsNames;
  if (o.ipAddresses) t.ipAddresses = o.ipAddresses;
  if (o.emailAddresses) t.emailAddresses = o.emailAddresses;
  if (o.uris) t.uris = o.uris;
  const spec: NonNullable<CertificateSigningRequest['spec']> = {
    request: o.rawRequest ?? request(t),
    signerName: o.signerName ?? 'kubernetes.io/kube-apiserver-client-kubelet',
    usages: o.usages ?? ['digital signature', 'client auth'],
    username: o.username ?? 'system:bootstrap:abcdef',
    uid: 'uid-1',
    groups: o.groups ?? ['system:bootstrappers', 'system:authenticated'],
    extra: { 'example.com/scope': ['a'] },
  };
  if (o.expirationSeconds !== undefined) spec.expirationSeconds = o.expirationSeconds;
  const status: NonNullable<CertificateSigningRequest['status']> = {};
  if (o.conditions) status.conditions = o.conditions;
  if (o.certificate) status.certificate = o.certificate;
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name, uid: `uid-${name}`, resourceVersion: '1', creationTimestamp: CREATED },
    spec,
    status,
  };
}
