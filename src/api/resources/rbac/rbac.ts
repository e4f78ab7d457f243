/**
 * rbac.authorization.k8s.io/v1 Roles, ClusterRoles, RoleBindings, ClusterRoleBindings — the
 * objects the RBAC authorizer evaluates. Validation as kube-apiserver's: every rule has verbs;
 * a resource rule names apiGroups and resources, a non-resource rule only nonResourceURLs
 * (ClusterRoles only); a binding's roleRef is a Role or ClusterRole of this API group and never
 * changes; subjects are Users, Groups or ServiceAccounts (with a namespace).
 */
import { fieldError, FieldPath, type FieldError } from '../../../errors/index.js';
import type { KubeObject } from '../../object.js';
import type { ResourceDefinition, ResourceNames } from '../../resource.js';
import { humanAge } from '../../humanduration.js';
import { basicStrategy } from '../basic.js';
import { createdAtTableConvertor } from '../../machinery/table.js';
import { nameIsPathSegment } from '../../validation/objectmeta.js';

const GROUP = 'rbac.authorization.k8s.io';
type Obj = Record<string, unknown>;
const isRecord = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

function ruleErrors(obj: KubeObject, clusterScoped: boolean): FieldError[] {
  const rules = obj.rules;
  const path = FieldPath.root('rules');
  if (rules === undefined || rules === null) return [];
  if (!Array.isArray(rules)) return [fieldError.invalid(path, rules, 'must be a list')];
  const errors: FieldError[] = [];
  rules.forEach((r: unknown, i) => {
    const p = path.index(i);
    if (!isRecord(r)) return errors.push(fieldError.invalid(p, r, 'must be an object'));
    for (const f of ['verbs', 'apiGroups', 'resources', 'resourceNames', 'nonResourceURLs'])
      if (r[f] !== undefined && r[f] !== null && !strings(r[f]))
        errors.push(fieldError.invalid(p.child(f), r[f], 'must be a list of strings'));
    if (!strings(r.verbs) || r.verbs.length === 0)
      errors.push(fieldError.required(p.child('verbs'), 'verbs must contain at least one value'));
    const nonResource = strings(r.nonResourceURLs) && r.nonResourceURLs.length > 0;
    if (nonResource) {
      if (!clusterScoped)
        errors.push(
          fieldError.invalid(
            p.child('nonResourceURLs'),
            r.nonResourceURLs,
            'namespaced rules cannot apply to non-resource URLs',
          ),
        );
      if ((strings(r.apiGroups) && r.apiGroups.length) || (strings(r.resources) && r.resources.length))
        errors.push(
          fieldError.invalid(
            p.child('nonResourceURLs'),
            r.nonResourceURLs,
            'rules cannot apply to both regular resources and non-resource URLs',
          ),
        );
    } else {
      if (!strings(r.apiGroups) || !r.apiGroups.length)
        errors.push(fieldError.required(p.child('apiGroups'), 'resource rules must supply at least one api group'));
      if (!strings(r.resources) || !r.resources.length)
        errors.push(fieldError.required(p.child('resources'), 'resource rules must supply at least one resource'));
    }
    return undefined;
  });
  return errors;
}

const SUBJECT_KINDS = ['User', 'Group', 'ServiceAccount'];

function bindingErrors(obj: KubeObject, clusterScoped: boolean): FieldError[] {
  const errors: FieldError[] = [];
  const ref = obj.roleRef;
  const rp = FieldPath.root('roleRef');
  if (!isRecord(ref)) errors.push(fieldError.required(rp));
  else {
    if (ref.apiGroup !== GROUP) errors.push(fieldError.notSupported(rp.child('apiGroup'), ref.apiGroup, [GROUP]));
    const kinds = clusterScoped ? ['ClusterRole'] : ['Role', 'ClusterRole'];
    if (!kinds.includes(String(ref.kind))) errors.push(fieldError.notSupported(rp.child('kind'), ref.kind, kinds));
    if (typeof ref.name !== 'string' || !ref.name) errors.push(fieldError.required(rp.child('name')));
  }
  const subjects = obj.subjects;
  if (subjects !== undefined && subjects !== null) {
    const sp = FieldPath.root('subjects');
    if (!Array.isArray(subjects)) errors.push(fieldError.invalid(sp, subjects, 'must be a list'));
    else
      subjects.forEach((s: unknown, i) => {
        const p = sp.index(i);
        if (!isRecord(s)) return errors.push(fieldError.invalid(p, s, 'must be an object'));
        if (!SUBJECT_KINDS.includes(String(s.kind)))
          errors.push(fieldError.notSupported(p.child('kind'), s.kind, SUBJECT_KINDS));
        if (typeof s.name !== 'string' || !s.name) errors.push(fieldError.required(p.child('name')));
        if (s.kind === 'ServiceAccount' && !s.namespace) errors.push(fieldError.required(p.child('namespace')));
        if ((s.kind === 'User' || s.kind === 'Group') && s.apiGroup !== undefined && s.apiGroup !== GROUP)
          errors.push(fieldError.notSupported(p.child('apiGroup'), s.apiGroup, [GROUP]));
        return undefined;
      });
  }
  return errors;
}

const names = (kind: string, resource: string, namespaced: boolean): ResourceNames => ({
  group: GROUP,
  version: 'v1',
  resource,
  singular: kind.toLowerCase(),
  kind,
  listKind: `${kind}List`,
  namespaced,
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
});

const bindingTable = {
  columns: [
    { name: 'Name', type: 'string' as const, format: 'name' },
    { name: 'Role', type: 'string' as const },
    { name: 'Age', type: 'string' as const },
  ],
  cells: (o: KubeObject, now: Date) => {
    const ref = isRecord(o.roleRef) ? o.roleRef : {};
    return [
      o.metadata.name ?? '',
      `${String(ref.kind ?? '')}/${String(ref.name ?? '')}`,
      humanAge(o.metadata.creationTimestamp, now),
    ];
  },
};

const roleRefImmutable = (obj: KubeObject, old: KubeObject): FieldError[] =>
  JSON.stringify(obj.roleRef) === JSON.stringify(old.roleRef)
    ? []
    : [fieldError.invalid(FieldPath.root('roleRef'), obj.roleRef, 'cannot change roleRef')];

export const roles: ResourceDefinition = {
  names: names('Role', 'roles', true),
  // upstream's RBAC names are path segments (ValidateRBACName), so `kubeadm:get-nodes` is valid
  nameValidator: nameIsPathSegment,
  strategy: basicStrategy({ validate: (o) => ruleErrors(o, false) }),
  table: createdAtTableConvertor,
};

export const clusterRoles: ResourceDefinition = {
  names: names('ClusterRole', 'clusterroles', false),
  // upstream's RBAC names are path segments (ValidateRBACName), so `kubeadm:get-nodes` is valid
  nameValidator: nameIsPathSegment,
  strategy: basicStrategy({ validate: (o) => ruleErrors(o, true) }),
  table: createdAtTableConvertor,
};

export const roleBindings: ResourceDefinition = {
  names: names('RoleBinding', 'rolebindings', true),
  // upstream's RBAC names are path segments (ValidateRBACName), so `kubeadm:get-nodes` is valid
  nameValidator: nameIsPathSegment,
  strategy: basicStrategy({
    validate: (o) => bindingErrors(o, false),
    validateUpdate: (o, old) => [...bindingErrors(o, false), ...roleRefImmutable(o, old)],
  }),
  table: bindingTable,
};

export const clusterRoleBindings: ResourceDefinition = {
  names: names('ClusterRoleBinding', 'clusterrolebindings', false),
  // upstream's RBAC names are path segments (ValidateRBACName), so `kubeadm:get-nodes` is valid
  nameValidator: nameIsPathSegment,
  strategy: basicStrategy({
    validate: (o) => bindingErrors(o, true),
    validateUpdate: (o, old) => [...bindingErrors(o, true), ...roleRefImmutable(o, old)],
  }),
  table: bindingTable,
};
