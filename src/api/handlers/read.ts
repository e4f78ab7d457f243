/** GET of one object and LIST of a collection (plain or as a Table, chunked with limit/continue). */
import { fieldsMatch } from '../machinery/fieldSelector.js';
import { labelsMatch } from '../machinery/labelSelector.js';
import { badRequest, notFound } from '../machinery/status.js';
import { parseListOptions, type ListOptions } from '../machinery/queryOptions.js';
import type { KubeObject } from '../object.js';
import type { ResourceDefinition } from '../resource.js';
import {
  fromStore,
  groupResource,
  parseResourceVersion,
  groupVersion,
  keyOf,
  prefixOf,
  represent,
  table,
  typed,
} from './common.js';
import { objectReply, type ApiRequest, type Reply, type ServerState } from './context.js';
import { waitUntilFresh } from './fresh.js';

export async function getObject(s: ServerState, req: ApiRequest): Promise<Reply> {
  const { info, def } = req;
  // a GET at a resourceVersion not reached yet waits for it, as a list does (./fresh.ts)
  const rv = parseResourceVersion(req.query.get('resourceVersion') ?? undefined);
  if (rv) await waitUntilFresh(s.store, rv);
  const o = await s.store.get(keyOf(def, info.namespace, info.name));
  if (!o) throw notFound(groupResource(def), info.name);
  return objectReply(200, represent(req, o, s.now()));
}

/** The filter a list or watch applies: label and field selectors (and the namespace, for cluster-wide reads). */
export function selectorFilter(def: ResourceDefinition, o: ListOptions): ((obj: KubeObject) => boolean) | undefined {
  if (!o.labelSelector.length && !o.fieldSelector.length) return undefined;
  return (obj) => labelsMatch(o.labelSelector, obj.metadata.labels) && fieldsMatch(o.fieldSelector, obj, def.fields);
}

export async function listObjects(s: ServerState, req: ApiRequest): Promise<Reply> {
  const { info, def } = req;
  const o = parseListOptions(req.query, { fields: def.fields, namespaced: def.names.namespaced });
  const filter = selectorFilter(def, o);
  // resourceVersionMatch=Exact lists at that revision; otherwise the newest (a consistent read)
  if (o.continue && o.resourceVersion && o.resourceVersion !== '0')
    throw badRequest('specifying resource version is not allowed when using continue');
  const rv = o.continue ? undefined : parseResourceVersion(o.resourceVersion);
  // a revision the store has not reached: wait up to 3 s for it, then kube-apiserver's 504 (./fresh.ts)
  if (rv !== undefined && rv > s.store.revision()) await waitUntilFresh(s.store, rv);
  const exact = o.resourceVersionMatch === 'Exact' && rv ? rv : undefined;
  const prefix = prefixOf(def, info.namespace);
  let r;
  try {
    r = await s.store.list(prefix, {
      ...(o.limit ? { limit: o.limit } : {}),
      ...(o.continue ? { continue: o.continue } : {}),
      ...(exact !== undefined ? { revision: exact } : {}),
      ...(filter ? { filter } : {}),
    });
  } catch (e) {
    throw fromStore(e, def, '');
  }
  const meta: { resourceVersion: string; continue?: string; remainingItemCount?: number } = {
    resourceVersion: String(r.revision),
  };
  if (r.continue) meta.continue = r.continue;
  if (r.remainingItemCount !== undefined && r.continue) meta.remainingItemCount = r.remainingItemCount;
  if (req.representation.as === 'table')
    return objectReply(200, table(def, r.items, req.representation, s.now(), meta));
  return objectReply(200, {
    kind: def.names.listKind,
    apiVersion: groupVersion(def),
    metadata: meta,
    items: r.items.map((i) => typed(def, i)),
  });
}
