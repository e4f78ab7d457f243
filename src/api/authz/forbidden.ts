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
import { isGoPrint } from '../validation/content.js';

/** Go's strconv.Quote: "…" with \" \\ \n \t … escaped and non-printable characters as \x, \u or \U. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (cp >= 0xd800 && cp <= 0xdfff)
      out += '\\ufffd'; // a lone surrogate: invalid UTF-8 in Go
    else if (isGoPrint(ch)) out += ch;
    else if (cp < 0x80) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp < 0x10000) out += '\\u' + cp.toString(16).padStart(4, '0');
    else out += '\\U' + cp.toString(16).padStart(8, '0');
  }
  return out + '"';
}

const escapeHtml = (s: string): string => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** `User "bob" cannot list resource "certificatesigningrequests" in API group "certificates.k8s.io" at the cluster scope` */
export function forbiddenMessage(a: RequestAttributes): string {
  const user = goQuote(a.user.username);
  if (!a.resourceRequest) return `User ${user} cannot ${a.verb} path ${goQuote(a.path ?? '')}`;
  const resource = a.subresource ? `${a.resource ?? ''}/${a.subresource}` : (a.resource ?? '');
  const scope = a.namespace ? `in the namespace ${goQuote(a.namespace)}` : 'at the cluster scope';
  return `User ${user} cannot ${a.verb} resource ${goQuote(resource)} in API group ${goQuote(a.apiGroup ?? '')} ${scope}`;
}

/** The Status body of a 403 (meta/v1 Status), what kube-apiserver answers. */
export interface ForbiddenStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: 'Forbidden';
  details: { name?: string; group?: string; kind?: string };
  code: 403;
}

/** The full 403 Status for a request that authorization did not allow; `reason` is the authorizer's. */
export function forbiddenStatus(a: RequestAttributes, reason?: string): ForbiddenStatus {
  const err = escapeHtml(forbiddenMessage(a)) + (reason ? `: ${reason}` : '');
  const group = a.resourceRequest ? (a.apiGroup ?? '') : '';
  const resource = a.resourceRequest ? (a.resource ?? '') : '';
  const name = a.resourceRequest ? (a.name ?? '') : '';
  // apimachinery's GroupResource.String(): "resource" or "resource.group"
  const gr = group ? `${resource}.${group}` : resource;
  let message: string;
  if (!gr) message = `forbidden: ${err}`;
  else if (!name) message = `${gr} is forbidden: ${err}`;
  else message = `${gr} ${goQuote(name)} is forbidden: ${err}`;
  const details: ForbiddenStatus['details'] = {};
  if (name) details.name = name;
  if (group) details.group = group;
  if (resource) details.kind = resource;
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: 'Forbidden',
    details,
    code: 403,
  };
}
