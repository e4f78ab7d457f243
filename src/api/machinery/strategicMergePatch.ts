/**
 * Strategic merge patch (`application/strategic-merge-patch+json`, what `kubectl apply`,
 * `kubectl patch` and `kubectl label/annotate` send), with the semantics of apimachinery
 * `pkg/util/strategicpatch/patch.go` (server side: StrategicMergeMapPatch) driven by our
 * schemas (./schema.ts) instead of Go struct tags:
 *
 * - objects merge key by key; `null` deletes; a value of another type replaces;
 * - lists are replaced whole unless the schema marks them `patchStrategy: merge` (upstream's
 *   struct tag): then lists of objects merge item by item on `patchMergeKey`
 *   (Node status.addresses and status.conditions by `type`, ownerReferences by `uid`), lists
 *   of scalars merge as sets (finalizers, podCIDRs). CSR status.conditions and every RBAC
 *   list have no such tag upstream and are replaced;
 * - directives, all honoured: `$patch: replace` (the map or list is replaced by the patch),
 *   `$patch: delete` (the map becomes empty; in a merging list, the item with that merge key
 *   is removed), `$retainKeys: [..]` (keys not listed are cleared), `$deleteFromPrimitiveList/<f>`
 *   (those values are removed from a merging list of scalars), `$setElementOrder/<f>` (the
 *   order of a merging list after the merge); `$patch: merge` is refused as upstream refuses
 *   it. Directives never reach the result.
 *
 * Errors are 400 BadRequest with upstream's words (`invalid patch format of retainKeys`,
 * `map: … does not contain declared merge key: type`) — kube-apiserver answers some of them
 * 500, which blames the server for the client's patch. Lists are merged through maps keyed by
 * the merge key, so a large patch against a large list is linear, not quadratic.
 *
 * Hand-written: the algorithm exists only in Go; no JavaScript library implements it.
 */
import { StatusError, badRequest } from './status.js';
import { isPlainObject } from '../object.js';
import { defineOwn, type ListSchema, type ObjectSchema, type Schema } from './schema.js';

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER = '$setElementOrder';

type JsonObject = Record<string, unknown>;
const own = (o: JsonObject, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined);

/** Go's %v of a map, close enough for an error message: map[k:v k2:v2] */
function goValue(v: unknown): string {
  if (isPlainObject(v))
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${goValue(v[k])}`)
      .join(' ')}]`;
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (v === null || v === undefined) return '<nil>';
  return String(v);
}

const noMergeKey = (m: JsonObject, key: string): StatusError =>
  badRequest(`map: ${goValue(m)} does not contain declared merge key: ${key}`);

/** The schema of field `k` of an object or map schema (undefined: unknown, merged without metadata). */
function childSchema(s: Schema | undefined, k: string): Schema | undefined {
  if (!s) return undefined;
  if (s.type === 'object') return Object.hasOwn(s.fields, k) ? s.fields[k] : undefined;
  if (s.type === 'map') return s.values;
  return undefined;
}

const listSchema = (s: Schema | undefined): ListSchema | undefined => (s?.type === 'list' ? s : undefined);

/** Removes `$…` directives from a value the patch adds whole; false when the value itself is a directive. */
function removeDirectives(v: unknown): [unknown, boolean] {
  if (isPlainObject(v)) {
    if (Object.hasOwn(v, DIRECTIVE)) return [undefined, false];
    const out: JsonObject = {};
    for (const [k, child] of Object.entries(v)) {
      if (k === RETAIN_KEYS || k.startsWith(`${SET_ELEMENT_ORDER}/`) || k.startsWith(`${DELETE_FROM_PRIMITIVE_LIST}/`))
        continue;
      const [c, keep] = removeDirectives(child);
      if (keep) defineOwn(out, k, c);
    }
    return [out, true];
  }
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const item of v) {
      const [c, keep] = removeDirectives(item);
      if (keep) out.push(c);
    }
    return [out, true];
  }
  return [v, true];
}

/** Nulls inside a value that is added whole mean nothing (upstream IgnoreUnmatchedNulls). */
function discardNulls(v: unknown): unknown {
  if (isPlainObject(v)) {
    const out: JsonObject = {};
    for (const [k, child] of Object.entries(v)) if (child !== null) defineOwn(out, k, discardNulls(child));
    return out;
  }
  if (Array.isArray(v)) return v.map(discardNulls);
  return v;
}

/** A value the patch adds where the original has nothing comparable. */
function fresh(v: unknown): [unknown, boolean] {
  return removeDirectives(discardNulls(v));
}

/** The directive suffix: `$setElementOrder/conditions` → `conditions` (upstream extractKey). */
function extractKey(key: string, prefix: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) {
    throw badRequest(
      prefix === DELETE_FROM_PRIMITIVE_LIST
        ? 'invalid patch format of primitive list'
        : 'invalid patch format of setElementOrder list',
    );
  }
  return key.slice(slash + 1);
}

type Kind = 'map' | 'scalar';

/** All items of both lists are objects, or all scalars; lists of lists are refused (upstream sliceElementType). */
function elementKind(...lists: unknown[][]): Kind | undefined {
  let kind: Kind | undefined;
  let scalarType: string | undefined;
  for (const l of lists)
    for (const v of l) {
      if (Array.isArray(v)) throw new StatusError('Invalid', 'lists of lists are not supported');
      const k: Kind = isPlainObject(v) ? 'map' : 'scalar';
      const t = v === null ? 'null' : typeof v;
      if (kind === undefined) {
        kind = k;
        scalarType = t;
      } else if (kind !== k || (k === 'scalar' && t !== scalarType)) {
        throw badRequest('list element types are not identical');
      }
    }
  return kind;
}

/** The identity of a list item: its merge key's value for objects, itself for scalars. */
const identity = (v: unknown, mergeKey: string | undefined): unknown =>
  mergeKey && isPlainObject(v) ? own(v, mergeKey) : v;

/** Positions of identities in a list (first occurrence). */
function indexOf(list: readonly unknown[], mergeKey: string | undefined): Map<unknown, number> {
  const m = new Map<unknown, number>();
  list.forEach((v, i) => {
    const id = identity(v, mergeKey);
    if (!m.has(id)) m.set(id, i);
  });
  return m;
}

/**
 * Orders the merged list as upstream normalizeElementOrder does: the items named by the patch
 * (or by $setElementOrder) in that order, the server-only items in their live order, the two
 * interleaved so that a server-only item stays before the patch item it preceded in the live list.
 */
function normalizeOrder(
  merged: unknown[],
  patchOrder: readonly unknown[],
  serverOrder: readonly unknown[],
  mergeKey: string | undefined,
): unknown[] {
  const inPatch = indexOf(patchOrder, mergeKey);
  const live = indexOf(serverOrder, mergeKey);
  const patchItems: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const v of merged) (inPatch.has(identity(v, mergeKey)) ? patchItems : serverOnly).push(v);
  const byOrder = (order: Map<unknown, number>) => (a: unknown, b: unknown) =>
    (order.get(identity(a, mergeKey)) ?? Infinity) - (order.get(identity(b, mergeKey)) ?? Infinity);
  patchItems.sort(byOrder(inPatch));
  serverOnly.sort(byOrder(live));
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < patchItems.length) {
    if (i >= serverOnly.length) out.push(patchItems[j++]);
    else if (j >= patchItems.length) out.push(serverOnly[i++]);
    else {
      const li = live.get(identity(serverOnly[i], mergeKey));
      const ri = live.get(identity(patchItems[j], mergeKey));
      if (li !== undefined && ri !== undefined && li < ri) out.push(serverOnly[i++]);
      else out.push(patchItems[j++]);
    }
  }
  return out;
}

/** Merges two lists under a `patchStrategy: merge` field (upstream mergeSlice). */
function mergeList(original: unknown[], patch: unknown[], schema: ListSchema, deleteList: boolean): unknown[] {
  if (!original.length && !patch.length) return original;
  const kind = elementKind(original, patch);
  const mergeKey = schema.patchMergeKey;
  if (kind === 'scalar') {
    if (deleteList) {
      const drop = new Set(patch);
      return original.filter((v) => !drop.has(v));
    }
    const merged = [...new Set([...original, ...patch])];
    return normalizeOrder(merged, patch, original, undefined);
  }
  if (deleteList) throw badRequest('invalid patch format of primitive list');
  if (!mergeKey) throw badRequest('cannot merge lists without merge key for a list of objects');
  // special elements first: {$patch: delete, <key>: v} removes, {$patch: replace} replaces the list
  let base = original;
  const plain: JsonObject[] = [];
  let replace = false;
  for (const item of patch as JsonObject[]) {
    if (!Object.hasOwn(item, DIRECTIVE)) {
      plain.push(item);
      continue;
    }
    const d = item[DIRECTIVE];
    if (d === 'delete') {
      if (!Object.hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
      const gone = item[mergeKey];
      base = base.filter((o) => !(isPlainObject(o) && own(o, mergeKey) === gone));
    } else if (d === 'replace') replace = true;
    else if (d === 'merge') throw badRequest('merging lists cannot yet be specified in the patch');
    else throw badRequest(`unknown patch type: ${goValue(d)} in map: ${goValue(item)}`);
  }
  if (replace) return plain.map((p) => fresh(p)[0]);
  const out = base.slice();
  const at = new Map<unknown, number>();
  out.forEach((o, i) => {
    if (!isPlainObject(o)) return;
    if (!Object.hasOwn(o, mergeKey)) throw noMergeKey(o, mergeKey);
    if (!at.has(o[mergeKey])) at.set(o[mergeKey], i);
  });
  for (const p of plain) {
    if (!Object.hasOwn(p, mergeKey)) throw noMergeKey(p, mergeKey);
    const i = at.get(p[mergeKey]);
    if (i !== undefined) out[i] = mergeObject(out[i] as JsonObject, p, schema.items);
    else {
      at.set(p[mergeKey], out.length);
      out.push(fresh(p)[0]);
    }
  }
  return normalizeOrder(out, plain, base, mergeKey);
}

/** `$retainKeys`: every key of the patch must be listed; keys of the original not listed go. */
function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
  const list = patch[RETAIN_KEYS];
  if (!Array.isArray(list)) throw badRequest('invalid patch format of retainKeys');
  const keep = new Set(list);
  for (const [k, v] of Object.entries(patch)) {
    if (k === RETAIN_KEYS || v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER))
      continue;
    if (!keep.has(k)) throw badRequest('invalid patch format of retainKeys');
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

/** Checks that the patch list's items appear in the $setElementOrder list in the same relative order. */
function checkOrderList(patchList: unknown[], order: unknown[], mergeKey: string | undefined): void {
  const items = mergeKey ? patchList.filter((p) => !(isPlainObject(p) && own(p, DIRECTIVE) === 'delete')) : patchList;
  let j = 0;
  for (const item of items) {
    if (isPlainObject(item) && Object.hasOwn(item, DIRECTIVE)) continue;
    if (mergeKey && (!isPlainObject(item) || !Object.hasOwn(item, mergeKey)))
      throw noMergeKey(isPlainObject(item) ? item : {}, mergeKey);
    const id = identity(item, mergeKey);
    while (j < order.length && identity(order[j], mergeKey) !== id) j++;
    if (j >= order.length) throw badRequest(`the order of the patch list does not match its ${SET_ELEMENT_ORDER} list`);
    j++;
  }
}

/** Upstream mergeMap: the patch merged into a copy of the original. */
function mergeObject(originalIn: JsonObject, patchIn: JsonObject, schema: Schema | undefined): JsonObject {
  if (Object.hasOwn(patchIn, DIRECTIVE)) {
    const d = patchIn[DIRECTIVE];
    if (d === 'replace') {
      const { [DIRECTIVE]: _, ...rest } = patchIn;
      return fresh(rest)[0] as JsonObject;
    }
    if (d === 'delete') return {};
    throw badRequest(`unknown patch type: ${goValue(d)} in map: ${goValue(patchIn)}`);
  }
  const original: JsonObject = {};
  for (const [k, v] of Object.entries(originalIn)) defineOwn(original, k, v);
  const patch: JsonObject = {};
  for (const [k, v] of Object.entries(patchIn)) defineOwn(patch, k, v);

  applyRetainKeys(original, patch);
  delete patch[RETAIN_KEYS];

  // $setElementOrder/<field>: merge that list now, then order it
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = patch[key];
    delete patch[key];
    const field = extractKey(key, SET_ELEMENT_ORDER);
    if (!Array.isArray(order)) throw badRequest('invalid patch format of setElementOrder list');
    const ls = listSchema(childSchema(schema, field));
    const o = own(original, field);
    const p = own(patch, field);
    if (o !== undefined && !Array.isArray(o)) continue; // not a list here: nothing to order
    if (p !== undefined && p !== null && !Array.isArray(p))
      throw badRequest('invalid patch format of setElementOrder list');
    const mergeKey = ls?.patchMergeKey;
    if (Array.isArray(p)) checkOrderList(p, order, mergeKey);
    let merged: unknown[];
    if (o === undefined && p === undefined) continue;
    if (p === undefined || p === null) merged = o as unknown[];
    else if (o === undefined) merged = fresh(p)[0] as unknown[];
    else merged = ls?.patchStrategy === 'merge' ? mergeList(o, p, ls, false) : (fresh(p)[0] as unknown[]);
    if (p === null) continue; // the field is deleted below
    defineOwn(original, field, normalizeOrder(merged, order, o ?? [], mergeKey));
    delete patch[field];
  }

  for (const [rawKey, pv] of Object.entries(patch)) {
    let key = rawKey;
    let deleteList = false;
    if (rawKey.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      key = extractKey(rawKey, DELETE_FROM_PRIMITIVE_LIST);
      deleteList = true;
      if (!Array.isArray(pv)) throw badRequest('invalid patch format of primitive list');
    }
    if (pv === null) {
      delete original[key];
      continue;
    }
    const fieldSchema = childSchema(schema, key);
    if (!Object.hasOwn(original, key)) {
      if (!deleteList) {
        const [v, keep] = fresh(pv);
        if (keep) defineOwn(original, key, v);
      }
      continue;
    }
    const ov = original[key];
    if (deleteList) {
      if (Array.isArray(ov))
        defineOwn(
          original,
          key,
          mergeList(ov, pv as unknown[], listSchema(fieldSchema) ?? { type: 'list', items: { type: 'any' } }, true),
        );
      continue;
    }
    if (isPlainObject(ov) && isPlainObject(pv)) defineOwn(original, key, mergeObject(ov, pv, fieldSchema));
    else if (Array.isArray(ov) && Array.isArray(pv)) {
      const ls = listSchema(fieldSchema);
      // an atomic list is replaced by the patch's list (upstream keeps its directives as data; they are dropped here)
      defineOwn(original, key, ls?.patchStrategy === 'merge' ? mergeList(ov, pv, ls, false) : removeDirectives(pv)[0]);
    } else {
      const [v, keep] = fresh(pv);
      if (keep) defineOwn(original, key, v);
      else delete original[key];
    }
  }
  return original;
}

/** Applies a strategic merge patch (already parsed JSON) to `current`, which is not modified. */
export function applyStrategicMergePatch(
  current: Record<string, unknown>,
  patch: unknown,
  schema: ObjectSchema | undefined,
): Record<string, unknown> {
  if (!isPlainObject(patch)) throw badRequest('invalid JSON document: a strategic merge patch must be a JSON object');
  return mergeObject(current, patch, schema);
}
