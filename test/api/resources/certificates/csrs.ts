/** Test material for CSR resource tests: real keys, CSRs and certificates made with src/pki, and valid objects to vary. */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { issueCertificate } from '../../../../src/pki/certificate.js';
import { createCsr, csrToPem } from '../../../../src/pki/csr.js';
import type { DistinguishedName } from '../../../../src/pki/name.js';
import { pemEncode } from '../../../../src/pki/pem.js';
import type { KubeObject } from '../../../../src/api/object.js';

const ecKey = (): KeyObject => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
export const KEY = ecKey();

export const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');

export function csrPem(
  subject: DistinguishedName = { commonName: 'my-svc', organization: ['example'] },
  key = KEY,
): string {
  return csrToPem(createCsr({ subject }, key));
}

export function certPem(commonName = 'my-svc', key = KEY): string {
  const der = issueCertificate(
    {
      subject: { commonName },
      notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter: new Date('2027-01-01T00:00:00Z'),
    },
    { publicKey: key, selfSignKey: key },
  );
  return pemEncode('CERTIFICATE', der);
}

export const REQUEST = b64(csrPem());
export const CERTIFICATE = b64(certPem());

const clone = <T>(v: T): T => structuredClone(v);

/** A valid, stored-looking CSR; `over` replaces whole top-level parts of spec, status and metadata. */
export function newCSR(over: { spec?: object; status?: object; metadata?: object } = {}): KubeObject {
  return clone({
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: {
      name: 'my-svc.my-namespace',
      uid: '6f1c5c2e-0000-4000-8000-000000000001',
      resourceVersion: '7',
      creationTimestamp: '2026-12-05T12:00:00Z',
      ...over.metadata,
    },
    spec: {
      request: REQUEST,
      signerName: 'example.com/serving',
      usages: ['digital signature', 'key encipherment', 'server auth'],
      username: 'kubernetes-admin',
      groups: ['kubeadm:cluster-admins', 'system:authenticated'],
      ...over.spec,
    },
    status: { ...over.status },
  });
}

/** A condition as an approver sends it (times left for the server to fill unless given). */
export const condition = (type: string, extra: object = {}): Record<string, unknown> => ({
  type,
  status: 'True',
  reason: `Test${type}`,
  message: `${type} by a test`,
  ...extra,
});
