/**
 * Request bodies as JSON, within limits, before anything else touches them:
 *
 * - **size**: kube-apiserver reads at most `MaxRequestBodyBytes` (3 MiB by default,
 *   apiserver `pkg/server/config.go`) and answers 413 `Request entity too large: limit is
 *   3145728` past it (`handlers/rest.go` limitedReadBody);
 * - **nesting depth**: V8's JSON.parse is iterative and survives any depth, but
 *   JSON.stringify, structuredClone and every recursive walk of ours do not (measured on
 *   Node 20: JSON.stringify of 10,000 nested arrays throws "Maximum call stack size
 *   exceeded"), so a document nested deeper than MAX_JSON_DEPTH is refused by a linear
 *   pre-scan before it is parsed. Go's decoder stops at 10,000; no object of ours nests more
 *   than a dozen levels, so 100 refuses nothing real;
 * - **duplicate keys**: JSON.parse keeps the last of a repeated key silently; the same scan
 *   lists them (as paths) so that fieldValidation=Strict can refuse them and Warn can warn,
 *   as kube-apiserver's strict decoder does.
 *
 * Hand-written: JSON.parse has neither a depth limit nor duplicate-key reporting, and a
 * streaming parser in JavaScript would be slower than this scan plus the native parse.
 */
import { badRequest, requestEntityTooLarge } from './status.js';

/** kube-apiserver's default --max-request-body-bytes (apiserver pkg/server/config.go) */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** Deepest nesting of objects and arrays accepted in a body or a patch. */
export const MAX_JSON_DEPTH = 100;

/** At most this many repeated keys are listed (kube's strict decoder keeps 100 errors). */
export const MAX_REPORTED_DUPLICATES = 100;

/** A path inside a document: object keys and array indices. */
export type JsonPath = ReadonlyArray<string | number>;

/** `spec.conditions[0].type` — how kube's strict decoder prints a path */
export function formatJsonPath(path: JsonPath): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${p}` : p;
  return s;
}

/** Throws the 413 kube-apiserver answers for a body over the limit. */
export function assertBodySize(bytes: number, limit = MAX_BODY_BYTES): void {
  if (bytes > limit) throw requestEntityTooLarge(`limit is ${limit}`);
}

interface Frame {
  object: boolean;
  /** the path of this container */
  path: JsonPath;
  keys: Set<string> | undefined;
  /** object: the next string is a key; array: index of the next element */
  expectKey: boolean;
  index: number;
  /** the key whose value comes next (objects) */
  key: string;
}

export interface ScanResult {
  /** each repeated key, as the path of the key (parent path + key), in document order */
  duplicates: JsonPath[];
  /** deepest nesting seen */
  depth: number;
}

/**
 * One linear pass over the text: refuses nesting deeper than `maxDepth` with a 400, and
 * lists repeated object keys when `duplicates` is set. The text's syntax is JSON.parse's
 * business: on malformed input this returns whatever it saw, without looping or throwing.
 */
export function scanJson(
  text: string,
  opts: { maxDepth?: number | undefined; duplicates?: boolean | undefined } = {},
): ScanResult {
  const maxDepth = opts.maxDepth ?? MAX_JSON_DEPTH;
  const wantDuplicates = opts.duplicates ?? false;
  const stack: Frame[] = [];
  const duplicates: JsonPath[] = [];
  let depth = 0;
  const n = text.length;
  let i = 0;
  /** the path of the value starting now, in the innermost container */
  const valuePath = (): JsonPath => {
    const top = stack[stack.length - 1];
    if (!top) return [];
    return top.object ? [...top.path, top.key] : [...top.path, top.index];
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // find the closing quote: one not preceded by an odd number of backslashes
      let j = i + 1;
      let escaped = false;
      for (;;) {
        j = text.indexOf('"', j);
        if (j < 0) return { duplicates, depth };
        let k = j - 1;
        while (k > i && text.charCodeAt(k) === 0x5c) k--;
        if ((j - 1 - k) % 2 === 0) break;
        escaped = true;
        j++;
      }
      const top = stack[stack.length - 1];
      if (top?.object && top.expectKey) {
        // (a bounded search: looking for a backslash up to the end of the text would be quadratic)
        let key = text.slice(i + 1, j);
        if (escaped || key.includes('\\')) {
          try {
            key = JSON.parse(text.slice(i, j + 1)) as string;
          } catch {
            return { duplicates, depth };
          }
        }
        top.key = key;
        top.expectKey = false;
        if (wantDuplicates) {
          top.keys ??= new Set();
          if (!top.keys.has(key)) top.keys.add(key);
          else if (duplicates.length < MAX_REPORTED_DUPLICATES) duplicates.push([...top.path, key]);
        }
      }
      i = j + 1;
      continue;
    }
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (stack.length >= maxDepth)
        throw badRequest(`the JSON document is nested more than ${maxDepth} levels deep; refused before parsing`);
      stack.push({ object: c === 0x7b, path: valuePath(), keys: undefined, expectKey: c === 0x7b, index: 0, key: '' });
      if (stack.length > depth) depth = stack.length;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top) {
        if (top.object) top.expectKey = true;
        else top.index++;
      }
    }
    i++;
  }
  return { duplicates, depth };
}

export interface ParsedBody {
  value: unknown;
  /** repeated keys (only when asked for) */
  duplicates: JsonPath[];
}

/**
 * Size check, depth pre-scan, then JSON.parse. Malformed JSON is a 400 that says where (the
 * message of V8's parser), as kube-apiserver answers with its decoder's message.
 */
export function parseJsonBody(
  body: string | Buffer,
  opts: { maxBytes?: number | undefined; maxDepth?: number | undefined; duplicates?: boolean | undefined } = {},
): ParsedBody {
  assertBodySize(typeof body === 'string' ? Buffer.byteLength(body) : body.length, opts.maxBytes ?? MAX_BODY_BYTES);
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const scan = scanJson(text, opts);
  try {
    return { value: JSON.parse(text) as unknown, duplicates: scan.duplicates };
  } catch (e) {
    throw badRequest(`json parse error: ${(e as Error).message}`, e);
  }
}

/**
 * How deeply a value nests objects and arrays (a scalar is 0), counted without recursion and
 * giving up once past `limit` (it then returns limit + 1), so a pathological value costs no
 * more than the part that is over the limit.
 */
export function depthOf(value: unknown, limit = MAX_JSON_DEPTH): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    const here = d + 1;
    if (here > max) max = here;
    if (max > limit) return limit + 1;
    for (const child of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>)) stack.push([child, here]);
  }
  return max;
}
