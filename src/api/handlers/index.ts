/** Picks the handler for a resource request's verb; a verb or subresource the resource does not serve is 405 / 404. */
import { badRequest, methodNotAllowed, methodNotSupported, notFound } from '../machinery/status.js';
import { goQuote } from '../goquote.js';
import { isPathSegmentName } from '../validation/content.js';
import type { ResourceRequestInfo } from '../requestinfo.js';
import type { ResourceDefinition } from '../resource.js';
import { groupResource } from './common.js';
import type { ApiRequest, Reply, ServerState } from './context.js';
import { createObject } from './create.js';
import { deleteCollection, deleteObject } from './delete.js';
import { getObject, listObjects } from './read.js';
import { patchObject, updateObject } from './update.js';
import { watchObjects } from './watch.js';

/** The verbs that may act on a subresource (kube serves get, update and patch on status and approval). */
const SUBRESOURCE_VERBS = new Set(['get', 'update', 'patch']);

/**
 * The methods a path's shape has a route for, as kube-apiserver registers them: a collection
 * takes GET, POST and DELETE; an object GET, PUT, PATCH and DELETE; a subresource GET, PUT and
 * PATCH. Any other method (PUT or PATCH on a collection, POST on an object, OPTIONS…) finds no
 * route there, and kube-apiserver answers 405 before it reads the body — so this runs before
 * the Content-Type check and the body are read, and a malformed body cannot turn it into a 400.
 */
const ROUTES = {
  collection: new Set(['list', 'watch', 'create', 'deletecollection']),
  object: new Set(['get', 'watch', 'update', 'patch', 'delete']),
  subresource: SUBRESOURCE_VERBS,
};

/** 405 when the path has no route for the method (see ROUTES); the resource's own verbs are dispatch's. */
export function checkRoute(info: ResourceRequestInfo, def: ResourceDefinition): void {
  const shape = info.subresource ? 'subresource' : info.name ? 'object' : 'collection';
  // a subresource the resource does not have is 404, whatever the method (dispatch says so)
  if (info.subresource && !def.names.subresources?.includes(info.subresource)) return;
  if (!ROUTES[shape].has(info.verb)) throw methodNotAllowed();
  if (shape !== 'subresource' && !def.names.verbs.includes(info.verb))
    throw methodNotSupported(groupResource(def), info.verb);
}

/**
 * The namespace and name of a path, checked as kube-apiserver checks path segment names
 * before it looks anything up: '.' and '..', and names holding '/' or '%' (which a decoded
 * escape can give), are 400 BadRequest.
 */
export function checkPathNames(info: ResourceRequestInfo): void {
  for (const [what, value] of [
    ['namespace', info.namespace],
    ['resource name', info.name],
  ] as const) {
    const problems = value ? isPathSegmentName(value) : [];
    if (problems.length) throw badRequest(`invalid ${what} ${goQuote(value)}: ${problems.join(', ')}`);
  }
}

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
