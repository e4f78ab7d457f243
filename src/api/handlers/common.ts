/** Helpers every verb's handler shares: store keys, typed output, Tables, store errors in kube's words. */
import { isKubetlsError } from '../../errors/index.js';
import { MAX_KEY_LENGTH, objectKey, resourcePrefix } from '../../store/keys.js';
import type { KubeObject } from '../object.js';
import type { ResourceDefinition } from '../resource.js';
import { buildTable, defaultTableConvertor } from '../machinery/table.js';
import { alreadyExists, badRequest, conflict, notFound, type GroupResource } from '../machinery/status.js';
import type { ApiRequest, Representation } from './context.js';

export const groupResource = (def: ResourceDefinition): GroupResource => ({
  group: def.names.group,
  resource: def.names.resource,
});

export const groupVersion = (def: ResourceDefinition): string =>
  def.names.group ? `${def.names.group}/${def.names.version}` : def.names.version;

/** Where a resource's objects are stored (events.k8s.io/v1 events share core/v1's). */
const stored = (def: ResourceDefinition) => def.storage ?? def.names;

/** The store key of the object a request names (namespaced resources in the request's namespace). */
export function keyOf(def: ResourceDefinition, namespace: string, name: string): string {
  const s = stored(def);
  const key = objectKey(s.group, s.resource, def.names.namespaced ? namespace : undefined, name);
  // a name longer than any stored key holds names no object (creates refuse it in validation
  // first); the store would call the key malformed (a 500), kube-apiserver answers 404
  if (key.length > MAX_KEY_LENGTH) throw notFound(groupResource(def), name);
  return key;
}

/** The store key of a namespace, as keyOf: 404 for a name longer than any key holds. */
export function namespaceKey(name: string): string {
  const key = objectKey('', 'namespaces', undefined, name);
  if (key.length > MAX_KEY_LENGTH) throw notFound({ group: '', resource: 'namespaces' }, name);
  return key;
}

/** The prefix a list or watch reads: one namespace, or all of them. */
export function prefixOf(def: ResourceDefinition, namespace: string): string {
  const s = stored(def);
  const prefix = resourcePrefix(s.group, s.resource, def.names.namespaced && namespace ? namespace : undefined);
  // as keyOf: a namespace longer than any key holds is no namespace (names are ≤ 63
  // characters); kube-apiserver lists nothing there, a 404 of the namespace says why
  if (prefix.length > MAX_KEY_LENGTH) throw notFound({ group: '', resource: 'namespaces' }, namespace);
  return prefix;
}

/** A stored object as this resource serves it (converted when another version owns the storage). */
export const view = (def: ResourceDefinition, o: KubeObject): KubeObject =>
  def.storage ? def.storage.fromStorage(o) : o;

/** An object of this resource in its storage form. */
export const storageForm = (def: ResourceDefinition, o: KubeObject): KubeObject =>
  def.storage ? def.storage.toStorage(o) : o;

/** The stored object with the apiVersion and kind of the version it is served in. */
export function typed(def: ResourceDefinition, o: KubeObject): KubeObject {
  const v = view(def, o);
  return { ...v, apiVersion: groupVersion(def), kind: def.names.kind, metadata: v.metadata };
}

/** Store errors (NotFound, AlreadyExists, Conflict) as Status errors carrying kube's details. */
/**
 * A list's or watch's `resourceVersion` parameter: undefined when absent or "" (the newest),
 * else its revision; 400 when it is not a decimal revision (kube's versioner parses an uint64).
 */
export function parseResourceVersion(rv: string | undefined): number | undefined {
  if (rv === undefined || rv === '') return undefined;
  if (!/^[0-9]{1,20}$/.test(rv) || !Number.isSafeInteger(Number(rv)))
    throw badRequest(`invalid resource version: ${JSON.stringify(rv)}`);
  return Number(rv);
}

export function fromStore(e: unknown, def: ResourceDefinition, name: string): unknown {
  if (!isKubetlsError(e)) return e;
  const gr = groupResource(def);
  if (e.code === 'NotFound') return notFound(gr, name);
  if (e.code === 'AlreadyExists') return alreadyExists(gr, name);
  if (e.code === 'Conflict') {
    // the store words a precondition failure itself (uid or resourceVersion); keep its detail
    const detail = /": (.*)$/.exec(e.message)?.[1];
    return detail ? conflict(gr, name, detail) : conflict(gr, name);
  }
  return e;
}

/**
 * A meta.k8s.io Table of stored objects, each converted to this resource's form first; the
 * column definitions are left out when `columns` is false (watch events after the first).
 */
export function table(
  def: ResourceDefinition,
  items: readonly KubeObject[],
  rep: Extract<Representation, { as: 'table' }>,
  now: Date,
  meta: {
    resourceVersion?: string | undefined;
    continue?: string | undefined;
    remainingItemCount?: number | undefined;
  },
  columns = true,
): Record<string, unknown> {
  const t = buildTable(
    def.table ?? defaultTableConvertor,
    items.map((o) => typed(def, o)),
    meta,
    now,
    { version: rep.version, includeObject: rep.includeObject, noHeaders: !columns || rep.noHeaders },
  );
  return t as unknown as Record<string, unknown>;
}

/** One object as the request asked for it: typed JSON, or a one-row Table. */
export function represent(req: ApiRequest, o: KubeObject, now: Date): Record<string, unknown> {
  if (req.representation.as === 'table')
    return table(req.def, [o], req.representation, now, { resourceVersion: o.metadata.resourceVersion });
  return typed(req.def, o);
}
