/**
 * core/v1 Nodes — metadata and status.addresses are what kubetls uses: the kubelet-serving
 * approver approves a serving certificate only for addresses the Node lists. Status is
 * accepted on create (the kubelet registers its Node with its addresses, and `kubectl apply`
 * of a Node keeps them), and afterwards changes only through /status, which the default RBAC
 * policy grants to nobody but cluster admins — not to the node itself, so a node cannot claim
 * another's address to obtain a serving certificate for it.
 */
import { fieldError, FieldPath, type FieldError } from '../../../errors/index.js';
import type { KubeObject } from '../../object.js';
import type { ResourceDefinition } from '../../resource.js';
import { humanAge } from '../../humanduration.js';
import { basicStrategy } from '../basic.js';

export const ADDRESS_TYPES = ['Hostname', 'InternalIP', 'ExternalIP', 'InternalDNS', 'ExternalDNS'] as const;

interface NodeAddress {
  type?: unknown;
  address?: unknown;
}

export function nodeAddresses(o: KubeObject): Array<{ type: string; address: string }> {
  const list = (o.status as { addresses?: unknown } | undefined)?.addresses;
  if (!Array.isArray(list)) return [];
  return (list as NodeAddress[])
    .filter((a) => typeof a?.type === 'string' && typeof a.address === 'string')
    .map((a) => ({ type: a.type as string, address: a.address as string }));
}

function validate(obj: KubeObject): FieldError[] {
  const errors: FieldError[] = [];
  const path = FieldPath.root('status').child('addresses');
  const list = (obj.status as { addresses?: unknown } | undefined)?.addresses;
  if (list === undefined || list === null) return errors;
  if (!Array.isArray(list)) return [fieldError.invalid(path, list, 'must be a list')];
  const seen = new Set<string>();
  list.forEach((a: NodeAddress, i) => {
    const p = path.index(i);
    if (typeof a?.type !== 'string' || !(ADDRESS_TYPES as readonly string[]).includes(a.type))
      errors.push(fieldError.notSupported(p.child('type'), a?.type, ADDRESS_TYPES));
    if (typeof a?.address !== 'string' || !a.address) errors.push(fieldError.required(p.child('address')));
    const k = `${String(a?.type)}/${String(a?.address)}`;
    if (seen.has(k)) errors.push(fieldError.duplicate(p, a));
    seen.add(k);
  });
  return errors;
}

const ready = (o: KubeObject): string => {
  const conds = (o.status as { conditions?: Array<{ type?: string; status?: string }> } | undefined)?.conditions;
  const r = Array.isArray(conds) ? conds.find((c) => c?.type === 'Ready') : undefined;
  return r?.status === 'True' ? 'Ready' : r ? 'NotReady' : 'Unknown';
};

const roles = (o: KubeObject): string => {
  const rs = Object.keys(o.metadata.labels ?? {})
    .filter((l) => l.startsWith('node-role.kubernetes.io/'))
    .map((l) => l.slice('node-role.kubernetes.io/'.length))
    .filter(Boolean);
  return rs.length ? rs.sort().join(',') : '<none>';
};

export const nodes: ResourceDefinition = {
  names: {
    group: '',
    version: 'v1',
    resource: 'nodes',
    singular: 'node',
    kind: 'Node',
    listKind: 'NodeList',
    shortNames: ['no'],
    namespaced: false,
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: ['status'],
  },
  strategy: basicStrategy({ status: true, statusOnCreate: true, validate }),
  table: {
    columns: [
      { name: 'Name', type: 'string', format: 'name' },
      { name: 'Status', type: 'string' },
      { name: 'Roles', type: 'string' },
      { name: 'Age', type: 'string' },
      { name: 'Version', type: 'string' },
    ],
    cells: (o, now) => [
      o.metadata.name ?? '',
      ready(o),
      roles(o),
      humanAge(o.metadata.creationTimestamp, now),
      String((o.status as { nodeInfo?: { kubeletVersion?: string } } | undefined)?.nodeInfo?.kubeletVersion ?? ''),
    ],
  },
  fields: {
    'spec.unschedulable': (o) => String((o.spec as { unschedulable?: boolean } | undefined)?.unschedulable ?? false),
  },
};
