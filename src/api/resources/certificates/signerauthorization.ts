/**
 * May a user `approve` (or `sign`, or `attest`) for a signerName? kube-apiserver asks its
 * authorizer about the synthetic resource `signers` in certificates.k8s.io, named by the
 * signerName, then once more named `<domain>/*` (domain: the text before the first '/'), so
 * RBAC can grant a whole domain. No other wildcard exists. An authorizer that fails counts
 * as a refusal.
 */
import type { UserInfo } from '../../object.js';
import type { Authorizer } from '../../resource.js';
import { signerDomain } from './signername.js';
import { GROUP } from './types.js';

async function allowed(authorizer: Authorizer, user: UserInfo, verb: string, name: string): Promise<boolean> {
  try {
    const d = await authorizer.authorize({
      user,
      verb,
      resourceRequest: true,
      apiGroup: GROUP,
      apiVersion: '*',
      resource: 'signers',
      name,
    });
    return d.allowed;
  } catch {
    return false;
  }
}

export async function isAuthorizedForSignerName(
  authorizer: Authorizer,
  user: UserInfo,
  verb: string,
  signerName: string,
): Promise<boolean> {
  return (
    (await allowed(authorizer, user, verb, signerName)) ||
    allowed(authorizer, user, verb, `${signerDomain(signerName)}/*`)
  );
}
