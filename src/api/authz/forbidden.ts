/**
 * The refusal kube-apiserver writes when authorization does not allow a request (facts from
 * apiserver's responsewriters/errors.go and apimachinery's NewForbidden), word for word,
 * because clients and people match on it:
 *
 *   <resource>[.<group>] ["<name>"] is forbidden: User "<user>" cannot <verb> resource
 *   "<resource>[/<subresource>]" in API group "<group>" (at the cluster scope | in the
 *   namespace "<ns>")[: <reason>]
 *   forbidden: User "<user>" cannot <verb> path "<path>"[: <reason>]
 *
 * Quoting follows Go's %q (strconv.Quote), and `&`, `<`, `>` in the part after "forbidden: "
 * are HTML-escaped as upstream does (so an error never looks like HTML).
 */
import type { RequestAttributes } from '../object.js';
import { goQuote } from '../goquote.js';
import { forbidden, toStatus, type Status } from '../machinery/status.js';

const escapeHtml = (s: string): string => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** `User "bob" cannot list resource "certificatesigningrequests" in API group "certificates.k8s.io" at the cluster scope` */
export function forbiddenMessage(a: RequestAttributes): string {
  const user = goQuote(a.user.username);
  if (!a.resourceRequest) return `User ${user} cannot ${a.verb} path ${goQuote(a.path ?? '')}`;
  const resource = a.subresource ? `${a.resource ?? ''}/${a.subresource}` : (a.resource ?? '');
  const scope = a.namespace ? `in the namespace ${goQuote(a.namespace)}` : 'at the cluster scope';
  return `User ${user} cannot ${a.verb} resource ${goQuote(resource)} in API group ${goQuote(a.apiGroup ?? '')} ${scope}`;
}

/** The full 403 Status for a request that authorization did not allow; `reason` is the authorizer's. */
export function forbiddenStatus(a: RequestAttributes, reason?: string): Status {
  const why = escapeHtml(forbiddenMessage(a)) + (reason ? `: ${reason}` : '');
  const gr = a.resourceRequest ? { group: a.apiGroup ?? '', resource: a.resource ?? '' } : undefined;
  return toStatus(forbidden(gr, a.resourceRequest ? (a.name ?? '') : '', why));
}
