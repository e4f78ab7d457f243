/**
 * JSON patch (RFC 6902, `application/json-patch+json`), applied with fast-json-patch inside
 * kube-apiserver's limits and with every operation checked first, so that a hostile patch
 * gets a clear 4xx and never a crash, a prototype write or a memory blow-up:
 *
 * - at most 10,000 operations (apiserver `handlers/patch.go` maxJSONPatchOperations; more is
 *   413 `Request entity too large: The allowed maximum operations in a JSON patch is 10000, got N`);
 * - `copy` may duplicate at most 3 MiB in total (kube's JSONPatchMaxCopyBytes), and a copy
 *   may not nest the document deeper than MAX_JSON_DEPTH (a copy of a subtree into itself
 *   doubles it each time);
 * - paths are resolved on own properties only, and a path through `__proto__` or
 *   `constructor/prototype` is refused (fast-json-patch refuses them too; this says why);
 * - a failing `test`, a missing path or a bad operation is 422 Invalid, as kube answers a
 *   patch that does not apply, but with the reason (kube's generic 422 loses it), and never
 *   with the document in the message (fast-json-patch's own errors print the whole tree).
 */
import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { StatusError, requestEntityTooLarge } from './status.js';
import { MAX_JSON_DEPTH, depthOf } from './jsonBody.js';
import { jsonKind } from './schema.js';

export const MAX_JSON_PATCH_OPERATIONS = 10000;
/** kube-apiserver's default --json-patch-max-copy-bytes (apiserver pkg/server/config.go) */
export const JSON_PATCH_MAX_COPY_BYTES = 3 * 1024 * 1024;

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

const unprocessable = (message: string): StatusError => new StatusError('Invalid', message);

/** RFC 6901: `~1` is `/`, `~0` is `~`; any other `~` is malformed. */
function parsePointer(p: string, i: number, name: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/'))
    throw unprocessable(`jsonpatch operation ${i}: ${name} ${JSON.stringify(p)} must be empty or start with "/"`);
  return p
    .slice(1)
    .split('/')
    .map((seg) => {
      if (/~[^01]|~$/.test(seg))
        throw unprocessable(
          `jsonpatch operation ${i}: ${name} ${JSON.stringify(p)} has a "~" that is not "~0" or "~1"`,
        );
      return seg.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}

const isContainer = (v: unknown): v is Record<string, unknown> | unknown[] => typeof v === 'object' && v !== null;
const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;

/** The value at the path, following own properties and valid array indices only. */
function resolve(doc: unknown, segs: readonly string[]): { found: boolean; value: unknown } {
  let cur: unknown = doc;
  for (const s of segs) {
    if (Array.isArray(cur)) {
      if (!ARRAY_INDEX.test(s) || Number(s) >= cur.length) return { found: false, value: undefined };
      cur = cur[Number(s)];
    } else if (isContainer(cur)) {
      if (!Object.hasOwn(cur, s)) return { found: false, value: undefined };
      cur = (cur as Record<string, unknown>)[s];
    } else return { found: false, value: undefined };
  }
  return { found: true, value: cur };
}

function refusePrototypePath(segs: readonly string[], i: number, p: string): void {
  segs.forEach((s, k) => {
    if (s === '__proto__' || (s === 'prototype' && k > 0 && segs[k - 1] === 'constructor'))
      throw unprocessable(
        `jsonpatch operation ${i}: path ${JSON.stringify(p)} refused: it goes through __proto__ or constructor.prototype`,
      );
  });
}

/**
 * Applies an RFC 6902 patch (already parsed JSON) to a copy of `current` and returns the copy.
 */
export function applyJsonPatch(current: Record<string, unknown>, patch: unknown): Record<string, unknown> {
  if (!Array.isArray(patch))
    throw new StatusError(
      'BadRequest',
      `json: cannot unmarshal ${jsonKind(patch)} into Go value of type jsonpatch.Patch`,
    );
  if (patch.length > MAX_JSON_PATCH_OPERATIONS)
    throw requestEntityTooLarge(
      `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${patch.length}`,
    );
  let doc: unknown = structuredClone(current);
  let copied = 0;
  patch.forEach((raw: unknown, i) => {
    if (!isContainer(raw) || Array.isArray(raw)) throw unprocessable(`jsonpatch operation ${i} is not a JSON object`);
    const op = raw.op;
    if (typeof op !== 'string' || !OPS.has(op))
      throw unprocessable(
        `jsonpatch operation ${i}: unknown "op" ${JSON.stringify(op ?? null)} (add, remove, replace, move, copy, test)`,
      );
    if (typeof raw.path !== 'string') throw unprocessable(`jsonpatch ${op} operation ${i}: "path" must be a string`);
    const path = raw.path;
    const segs = parsePointer(path, i, 'path');
    refusePrototypePath(segs, i, path);
    const hasValue = Object.hasOwn(raw, 'value');
    if ((op === 'add' || op === 'replace' || op === 'test') && !hasValue)
      throw unprocessable(`jsonpatch ${op} operation ${i} has no "value"`);
    let fromSegs: string[] = [];
    if (op === 'move' || op === 'copy') {
      if (typeof raw.from !== 'string') throw unprocessable(`jsonpatch ${op} operation ${i}: "from" must be a string`);
      fromSegs = parsePointer(raw.from, i, 'from');
      refusePrototypePath(fromSegs, i, raw.from);
      if (!resolve(doc, fromSegs).found)
        throw unprocessable(
          `jsonpatch ${op} operation does not apply: doc is missing from path: ${JSON.stringify(raw.from)}`,
        );
      if (op === 'move' && raw.from !== path && path.startsWith(`${raw.from}/`))
        throw unprocessable(
          `jsonpatch move operation ${i}: cannot move ${JSON.stringify(raw.from)} into its own child ${JSON.stringify(path)}`,
        );
    }
    if (op === 'remove' || op === 'replace' || op === 'test') {
      if (!resolve(doc, segs).found) {
        if (op === 'test') throw unprocessable(`testing value ${path} failed: the path does not exist`);
        throw unprocessable(`jsonpatch ${op} operation does not apply: doc is missing path: ${JSON.stringify(path)}`);
      }
      if (segs.length === 0 && op === 'remove')
        throw unprocessable(`jsonpatch remove operation ${i}: cannot remove the whole document`);
    } else if (segs.length > 0) {
      // add, move, copy: the parent must exist; in a list the index must be in range or "-"
      const parent = resolve(doc, segs.slice(0, -1));
      const last = segs[segs.length - 1]!;
      const ok =
        parent.found &&
        (Array.isArray(parent.value)
          ? last === '-' || (ARRAY_INDEX.test(last) && Number(last) <= parent.value.length)
          : isContainer(parent.value));
      if (!ok)
        throw unprocessable(`jsonpatch ${op} operation does not apply: doc is missing path: ${JSON.stringify(path)}`);
    }
    if (op === 'copy') {
      const value = resolve(doc, fromSegs).value;
      if (segs.length + depthOf(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH)
        throw unprocessable(
          `jsonpatch copy operation ${i} would nest the object more than ${MAX_JSON_DEPTH} levels deep`,
        );
      copied += JSON.stringify(value)?.length ?? 0;
      if (copied > JSON_PATCH_MAX_COPY_BYTES)
        throw new StatusError(
          'TooLarge',
          `Request entity too large: the copy operations of this JSON patch duplicate more than ${JSON_PATCH_MAX_COPY_BYTES} bytes`,
        );
    }
    const operation = {
      op,
      path,
      ...(hasValue ? { value: raw.value } : {}),
      ...(typeof raw.from === 'string' ? { from: raw.from } : {}),
    } as Operation;
    try {
      doc = jsonpatch.applyOperation(doc, operation, false, true, true, i).newDocument;
    } catch (e) {
      if (e instanceof jsonpatch.JsonPatchError && e.name === 'TEST_OPERATION_FAILED')
        throw unprocessable(`testing value ${path} failed: test failed`);
      // fast-json-patch's messages embed the whole document; say what failed instead
      throw unprocessable(`jsonpatch ${op} operation ${i} on ${JSON.stringify(path)} does not apply`);
    }
  });
  if (!isContainer(doc) || Array.isArray(doc))
    throw unprocessable('the JSON patch replaced the object with something that is not a JSON object');
  if (depthOf(doc, MAX_JSON_DEPTH + 1) > MAX_JSON_DEPTH)
    throw unprocessable(`the patched object is nested more than ${MAX_JSON_DEPTH} levels deep`);
  return doc;
}
