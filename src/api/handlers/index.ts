/** Picks the handler for a resource request's verb; a verb or subresource the resource does not serve is 405 / 404. */
import { methodNotSupported, notFound } from '../machinery/status.js';
import { groupResource } from './common.js';
import type { ApiRequest, Reply, ServerState } from './context.js';
import { createObject } from './create.js';
import { deleteCollection, deleteObject } from './delete.js';
import { getObject, listObjects } from './read.js';
import { patchObject, updateObject } from './update.js';
import { watchObjects } from './watch.js';

/** The verbs that may act on a subresource (kube serves get, update and patch on status and approval). */
const SUBRESOURCE_VERBS = new Set(['get', 'update', 'patch']);

export async function dispatch(s: ServerState, req: ApiRequest): Promise<Reply> {
  const { info, def } = req;
  const gr = groupResource(def);
  if (info.subresource) {
    if (!def.names.subresources?.includes(info.subresource)) throw notFound(gr, `${info.name}/${info.subresource}`);
    if (!SUBRESOURCE_VERBS.has(info.verb)) throw methodNotSupported(gr, info.verb);
  } else if (!def.names.verbs.includes(info.verb)) throw methodNotSupported(gr, info.verb);
  switch (info.verb) {
    case 'get':
      return getObject(s, req);
    case 'list':
      return listObjects(s, req);
    case 'watch':
      return watchObjects(s, req);
    case 'create':
      return createObject(s, req);
    case 'update':
      return updateObject(s, req);
    case 'patch':
      return patchObject(s, req);
    case 'delete':
      return deleteObject(s, req);
    case 'deletecollection':
      return deleteCollection(s, req);
    default:
      throw methodNotSupported(gr, info.verb);
  }
}
