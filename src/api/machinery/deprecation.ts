/**
 * What kube-apiserver tells the clients of a deprecated API version (apiserver
 * `pkg/endpoints/deprecation` and the installer): a `Warning` on every answer of the
 * resource, which kubectl prints as `Warning: …` on stderr, and two audit annotations
 * (`k8s.io/deprecated`, `k8s.io/removed-release`). The warning's wording is what clients
 * and people grep for, so it is upstream's, built from the version's lifecycle.
 */
import type { Deprecation, ResourceNames } from '../resource.js';

const groupVersionOf = (g: { group: string; version: string }): string =>
  g.group ? `${g.group}/${g.version}` : g.version;

/** `authentication.k8s.io/v1beta1 SelfSubjectReview is deprecated in v1.30+, unavailable in v1.33+` */
export function deprecationWarning(n: Pick<ResourceNames, 'group' | 'version' | 'kind'>, d: Deprecation): string {
  let msg = `${groupVersionOf(n)} ${n.kind} is deprecated in v${d.deprecated}+`;
  if (d.removed) msg += `, unavailable in v${d.removed}+`;
  if (d.replacement) msg += `; use ${groupVersionOf(d.replacement)} ${d.replacement.kind}`;
  return msg;
}

/** The audit annotations of a request to a deprecated version. */
export function deprecationAnnotations(d: Deprecation): Record<string, string> {
  return { 'k8s.io/deprecated': 'true', ...(d.removed ? { 'k8s.io/removed-release': d.removed } : {}) };
}
