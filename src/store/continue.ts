/**
 * Continue tokens for chunked lists: the revision of the first page and the last key
 * returned, relative to the listed prefix, in the shape kube-apiserver uses (base64url of
 * `{"v":"meta.k8s.io/v1","rv":N,"start":"…"}`), so a token is opaque to clients but readable
 * when debugging. Every backend lists the next page at `rv`, after `start`.
 */
import { posix } from 'node:path';
import { KubetlsError } from '../errors/index.js';

const VERSION = 'meta.k8s.io/v1';
/** a token holds one key and a number: anything longer is not ours */
const MAX_TOKEN = 4096;

export interface ContinueState {
  revision: number;
  /** the last key returned, relative to the prefix */
  after: string;
}

export function encodeContinue(revision: number, prefix: string, lastKey: string): string {
  const body = JSON.stringify({ v: VERSION, rv: revision, start: lastKey.slice(prefix.length) });
  return Buffer.from(body).toString('base64url');
}

/**
 * kube-apiserver's words for a token it cannot use (apiserver `storage/continue.go` errors,
 * wrapped by the etcd3 store as a 400 `invalid continue token: <error>`), so clients and
 * people see the same line from kubetls as from a cluster.
 */
const INVALID = 'invalid continue token: continue key is not valid';
function invalid(detail: string): KubetlsError {
  return new KubetlsError('BadRequest', `${INVALID}: ${detail}`, {
    hint: 'pass the continue value of the previous page unchanged, or list again without it',
  });
}

/**
 * Go's base64.RawURLEncoding error for `s`: the offset of the first byte outside the URL
 * alphabet (padding included: the raw encoding has none; CR and LF are skipped as Go skips
 * them), or of a last quantum of a single character.
 */
function base64Error(s: string): string | undefined {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\r' || c === '\n') continue;
    if (!/[A-Za-z0-9_-]/.test(c)) return `illegal base64 data at input byte ${i}`;
    n++;
  }
  return n % 4 === 1 ? `illegal base64 data at input byte ${s.length - 1}` : undefined;
}

/** Go's encoding/json message for text that does not parse (the common cases). */
function jsonError(text: string): string {
  const t = text.trimStart();
  if (!t) return 'unexpected end of JSON input';
  if (!/^[{["\-0-9tfn]/.test(t)) return `invalid character ${JSON.stringify(t[0])} looking for beginning of value`;
  return 'unexpected end of JSON input';
}

/** The state a token holds; BadRequest in kube-apiserver's words for anything that is not a token this store wrote. */
export function decodeContinue(token: string, prefix: string): ContinueState {
  // kube has no length limit; a token holds one key and a number, so a huge one is not ours
  if (typeof token !== 'string' || token.length > MAX_TOKEN) throw invalid('token too long');
  const b64 = base64Error(token);
  if (b64) throw invalid(b64);
  const text = Buffer.from(token, 'base64url').toString('utf8');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw invalid(jsonError(text));
  }
  const goKind = (x: unknown): string =>
    Array.isArray(x) ? 'array' : typeof x === 'number' ? 'number' : typeof x === 'boolean' ? 'bool' : typeof x;
  if (typeof v !== 'object' || Array.isArray(v))
    throw invalid(`json: cannot unmarshal ${goKind(v)} into Go value of type storage.continueToken`);
  // a JSON null decodes to the zero token, whose empty version nothing recognizes
  const o = (v ?? {}) as { v?: unknown; rv?: unknown; start?: unknown };
  const field = (name: string, x: unknown, goType: string): KubetlsError =>
    invalid(
      `json: cannot unmarshal ${goKind(x)}${typeof x === 'number' ? ` ${x}` : ''} into Go struct field continueToken.${name} of type ${goType}`,
    );
  if (o.v !== undefined && o.v !== null && typeof o.v !== 'string') throw field('v', o.v, 'string');
  if (o.rv !== undefined && o.rv !== null && (typeof o.rv !== 'number' || !Number.isInteger(o.rv)))
    throw field('rv', o.rv, 'int64');
  if (o.start !== undefined && o.start !== null && typeof o.start !== 'string') throw field('start', o.start, 'string');
  if (o.v !== VERSION)
    // "%w %v" upstream: a space, not a colon, before the version
    throw invalid(`server does not recognize this encoded version ${typeof o.v === 'string' ? o.v : ''}`.trimEnd());
  if (typeof o.rv !== 'number' || !Number.isSafeInteger(o.rv) || o.rv < 1)
    throw invalid(`incorrect encoded start resourceVersion (version ${VERSION})`);
  if (typeof o.start !== 'string' || o.start.length === 0)
    throw invalid(`encoded start key empty (version ${VERSION})`);
  // the next page is read from (prefix + start, end of prefix); like kube, a start that is
  // not a clean path (`..`, `//`, a NUL) is refused, so a crafted token cannot leave the prefix
  const key = o.start.startsWith('/') ? o.start : `/${o.start}`;
  if (key.includes('\0') || posix.normalize(key) !== key || (key.length > 1 && key.endsWith('/')))
    throw invalid(o.start);
  return { revision: o.rv, after: prefix + o.start };
}
