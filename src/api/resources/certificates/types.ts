/**
 * certificates.k8s.io/v1 CertificateSigningRequest as it travels in JSON: `spec.request` and
 * `status.certificate` are base64 of PEM text (Go []byte fields), times are RFC 3339. Fields
 * may be absent or null (Go reads both as the zero value); decoding with the kind's schema
 * (../../machinery/schemas/certificates.ts) guarantees the JSON types before anything reads
 * them.
 */
import type { KubeObject } from '../../object.js';

export const GROUP = 'certificates.k8s.io';
export const VERSION = 'v1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'CertificateSigningRequest';
export const RESOURCE = 'certificatesigningrequests';

/** The signers Kubernetes itself defines (docs/upstream/k8s-pki.md §4). */
export const SIGNERS = {
  kubeAPIServerClient: 'kubernetes.io/kube-apiserver-client',
  kubeAPIServerClientKubelet: 'kubernetes.io/kube-apiserver-client-kubelet',
  kubeletServing: 'kubernetes.io/kubelet-serving',
  legacyUnknown: 'kubernetes.io/legacy-unknown',
} as const;

/** The 23 key usage strings certificates.k8s.io/v1 accepts, in the API's declaration order. */
export const KEY_USAGES = [
  'signing',
  'digital signature',
  'content commitment',
  'key encipherment',
  'key agreement',
  'data encipherment',
  'cert sign',
  'crl sign',
  'encipher only',
  'decipher only',
  'any',
  'server auth',
  'client auth',
  'code signing',
  'email protection',
  's/mime',
  'ipsec end system',
  'ipsec tunnel',
  'ipsec user',
  'timestamping',
  'ocsp signing',
  'microsoft sgc',
  'netscape sgc',
] as const;
export type KeyUsage = (typeof KEY_USAGES)[number];

export const CONDITION_TYPES = { approved: 'Approved', denied: 'Denied', failed: 'Failed' } as const;
/** Condition types that, when present, may only have status "True". */
export const TRUE_ONLY_CONDITIONS: readonly string[] = ['Approved', 'Denied', 'Failed'];
export const CONDITION_STATUSES: readonly string[] = ['True', 'False', 'Unknown'];

export interface CertificateSigningRequestCondition {
  /** Approved, Denied, Failed, or any other type a controller adds */
  type?: string | null;
  status?: string | null;
  reason?: string | null;
  message?: string | null;
  lastUpdateTime?: string | null;
  lastTransitionTime?: string | null;
}

export interface CertificateSigningRequestSpec {
  /** base64 of a PEM `CERTIFICATE REQUEST` block */
  request?: string | null;
  signerName?: string | null;
  expirationSeconds?: number | null;
  usages?: string[] | null;
  /** set by the server on create from the requesting user; never trusted from the client */
  username?: string | null;
  uid?: string | null;
  groups?: string[] | null;
  extra?: Record<string, string[] | null> | null;
}

export interface CertificateSigningRequestStatus {
  conditions?: CertificateSigningRequestCondition[] | null;
  /** base64 of one or more PEM `CERTIFICATE` blocks, set once through /status */
  certificate?: string | null;
}

export interface CertificateSigningRequest extends KubeObject {
  spec?: CertificateSigningRequestSpec | null;
  status?: CertificateSigningRequestStatus | null;
}

/** The object as a CSR (no copy): for code that runs on a decoded object (its types checked). */
export const asCSR = (obj: KubeObject): CertificateSigningRequest => obj;

export const conditionsOf = (csr: CertificateSigningRequest): CertificateSigningRequestCondition[] =>
  csr.status?.conditions ?? [];
