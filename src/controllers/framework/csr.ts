/**
 * Reading and changing a CSR the way every CSR controller does: its conditions
 * (Approved / Denied / Failed, each at most once), whether it is issued, and updates of
 * `/approval` and `/status` that survive a concurrent writer. An update is a function of the
 * current object: on 409 Conflict the CSR is read again and the function re-evaluated, so a
 * decision is never written over a state it was not made for (a CSR denied meanwhile is not
 * approved; one another replica already signed is not signed again — the function returns
 * undefined and nothing is written).
 *
 *   await updateApproval(ctx.client, name, (csr) =>
 *     isApproved(csr) || isDenied(csr) ? undefined : withCondition(csr, approvedCondition(...), ctx.clock));
 */
import type { V1CertificateSigningRequest, V1CertificateSigningRequestCondition } from '@kubernetes/client-node';
import type { Clock } from '../../pki/clock.js';
import { apiError, isConflict, isNotFound, type ControllerClient } from './client.js';

export type Csr = V1CertificateSigningRequest;
export type CsrConditionType = 'Approved' | 'Denied' | 'Failed';

export const getCondition = (csr: Csr, type: string): V1CertificateSigningRequestCondition | undefined =>
  csr.status?.conditions?.find((c) => c.type === type && c.status === 'True');

export const isApproved = (csr: Csr): boolean => !!getCondition(csr, 'Approved') && !getCondition(csr, 'Denied');
export const isDenied = (csr: Csr): boolean => !!getCondition(csr, 'Denied');
export const isFailed = (csr: Csr): boolean => !!getCondition(csr, 'Failed');
/** status.certificate set (non-empty) */
export const isIssued = (csr: Csr): boolean => !!csr.status?.certificate;

/** A copy of the CSR with the condition added (lastUpdateTime and lastTransitionTime from the clock). */
export function withCondition(
  csr: Csr,
  c: { type: CsrConditionType; reason: string; message: string },
  clock: Clock,
): Csr {
  const now = clock.now();
  const condition: V1CertificateSigningRequestCondition = {
    type: c.type,
    status: 'True',
    reason: c.reason,
    message: c.message,
    lastUpdateTime: now,
    lastTransitionTime: now,
  };
  return {
    ...csr,
    status: { ...csr.status, conditions: [...(csr.status?.conditions ?? []), condition] },
  };
}

/** A copy with status.certificate set (PEM text; the client sends it base64, as the API's []byte). */
export function withCertificate(csr: Csr, certificatePem: string): Csr {
  return { ...csr, status: { ...csr.status, certificate: Buffer.from(certificatePem).toString('base64') } };
}

/** status.certificate as PEM text ('' when unset). */
export const certificatePem = (csr: Csr): string =>
  csr.status?.certificate ? Buffer.from(csr.status.certificate, 'base64').toString('latin1') : '';

/** spec.request as PEM text. */
export const requestPem = (csr: Csr): string => Buffer.from(csr.spec.request, 'base64').toString('latin1');

/**
 * The next object, made from the current one, or undefined to write nothing. It must not
 * change its argument — on the first attempt that is the informer's cached object, shared by
 * every controller — but return a copy, as withCondition and withCertificate do. (A
 * structuredClone of every CSR before each update was 2.5% of the controllers' thread in a
 * drain: bench/RESULTS.md, session 24.)
 */
export type CsrMutation = (current: Readonly<Csr>) => Csr | undefined | Promise<Csr | undefined>;

export interface UpdateOptions {
  /** the CSR as last seen (the informer's copy); read from the server when absent */
  current?: Csr;
  /** conflicts tolerated before giving up (default 5, as client-go's retry.DefaultRetry) */
  attempts?: number;
}

async function update(
  client: ControllerClient,
  name: string,
  mutate: CsrMutation,
  replace: (name: string, body: Csr) => Promise<Csr>,
  o: UpdateOptions,
): Promise<Csr | undefined> {
  const read = async (): Promise<Csr | undefined> => {
    try {
      return await client.certificates.readCertificateSigningRequest({ name });
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  };
  let csr = o.current ?? (await read());
  const attempts = o.attempts ?? 5;
  for (let i = 0; ; i++) {
    if (!csr) return undefined;
    const next = await mutate(csr);
    if (!next) return undefined;
    try {
      return await replace(name, next);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      if (!isConflict(e) || i + 1 >= attempts) throw e;
      csr = await read();
    }
  }
}

/**
 * PUT `/approval` with what `mutate` makes of the current CSR; re-reads and re-evaluates on
 * 409. Resolves to the updated CSR, or undefined when mutate declined or the CSR is gone.
 */
export function updateApproval(
  client: ControllerClient,
  name: string,
  mutate: CsrMutation,
  o: UpdateOptions = {},
): Promise<Csr | undefined> {
  return update(
    client,
    name,
    mutate,
    (n, body) => client.certificates.replaceCertificateSigningRequestApproval({ name: n, body }),
    o,
  );
}

/** PUT `/status` (certificate or Failed condition), as updateApproval. */
export function updateStatus(
  client: ControllerClient,
  name: string,
  mutate: CsrMutation,
  o: UpdateOptions = {},
): Promise<Csr | undefined> {
  return update(
    client,
    name,
    mutate,
    (n, body) => client.certificates.replaceCertificateSigningRequestStatus({ name: n, body }),
    o,
  );
}

export { apiError };
