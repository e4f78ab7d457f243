/**
 * A plain description of an API type's fields: JSON name, JSON/Go type, protobuf field
 * number and how Go's encoding/json prints the field when it is zero. One description per
 * type serves three readers, so the three cannot drift apart:
 *  - the shape check (./shape.ts): a JSON body's fields have the right types;
 *  - the protobuf decoder (../protobuf/): kubectl ≥ 1.32 sends some bodies as protobuf;
 *  - strict decoding (`fieldValidation=Strict`): which fields are known.
 * Field numbers and JSON names are those of k8s.io/api's generated.proto and types.go.
 */

/**
 * `string`, `bool`; `int32`/`int64` (JSON numbers); `bytes` (base64 in JSON, e.g. a CSR's
 * spec.request); `time` (metav1.Time: RFC 3339 in JSON, {1: seconds, 2: nanos} in protobuf,
 * null when zero); `json` (free-form JSON, e.g. a managedFields entry's fieldsV1).
 */
export type ScalarType = 'string' | 'bool' | 'int32' | 'int64' | 'bytes' | 'time' | 'json';

/**
 * When Go's encoding/json prints a field: `omitempty` (not when zero — the default),
 * `always` (no omitempty, or a struct value: printed as "", 0, false, {} or null), `pointer`
 * (a pointer or optional field: printed exactly when it was set, zero or not).
 */
export type Presence = 'omitempty' | 'always' | 'pointer';

export interface FieldSchema {
  /** the JSON name */
  readonly name: string;
  /** the protobuf field number */
  readonly no: number;
  readonly type: ScalarType | MessageSchema;
  /** a JSON array (protobuf `repeated`) */
  readonly list?: boolean;
  /** a JSON object with string keys (protobuf `map<string, type>`) */
  readonly map?: boolean;
  readonly presence?: Presence;
}

export interface MessageSchema {
  /** the Go type name, for error messages (`CertificateSigningRequestSpec`) */
  readonly name: string;
  readonly fields: readonly FieldSchema[];
  /**
   * The JSON form is this one field's value, not an object (core ExtraValue is a bare string
   * list; FieldsV1 is its raw JSON).
   */
  readonly unwrap?: string;
  /** a top-level kind: `apiVersion` and `kind` are known JSON fields too (they travel outside the message in protobuf) */
  readonly typeMeta?: boolean;
}

export const fieldByName = (m: MessageSchema, name: string): FieldSchema | undefined =>
  m.fields.find((f) => f.name === name);

/** The JSON field names a body of this type may carry (apiVersion and kind included for a kind). */
export function knownFields(m: MessageSchema): string[] {
  const names = m.fields.map((f) => f.name);
  return m.typeMeta ? ['apiVersion', 'kind', ...names] : names;
}
