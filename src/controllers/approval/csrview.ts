/**
 * The parts of a CertificateSigningRequest an approver decides on, read once from the object
 * as it travels in JSON (what the informer holds): who asked (`spec.username`, `groups`,
 * `uid`, `extra`, set by the API server from the requester and never from the client), for
 * which signer, with which usages and lifetime, and whether someone already decided. The
 * request itself is parsed by the API's own reader (kube's rules: the first PEM block must
 * be a `CERTIFICATE REQUEST` whose self-signature verifies).
 */
import { readRequest, type RequestResult } from '../../api/resources/certificates/request.js';
import type { CertificateSigningRequest } from '../../api/resources/certificates/types.js';
import { timeValue } from '../../api/time.js';

export interface CsrView {
  name: string;
  signerName: string;
  username: string;
  uid: string;
  groups: readonly string[];
  extra: Readonly<Record<string, readonly string[]>>;
  usages: readonly string[];
  /** spec.expirationSeconds, when requested */
  expirationSeconds: number | undefined;
  /** metadata.creationTimestamp in Unix milliseconds, when set */
  createdAt: number | undefined;
  approved: boolean;
  denied: boolean;
  failed: boolean;
  /** status.certificate is set */
  issued: boolean;
}

export function csrView(csr: CertificateSigningRequest): CsrView {
  const spec = csr.spec ?? {};
  const types = new Set((csr.status?.conditions ?? []).map((c) => c.type ?? ''));
  const extra: Record<string, readonly string[]> = {};
  for (const [k, v] of Object.entries(spec.extra ?? {})) extra[k] = v ?? [];
  return {
    name: csr.metadata.name ?? '',
    signerName: spec.signerName ?? '',
    username: spec.username ?? '',
    uid: spec.uid ?? '',
    groups: spec.groups ?? [],
    extra,
    usages: spec.usages ?? [],
    expirationSeconds: typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : undefined,
    createdAt: timeValue(csr.metadata.creationTimestamp),
    // as upstream's GetCertApprovalCondition: the type alone counts (the API allows only status True)
    approved: types.has('Approved'),
    denied: types.has('Denied'),
    failed: types.has('Failed'),
    issued: (csr.status?.certificate ?? '') !== '',
  };
}

/**
 * Why an approver leaves this CSR alone whatever it holds: it has a certificate, or it is
 * already Approved or Denied (upstream's approver skips exactly these). Undefined when open.
 */
export function alreadyDecided(v: CsrView): string | undefined {
  if (v.issued) return 'the CSR already has a certificate';
  if (v.approved) return 'the CSR is already approved';
  if (v.denied) return 'the CSR is already denied';
  return undefined;
}

/** spec.request parsed and its signature checked, or why it cannot be. */
export const parseRequest = (csr: CertificateSigningRequest): RequestResult => readRequest(csr.spec?.request);

export type { RequestResult };
