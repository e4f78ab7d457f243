/**
 * Decoding a create or update body: size and depth limits, JSON.parse, then the schema's
 * field validation (./schema.ts) under the request's fieldValidation directive. Repeated keys
 * are looked for only when the directive is Strict or Warn (Ignore never reports them).
 */
import { StatusError, badRequest } from './status.js';
import { parseJsonBody } from './jsonBody.js';
import { applyFieldValidation, type DecodeOutcome, type DecodeTarget, type ObjectSchema } from './schema.js';
import type { FieldValidation } from './queryOptions.js';

export interface DecodeLimits {
  maxBytes?: number | undefined;
  maxDepth?: number | undefined;
}

/**
 * The object of a JSON request body. Malformed JSON is kube's 400 `the object provided is
 * unrecognized (must be of type X): couldn't get version/kind; json parse error: …`; a body
 * that is not an object, a type error or (Strict) an unknown or repeated field is a 400 too.
 */
export function decodeJsonObject(
  body: string | Buffer,
  schema: ObjectSchema,
  directive: FieldValidation,
  target: DecodeTarget,
  limits: DecodeLimits = {},
): DecodeOutcome {
  let parsed;
  try {
    parsed = parseJsonBody(body, { ...limits, duplicates: directive !== 'Ignore' });
  } catch (e) {
    if (e instanceof StatusError && e.message.startsWith('json parse error: '))
      throw badRequest(
        `the object provided is unrecognized (must be of type ${target.kind}): couldn't get version/kind; ${e.message}`,
        e,
      );
    throw e;
  }
  return applyFieldValidation(parsed.value, schema, directive, target, parsed.duplicates);
}
