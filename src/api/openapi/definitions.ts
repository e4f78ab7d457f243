/**
 * OpenAPI definitions (Swagger 2.0 schema objects, `#/definitions/<name>` references) made
 * from the one schema of each kind in `../machinery/schemas/`: the same JSON names, types,
 * maps and lists that decoding and strategic merge patch use, so `kubectl explain` and
 * kubectl's client-side patch computation can never disagree with what the server decodes.
 *
 * Names are upstream's definition names (`io.k8s.api.certificates.v1.CertificateSigningRequest`,
 * `io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`), because kubectl finds a kind's schema
 * by its `x-kubernetes-group-version-kind` extension and older kubectl versions also print
 * the name. A struct's package is the package of the first schema module that reaches it:
 * meta.ts first (ObjectMeta, ListMeta, Status…), then core/v1's kinds (so events.k8s.io
 * reuses core's ObjectReference and EventSource, as upstream does), then every other kind's
 * group. Struct identity is the `fields` object of the schema (`pb()` copies the schema
 * object but shares its fields), so one Go struct is one definition however often it is used.
 *
 * The descriptions and required lists are in ./descriptions.ts; v3 documents are derived
 * from these by ./documents.ts.
 */
import type { ListSchema, ObjectSchema, Schema } from '../machinery/schema.js';
import { structName } from '../machinery/schema.js';
import { schemaFor, schemaKeys } from '../machinery/schemas/index.js';
import * as metaTypes from '../machinery/schemas/meta.js';
import type { ResourceNames } from '../resource.js';
import { describe, requiredOf } from './descriptions.js';

export type Json = Record<string, unknown>;

export const META_PACKAGE = 'io.k8s.apimachinery.pkg.apis.meta.v1';
export const TIME = `${META_PACKAGE}.Time`;
export const MICRO_TIME = `${META_PACKAGE}.MicroTime`;
export const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
export const PATCH = `${META_PACKAGE}.Patch`;
export const DELETE_OPTIONS = `${META_PACKAGE}.DeleteOptions`;
export const STATUS = `${META_PACKAGE}.Status`;

/** The groups whose Go types live outside k8s.io/api, by the package path their definitions are named after. */
const OWN_PACKAGES: Record<string, string> = {
  'apiextensions.k8s.io': 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions',
};

/** `io.k8s.api.<first label of the group, or core>.<version>` (apiextensions: its own module's path) */
export const packageOf = (group: string, version: string): string =>
  Object.hasOwn(OWN_PACKAGES, group)
    ? `${OWN_PACKAGES[group]}.${version}`
    : `io.k8s.api.${group ? group.split('.')[0]! : 'core'}.${version}`;

export interface Gvk {
  group: string;
  version: string;
  kind: string;
}

export const ref = (name: string): Json => ({ $ref: `#/definitions/${name}` });

export interface DefinitionSet {
  /** every definition by name */
  definitions: Map<string, Json>;
  /** the definition name of each served (and request body) kind, by `group/version/kind` */
  byGvk: Map<string, string>;
}

export const gvkKey = (g: Gvk): string => `${g.group}/${g.version}/${g.kind}`;

const leafDefinitions: Record<string, Json> = {
  [TIME]: { type: 'string', format: 'date-time' },
  [MICRO_TIME]: { type: 'string', format: 'date-time' },
  [QUANTITY]: { type: 'string' },
  [PATCH]: { type: 'object' },
};

/** The list extensions: atomic unless strategic merge merges it (by key: a map; scalars: a set). */
function listExtensions(l: ListSchema): Json {
  if (l.patchStrategy !== 'merge') return { 'x-kubernetes-list-type': 'atomic' };
  if (!l.patchMergeKey) return { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-list-type': 'set' };
  return {
    'x-kubernetes-list-map-keys': [l.patchMergeKey],
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-patch-merge-key': l.patchMergeKey,
    'x-kubernetes-patch-strategy': 'merge',
  };
}

/**
 * Lists whose list type upstream declares without a patch strategy (`+listType=map` on
 * CertificateSigningRequestStatus.conditions: server-side apply merges it by type, while a
 * strategic merge patch replaces it whole, as this server's does).
 */
const LIST_MAP_KEYS: Record<string, string> = {
  'io.k8s.api.certificates.v1.CertificateSigningRequestStatus.conditions': 'type',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionStatus.conditions': 'type',
};

/** Builds the definitions of every schema in the registry of schemas, plus the list kinds of `resources`. */
export function buildDefinitions(resources: readonly ResourceNames[]): DefinitionSet {
  const definitions = new Map<string, Json>(Object.entries(leafDefinitions));
  const names = new WeakMap<object, string>();
  const byGvk = new Map<string, string>();
  const gvksOf = new Map<string, Gvk[]>();

  /** names every struct reachable from `s` not named yet in `pkg`, then emits them */
  const claim = (s: Schema, pkg: string): void => {
    if (s.type === 'list') return claim(s.items, pkg);
    if (s.type === 'map') return claim(s.values, pkg);
    if (s.type !== 'object' || names.has(s.fields)) return;
    const name = `${pkg}.${structName(s)}`;
    if (definitions.has(name)) throw new Error(`openapi: two structs named ${name}`);
    names.set(s.fields, name);
    definitions.set(name, {}); // reserved; filled below, once every struct has its name
    for (const f of Object.values(s.fields)) claim(f, pkg);
  };

  const structs: Array<[string, ObjectSchema]> = [];
  const collect = (s: Schema, seen: Set<object>): void => {
    if (s.type === 'list') return collect(s.items, seen);
    if (s.type === 'map') return collect(s.values, seen);
    if (s.type !== 'object' || seen.has(s.fields)) return;
    seen.add(s.fields);
    structs.push([names.get(s.fields)!, s]);
    for (const f of Object.values(s.fields)) collect(f, seen);
  };

  for (const v of Object.values(metaTypes)) if (isObjectSchema(v)) claim(v, META_PACKAGE);
  const keys = schemaKeys().map(parseKey);
  // core/v1 first, so the types other groups borrow from it are named in core
  keys.sort((a, b) => Number(a.group !== '') - Number(b.group !== ''));
  for (const gvk of keys) {
    const s = schemaFor(gvk)!;
    const pkg = gvk.group === 'meta.k8s.io' ? META_PACKAGE : packageOf(gvk.group, gvk.version);
    claim(s, pkg);
    const name = names.get(s.fields)!;
    byGvk.set(gvkKey(gvk), name);
    const list = gvksOf.get(name) ?? [];
    list.push(gvk);
    gvksOf.set(name, list);
  }

  const seen = new Set<object>();
  for (const gvk of keys) collect(schemaFor(gvk)!, seen);
  for (const [name, s] of structs) definitions.set(name, structDefinition(name, s, names, gvksOf.get(name)));

  for (const r of resources) {
    const kind = byGvk.get(gvkKey({ group: r.group, version: r.version, kind: r.kind }));
    if (!kind) throw new Error(`openapi: no schema for ${r.group}/${r.version} ${r.kind}`);
    const name = `${kind.slice(0, kind.lastIndexOf('.'))}.${r.listKind}`;
    const gvk = { group: r.group, version: r.version, kind: r.listKind };
    definitions.set(
      name,
      withDescription(name, '', {
        ...(describe(name, '') ? {} : { description: `A list of ${r.kind} objects.` }),
        required: ['items'],
        type: 'object',
        properties: {
          apiVersion: field(name, 'apiVersion', { type: 'string' }, true),
          items: { description: describe(name, 'items') ?? 'The objects.', type: 'array', items: ref(kind) },
          kind: field(name, 'kind', { type: 'string' }, true),
          metadata: field(name, 'metadata', ref(`${META_PACKAGE}.ListMeta`)),
        },
        'x-kubernetes-group-version-kind': [gvk],
      }),
    );
    byGvk.set(gvkKey(gvk), name);
  }
  return { definitions, byGvk };
}

const isObjectSchema = (v: unknown): v is ObjectSchema =>
  typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'object' && 'fields' in v;

const parseKey = (k: string): Gvk => {
  const parts = k.split('/');
  return parts.length === 3
    ? { group: parts[0]!, version: parts[1]!, kind: parts[2]! }
    : { group: '', version: parts[0]!, kind: parts[1]! };
};

function withDescription(def: string, fieldName: string, o: Json, topLevel = false): Json {
  const d = describe(def, fieldName, topLevel);
  return d ? { description: d, ...o } : o;
}
const field = withDescription;

function structDefinition(
  name: string,
  s: ObjectSchema,
  names: WeakMap<object, string>,
  gvks: Gvk[] | undefined,
): Json {
  const properties: Json = {};
  for (const k of Object.keys(s.fields).sort()) {
    const extra: Json = {};
    const f = s.fields[k]!;
    const mapKey = LIST_MAP_KEYS[`${name}.${k}`];
    if (f.type === 'list' && mapKey)
      Object.assign(extra, { 'x-kubernetes-list-map-keys': [mapKey], 'x-kubernetes-list-type': 'map' });
    properties[k] = field(name, k, { ...typeOf(f, names), ...extra }, gvks !== undefined);
  }
  const required = requiredOf(name);
  for (const r of required)
    if (!Object.hasOwn(s.fields, r)) throw new Error(`openapi: ${name} requires ${r}, which it does not have`);
  const o: Json = { type: 'object', properties };
  if (required.length) o.required = required;
  if (gvks) o['x-kubernetes-group-version-kind'] = gvks;
  return withDescription(name, '', o);
}

function typeOf(s: Schema, names: WeakMap<object, string>): Json {
  switch (s.type) {
    case 'object':
      return ref(names.get(s.fields)!);
    case 'map':
      return { type: 'object', additionalProperties: typeOf(s.values, names) };
    case 'list':
      return { type: 'array', items: typeOf(s.items, names), ...listExtensions(s) };
    case 'string':
      return { type: 'string' };
    case 'bytes':
      return { type: 'string', format: 'byte' };
    case 'time':
      return ref(TIME);
    case 'microtime':
      return ref(MICRO_TIME);
    case 'int32':
      return { type: 'integer', format: 'int32' };
    case 'int64':
      return { type: 'integer', format: 'int64' };
    case 'bool':
      return { type: 'boolean' };
    case 'float64':
      return { type: 'number', format: 'double' };
    case 'quantity':
      return ref(QUANTITY);
    case 'any':
      return { type: 'object' };
  }
}

/** The definitions `roots` refer to, directly or not (a v3 group-version document carries only those). */
export function closure(defs: Map<string, Json>, roots: Iterable<string>): Set<string> {
  const out = new Set<string>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (typeof v !== 'object' || v === null) return;
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref' && typeof x === 'string') add(x.slice(x.lastIndexOf('/') + 1));
      else visit(x);
    }
  };
  const add = (name: string): void => {
    if (out.has(name)) return;
    const d = defs.get(name);
    if (!d) throw new Error(`openapi: reference to unknown definition ${name}`);
    out.add(name);
    visit(d);
  };
  for (const r of roots) add(r);
  return out;
}
