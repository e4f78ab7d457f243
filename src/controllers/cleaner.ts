/**
 * `csrcleaner`, as kube-controller-manager's (docs/upstream/csr-api.md Part B §2,
 * docs/upstream/k8s-pki.md §5): once at start and then every hour, every CSR in the cache is
 * checked and deleted when
 * - it is approved and issued and its (first) certificate has expired;
 * - it has no conditions and was created more than 24 h ago;
 * - its Denied condition was last updated more than 1 h ago;
 * - its Failed condition was last updated more than 1 h ago;
 * - it is approved and issued and its Approved condition was last updated more than 1 h ago.
 * A zero (absent) time never counts as old. Approved CSRs that were never issued are kept, as
 * upstream keeps them. Each deletion names the CSR's uid as a precondition (a CSR recreated
 * under the same name meanwhile is not deleted) and is logged with its reason.
 */
import { parseCertificatesPem } from '../pki/load.js';
import { sleep } from './framework/clock.js';
import { apiError, isNotFound } from './framework/client.js';
import { certificatePem, getCondition, isIssued, type Csr } from './framework/csr.js';
import type { ControllerContext, ControllerSpec } from './framework/types.js';

export const CLEANER_INTERVAL_MS = 60 * 60_000;
export const APPROVED_EXPIRATION_MS = 60 * 60_000;
export const DENIED_EXPIRATION_MS = 60 * 60_000;
export const PENDING_EXPIRATION_MS = 24 * 60 * 60_000;

const time = (v: Date | string | undefined): number | undefined => {
  if (v === undefined || v === null) return undefined;
  const ms = new Date(v).getTime();
  return Number.isNaN(ms) || ms <= 0 ? undefined : ms;
};

const olderThan = (t: Date | string | undefined, ageMs: number, now: number): boolean => {
  const ms = time(t);
  return ms !== undefined && ms + ageMs < now;
};

/** Why the cleaner deletes this CSR now, or undefined when it keeps it. */
export function cleanupReason(csr: Csr, now: Date): string | undefined {
  const at = now.getTime();
  const approved = getCondition(csr, 'Approved');
  if (approved && isIssued(csr)) {
    let notAfter: Date | undefined;
    try {
      notAfter = parseCertificatesPem(certificatePem(csr), 'status.certificate')[0]?.notAfter;
    } catch {
      notAfter = undefined; // unreadable certificate: the 1 h rule below still applies
    }
    if (notAfter && notAfter.getTime() < at) return `its certificate expired at ${notAfter.toISOString()}`;
  }
  if (!csr.status?.conditions?.length && olderThan(csr.metadata?.creationTimestamp, PENDING_EXPIRATION_MS, at))
    return 'pending for more than 24h';
  if (olderThan(getCondition(csr, 'Denied')?.lastUpdateTime, DENIED_EXPIRATION_MS, at))
    return 'denied more than 1h ago';
  if (olderThan(getCondition(csr, 'Failed')?.lastUpdateTime, DENIED_EXPIRATION_MS, at))
    return 'failed more than 1h ago';
  if (approved && isIssued(csr) && olderThan(approved.lastUpdateTime, APPROVED_EXPIRATION_MS, at))
    return 'issued more than 1h ago';
  return undefined;
}

/** One pass over the cache; resolves to the names deleted. */
export async function cleanOnce(ctx: ControllerContext): Promise<string[]> {
  const deleted: string[] = [];
  const now = ctx.clock.now();
  for (const csr of ctx.informers.csrs().list()) {
    const name = csr.metadata?.name;
    const reason = cleanupReason(csr, now);
    if (!name || !reason) continue;
    try {
      await ctx.client.certificates.deleteCertificateSigningRequest({
        name,
        ...(csr.metadata?.uid ? { body: { preconditions: { uid: csr.metadata.uid } } } : {}),
      });
      deleted.push(name);
      ctx.log(`deleted ${name}: ${reason}`);
    } catch (e) {
      // gone already, or replaced by a newer object of the same name (409 on the uid precondition)
      if (isNotFound(e) || apiError(e).code === 409) continue;
      ctx.log(`deleting ${name} (${reason}) failed: ${apiError(e).message}`);
    }
  }
  return deleted;
}

export const cleanerController: ControllerSpec = {
  name: 'csrcleaner',
  description: 'deletes CSRs that are finished: issued, denied or failed over 1h ago, pending over 24h, or expired',
  enabledByDefault: true,
  permissions: () => [
    { verb: 'list', group: 'certificates.k8s.io', resource: 'certificatesigningrequests' },
    { verb: 'watch', group: 'certificates.k8s.io', resource: 'certificatesigningrequests' },
    { verb: 'delete', group: 'certificates.k8s.io', resource: 'certificatesigningrequests' },
  ],
  start(ctx, signal) {
    const informer = ctx.informers.csrs();
    void (async () => {
      await informer.waitForSync(signal);
      while (!signal.aborted) {
        await cleanOnce(ctx);
        await sleep(ctx.clock, CLEANER_INTERVAL_MS, signal);
      }
    })();
  },
};
