/**
 * Continue tokens for chunked lists: the revision of the first page and the last key
 * returned, relative to the listed prefix, in the shape kube-apiserver uses (base64url of
 * `{"v":"meta.k8s.io/v1","rv":N,"start":"…"}`), so a token is opaque to clients but readable
 * when debugging. Every backend lists the next page at `rv`, after `start`.
 */
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

function invalid(why: string): KubetlsError {
  return new KubetlsError('BadRequest', `continue key is not valid: ${why}`, {
    hint: 'pass the continue value of the previous page unchanged, or list again without it',
  });
}

/** The state a token holds; BadRequest for anything that is not a token this store wrote. */
export function decodeContinue(token: string, prefix: string): ContinueState {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN) throw invalid('wrong length');
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(token)) throw invalid('not base64url');
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid('not JSON');
  }
  const o = v as { v?: unknown; rv?: unknown; start?: unknown } | null;
  if (typeof o !== 'object' || o === null || o.v !== VERSION) throw invalid(`not a ${VERSION} token`);
  if (typeof o.rv !== 'number' || !Number.isSafeInteger(o.rv) || o.rv < 1) throw invalid('bad revision');
  if (typeof o.start !== 'string' || o.start.length === 0 || o.start.includes('\0')) throw invalid('bad start key');
  // the next page is read from (prefix + start, end of prefix): a crafted start cannot
  // reach keys outside the listed prefix
  return { revision: o.rv, after: prefix + o.start };
}
