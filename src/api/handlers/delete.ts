/**
 * DELETE of one object (preconditions on uid and resourceVersion, dryRun) and of a
 * collection (the list's selectors). kubetls has no finalizers or graceful deletion: an
 * object is gone when the answer comes, as kubectl's wait expects. The answer is kube's
 * `Status{status: Success, details{name, group, kind (the resource), uid}}`; a collection
 * delete answers with the list of deleted objects, as kube-apiserver's registry does.
 */
import { forbidden, notFound, successStatus } from '../machinery/status.js';
import { parseDeleteOptions, parseListOptions } from '../machinery/queryOptions.js';
import { fromStore, groupResource, groupVersion, keyOf, prefixOf, typed } from './common.js';
import { objectReply, type ApiRequest, type Reply, type ServerState } from './context.js';
import { selectorFilter } from './read.js';
import { isKubetlsError } from '../../errors/index.js';
import { parseJsonBody } from '../machinery/jsonBody.js';
import type { KubeObject } from '../object.js';

/** Namespaces kube-apiserver refuses to delete. */
export const PROTECTED_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

export async function deleteObject(s: ServerState, req: ApiRequest): Promise<Reply> {
  const { def, info } = req;
  const o = parseDeleteOptions(req.query, deleteOptionsBody(req));
  const gr = groupResource(def);
  if (def.names.group === '' && def.names.resource === 'namespaces' && PROTECTED_NAMESPACES.has(info.name))
    throw forbidden(gr, info.name, 'this namespace may not be deleted');
  const key = keyOf(def, info.namespace, info.name);
  const current = await s.store.get(key);
  if (!current) throw notFound(gr, info.name);
  const pre = o.preconditions ?? {};
  let deleted: KubeObject = current;
  if (!o.dryRun) {
    try {
      deleted = await s.store.delete(key, {
        ...(pre.uid ? { uid: pre.uid } : {}),
        ...(pre.resourceVersion ? { resourceVersion: pre.resourceVersion } : {}),
      });
    } catch (e) {
      throw fromStore(e, def, info.name);
    }
    if (def.names.group === '' && def.names.resource === 'namespaces') await deleteNamespaceContents(s, info.name);
  }
  return objectReply(
    200,
    successStatus({
      name: info.name,
      group: def.names.group,
      kind: def.names.resource,
      uid: deleted.metadata.uid ?? '',
    }),
  );
}

export async function deleteCollection(s: ServerState, req: ApiRequest): Promise<Reply> {
  const { def, info } = req;
  const d = parseDeleteOptions(req.query, deleteOptionsBody(req));
  const l = parseListOptions(req.query, { fields: def.fields, namespaced: def.names.namespaced });
  const filter = selectorFilter(def, l);
  const r = await s.store.list(prefixOf(def, info.namespace), filter ? { filter } : {});
  const deleted: KubeObject[] = [];
  for (const item of r.items) {
    const name = item.metadata.name ?? '';
    if (def.names.resource === 'namespaces' && PROTECTED_NAMESPACES.has(name)) continue;
    if (d.dryRun) {
      deleted.push(item);
      continue;
    }
    try {
      deleted.push(await s.store.delete(keyOf(def, item.metadata.namespace ?? '', name)));
      if (def.names.group === '' && def.names.resource === 'namespaces') await deleteNamespaceContents(s, name);
    } catch (e) {
      // deleted meanwhile by someone else: not an error for a collection delete
      if (!(isKubetlsError(e) && e.code === 'NotFound')) throw fromStore(e, def, name);
    }
  }
  return objectReply(200, {
    kind: def.names.listKind,
    apiVersion: groupVersion(def),
    metadata: { resourceVersion: String(s.store.revision()) },
    items: deleted.map((i) => typed(def, i)),
  });
}

/**
 * A deleted namespace's objects go with it, at once (kube-apiserver marks the namespace
 * Terminating and its namespace controller deletes them; kubetls has no such controller).
 */
async function deleteNamespaceContents(s: ServerState, namespace: string): Promise<void> {
  for (const def of s.registry.all) {
    if (!def.names.namespaced || def.storage || def.review) continue;
    const r = await s.store.list(prefixOf(def, namespace));
    for (const item of r.items) {
      try {
        await s.store.delete(keyOf(def, namespace, item.metadata.name ?? ''));
      } catch (e) {
        if (!(isKubetlsError(e) && e.code === 'NotFound')) throw e;
      }
    }
  }
}

/** A DELETE's body: DeleteOptions as JSON, or nothing (kubectl sends `{"propagationPolicy":"Background"}`). */
function deleteOptionsBody(req: ApiRequest): unknown {
  return req.rawBody.length ? parseJsonBody(req.rawBody).value : undefined;
}
