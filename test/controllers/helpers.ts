/**
 * Helpers for controller tests against a real `kubetls serve`: clients from the kubeconfigs
 * `kubetls init` writes (admin.conf as the cluster admin, controller-manager.conf as
 * system:kube-controller-manager), CSRs made by openssl, and polling with a bound.
 */
import { join } from 'node:path';
import type { V1CertificateSigningRequest } from '@kubernetes/client-node';
import { connect, type ControllerClient } from '../../src/controllers/framework/client.js';
import { openssl } from '../helpers.js';

export const adminClient = (dir: string): Promise<ControllerClient> => connect({ file: join(dir, 'admin.conf') });
export const controllerClient = (dir: string): Promise<ControllerClient> =>
  connect({ file: join(dir, 'controller-manager.conf') });

/** A PKCS#10 request (ECDSA P-256) made by openssl, PEM. */
export function csrPem(subj = '/CN=test'): string {
  return openssl(
    [
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      '/dev/null',
      '-subj',
      subj,
    ],
    true,
  ).stdout;
}

export async function createCsr(
  client: ControllerClient,
  name: string,
  o: { signerName?: string; usages?: string[]; pem?: string } = {},
): Promise<V1CertificateSigningRequest> {
  return client.certificates.createCertificateSigningRequest({
    body: {
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { name },
      spec: {
        request: Buffer.from(o.pem ?? csrPem()).toString('base64'),
        signerName: o.signerName ?? 'example.com/serving',
        usages: o.usages ?? ['digital signature', 'server auth'],
      },
    },
  });
}

/** Polls until fn returns a truthy value (every 50 ms, at most ms); throws with what was last seen. */
export async function eventually<T>(what: string, fn: () => T | Promise<T>, ms = 10_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
