/**
 * What a request's URL and method ask for, as kube-apiserver's RequestInfoFactory reads
 * them: a resource request (`/api/v1/...` for the core group, `/apis/<group>/<version>/...`)
 * with its verb, namespace, resource, name and subresource; or a non-resource request
 * (`/healthz`, `/version`, discovery roots, …) with its path. Pure: no I/O, no lookups.
 */

export interface ResourceRequestInfo {
  kind: 'resource';
  /** get, list, watch, create, update, patch, delete, deletecollection */
  verb: string;
  /** '' for the core group */
  apiGroup: string;
  apiVersion: string;
  /** '' when the request names no namespace */
  namespace: string;
  resource: string;
  /** '' for collection requests */
  name: string;
  subresource: string;
  /** the path segments after /api or /apis, for error messages */
  path: string;
}

export interface NonResourceRequestInfo {
  kind: 'nonresource';
  /** get, post, put, patch, delete, head (lower-cased HTTP method, as RBAC's nonResourceURLs rules use) */
  verb: string;
  path: string;
}

export type RequestInfo = ResourceRequestInfo | NonResourceRequestInfo;

/** Subresources of a namespace object (`/api/v1/namespaces/<name>/status`), not namespaced resources. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/**
 * A path segment with its percent-escapes decoded, as Go's URL parsing gives kube-apiserver
 * its path: clients that escape every reserved character (@kubernetes/client-node sends
 * `system%3Anode`) name the same object as kubectl (`system:node`). A segment whose escapes
 * are not UTF-8 is kept as sent: it names nothing, and its '%' is refused with the names.
 */
function decodeSegment(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Go's strconv.ParseBool spellings, which clients use for ?watch= and other flags. */
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);

/**
 * Reads the request info from the method, the path (already stripped of its query) and the
 * `watch` query parameter. Paths outside /api and /apis, and discovery paths (`/api`,
 * `/api/v1`, `/apis`, `/apis/<g>`, `/apis/<g>/<v>`), are non-resource requests.
 */
export function requestInfo(method: string, path: string, watchParam: string | null): RequestInfo {
  const m = method.toUpperCase();
  const segments = path
    .split('/')
    .filter((s) => s !== '')
    .map(decodeSegment);
  const nonResource = (): NonResourceRequestInfo => ({ kind: 'nonresource', verb: m.toLowerCase(), path });
  let rest: string[];
  let apiGroup: string;
  let apiVersion: string;
  if (segments[0] === 'api' && segments.length >= 3) {
    apiGroup = '';
    apiVersion = segments[1]!;
    rest = segments.slice(2);
  } else if (segments[0] === 'apis' && segments.length >= 4) {
    apiGroup = segments[1]!;
    apiVersion = segments[2]!;
    rest = segments.slice(3);
  } else return nonResource();

  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1]!;
    // /namespaces/<ns>/<resource>…: a namespaced resource; /namespaces/<name>[/status]: the namespace itself
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2]!)) rest = rest.slice(2);
  }
  const [resource = '', name = '', subresource = '', ...extra] = rest;
  // more segments than resource/name/subresource name nothing: the router answers 404
  if (extra.length) return nonResource();
  let verb: string;
  switch (m) {
    case 'GET':
    case 'HEAD':
      verb = name ? 'get' : watchParam !== null && TRUE.has(watchParam) ? 'watch' : 'list';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name ? 'delete' : 'deletecollection';
      break;
    default:
      verb = m.toLowerCase();
  }
  // a watch of one object is GET …/name?watch=true (kubectl get csr x -w); kube-apiserver calls it watch too
  if (verb === 'get' && watchParam !== null && TRUE.has(watchParam)) verb = 'watch';
  return {
    kind: 'resource',
    verb,
    apiGroup,
    apiVersion,
    namespace,
    resource,
    name,
    subresource,
    path,
  };
}
