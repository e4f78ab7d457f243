/**
 * The CertificateSigningRequest's fields (k8s.io/api certificates/v1 types.go and
 * generated.proto): JSON names and types for the shape check and strict decoding, protobuf
 * numbers for the bodies kubectl ≥ 1.32 sends, Go's JSON presence for what the protobuf
 * decoder prints.
 */
import type { MessageSchema } from '../../schema/message.js';
import { OBJECT_META } from '../../schema/objectmeta.js';

/** user.Info extra values: a message with one repeated field in protobuf, a bare string list in JSON. */
export const EXTRA_VALUE: MessageSchema = {
  name: 'ExtraValue',
  fields: [{ name: 'items', no: 1, type: 'string', list: true }],
  unwrap: 'items',
};

export const CSR_CONDITION: MessageSchema = {
  name: 'CertificateSigningRequestCondition',
  fields: [
    { name: 'type', no: 1, type: 'string', presence: 'always' },
    { name: 'status', no: 6, type: 'string', presence: 'always' },
    { name: 'reason', no: 2, type: 'string' },
    { name: 'message', no: 3, type: 'string' },
    { name: 'lastUpdateTime', no: 4, type: 'time', presence: 'always' },
    { name: 'lastTransitionTime', no: 5, type: 'time', presence: 'always' },
  ],
};

export const CSR_SPEC: MessageSchema = {
  name: 'CertificateSigningRequestSpec',
  fields: [
    { name: 'request', no: 1, type: 'bytes', presence: 'always' },
    { name: 'signerName', no: 7, type: 'string', presence: 'always' },
    { name: 'expirationSeconds', no: 8, type: 'int32', presence: 'pointer' },
    { name: 'usages', no: 5, type: 'string', list: true },
    { name: 'username', no: 2, type: 'string' },
    { name: 'uid', no: 3, type: 'string' },
    { name: 'groups', no: 4, type: 'string', list: true },
    { name: 'extra', no: 6, type: EXTRA_VALUE, map: true },
  ],
};

export const CSR_STATUS: MessageSchema = {
  name: 'CertificateSigningRequestStatus',
  fields: [
    { name: 'conditions', no: 1, type: CSR_CONDITION, list: true },
    { name: 'certificate', no: 2, type: 'bytes' },
  ],
};

export const CSR_SCHEMA: MessageSchema = {
  name: 'CertificateSigningRequest',
  typeMeta: true,
  fields: [
    { name: 'metadata', no: 1, type: OBJECT_META, presence: 'always' },
    { name: 'spec', no: 2, type: CSR_SPEC, presence: 'always' },
    { name: 'status', no: 3, type: CSR_STATUS, presence: 'always' },
  ],
};
