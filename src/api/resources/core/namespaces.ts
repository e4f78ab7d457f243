/**
 * core/v1 Namespaces: `default`, `kube-system` and `kube-public` exist from the first start
 * and cannot be deleted; a namespace's name is a DNS-1123 label; it is Active from creation
 * (kubetls deletes a namespace's objects with it, at once, instead of a Terminating phase).
 */
import type { ResourceDefinition } from '../../resource.js';
import { humanAge } from '../../humanduration.js';
import { nameIsDNSLabel } from '../../validation/objectmeta.js';
import { basicStrategy } from '../basic.js';

export const INITIAL_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;

export const namespaces: ResourceDefinition = {
  names: {
    group: '',
    version: 'v1',
    resource: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    listKind: 'NamespaceList',
    shortNames: ['ns'],
    namespaced: false,
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: ['status'],
  },
  nameValidator: nameIsDNSLabel,
  strategy: basicStrategy({
    status: true,
    prepare: (obj, old) => {
      obj.spec = { finalizers: ['kubernetes'] };
      obj.status = old?.status ?? { phase: 'Active' };
    },
  }),
  table: {
    columns: [
      { name: 'Name', type: 'string', format: 'name' },
      { name: 'Status', type: 'string' },
      { name: 'Age', type: 'string' },
    ],
    cells: (o, now) => [
      o.metadata.name ?? '',
      String((o.status as { phase?: string } | undefined)?.phase ?? ''),
      humanAge(o.metadata.creationTimestamp, now),
    ],
  },
  fields: { 'status.phase': (o) => String((o.status as { phase?: string } | undefined)?.phase ?? '') },
};
