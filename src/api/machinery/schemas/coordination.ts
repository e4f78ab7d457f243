/** coordination.k8s.io/v1 Lease (k8s.io/api `coordination/v1/types.go`). */
import { int32, microTime, obj, str } from '../schema.js';
import { topLevel } from './meta.js';

export const lease = topLevel('v1.Lease', {
  spec: obj('v1.LeaseSpec', {
    holderIdentity: str,
    leaseDurationSeconds: int32,
    acquireTime: microTime,
    renewTime: microTime,
    leaseTransitions: int32,
    strategy: str,
    preferredHolder: str,
  }),
});
