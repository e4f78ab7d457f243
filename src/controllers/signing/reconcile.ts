/**
 * What the signer controller does with a CSR, as pure functions of the object (the
 * controller reads it from its cache, asks these, and writes the result): kube-controller-
 * manager's handling order (docs/upstream/csr-api.md Part B §1, "Handling loop") — only an
 * approved, not denied, not failed CSR without a certificate, for a signer this process
 * runs, is signed; everything else is left alone.
 */
/** The parts of a CSR the decision reads (the API server's type and client-node's V1 both fit). */
export interface CsrState {
  spec?: { signerName?: string | null } | null;
  status?: {
    conditions?: ReadonlyArray<{ type?: string | null; status?: string | null }> | null;
    certificate?: string | null;
  } | null;
}

export type SigningDecision = { sign: true } | { sign: false; why: string };

const hasTrue = (csr: CsrState, type: string): boolean =>
  (csr.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');

export function signingDecision(csr: CsrState, handles: (signerName: string) => boolean): SigningDecision {
  if (!hasTrue(csr, 'Approved')) return { sign: false, why: 'not approved' };
  if (hasTrue(csr, 'Denied')) return { sign: false, why: 'denied' };
  if (hasTrue(csr, 'Failed')) return { sign: false, why: 'failed' };
  if (csr.status?.certificate) return { sign: false, why: 'already issued' };
  const signerName = csr.spec?.signerName ?? '';
  if (!handles(signerName))
    return { sign: false, why: `signerName ${JSON.stringify(signerName)} is not this process's` };
  return { sign: true };
}
