/**
 * The operations of each served resource, in a form both OpenAPI versions render: the
 * collection path (list, create, deletecollection), the object path (read, replace, patch,
 * delete) and each subresource (read, replace, patch), with upstream's operation ids
 * (`patchCertificatesV1CertificateSigningRequestApproval`), `x-kubernetes-action` and
 * `x-kubernetes-group-version-kind`. kubectl reads the PATCH operations: one for a kind with
 * a `fieldValidation` parameter tells it the server validates fields itself, so it sends
 * `fieldValidation=Strict` instead of validating the manifest on the client (kubectl's
 * QueryParamVerifier, v2 in 1.27, v3 with a v2 fallback from 1.28 on).
 */
import type { ResourceNames } from '../resource.js';
import { DELETE_OPTIONS, PATCH, STATUS, type Gvk } from './definitions.js';

export interface Param {
  name: string;
  in: 'query' | 'path' | 'body';
  type?: 'string' | 'integer' | 'boolean';
  required?: boolean;
  description: string;
  /** a body parameter's definition */
  schema?: string;
}

export interface Operation {
  method: 'get' | 'put' | 'post' | 'delete' | 'patch';
  operationId: string;
  description: string;
  tag: string;
  action: 'get' | 'list' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection';
  gvk: Gvk;
  params: Param[];
  consumes: string[];
  produces: string[];
  /** status code → response definition (undefined: no body described) and description */
  responses: Array<[string, string | undefined, string]>;
}

export interface PathItem {
  path: string;
  params: Param[];
  ops: Operation[];
}

const q = (name: string, type: 'string' | 'integer' | 'boolean', description: string): Param => ({
  name,
  in: 'query',
  type,
  description,
});

const PRETTY = q('pretty', 'string', "When 'true', the output is indented.");
const DRY_RUN = q('dryRun', 'string', "'All' checks the request without storing anything.");
const FIELD_MANAGER = q('fieldManager', 'string', 'The name of the actor making the change.');
const FIELD_VALIDATION = q(
  'fieldValidation',
  'string',
  'What the server does with unknown or repeated fields in the body: Ignore, Warn or Strict (refuse).',
);
const LIST_PARAMS: Param[] = [
  q('allowWatchBookmarks', 'boolean', 'With watch: ask for BOOKMARK events carrying the latest resourceVersion.'),
  q('continue', 'string', 'The token of the previous page, to fetch the next one.'),
  q('fieldSelector', 'string', 'Only objects whose fields match (metadata.name=x, spec.signerName=y…).'),
  q('labelSelector', 'string', 'Only objects whose labels match.'),
  q('limit', 'integer', 'The largest number of objects to return; the rest come with continue.'),
  q('resourceVersion', 'string', 'The store version to read at, or to watch from.'),
  q('resourceVersionMatch', 'string', 'How resourceVersion applies to a list: Exact or NotOlderThan.'),
  q('sendInitialEvents', 'boolean', 'With watch: start with an ADDED event for every current object.'),
  q('timeoutSeconds', 'integer', 'End the list or watch after this many seconds.'),
  q('watch', 'boolean', 'Stream changes instead of returning a list.'),
];
const DELETE_PARAMS: Param[] = [
  q('gracePeriodSeconds', 'integer', 'Seconds before the object is deleted (0: at once).'),
  q('orphanDependents', 'boolean', 'Deprecated: use propagationPolicy.'),
  q('propagationPolicy', 'string', 'What happens to dependents: Orphan, Background or Foreground.'),
];
const WRITE_PARAMS = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION];
const body = (schema: string, required: boolean): Param => ({
  name: 'body',
  in: 'body',
  required,
  description: 'The object.',
  schema,
});
const pathParam = (name: string, description: string): Param => ({
  name,
  in: 'path',
  type: 'string',
  required: true,
  description,
});

const JSON_ONLY = ['application/json'];
const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
];
const UNAUTHORIZED: [string, undefined, string] = ['401', undefined, 'Unauthorized'];

/** `CertificatesV1`, `CoreV1`, `RbacAuthorizationV1` (upstream's operation id infix) */
const groupVersionId = (group: string, version: string): string => {
  const parts = group ? group.replace(/\.k8s\.io$/, '').split('.') : ['core'];
  return parts.map((p) => p[0]!.toUpperCase() + p.slice(1)).join('') + version[0]!.toUpperCase() + version.slice(1);
};
/** `certificates_v1`, `rbacAuthorization_v1` */
const tagOf = (group: string, version: string): string => {
  const id = groupVersionId(group, version);
  return `${id[0]!.toLowerCase()}${id.slice(1, -version.length)}_${version}`;
};

const capital = (s: string): string => s[0]!.toUpperCase() + s.slice(1);

/** The path items of one resource; `kindDef`/`listDef` are its definition names. */
export function resourcePaths(n: ResourceNames, kindDef: string, listDef: string): PathItem[] {
  const base = n.group ? `/apis/${n.group}/${n.version}` : `/api/${n.version}`;
  const ns = n.namespaced ? '/namespaces/{namespace}' : '';
  const gvk = { group: n.group, version: n.version, kind: n.kind };
  const id = `${groupVersionId(n.group, n.version)}${n.namespaced ? 'Namespaced' : ''}${n.kind}`;
  const tag = tagOf(n.group, n.version);
  const has = (v: string): boolean => n.verbs.includes(v);
  const nsParams = n.namespaced ? [pathParam('namespace', 'The namespace of the objects.')] : [];
  const op = (o: Omit<Operation, 'tag' | 'gvk' | 'produces'> & { produces?: string[] }): Operation => ({
    tag,
    gvk,
    produces: JSON_ONLY,
    ...o,
  });

  const collection: Operation[] = [];
  if (has('list'))
    collection.push(
      op({
        method: 'get',
        operationId: `list${id}`,
        description: `List or watch ${n.kind} objects.`,
        action: 'list',
        params: LIST_PARAMS,
        consumes: ['*/*'],
        produces: ['application/json', 'application/json;stream=watch'],
        responses: [['200', listDef, 'OK'], UNAUTHORIZED],
      }),
    );
  if (has('create'))
    collection.push(
      op({
        method: 'post',
        operationId: `create${id}`,
        description: `Create a ${n.kind}.`,
        action: 'post',
        params: [body(kindDef, true), ...WRITE_PARAMS],
        consumes: ['*/*'],
        responses: [['200', kindDef, 'OK'], ['201', kindDef, 'Created'], ['202', kindDef, 'Accepted'], UNAUTHORIZED],
      }),
    );
  if (has('deletecollection'))
    collection.push(
      op({
        method: 'delete',
        operationId: `delete${groupVersionId(n.group, n.version)}Collection${n.namespaced ? 'Namespaced' : ''}${n.kind}`,
        description: `Delete every ${n.kind} that matches the selectors.`,
        action: 'deletecollection',
        params: [body(DELETE_OPTIONS, false), DRY_RUN, ...DELETE_PARAMS, ...LIST_PARAMS],
        consumes: ['*/*'],
        responses: [['200', STATUS, 'OK'], UNAUTHORIZED],
      }),
    );

  const item = (sub: string | undefined): Operation[] => {
    const subId = sub ? capital(sub) : '';
    const what = sub ? `the ${sub} of a ${n.kind}` : `a ${n.kind}`;
    const ops: Operation[] = [];
    if (has('get'))
      ops.push(
        op({
          method: 'get',
          operationId: `read${id}${subId}`,
          description: `Read ${what}.`,
          action: 'get',
          params: [],
          consumes: ['*/*'],
          responses: [['200', kindDef, 'OK'], UNAUTHORIZED],
        }),
      );
    if (has('update'))
      ops.push(
        op({
          method: 'put',
          operationId: `replace${id}${subId}`,
          description: `Replace ${what}.`,
          action: 'put',
          params: [body(kindDef, true), ...WRITE_PARAMS],
          consumes: ['*/*'],
          responses: [['200', kindDef, 'OK'], ['201', kindDef, 'Created'], UNAUTHORIZED],
        }),
      );
    if (has('patch'))
      ops.push(
        op({
          method: 'patch',
          operationId: `patch${id}${subId}`,
          description: `Partially update ${what}.`,
          action: 'patch',
          params: [body(PATCH, true), ...WRITE_PARAMS],
          consumes: PATCH_TYPES,
          responses: [['200', kindDef, 'OK'], ['201', kindDef, 'Created'], UNAUTHORIZED],
        }),
      );
    if (!sub && has('delete'))
      ops.push(
        op({
          method: 'delete',
          operationId: `delete${id}`,
          description: `Delete ${what}.`,
          action: 'delete',
          params: [body(DELETE_OPTIONS, false), DRY_RUN, ...DELETE_PARAMS],
          consumes: ['*/*'],
          responses: [['200', kindDef, 'OK'], ['202', kindDef, 'Accepted'], UNAUTHORIZED],
        }),
      );
    return ops;
  };

  const named = [...nsParams, pathParam('name', `The name of the ${n.kind}.`)];
  const out: PathItem[] = [];
  if (collection.length)
    out.push({ path: `${base}${ns}/${n.resource}`, params: [...nsParams, PRETTY], ops: collection });
  const own = item(undefined);
  if (own.length) out.push({ path: `${base}${ns}/${n.resource}/{name}`, params: [...named, PRETTY], ops: own });
  for (const sub of n.subresources ?? []) {
    const ops = item(sub);
    if (ops.length) out.push({ path: `${base}${ns}/${n.resource}/{name}/${sub}`, params: [...named, PRETTY], ops });
  }
  return out;
}
