/**
 * core/v1 Secrets: `stringData` is write-only — merged into base64 `data` on create and on
 * update, then dropped, as kube-apiserver does; `type` defaults to Opaque and never changes.
 * Bootstrap tokens (`kube-system/bootstrap-token-<id>`) are Secrets of type
 * `bootstrap.kubernetes.io/token` read by the bootstrap-token authenticator.
 */
import { fieldError, type FieldError } from '../../../errors/index.js';
import type { KubeObject } from '../../object.js';
import type { ResourceDefinition } from '../../resource.js';
import { humanAge } from '../../humanduration.js';
import { basicStrategy } from '../basic.js';
import { dataMapErrors, immutableErrors, MAX_DATA_BYTES, root } from './configdata.js';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** stringData → data (later keys of stringData win over data, as upstream). */
function mergeStringData(obj: KubeObject): void {
  const sd = obj.stringData;
  if (isRecord(sd)) {
    const data: Record<string, unknown> = isRecord(obj.data) ? { ...obj.data } : {};
    for (const [k, v] of Object.entries(sd))
      if (typeof v === 'string') data[k] = Buffer.from(v, 'utf8').toString('base64');
    obj.data = data;
  }
  delete obj.stringData;
  if (!obj.type) obj.type = 'Opaque';
}

function validate(obj: KubeObject): FieldError[] {
  const { errors, size } = dataMapErrors(obj.data, root('data'), true);
  if (size > MAX_DATA_BYTES) errors.push(fieldError.tooLong(root('data'), MAX_DATA_BYTES));
  if (typeof obj.type !== 'string') errors.push(fieldError.required(root('type')));
  if (obj.type === 'kubernetes.io/tls') {
    const data = isRecord(obj.data) ? obj.data : {};
    for (const k of ['tls.crt', 'tls.key']) if (!(k in data)) errors.push(fieldError.required(root('data').key(k)));
  }
  return errors;
}

export const secrets: ResourceDefinition = {
  names: {
    group: '',
    version: 'v1',
    resource: 'secrets',
    singular: 'secret',
    kind: 'Secret',
    listKind: 'SecretList',
    namespaced: true,
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  },
  strategy: basicStrategy({
    prepare: (obj) => mergeStringData(obj),
    validate,
    validateUpdate: (obj, old) => {
      const errors = validate(obj);
      if (obj.type !== old.type) errors.push(fieldError.invalid(root('type'), obj.type, 'field is immutable'));
      return [...errors, ...immutableErrors(obj, old, ['data'])];
    },
  }),
  table: {
    columns: [
      { name: 'Name', type: 'string', format: 'name' },
      { name: 'Type', type: 'string' },
      { name: 'Data', type: 'integer' },
      { name: 'Age', type: 'string' },
    ],
    cells: (o, now) => [
      o.metadata.name ?? '',
      String(o.type ?? ''),
      isRecord(o.data) ? Object.keys(o.data).length : 0,
      humanAge(o.metadata.creationTimestamp, now),
    ],
  },
  fields: { type: (o) => (typeof o.type === 'string' ? o.type : '') },
};
