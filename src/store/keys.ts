/**
 * Store keys: `/<group or "core">/<resource>/<namespace or "-">/<name>`, so that a resource,
 * or one namespace of it, is a key prefix ending in `/` and keys sort by resource, then
 * namespace, then name. The API layer builds keys with `objectKey`; the store checks them
 * (a malformed key is a bug above the store, hence InternalError) and words its errors the
 * way kube-apiserver does, from the group, resource and name the key holds.
 */
import { KubetlsError } from '../errors/index.js';

export interface KeyParts {
  group: string;
  resource: string;
  /** undefined for cluster-scoped objects (`-` in the key) */
  namespace: string | undefined;
  name: string;
}

/** generous: names are ≤ 253 characters, resource and group names shorter */
export const MAX_KEY_LENGTH = 1024;
const SEGMENT = /^[^/\0]+$/;

/** The key of one object. */
export function objectKey(group: string, resource: string, namespace: string | undefined, name: string): string {
  return `/${group || 'core'}/${resource}/${namespace || '-'}/${name}`;
}

/** The prefix selecting every object of a resource, or of one namespace of it. */
export function resourcePrefix(group: string, resource: string, namespace?: string): string {
  return namespace ? `/${group || 'core'}/${resource}/${namespace}/` : `/${group || 'core'}/${resource}/`;
}

function badKey(key: string, why: string): KubetlsError {
  return new KubetlsError('InternalError', `store key ${JSON.stringify(key.slice(0, 80))} is not valid: ${why}`);
}

/** The parts of an object key; InternalError when it is not one. */
export function parseKey(key: string): KeyParts {
  if (typeof key !== 'string' || key.length > MAX_KEY_LENGTH) throw badKey(String(key), 'too long or not a string');
  const parts = key.split('/');
  if (parts.length !== 5 || parts[0] !== '' || !parts.slice(1).every((p) => SEGMENT.test(p)))
    throw badKey(key, 'want /<group>/<resource>/<namespace or ->/<name>');
  const [, group, resource, namespace, name] = parts as [string, string, string, string, string];
  return { group, resource, namespace: namespace === '-' ? undefined : namespace, name };
}

/** What `list` and `watch` select: a key range (a prefix) or one key. */
export type Selection = { prefix: string; end: string } | { key: string };

/**
 * A prefix ending in `/` with one to three segments (group, resource, namespace) selects the
 * range [prefix, end) — so `/core/secrets/` never selects `/core/secretsx/…` — and a whole
 * key selects that key. Anything else is InternalError.
 */
export function selection(prefix: string): Selection {
  if (typeof prefix !== 'string' || prefix.length > MAX_KEY_LENGTH) throw badKey(String(prefix), 'too long');
  if (!prefix.endsWith('/')) {
    parseKey(prefix);
    return { key: prefix };
  }
  const parts = prefix.split('/');
  // '/g/r/' splits into ['', 'g', 'r', '']
  if (parts.length < 3 || parts.length > 5 || parts[0] !== '' || !parts.slice(1, -1).every((p) => SEGMENT.test(p)))
    throw badKey(prefix, 'want a prefix /<group>/, /<group>/<resource>/ or /<group>/<resource>/<namespace>/');
  return { prefix, end: prefixEnd(prefix) };
}

/** The first string after every string that starts with `prefix` ('/' + 1 = '0'). */
export function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/** Whether `key` is selected by `s`. */
export function selects(s: Selection, key: string): boolean {
  return 'key' in s ? key === s.key : key > s.prefix && key < s.end;
}

/** `certificatesigningrequests.certificates.k8s.io`, `secrets` (core): kube's qualified resource. */
function qualified(p: KeyParts): string {
  return p.group === 'core' ? p.resource : `${p.resource}.${p.group}`;
}

export function notFound(key: string): KubetlsError {
  const p = parseKey(key);
  return new KubetlsError('NotFound', `${qualified(p)} "${p.name}" not found`);
}

export function alreadyExists(key: string): KubetlsError {
  const p = parseKey(key);
  return new KubetlsError('AlreadyExists', `${qualified(p)} "${p.name}" already exists`);
}

/** The stale-write conflict, in kube-apiserver's words (clients and people recognise them). */
export function conflict(
  key: string,
  detail = 'the object has been modified; please apply your changes to the latest version and try again',
): KubetlsError {
  const p = parseKey(key);
  return new KubetlsError('Conflict', `Operation cannot be fulfilled on ${qualified(p)} "${p.name}": ${detail}`);
}
