/**
 * The OpenAPI documents `kubetls serve` publishes, built once at start-up from the served
 * resources and the schemas, and answered from memory:
 *
 * - `/openapi/v2`: Swagger 2.0, as protobuf (gnostic's Document, what every kubectl asks for)
 *   or JSON, chosen from Accept; an ETag per representation and 304 for a matching
 *   If-None-Match.
 * - `/openapi/v3`: the index kubectl ≥ 1.27 reads first, `{"paths": {"apis/<group>/<version>":
 *   {"serverRelativeURL": "/openapi/v3/apis/<group>/<version>?hash=<H>"}}}`, and each
 *   group-version's OpenAPI 3.0 document at that URL, with only the schemas it refers to. `H`
 *   is the upper-case hex SHA-512 of the document, as kube-openapi computes it, so a client
 *   can cache a document forever by URL: with the current hash the answer says
 *   `Cache-Control: public, immutable`; with a stale hash it redirects (301) to the current one.
 *
 * Anything else under /openapi is a 404 Status; a path is only ever a key of a map here,
 * never a file name.
 *
 * Who reads what (measured with kubectl -v=6 against this server): 1.20 only /openapi/v2 as
 * protobuf (explain, client-side validation, apply's patch); 1.27 and 1.28 /openapi/v2 as
 * protobuf, then /openapi/v3 and the group-version document; 1.29 to 1.33 only /openapi/v3
 * and the group-version document (v2 is their fallback when v3 is missing).
 */
import { createHash } from 'node:crypto';
import type { ResourceNames } from '../resource.js';
import { notAcceptable, notFound } from '../machinery/status.js';
import { buildDefinitions, closure, gvkKey, type Json } from './definitions.js';
import { resourcePaths, type Operation, type Param, type PathItem } from './paths.js';
import { encodeOpenAPIv2 } from './v2proto.js';

export interface OpenAPIReply {
  status: number;
  headers: Record<string, string | number>;
  body: string | Buffer;
}

const V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
/** what kube-openapi answers protobuf with (the `@` of the request's type becomes a `.`) */
const V2_PROTOBUF_RESPONSE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

interface Representation {
  body: Buffer;
  contentType: string;
  etag: string;
}

const sha512Hex = (b: Buffer): string => createHash('sha512').update(b).digest('hex').toUpperCase();
const represent = (body: Buffer, contentType: string): Representation => ({
  body,
  contentType,
  etag: `"${sha512Hex(body)}"`,
});

// ---- rendering

const sortedObject = <T>(entries: Iterable<[string, T]>): Record<string, T> =>
  Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

const v2Ref = (name: string): Json => ({ $ref: `#/definitions/${name}` });

function v2Param(p: Param): Json {
  if (p.in === 'body') return { name: p.name, in: 'body', required: p.required ?? false, schema: v2Ref(p.schema!) };
  const o: Json = { description: p.description, in: p.in, name: p.name, type: p.type };
  if (p.required) o.required = true;
  if (p.in === 'query') o.uniqueItems = true;
  return o;
}

function v2Operation(o: Operation): Json {
  return {
    consumes: o.consumes,
    description: o.description,
    operationId: o.operationId,
    parameters: o.params.map(v2Param),
    produces: o.produces,
    responses: Object.fromEntries(
      o.responses.map(([code, def, description]) => [
        code,
        def ? { description, schema: v2Ref(def) } : { description },
      ]),
    ),
    schemes: ['https'],
    tags: [o.tag],
    'x-kubernetes-action': o.action,
    'x-kubernetes-group-version-kind': o.gvk,
  };
}

const v2PathItem = (p: PathItem): Json => ({
  ...Object.fromEntries(p.ops.map((o) => [o.method, v2Operation(o)])),
  parameters: p.params.map(v2Param),
});

/** A v2 schema as OpenAPI 3.0 has it: components references, `allOf` around a `$ref` with siblings. */
function toV3Schema(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toV3Schema);
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Json;
  const out: Json = {};
  for (const [k, x] of Object.entries(o))
    out[k] = k === '$ref' ? (x as string).replace('#/definitions/', '#/components/schemas/') : toV3Schema(x);
  if (typeof out.$ref === 'string' && Object.keys(out).length > 1) {
    const { $ref, ...rest } = out;
    return { ...rest, allOf: [{ $ref }] };
  }
  return out;
}

const v3Ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });

function v3Param(p: Param): Json {
  const o: Json = { name: p.name, in: p.in, description: p.description, schema: { type: p.type, uniqueItems: true } };
  if (p.required) o.required = true;
  return o;
}

function v3Operation(o: Operation): Json {
  const body = o.params.find((p) => p.in === 'body');
  const out: Json = {
    tags: [o.tag],
    description: o.description,
    operationId: o.operationId,
    parameters: o.params.filter((p) => p.in !== 'body').map(v3Param),
  };
  if (body)
    out.requestBody = {
      content: Object.fromEntries(o.consumes.map((t) => [t, { schema: v3Ref(body.schema!) }])),
      required: body.required ?? false,
    };
  out.responses = Object.fromEntries(
    o.responses.map(([code, def, description]) => [
      code,
      def
        ? { description, content: Object.fromEntries(o.produces.map((t) => [t, { schema: v3Ref(def) }])) }
        : { description },
    ]),
  );
  out['x-kubernetes-action'] = o.action;
  out['x-kubernetes-group-version-kind'] = o.gvk;
  return out;
}

const v3PathItem = (p: PathItem): Json => ({
  ...Object.fromEntries(p.ops.map((o) => [o.method, v3Operation(o)])),
  parameters: p.params.map(v3Param),
});

// ---- the documents

export interface OpenAPIOptions {
  /** `info.version`: the Kubernetes version the server reports (`v1.33.0`) */
  version: string;
}

export class OpenAPIDocuments {
  private readonly v2Json: Representation;
  private readonly v2Protobuf: Representation;
  private readonly v3Index: Representation;
  /** `apis/<group>/<version>` or `api/v1` -> its document and hash */
  private readonly v3 = new Map<string, Representation & { hash: string }>();

  constructor(resources: readonly ResourceNames[], o: OpenAPIOptions) {
    const { definitions, byGvk } = buildDefinitions(resources);
    const info = { title: 'Kubernetes', version: o.version };
    const byGroupVersion = new Map<string, { paths: PathItem[]; roots: string[] }>();
    for (const r of resources) {
      const kindDef = byGvk.get(gvkKey(r))!;
      const listDef = byGvk.get(gvkKey({ group: r.group, version: r.version, kind: r.listKind }))!;
      const key = r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`;
      const gv = byGroupVersion.get(key) ?? { paths: [], roots: [] };
      gv.paths.push(...resourcePaths(r, kindDef, listDef));
      gv.roots.push(kindDef, listDef);
      byGroupVersion.set(key, gv);
    }

    const allPaths = [...byGroupVersion.values()].flatMap((g) => g.paths);
    const v2 = {
      swagger: '2.0',
      info,
      paths: sortedObject(allPaths.map((p): [string, Json] => [p.path, v2PathItem(p)])),
      definitions: sortedObject(definitions),
    };
    this.v2Json = represent(Buffer.from(JSON.stringify(v2)), 'application/json');
    this.v2Protobuf = represent(encodeOpenAPIv2(v2), V2_PROTOBUF_RESPONSE);

    const v3Schemas = new Map<string, unknown>();
    const v3Schema = (n: string): unknown => {
      let x = v3Schemas.get(n);
      if (x === undefined) v3Schemas.set(n, (x = toV3Schema(definitions.get(n))));
      return x;
    };
    const index: Record<string, { serverRelativeURL: string }> = {};
    for (const [key, gv] of [...byGroupVersion].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const pathsJson = sortedObject(gv.paths.map((p): [string, Json] => [p.path, v3PathItem(p)]));
      const used = closure(definitions, [...gv.roots, ...referenced(pathsJson)]);
      const doc = {
        openapi: '3.0.0',
        info,
        paths: pathsJson,
        components: {
          schemas: sortedObject([...used].map((n): [string, unknown] => [n, v3Schema(n)])),
        },
      };
      const r = represent(Buffer.from(JSON.stringify(doc)), 'application/json');
      const hash = r.etag.slice(1, -1);
      this.v3.set(key, { ...r, hash });
      index[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` };
    }
    this.v3Index = represent(Buffer.from(JSON.stringify({ paths: index })), 'application/json');
  }

  /** The answer to GET `path` (no trailing slash) under /openapi, or a thrown 404/406 Status. */
  reply(
    path: string,
    query: URLSearchParams,
    headers: { accept?: string | undefined; 'if-none-match'?: string | undefined },
  ): OpenAPIReply {
    if (path === '/openapi/v2') return this.send(this.negotiateV2(headers.accept), headers);
    if (path === '/openapi/v3') return this.send(this.jsonOnly(this.v3Index, headers.accept), headers);
    const key = path.startsWith('/openapi/v3/') ? path.slice('/openapi/v3/'.length) : undefined;
    const doc = key === undefined ? undefined : this.v3.get(key);
    if (!doc) throw notFound({ group: '', resource: '' }, '');
    this.jsonOnly(doc, headers.accept);
    const hash = query.get('hash');
    if (hash !== null && hash !== doc.hash)
      // an old link: send the client to the current document, as kube-openapi does
      return {
        status: 301,
        headers: { Location: `/openapi/v3/${key}?hash=${doc.hash}`, 'Content-Length': 0 },
        body: '',
      };
    const extra: Record<string, string> =
      hash === null
        ? { 'Cache-Control': 'no-cache, private' }
        : {
            'Cache-Control': 'public, immutable',
            Expires: new Date(Date.now() + 365 * 24 * 3600 * 1000).toUTCString(),
          };
    return this.send(doc, headers, extra);
  }

  private negotiateV2(accept: string | undefined): Representation {
    const types = mediaTypes(accept);
    for (const t of types) {
      if (t === V2_PROTOBUF || t === V2_PROTOBUF_RESPONSE) return this.v2Protobuf;
      if (t === 'application/json' || t === 'application/*' || t === '*/*') return this.v2Json;
    }
    if (!types.length) return this.v2Json;
    throw notAcceptable(['application/json', V2_PROTOBUF]);
  }

  private jsonOnly<R extends Representation>(r: R, accept: string | undefined): R {
    const types = mediaTypes(accept);
    if (!types.length || types.some((t) => t === 'application/json' || t === 'application/*' || t === '*/*')) return r;
    throw notAcceptable(['application/json']);
  }

  private send(
    r: Representation,
    headers: { 'if-none-match'?: string | undefined },
    extra: Record<string, string> = {},
  ): OpenAPIReply {
    const common = { ETag: r.etag, Vary: 'Accept', ...extra };
    if (headers['if-none-match'] !== undefined && headers['if-none-match'].split(/\s*,\s*/).includes(r.etag))
      return { status: 304, headers: common, body: '' };
    return {
      status: 200,
      headers: { 'Content-Type': r.contentType, 'Content-Length': r.body.length, ...common },
      body: r.body,
    };
  }

  /** For tests and docs: the v3 group-version keys served. */
  groupVersions(): string[] {
    return [...this.v3.keys()];
  }
}

/**
 * The media types of an Accept header, without parameters, lower case. (v3 as protobuf,
 * `application/com.github.proto-openapi.spec.v3@v1.0+protobuf`, is not served: a client
 * asking only for it gets 406; kubectl asks for JSON.)
 */
function mediaTypes(accept: string | undefined): string[] {
  if (!accept) return [];
  return accept
    .split(',')
    .map((t) => t.split(';')[0]!.trim().toLowerCase())
    .filter((t) => t !== '');
}

/** definition names referred to by `$ref`s in the v3 paths */
function referenced(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => referenced(x, out));
  else if (typeof v === 'object' && v !== null)
    for (const [k, x] of Object.entries(v))
      if (k === '$ref' && typeof x === 'string') out.push(x.slice(x.lastIndexOf('/') + 1));
      else referenced(x, out);
  return out;
}
