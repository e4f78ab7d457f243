/**
 * PATCH: the content type picks the patch format, the body is read within the JSON limits
 * (./jsonBody.ts), the patch is applied to the current object, and the result goes through
 * the same field validation as a create (fieldValidation=Strict|Warn|Ignore, kube's
 * `handlers/patch.go` order: the patch's own repeated keys, then the patched object's unknown
 * fields).
 *
 * Server-side apply (`application/apply-patch+yaml`) is not implemented: it needs managed
 * fields and field ownership, which kubetls does not track. It gets a 415 whose message says
 * so and points at client-side apply, which is what `kubectl apply` does by default.
 */
import { fieldError } from '../../errors/index.js';
import { StatusError, badRequest, invalid, unsupportedMediaType } from './status.js';
import { parseJsonBody, type JsonPath } from './jsonBody.js';
import { applyMergePatch } from './mergePatch.js';
import { applyJsonPatch } from './jsonPatch.js';
import { applyStrategicMergePatch } from './strategicMergePatch.js';
import { applyPatchFieldValidation, type DecodeOutcome, type ObjectSchema } from './schema.js';
import type { FieldValidation } from './queryOptions.js';

export type PatchType = 'json' | 'merge' | 'strategic';

export const PATCH_CONTENT_TYPES: Readonly<Record<string, PatchType>> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
};

const APPLY_TYPES = new Set(['application/apply-patch+yaml', 'application/apply-patch+cbor']);

/**
 * The patch type of a Content-Type header (parameters such as `charset` ignored, as kube
 * does); 415 for anything else, with a message that names server-side apply when that is
 * what was asked.
 */
export function patchTypeOf(contentType: string | undefined): PatchType {
  const base = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (Object.hasOwn(PATCH_CONTENT_TYPES, base)) return PATCH_CONTENT_TYPES[base]!;
  if (APPLY_TYPES.has(base))
    throw new StatusError(
      'UnsupportedMediaType',
      `server-side apply (${base}) is not supported by kubetls; use client-side apply (kubectl apply without --server-side), or a patch of type ${Object.keys(PATCH_CONTENT_TYPES).join(', ')}`,
    );
  throw unsupportedMediaType(Object.keys(PATCH_CONTENT_TYPES));
}

/** `json patch unknown field "[0].foo"`: kube decodes each operation strictly into {op, path, from, value}. */
function jsonPatchStrictErrors(patch: unknown, duplicates: readonly JsonPath[]): string[] {
  const out: string[] = [];
  if (Array.isArray(patch))
    (patch as unknown[]).forEach((op, i) => {
      if (typeof op === 'object' && op !== null && !Array.isArray(op))
        for (const k of Object.keys(op))
          if (!['op', 'path', 'from', 'value'].includes(k))
            out.push(`json patch unknown field ${JSON.stringify(`[${i}].${k}`)}`);
    });
  for (const d of duplicates) {
    if (d.length !== 2) continue; // repeated keys inside a value are the value's business
    out.push(`json patch duplicate field ${JSON.stringify(`[${String(d[0])}].${String(d[1])}`)}`);
  }
  return out;
}

export interface PatchOptions {
  fieldValidation: FieldValidation;
  maxBytes?: number | undefined;
  maxDepth?: number | undefined;
}

/**
 * Applies a PATCH body of `type` to `current` and validates the result against `schema`;
 * returns the new object (unknown fields dropped) and the warnings for fieldValidation=Warn.
 * Throws a StatusError (400, 413, 422) for a bad patch.
 */
export function applyPatch(
  current: Record<string, unknown>,
  body: string | Buffer,
  type: PatchType,
  schema: ObjectSchema,
  opts: PatchOptions,
): DecodeOutcome {
  const strict = opts.fieldValidation !== 'Ignore';
  let parsed: { value: unknown; duplicates: JsonPath[] };
  try {
    parsed = parseJsonBody(body, { duplicates: strict, maxBytes: opts.maxBytes, maxDepth: opts.maxDepth });
  } catch (e) {
    if (e instanceof StatusError && e.message.startsWith('json parse error: '))
      throw badRequest(`invalid JSON patch: ${e.message.slice('json parse error: '.length)}`, e);
    throw e;
  }
  const patchText = typeof body === 'string' ? body : body.toString('utf8');
  let patched: Record<string, unknown>;
  let patchDuplicates: readonly JsonPath[] = parsed.duplicates;
  switch (type) {
    case 'json': {
      const strictErrors = strict ? jsonPatchStrictErrors(parsed.value, parsed.duplicates) : [];
      if (opts.fieldValidation === 'Strict' && strictErrors.length)
        throw invalid({ group: '', kind: '' }, '', [
          fieldError.invalid('patch', patchText, `strict decoding error: ${strictErrors.join(', ')}`),
        ]);
      patched = applyJsonPatch(current, parsed.value);
      const out = applyPatchFieldValidation(patched, schema, opts.fieldValidation, patchText);
      return {
        object: out.object,
        warnings: [...(opts.fieldValidation === 'Warn' ? strictErrors : []), ...out.warnings],
      };
    }
    case 'merge':
      patched = applyMergePatch(current, parsed.value);
      break;
    case 'strategic':
      patched = applyStrategicMergePatch(current, parsed.value, schema);
      break;
  }
  if (!strict) patchDuplicates = [];
  return applyPatchFieldValidation(patched, schema, opts.fieldValidation, patchText, patchDuplicates);
}
