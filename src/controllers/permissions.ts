/**
 * The start-up check: before any controller runs, the manager asks the API server what its
 * identity may do (one SelfSubjectAccessReview per permission the selected controllers
 * declare, plus what the manager itself needs: events, and the lease when electing a
 * leader). Every refusal is collected, so one start names every missing permission
 * (`create subjectaccessreviews.authorization.k8s.io`, `sign signers.certificates.k8s.io
 * "example.com/serving"`) rather than a controller failing later with a 403 in a log.
 */
import { KubetlsError } from '../errors/index.js';
import { apiError, type ControllerClient } from './framework/client.js';
import type { Permission } from './framework/types.js';

/** `verb resource[/subresource].group ["name"] [in namespace ns]`, as RBAC rules name them. */
export function describePermission(p: Permission): string {
  const res = `${p.resource}${p.subresource ? `/${p.subresource}` : ''}${p.group ? `.${p.group}` : ''}`;
  return `${p.verb} ${res}${p.name ? ` "${p.name}"` : ''}${p.namespace ? ` in namespace ${p.namespace}` : ''}`;
}

/** The permissions every manager needs besides its controllers'. */
export function managerPermissions(lease: { namespace: string; name: string } | undefined): Permission[] {
  const out: Permission[] = [
    { verb: 'create', group: '', resource: 'events', namespace: 'default' },
    { verb: 'patch', group: '', resource: 'events', namespace: 'default' },
  ];
  if (lease)
    for (const verb of ['get', 'create', 'update'])
      out.push({
        verb,
        group: 'coordination.k8s.io',
        resource: 'leases',
        namespace: lease.namespace,
        ...(verb !== 'create' ? { name: lease.name } : {}),
      });
  return out;
}

const key = (p: Permission) => describePermission(p);

/** Resolves to the permissions refused (empty when all are granted). */
export async function missingPermissions(client: ControllerClient, wanted: Permission[]): Promise<Permission[]> {
  const unique = [...new Map(wanted.map((p) => [key(p), p])).values()];
  const answers = await Promise.all(
    unique.map(async (p) => {
      const review = await client.authorization.createSelfSubjectAccessReview({
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: {
            resourceAttributes: {
              verb: p.verb,
              group: p.group,
              resource: p.resource,
              ...(p.subresource ? { subresource: p.subresource } : {}),
              ...(p.name ? { name: p.name } : {}),
              ...(p.namespace ? { namespace: p.namespace } : {}),
            },
          },
        },
      });
      return review.status?.allowed ? undefined : p;
    }),
  );
  return answers.filter((p): p is Permission => p !== undefined);
}

/** Throws Forbidden naming every missing permission; a server that cannot answer is an error too. */
export async function checkPermissions(client: ControllerClient, wanted: Permission[]): Promise<void> {
  let missing: Permission[];
  try {
    missing = await missingPermissions(client, wanted);
  } catch (e) {
    const err = apiError(e);
    throw new KubetlsError(
      err.code === 401 ? 'Unauthorized' : 'ServiceUnavailable',
      `cannot check the controllers' permissions at ${client.server}: ${err.message}`,
      err.code === 401
        ? "the kubeconfig's credentials are not accepted by the server"
        : 'is the server up and the kubeconfig right?',
    );
  }
  if (missing.length)
    throw new KubetlsError(
      'Forbidden',
      `the API server refuses the controllers permissions they need: ${missing.map(describePermission).join('; ')}`,
      'bind the identity to a role granting them (deploy/controller-manager-rbac.yaml has the rules)',
    );
}
