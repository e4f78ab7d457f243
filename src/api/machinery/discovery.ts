/**
 * Discovery documents built from the served ResourceDefinitions (shapes from apimachinery
 * `pkg/apis/meta/v1/types.go` and k8s.io/api `apidiscovery/v2`):
 *
 * - legacy: `/api` APIVersions, `/api/v1` and `/apis/<group>/<version>` APIResourceList
 *   (subresources as `name/sub` entries), `/apis` APIGroupList, `/apis/<group>` APIGroup;
 * - aggregated: APIGroupDiscoveryList for `/api` (the core group) and `/apis` (the others),
 *   in apidiscovery.k8s.io v2 or v2beta1 (the same shape), with an ETag as kube-apiserver
 *   computes it (hex SHA-512 of the JSON, `handlers/discovery/aggregated/etag.go`).
 *
 * `/api` lists `v1` only when a core resource is served: an advertised but empty `/api/v1`
 * makes kubectl refetch discovery on every command (docs/upstream/csr-api.md Part A, `/api` pitfall).
 */
import { createHash } from 'node:crypto';
import type { ResourceDefinition, ResourceNames } from '../resource.js';
import { negotiateDiscovery } from './mediaType.js';

type Defs = readonly Pick<ResourceDefinition, 'names'>[] | readonly ResourceNames[];

const namesOf = (defs: Defs): ResourceNames[] =>
  (defs as ReadonlyArray<ResourceNames | Pick<ResourceDefinition, 'names'>>).map((d) => ('names' in d ? d.names : d));

export interface DiscoveryOptions {
  /** verbs of each subresource, by `resource/subresource`; default get, patch, update (a status-like subresource) */
  subresourceVerbs?: Readonly<Record<string, readonly string[]>>;
}

const DEFAULT_SUBRESOURCE_VERBS = ['get', 'patch', 'update'];
const subVerbs = (n: ResourceNames, sub: string, o: DiscoveryOptions): string[] => {
  const key = `${n.resource}/${sub}`;
  const v = o.subresourceVerbs && Object.hasOwn(o.subresourceVerbs, key) ? o.subresourceVerbs[key] : undefined;
  return [...(v ?? DEFAULT_SUBRESOURCE_VERBS)];
};

const sortedVerbs = (verbs: readonly string[]): string[] => [...verbs].sort();

/** The groups in the order their first resource was given; versions likewise. */
function groupsOf(names: ResourceNames[]): Map<string, Map<string, ResourceNames[]>> {
  const groups = new Map<string, Map<string, ResourceNames[]>>();
  for (const n of names) {
    let versions = groups.get(n.group);
    if (!versions) groups.set(n.group, (versions = new Map<string, ResourceNames[]>()));
    let list = versions.get(n.version);
    if (!list) versions.set(n.version, (list = []));
    list.push(n);
  }
  return groups;
}

const byResource = (a: ResourceNames, b: ResourceNames): number =>
  a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0;

// ---- legacy

export interface APIVersions {
  kind: 'APIVersions';
  versions: string[];
  serverAddressByClientCIDRs: Array<{ clientCIDR: string; serverAddress: string }>;
}

/** `/api`: the core group's versions (none when no core resource is served). */
export function apiVersions(defs: Defs, serverAddress?: string): APIVersions {
  const core = groupsOf(namesOf(defs)).get('');
  return {
    kind: 'APIVersions',
    versions: core ? [...core.keys()] : [],
    serverAddressByClientCIDRs: serverAddress ? [{ clientCIDR: '0.0.0.0/0', serverAddress }] : [],
  };
}

export interface GroupVersionForDiscovery {
  groupVersion: string;
  version: string;
}

export interface APIGroup {
  kind?: 'APIGroup';
  apiVersion?: 'v1';
  name: string;
  versions: GroupVersionForDiscovery[];
  preferredVersion: GroupVersionForDiscovery;
}

function apiGroupOf(group: string, versions: Iterable<string>): APIGroup {
  const list = [...versions].map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions: list, preferredVersion: list[0]! };
}

/** `/apis`: every non-core group. */
export function apiGroupList(defs: Defs): { kind: 'APIGroupList'; apiVersion: 'v1'; groups: APIGroup[] } {
  const groups: APIGroup[] = [];
  for (const [g, versions] of groupsOf(namesOf(defs))) if (g) groups.push(apiGroupOf(g, versions.keys()));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

/** `/apis/<group>`, or undefined when the group is not served. */
export function apiGroup(defs: Defs, group: string): APIGroup | undefined {
  if (!group) return undefined;
  const versions = groupsOf(namesOf(defs)).get(group);
  return versions ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroupOf(group, versions.keys()) } : undefined;
}

export interface APIResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
}

export interface APIResourceList {
  kind: 'APIResourceList';
  apiVersion: 'v1';
  groupVersion: string;
  resources: APIResource[];
}

/** `/api/v1` (group '') or `/apis/<group>/<version>`, or undefined when not served. */
export function apiResourceList(
  defs: Defs,
  group: string,
  version: string,
  o: DiscoveryOptions = {},
): APIResourceList | undefined {
  const list = groupsOf(namesOf(defs)).get(group)?.get(version);
  if (!list) return undefined;
  const resources: APIResource[] = [];
  for (const n of [...list].sort(byResource)) {
    const r: APIResource = {
      name: n.resource,
      singularName: n.singular,
      namespaced: n.namespaced,
      kind: n.kind,
      verbs: sortedVerbs(n.verbs),
    };
    if (n.shortNames?.length) r.shortNames = [...n.shortNames];
    if (n.categories?.length) r.categories = [...n.categories];
    resources.push(r);
    for (const sub of n.subresources ?? [])
      resources.push({
        name: `${n.resource}/${sub}`,
        singularName: '',
        namespaced: n.namespaced,
        kind: n.kind,
        verbs: sortedVerbs(subVerbs(n, sub, o)),
      });
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources,
  };
}

// ---- aggregated

interface GVK {
  group: string;
  version: string;
  kind: string;
}

export interface APIResourceDiscovery {
  resource: string;
  responseKind: GVK;
  scope: 'Cluster' | 'Namespaced';
  singularResource: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: Array<{ subresource: string; responseKind: GVK; verbs: string[] }>;
}

export interface APIGroupDiscoveryList {
  kind: 'APIGroupDiscoveryList';
  apiVersion: `apidiscovery.k8s.io/${'v2' | 'v2beta1'}`;
  metadata: Record<string, never>;
  items: Array<{
    metadata: { name?: string };
    versions: Array<{ version: string; resources: APIResourceDiscovery[]; freshness: 'Current' }>;
  }>;
}

/**
 * The aggregated document for `/api` (scope 'api': the core group only) or `/apis` (every
 * other group), in the version negotiated.
 */
export function aggregatedDiscovery(
  defs: Defs,
  scope: 'api' | 'apis',
  version: 'v2' | 'v2beta1',
  o: DiscoveryOptions = {},
): APIGroupDiscoveryList {
  const items: APIGroupDiscoveryList['items'] = [];
  for (const [g, versions] of groupsOf(namesOf(defs))) {
    if ((scope === 'api') !== (g === '')) continue;
    items.push({
      metadata: g ? { name: g } : {},
      versions: [...versions].map(([v, list]) => ({
        version: v,
        resources: [...list].sort(byResource).map((n) => {
          const responseKind = { group: n.group, version: n.version, kind: n.kind };
          const r: APIResourceDiscovery = {
            resource: n.resource,
            responseKind,
            scope: n.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: n.singular,
            verbs: sortedVerbs(n.verbs),
          };
          if (n.shortNames?.length) r.shortNames = [...n.shortNames];
          if (n.categories?.length) r.categories = [...n.categories];
          if (n.subresources?.length)
            r.subresources = n.subresources.map((sub) => ({
              subresource: sub,
              responseKind,
              verbs: sortedVerbs(subVerbs(n, sub, o)),
            }));
          return r;
        }),
        freshness: 'Current' as const,
      })),
    });
  }
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}

/**
 * The ETag header value of a discovery document: kube-apiserver's (quoted upper-case hex
 * SHA-512 of the JSON); answer 304 to an `If-None-Match` equal to it, with `Vary: Accept`.
 */
export function discoveryETag(doc: unknown): string {
  return `"${createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase()}"`;
}

export interface DiscoveryAnswer {
  body: unknown;
  contentType: string;
  /** for aggregated documents: the ETag header (kube answers 304 to a matching If-None-Match, with Vary: Accept) */
  etag?: string;
}

/**
 * The discovery document for a request path, negotiated from its Accept header: `/api`,
 * `/api/v1`, `/apis`, `/apis/<group>`, `/apis/<group>/<version>` (a trailing slash is
 * ignored). Undefined for any other path, or a group or version not served (a 404).
 */
export function discoveryForPath(
  defs: Defs,
  path: string,
  accept: string | undefined,
  o: DiscoveryOptions = {},
): DiscoveryAnswer | undefined {
  const p = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  if (p === '/api' || p === '/apis') {
    const scope = p === '/api' ? 'api' : 'apis';
    const negotiated = negotiateDiscovery(accept);
    if (negotiated.aggregated) {
      const body = aggregatedDiscovery(defs, scope, negotiated.version, o);
      return { body, contentType: negotiated.contentType, etag: discoveryETag(body) };
    }
    return { body: scope === 'api' ? apiVersions(defs) : apiGroupList(defs), contentType: 'application/json' };
  }
  if (p === '/api/v1') {
    const body = apiResourceList(defs, '', 'v1', o);
    return body && { body, contentType: 'application/json' };
  }
  const m = /^\/apis\/([^/]+)(?:\/([^/]+))?$/.exec(p);
  if (!m) return undefined;
  const body = m[2] ? apiResourceList(defs, m[1]!, m[2], o) : apiGroup(defs, m[1]!);
  return body && { body, contentType: 'application/json' };
}
