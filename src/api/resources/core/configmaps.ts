/** core/v1 ConfigMaps: string `data` and base64 `binaryData`, no key in both, 1 MiB in all. */
import { fieldError, type FieldError } from '../../../errors/index.js';
import type { KubeObject } from '../../object.js';
import type { ResourceDefinition } from '../../resource.js';
import { humanAge } from '../../humanduration.js';
import { basicStrategy } from '../basic.js';
import { dataMapErrors, immutableErrors, MAX_DATA_BYTES, root } from './configdata.js';

function validate(obj: KubeObject): FieldError[] {
  const d = dataMapErrors(obj.data, root('data'), false);
  const b = dataMapErrors(obj.binaryData, root('binaryData'), true);
  const errors = [...d.errors, ...b.errors];
  for (const k of d.keys)
    if (b.keys.includes(k)) errors.push(fieldError.invalid(root('data'), k, 'duplicate of key present in binaryData'));
  if (d.size + b.size > MAX_DATA_BYTES) errors.push(fieldError.tooLong(root('data'), MAX_DATA_BYTES));
  return errors;
}

export const configMaps: ResourceDefinition = {
  names: {
    group: '',
    version: 'v1',
    resource: 'configmaps',
    singular: 'configmap',
    kind: 'ConfigMap',
    listKind: 'ConfigMapList',
    shortNames: ['cm'],
    namespaced: true,
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  },
  strategy: basicStrategy({
    validate,
    validateUpdate: (obj, old) => [...validate(obj), ...immutableErrors(obj, old, ['data', 'binaryData'])],
  }),
  table: {
    columns: [
      { name: 'Name', type: 'string', format: 'name' },
      { name: 'Data', type: 'integer' },
      { name: 'Age', type: 'string' },
    ],
    cells: (o, now) => {
      const n = (v: unknown) => (typeof v === 'object' && v !== null ? Object.keys(v).length : 0);
      return [o.metadata.name ?? '', n(o.data) + n(o.binaryData), humanAge(o.metadata.creationTimestamp, now)];
    },
  },
};
