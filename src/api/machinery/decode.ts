/**
 * Decoding a create or update body: size and depth limits, JSON.parse, then the schema's
 * field validation (./schema.ts) under the request's fieldValidation directive. Repeated keys
 * are looked for only when the directive is Strict or Warn (Ignore never reports them).
 * `decodeBody` is the handlers' entry point: it picks JSON or Kubernetes protobuf from the
 * Content-Type and gives the same object for both.
 */
import { StatusError, badRequest } from './status.js';
import { assertBodySize, MAX_BODY_BYTES, parseJsonBody } from './jsonBody.js';
import { requestBodyFormat } from './mediaType.js';
import { applyFieldValidation, type DecodeOutcome, type DecodeTarget, type ObjectSchema } from './schema.js';
import type { FieldValidation } from './queryOptions.js';
import { canDecodeProtobuf } from '../protobuf/decode.js';
import { decodeProtobufObject } from '../protobuf/envelope.js';

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

/** The kind a request body must be: its group ('' for core), version and kind. */
export interface BodyKind {
  group: string;
  version: string;
  kind: string;
}

/**
 * A create or update body as the object a handler works on. JSON (also when there is no
 * Content-Type, as `kubectl replace --raw` sends it) goes through decodeJsonObject under the
 * fieldValidation directive. Kubernetes protobuf (kubectl >= 1.32's approvals and
 * SelfSubjectAccessReviews) is accepted for kinds whose schema carries protobuf numbers; it
 * is decoded to the JSON Go would print, then passes the same field check (protobuf has no
 * unknown-field reporting, as upstream), so the object is the one the same request in JSON
 * gives. Any other Content-Type, or protobuf for a kind without numbers, is a 415 naming what
 * the kind accepts.
 */
export function decodeBody(
  body: Buffer,
  contentType: string | undefined,
  schema: ObjectSchema,
  directive: FieldValidation,
  kind: BodyKind,
  limits: DecodeLimits = {},
): DecodeOutcome {
  const target = { kind: kind.kind, version: kind.version };
  const format = requestBodyFormat(contentType, canDecodeProtobuf(schema) ? ['json', 'protobuf'] : ['json']);
  if (format !== 'protobuf') return decodeJsonObject(body, schema, directive, target, limits);
  assertBodySize(body.length, limits.maxBytes ?? MAX_BODY_BYTES);
  const apiVersion = kind.group ? `${kind.group}/${kind.version}` : kind.version;
  const decoded = decodeProtobufObject(body, schema, { apiVersion, kind: kind.kind });
  return applyFieldValidation(decoded, schema, 'Ignore', target);
}
