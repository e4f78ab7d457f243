/**
 * Content negotiation as kube-apiserver does it (apiserver
 * `pkg/endpoints/handlers/negotiation/negotiate.go`, goautoneg for Accept parsing):
 *
 * - `Accept` clauses are sorted by q (then concrete types before wildcards, otherwise in the
 *   order sent) and the first clause the endpoint can honour wins. Parameters `as`, `v`, `g`
 *   ask for a conversion (`as=Table;v=v1;g=meta.k8s.io`); a clause whose conversion the
 *   endpoint cannot do is skipped, not refused. No acceptable clause is a 406.
 * - Discovery (`/api`, `/apis`) answers aggregated discovery (`apidiscovery.k8s.io` v2 or
 *   v2beta1 `APIGroupDiscoveryList`) only to a clause that asks for it, with a Content-Type
 *   naming what was sent; otherwise the legacy documents in plain JSON (docs/upstream/csr-api.md
 *   Part A: what kubectl 1.20, 1.27 and 1.33 send and accept).
 * - Request bodies: an absent Content-Type is JSON; JSON, YAML and Kubernetes protobuf are
 *   recognised; anything else is a 415 naming what is accepted.
 */
import { badRequest, notAcceptable, unsupportedMediaType } from './status.js';

export interface MediaRange {
  type: string;
  subtype: string;
  /** lower-case keys, values as sent; `q` is not among them */
  params: Record<string, string>;
  q: number;
}

/** An RFC 7231 token (what Go's mime.ParseMediaType accepts in types and parameter names). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Header values longer than this are not parsed (no real client sends one; Node caps headers at 16 KiB). */
const MAX_ACCEPT_LENGTH = 16 * 1024;

/** One clause `type/subtype;k=v;k="v"`, or undefined when Go's mime.ParseMediaType would refuse it. */
function parseClause(clause: string): MediaRange | undefined {
  const parts = clause.split(';');
  const full = parts[0]!.trim().toLowerCase();
  let type: string;
  let subtype: string;
  if (full === '*') [type, subtype] = ['*', '*'];
  else {
    const slash = full.indexOf('/');
    if (slash < 0) return undefined;
    type = full.slice(0, slash);
    subtype = full.slice(slash + 1);
  }
  if (!TOKEN.test(type) || !TOKEN.test(subtype)) return undefined;
  const params: Record<string, string> = {};
  let q = 1;
  for (const raw of parts.slice(1)) {
    const p = raw.trim();
    if (!p) continue;
    const eq = p.indexOf('=');
    if (eq <= 0) return undefined;
    const key = p.slice(0, eq).trim().toLowerCase();
    let value = p.slice(eq + 1).trim();
    if (!TOKEN.test(key)) return undefined;
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2)
      value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    else if (!TOKEN.test(value)) return undefined;
    if (key === 'q') {
      const n = Number.parseFloat(value);
      q = Number.isFinite(n) ? n : 0;
    } else params[key] = value;
  }
  return { type, subtype, params, q };
}

/** The clauses of an Accept header, most preferred first (goautoneg's order, stable). */
export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [];
  if (header.length > MAX_ACCEPT_LENGTH)
    throw badRequest(`the Accept header is longer than ${MAX_ACCEPT_LENGTH} characters`);
  const out: MediaRange[] = [];
  for (const c of header.split(',')) {
    const r = parseClause(c);
    if (r) out.push(r);
  }
  const rank = (r: MediaRange): number => (r.type === '*' ? 2 : r.subtype === '*' ? 1 : 0);
  return out
    .map((r, i) => ({ r, i }))
    .sort((a, b) => b.r.q - a.r.q || rank(a.r) - rank(b.r) || a.i - b.i)
    .map((x) => x.r);
}

/** Whether a clause covers `type/subtype` (exactly, `type/*`, or `*\/*`). */
const covers = (r: MediaRange, mediaType: string): boolean => {
  const [t, s] = mediaType.split('/');
  return (r.type === t && (r.subtype === s || r.subtype === '*')) || (r.type === '*' && r.subtype === '*');
};

// ---- resource endpoints

/** What a GET/LIST/WATCH answer should be encoded as. */
export type OutputTarget =
  | { as: 'object'; mediaType: string; pretty: boolean; stream: boolean }
  | { as: 'Table'; version: 'v1' | 'v1beta1'; mediaType: string; pretty: boolean; stream: boolean }
  | {
      as: 'PartialObjectMetadata' | 'PartialObjectMetadataList';
      version: 'v1' | 'v1beta1';
      mediaType: string;
      pretty: boolean;
      stream: boolean;
    };

export interface OutputOptions {
  /** the resource has a Table convertor (every resource does, with the default one) */
  table?: boolean;
  /** encodings the server writes, preferred first */
  supported?: readonly string[];
}

const META_VERSIONS = new Set(['v1', 'v1beta1']);

/**
 * The answer's encoding and form for an Accept header (RequestScope.AllowsMediaTypeTransform):
 * JSON (or another supported type) as is; a meta.k8s.io v1/v1beta1 `Table` for JSON or YAML
 * when the resource can be printed; `PartialObjectMetadata[List]`; `stream=watch` for
 * watches. An absent or empty header means the first supported type. Throws 406 otherwise.
 */
export function negotiateOutput(accept: string | undefined, opts: OutputOptions = {}): OutputTarget {
  const supported = opts.supported ?? ['application/json'];
  const table = opts.table ?? true;
  const clauses = parseAccept(accept);
  if (!accept || !accept.trim()) return { as: 'object', mediaType: supported[0]!, pretty: false, stream: false };
  for (const c of clauses) {
    for (const mediaType of supported) {
      if (!covers(c, mediaType)) continue;
      const { as, g, v, stream, pretty } = c.params;
      if (stream !== undefined && stream !== '' && stream !== 'watch') continue;
      const common = { mediaType, pretty: pretty === '1', stream: stream === 'watch' };
      if (as === undefined && g === undefined && v === undefined) return { as: 'object', ...common };
      if (g !== 'meta.k8s.io' || !v || !META_VERSIONS.has(v)) continue;
      const version = v as 'v1' | 'v1beta1';
      if (as === 'Table') {
        if (!table || !(mediaType === 'application/json' || mediaType === 'application/yaml')) continue;
        return { as: 'Table', version, ...common };
      }
      if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') return { as, version, ...common };
    }
  }
  throw notAcceptable(supported);
}

/** Whether the Accept header asks for a Table first (a shortcut for handlers that only care about that). */
export const wantsTable = (accept: string | undefined): boolean => {
  try {
    return negotiateOutput(accept).as === 'Table';
  } catch {
    return false;
  }
};

// ---- discovery

export type DiscoveryNegotiation =
  | { aggregated: true; version: 'v2' | 'v2beta1'; contentType: string }
  | { aggregated: false; contentType: 'application/json' };

/**
 * Aggregated discovery when a clause asks for `apidiscovery.k8s.io` `APIGroupDiscoveryList`
 * in a version we serve (v2 or v2beta1); the first such clause in preference order wins,
 * even after a plain JSON clause, because kube's discovery endpoint skips clauses that ask
 * for no conversion. Otherwise the legacy documents.
 */
export function negotiateDiscovery(accept: string | undefined): DiscoveryNegotiation {
  for (const c of parseAccept(accept)) {
    if (!covers(c, 'application/json')) continue;
    const { as, g, v } = c.params;
    if (g === 'apidiscovery.k8s.io' && as === 'APIGroupDiscoveryList' && (v === 'v2' || v === 'v2beta1'))
      return {
        aggregated: true,
        version: v,
        contentType: `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`,
      };
  }
  return { aggregated: false, contentType: 'application/json' };
}

// ---- request bodies

export type BodyFormat = 'json' | 'yaml' | 'protobuf';

const BODY_MEDIA_TYPES: Readonly<Record<BodyFormat, string>> = {
  json: 'application/json',
  yaml: 'application/yaml',
  protobuf: 'application/vnd.kubernetes.protobuf',
};

/**
 * The format of a request body from its Content-Type (parameters such as charset ignored).
 * No Content-Type is JSON: `kubectl replace --raw` sends none (docs/upstream/csr-api.md Part A §6).
 * `supported` lists what the endpoint decodes (JSON and protobuf by default; ./decode.ts's
 * decodeBody names JSON, YAML and, for kinds with protobuf numbers, protobuf); anything else
 * is a 415.
 */
export function requestBodyFormat(
  contentType: string | undefined,
  supported: readonly BodyFormat[] = ['json', 'protobuf'],
): BodyFormat {
  if (!contentType || !contentType.trim()) return 'json';
  const r = parseClause(contentType);
  const base = r && r.type !== '*' && r.subtype !== '*' ? `${r.type}/${r.subtype}` : undefined;
  for (const f of supported) if (BODY_MEDIA_TYPES[f] === base) return f;
  throw unsupportedMediaType(supported.map((f) => BODY_MEDIA_TYPES[f]));
}
