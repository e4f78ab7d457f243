/**
 * RBAC rule matching, as kube-apiserver's RBAC authorizer matches (facts from
 * k8s.io/component-helpers/auth/rbac/validation):
 * - verbs, apiGroups: equal, or `*`;
 * - resources: `*` (every resource and subresource), the requested `resource` or
 *   `resource/subresource` exactly, or `*\/subresource` for that subresource of any resource;
 * - resourceNames: an empty list allows every name (and requests without a name); otherwise
 *   the requested name must be listed, so a list or create request never matches such a rule;
 * - nonResourceURLs: `*`, the exact path, or a prefix written `prefix*`;
 * - a resource request never matches a non-resource rule and the reverse.
 * Rules are compiled once into sets when the index is built (every request is authorized).
 */
import type { RequestAttributes } from '../object.js';
import type { PolicyRule } from './types.js';

export interface CompiledRule {
  verbs: ReadonlySet<string>;
  allVerbs: boolean;
  groups: ReadonlySet<string>;
  allGroups: boolean;
  /** exact `resource` or `resource/subresource` entries */
  resources: ReadonlySet<string>;
  allResources: boolean;
  /** subresources granted on every resource (`*\/status` → `status`) */
  anyResourceSubresources: ReadonlySet<string>;
  /** undefined: every name */
  names: ReadonlySet<string> | undefined;
  urls: ReadonlySet<string>;
  urlPrefixes: readonly string[];
  allUrls: boolean;
  hasResources: boolean;
}

const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** Compiles one stored rule; tolerant of hostile shapes (non-arrays, non-strings are ignored). */
export function compileRule(r: PolicyRule): CompiledRule {
  const verbs = list(r.verbs);
  const groups = list(r.apiGroups);
  const resources = list(r.resources);
  const names = list(r.resourceNames);
  const urls = list(r.nonResourceURLs);
  return {
    verbs: new Set(verbs),
    allVerbs: verbs.includes('*'),
    groups: new Set(groups),
    allGroups: groups.includes('*'),
    resources: new Set(resources),
    allResources: resources.includes('*'),
    anyResourceSubresources: new Set(resources.filter((x) => x.startsWith('*/')).map((x) => x.slice(2))),
    names: names.length ? new Set(names) : undefined,
    urls: new Set(urls),
    urlPrefixes: urls.filter((u) => u.endsWith('*') && u !== '*').map((u) => u.slice(0, -1)),
    allUrls: urls.includes('*'),
    hasResources: resources.length > 0,
  };
}

/** Whether the rule allows the request. */
export function ruleAllows(a: RequestAttributes, r: CompiledRule): boolean {
  if (!(r.allVerbs || r.verbs.has(a.verb))) return false;
  if (a.resourceRequest) {
    if (!r.hasResources) return false;
    if (!(r.allGroups || r.groups.has(a.apiGroup ?? ''))) return false;
    const resource = a.resource ?? '';
    const sub = a.subresource ?? '';
    if (!r.allResources) {
      const combined = sub ? `${resource}/${sub}` : resource;
      if (!r.resources.has(combined) && !(sub && r.anyResourceSubresources.has(sub))) return false;
    }
    return r.names === undefined || r.names.has(a.name ?? '');
  }
  const path = a.path ?? '';
  if (r.allUrls || r.urls.has(path)) return true;
  for (const p of r.urlPrefixes) if (path.startsWith(p)) return true;
  return false;
}
