/**
 * Kubernetes' protobuf envelope (`application/vnd.kubernetes.protobuf`): the four bytes
 * `k8s\0`, then a runtime.Unknown {1: typeMeta {1: apiVersion, 2: kind}, 2: raw,
 * 3: contentEncoding, 4: contentType} whose `raw` is the object's own message. kubectl ≥ 1.32
 * sends CSR approvals and SelfSubjectAccessReviews this way (docs/upstream/csr-api.md Part A §4).
 */
import { bytes, obj, pb, str, type ObjectSchema } from '../machinery/schema.js';
import type { KubeObject } from '../object.js';
import { decodeMessage } from './decode.js';
import { ProtobufError } from './wire.js';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';
export const PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** runtime.Unknown, the envelope (k8s.io/apimachinery `pkg/runtime/generated.proto`) */
const UNKNOWN = obj('runtime.Unknown', {
  typeMeta: pb(1, obj('runtime.TypeMeta', { apiVersion: pb(1, str), kind: pb(2, str) }), 'always'),
  raw: pb(2, bytes),
  contentEncoding: pb(3, str),
  contentType: pb(4, str),
});

export interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Buffer;
  contentEncoding: string;
  contentType: string;
}

export function isProtobufBody(body: Uint8Array): boolean {
  return body.length >= 4 && PROTOBUF_MAGIC.equals(body.subarray(0, 4));
}

export function readEnvelope(body: Uint8Array): Envelope {
  if (body.length === 0) throw new ProtobufError('empty body');
  if (!isProtobufBody(body)) throw new ProtobufError('the body does not start with the "k8s\\0" protobuf prefix');
  const u = decodeMessage(body.subarray(4), UNKNOWN, 'envelope');
  const tm = u['typeMeta'] as { apiVersion?: string; kind?: string };
  return {
    apiVersion: tm.apiVersion ?? '',
    kind: tm.kind ?? '',
    raw: Buffer.from((u['raw'] as string | undefined) ?? '', 'base64'),
    contentEncoding: (u['contentEncoding'] as string | undefined) ?? '',
    contentType: (u['contentType'] as string | undefined) ?? '',
  };
}

/**
 * A protobuf request body as the JSON object the JSON path would have received: apiVersion
 * and kind (from the envelope, defaulted to the expected ones when empty, as Go does), then
 * the message's fields. A body of another kind, or compressed, is refused.
 */
export function decodeProtobufObject(
  body: Uint8Array,
  schema: ObjectSchema,
  expected: { apiVersion: string; kind: string },
): KubeObject {
  const env = readEnvelope(body);
  if (env.contentEncoding)
    throw new ProtobufError(`content encoding ${JSON.stringify(env.contentEncoding)} is not supported`);
  const apiVersion = env.apiVersion || expected.apiVersion;
  const kind = env.kind || expected.kind;
  if (apiVersion !== expected.apiVersion || kind !== expected.kind)
    throw new ProtobufError(
      `the body is a ${apiVersion}, Kind=${kind}; a ${expected.apiVersion}, Kind=${expected.kind} was expected`,
    );
  const fields = decodeMessage(env.raw, schema);
  return { apiVersion, kind, ...fields } as KubeObject;
}
