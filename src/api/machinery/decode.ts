/**
 * Decoding a create or update body: size and depth limits, JSON.parse, then the schema's
 * field validation (./schema.ts) under the request's fieldValidation directive. Repeated keys
 * are looked for only when the directive is Strict or Warn (Ignore never reports them).
 * `decodeBody` is the handlers' entry point: it picks JSON, YAML or Kubernetes protobuf from
 * the Content-Type and gives the same object for all three.
 */
import { isKubetlsError } from '../../errors/index.js';
import { parseYaml } from '../../util/yaml.js';
import { StatusError, badRequest } from './status.js';
import { assertBodySize, depthOf, MAX_BODY_BYTES, MAX_JSON_DEPTH, parseJsonBody } from './jsonBody.js';
import { requestBodyFormat, type BodyFormat } from './mediaType.js';
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
 * A create or update body as the object a handler works on, whatever its Content-Type:
 * - JSON (also when there is no Content-Type, as `kubectl replace --raw` sends it):
 *   decodeJsonObject under the fieldValidation directive;
 * - YAML: parsed (repeated keys refused by the parser, aliases bounded), then the same field
 *   check;
 * - Kubernetes protobuf (kubectl >= 1.32's approvals, `auth can-i`, `auth whoami`), for kinds
 *   whose schema carries protobuf numbers (canDecodeProtobuf): decoded to the JSON Go would
 *   print, then the same field check, so the object is the one the same request in JSON gives
 *   (protobuf has no unknown-field reporting, as upstream).
 * Any other Content-Type, or protobuf for a kind without numbers, is a 415 naming what the
 * kind accepts. Size and nesting limits hold for every format.
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
  const accepted: BodyFormat[] = canDecodeProtobuf(schema) ? ['json', 'yaml', 'protobuf'] : ['json', 'yaml'];
  const format = requestBodyFormat(contentType, accepted);
  if (format === 'json') return decodeJsonObject(body, schema, directive, target, limits);
  assertBodySize(body.length, limits.maxBytes ?? MAX_BODY_BYTES);
  if (format === 'protobuf') {
    const apiVersion = kind.group ? `${kind.group}/${kind.version}` : kind.version;
    const decoded = decodeProtobufObject(body, schema, { apiVersion, kind: kind.kind });
    return applyFieldValidation(decoded, schema, 'Ignore', target);
  }
  let value: unknown;
  try {
    value = parseYaml(body.toString('utf8'), 'request body');
  } catch (e) {
    throw badRequest(isKubetlsError(e) ? e.message : String(e), e);
  }
  const maxDepth = limits.maxDepth ?? MAX_JSON_DEPTH;
  if (depthOf(value, maxDepth) > maxDepth)
    throw badRequest(`the YAML document is nested more than ${maxDepth} levels deep`);
  return applyFieldValidation(value, schema, directive, target);
}
