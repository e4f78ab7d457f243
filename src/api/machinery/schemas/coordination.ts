/**
 * coordination.k8s.io/v1 Lease (k8s.io/api `coordination/v1/types.go` and `generated.proto`):
 * every spec field is a pointer, printed exactly when set.
 */
import { int32, microTime, named, obj, pb, str } from '../schema.js';
import { topLevel } from './meta.js';

export const lease = topLevel('v1.Lease', {
  spec: pb(
    2,
    obj('v1.LeaseSpec', {
      holderIdentity: pb(1, str, 'pointer'),
      leaseDurationSeconds: pb(2, int32, 'pointer'),
      acquireTime: pb(3, microTime, 'pointer'),
      renewTime: pb(4, microTime, 'pointer'),
      leaseTransitions: pb(5, int32, 'pointer'),
      strategy: pb(6, named(str, 'v1.CoordinatedLeaseStrategy'), 'pointer'),
      preferredHolder: pb(7, str, 'pointer'),
    }),
    'always',
  ),
});
