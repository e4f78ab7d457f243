/**
 * What the shared CSR informer keeps of each CSR. An informer holds every CSR of the cluster
 * for as long as the controllers run, so each cached byte is paid 100,000 times in a big
 * cluster (issue 19 asks for the controller's memory with 100,000 CSRs in its cache). Two
 * cuts, neither of which changes what a controller reads (and a third before the cache: the
 * list's items are plain JSON objects, not client-node's models, listjson.ts):
 *
 * - **no `spec.request` nobody here reads**: a controller declares, through its queue filter
 *   (`runCsrController`), the CSRs it works on; only those CSRs' requests are kept, and only
 *   while the CSR is unfinished — an issued, denied, or approved and failed CSR is acted on by
 *   no signer or approver (they check those conditions before anything else), and the cleaner reads
 *   conditions, times and the certificate, never the request. The request comes back with the
 *   next event that makes the CSR interesting again (an approval is an update event carrying
 *   the whole object).
 * - **shared strings** (intern.ts).
 *
 * Measured (bench/RESULTS.md, "session 24"): 100,000 pending CSRs of a signerName no
 * controller serves: 1,435 bytes of heap each as client-node's models with the shared strings
 * alone, 547 as plain objects without their requests, ~430 with the lists shared too.
 */
import type { V1CertificateSigningRequest } from '@kubernetes/client-node';
import { isApproved, isDenied, isFailed, isIssued } from './csr.js';
import { internCsr, type StringPool } from './intern.js';

type Csr = V1CertificateSigningRequest;

/**
 * No signer or approver acts on it again: issued, denied, or approved and failed. (Approvers
 * leave alone what is issued, approved or denied; signers what is not approved, denied,
 * failed or issued. A CSR that failed without an approval is still an approver's.)
 */
export const isFinished = (csr: Csr): boolean => isIssued(csr) || isDenied(csr) || (isApproved(csr) && isFailed(csr));

/**
 * The CSRs whose `spec.request` this process's controllers read: each registers the filter
 * of the CSRs it works on. With none registered, no request is kept.
 */
export class RequestReaders {
  private readonly filters: Array<(csr: Csr) => boolean> = [];

  add(filter: (csr: Csr) => boolean): void {
    this.filters.push(filter);
  }

  /** keep this CSR's request in the cache */
  reads(csr: Csr): boolean {
    return !isFinished(csr) && this.filters.some((f) => f(csr));
  }
}

/**
 * Shrinks a CSR in place (the client's cache holds this very object, so its identity stays):
 * `spec.request` dropped unless `keepRequest`, shared strings and lists.
 */
export function compactCsr(csr: Csr, keepRequest: boolean, pool: StringPool): void {
  if (!keepRequest && csr.spec && 'request' in csr.spec) {
    // a new object without the field: deleting it would turn the object into a slower,
    // larger dictionary-mode one
    const { request: _dropped, ...rest } = csr.spec;
    csr.spec = rest as Csr['spec'];
  }
  internCsr(csr, pool);
}
