/**
 * coordination.k8s.io/v1 Leases: what leader election writes (holderIdentity, the duration,
 * acquire and renew times in MicroTime, the number of transitions). kubetls's controllers
 * elect their leader on one; nothing else reads them.
 */
import { fieldError, FieldPath, type FieldError } from '../../../errors/index.js';
import type { KubeObject } from '../../object.js';
import type { ResourceDefinition } from '../../resource.js';
import { humanAge } from '../../humanduration.js';
import { basicStrategy } from '../basic.js';

type Spec = { holderIdentity?: unknown; leaseDurationSeconds?: unknown; leaseTransitions?: unknown };
const spec = (o: KubeObject): Spec => (typeof o.spec === 'object' && o.spec !== null ? o.spec : {});

function validate(obj: KubeObject): FieldError[] {
  const s = spec(obj);
  const p = FieldPath.root('spec');
  const errors: FieldError[] = [];
  if (s.leaseDurationSeconds !== undefined && s.leaseDurationSeconds !== null)
    if (!Number.isInteger(s.leaseDurationSeconds) || (s.leaseDurationSeconds as number) <= 0)
      errors.push(
        fieldError.invalid(p.child('leaseDurationSeconds'), s.leaseDurationSeconds, 'must be greater than 0'),
      );
  if (s.leaseTransitions !== undefined && s.leaseTransitions !== null)
    if (!Number.isInteger(s.leaseTransitions) || (s.leaseTransitions as number) < 0)
      errors.push(
        fieldError.invalid(p.child('leaseTransitions'), s.leaseTransitions, 'must be greater than or equal to 0'),
      );
  return errors;
}

export const leases: ResourceDefinition = {
  names: {
    group: 'coordination.k8s.io',
    version: 'v1',
    resource: 'leases',
    singular: 'lease',
    kind: 'Lease',
    listKind: 'LeaseList',
    namespaced: true,
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  },
  strategy: basicStrategy({ validate }),
  table: {
    columns: [
      { name: 'Name', type: 'string', format: 'name' },
      { name: 'Holder', type: 'string' },
      { name: 'Age', type: 'string' },
    ],
    cells: (o, now) => [
      o.metadata.name ?? '',
      typeof spec(o).holderIdentity === 'string' ? spec(o).holderIdentity : '',
      humanAge(o.metadata.creationTimestamp, now),
    ],
  },
};
