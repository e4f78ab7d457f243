/**
 * The Swagger 2.0 document in protobuf: gnostic's `openapi.v2.Document`
 * (github.com/google/gnostic `openapiv2/OpenAPIv2.proto`), the form every kubectl asks
 * `/openapi/v2` for (`Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`;
 * client-go's OpenAPISchema has no JSON fallback). kubectl 1.20 explains and validates from
 * it, 1.27 reads it for explain and for the fieldValidation check, 1.33 falls back to it.
 *
 * Hand-written because the project has no protobuf library (../protobuf/wire.ts says why) and
 * this is an encoder for the few messages the generated document uses: every key of the JSON document must be known here, or the build at start-up
 * throws, so nothing is dropped silently. Vendor extensions travel as `NamedAny` whose
 * `Any.yaml` holds the value as text; JSON text is YAML, which is what kubectl parses there.
 */
import { WireWriter as Writer } from '../protobuf/wire.js';

type Json = Record<string, unknown>;

const known = (o: Json, keys: readonly string[], what: string): void => {
  for (const k of Object.keys(o))
    if (!keys.includes(k) && !k.startsWith('x-')) throw new Error(`openapi v2 protobuf: ${what} has no field ${k}`);
};

/** `NamedAny{name, Any{yaml}}` for each `x-` key, in key order (the same few values recur: encoded once each) */
const namedAnyCache = new Map<string, Buffer>();
function extensions(w: Writer, no: number, o: Json): void {
  for (const [k, v] of Object.entries(o))
    if (k.startsWith('x-')) {
      const text = `${JSON.stringify(v)}\n`;
      const key = `${k}\u0000${text}`;
      let b = namedAnyCache.get(key);
      if (!b)
        namedAnyCache.set(key, (b = new Writer().string(1, k).message(2, new Writer().string(2, text).done()).done()));
      w.message(no, b);
    }
}

function schema(o: Json): Buffer {
  known(
    o,
    ['$ref', 'format', 'description', 'required', 'additionalProperties', 'type', 'items', 'allOf', 'properties'],
    'Schema',
  );
  const w = new Writer().string(1, o.$ref).string(2, o.format).string(4, o.description).strings(19, o.required);
  if (o.additionalProperties !== undefined) {
    const a = o.additionalProperties;
    w.message(
      21,
      typeof a === 'boolean' ? new Writer().bool(2, a).done() : new Writer().message(1, schema(a as Json)).done(),
    );
  }
  if (o.type !== undefined) w.message(22, new Writer().strings(1, [o.type]).done());
  if (o.items !== undefined) w.message(23, new Writer().message(1, schema(o.items as Json)).done());
  for (const s of (o.allOf as Json[] | undefined) ?? []) w.message(24, schema(s));
  if (o.properties !== undefined) w.message(25, namedSchemas(o.properties as Json));
  extensions(w, 31, o);
  return w.done();
}

/** Properties and Definitions: `repeated NamedSchema additional_properties = 1` */
function namedSchemas(o: Json): Buffer {
  const w = new Writer();
  for (const [k, v] of Object.entries(o))
    w.message(
      1,
      new Writer()
        .string(1, k)
        .message(2, schema(v as Json))
        .done(),
    );
  return w.done();
}

function parameter(p: Json): Buffer {
  let param: Buffer;
  if (p.in === 'body') {
    known(p, ['name', 'in', 'required', 'description', 'schema'], 'BodyParameter');
    const b = new Writer()
      .string(1, p.description)
      .string(2, p.name)
      .string(3, p.in)
      .bool(4, p.required)
      .message(5, schema(p.schema as Json));
    extensions(b, 6, p);
    param = new Writer().message(1, b.done()).done();
  } else {
    known(p, ['name', 'in', 'required', 'description', 'type', 'uniqueItems'], 'NonBodyParameter');
    // QueryParameterSubSchema (3) and PathParameterSubSchema (4) share their first fields;
    // from `type` on their numbers differ (query has allow_empty_value = 5)
    const query = p.in === 'query';
    const s = new Writer()
      .bool(1, p.required)
      .string(2, p.in)
      .string(3, p.description)
      .string(4, p.name)
      .string(query ? 6 : 5, p.type)
      .bool(query ? 20 : 19, p.uniqueItems);
    extensions(s, query ? 23 : 22, p);
    if (p.in !== 'query' && p.in !== 'path') throw new Error(`openapi v2 protobuf: parameter in ${String(p.in)}`);
    param = new Writer().message(2, new Writer().message(query ? 3 : 4, s.done()).done()).done();
  }
  // ParametersItem{parameter = 1}
  return new Writer().message(1, param).done();
}

function operation(o: Json): Buffer {
  known(
    o,
    ['tags', 'description', 'operationId', 'produces', 'consumes', 'parameters', 'responses', 'schemes'],
    'Operation',
  );
  const w = new Writer()
    .strings(1, o.tags)
    .string(3, o.description)
    .string(5, o.operationId)
    .strings(6, o.produces)
    .strings(7, o.consumes);
  for (const p of (o.parameters as Json[] | undefined) ?? []) w.message(8, parameter(p));
  const responses = new Writer();
  for (const [code, r] of Object.entries((o.responses as Json | undefined) ?? {})) {
    const resp = r as Json;
    known(resp, ['description', 'schema'], 'Response');
    const rw = new Writer().string(1, resp.description);
    if (resp.schema) rw.message(2, new Writer().message(1, schema(resp.schema as Json)).done()); // SchemaItem{schema}
    // NamedResponseValue{name, ResponseValue{response = 1}}
    responses.message(1, new Writer().string(1, code).message(2, new Writer().message(1, rw.done()).done()).done());
  }
  w.message(9, responses.done());
  w.strings(10, o.schemes);
  extensions(w, 13, o);
  return w.done();
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;

function pathItem(o: Json): Buffer {
  known(o, [...METHODS, 'parameters'], 'PathItem');
  const w = new Writer();
  METHODS.forEach((m, i) => {
    if (o[m] !== undefined) w.message(i + 2, operation(o[m] as Json));
  });
  for (const p of (o.parameters as Json[] | undefined) ?? []) w.message(9, parameter(p));
  extensions(w, 10, o);
  return w.done();
}

/** Encodes a Swagger 2.0 document made by ./documents.ts. */
export function encodeOpenAPIv2(doc: Json): Buffer {
  known(doc, ['swagger', 'info', 'paths', 'definitions'], 'Document');
  const info = doc.info as Json;
  known(info, ['title', 'version', 'description'], 'Info');
  const paths = new Writer();
  for (const [p, item] of Object.entries(doc.paths as Json))
    paths.message(
      2,
      new Writer()
        .string(1, p)
        .message(2, pathItem(item as Json))
        .done(),
    );
  const w = new Writer()
    .string(1, doc.swagger)
    .message(2, new Writer().string(1, info.title).string(2, info.version).string(3, info.description).done())
    .message(8, paths.done())
    .message(9, namedSchemas(doc.definitions as Json));
  extensions(w, 16, doc);
  return w.done();
}
