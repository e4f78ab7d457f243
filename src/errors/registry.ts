/**
 * Every error code kubetls can raise, declared once: what it means, the CLI exit code, the
 * HTTP status and Kubernetes `Status` reason the API server answers with, and the cfssl
 * numeric code (with its HTTP status) the cfssl-compatible API answers with. Every surface
 * reads this table; nothing compares or maps codes elsewhere.
 *
 * cfssl's codes are category × 1000 + reason (its errors package): 1000 certificate, 2000
 * private key, 5000 policy, 9000 CSR; reasons 2 decode failed, 3 parse failed, 100 no key
 * usages, 200 invalid policy, 300 invalid request, 500 unmatched whitelist, 400 bad key size/
 * algorithm. HTTP-level problems carry the HTTP status as the code, as cfssl does.
 */

/** The `reason` values of a Kubernetes `Status` (apimachinery metav1.StatusReason) that kubetls uses. */
export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout';

export interface ErrorSpec {
  /** one line: what the code means (docs, tests) */
  readonly summary: string;
  /** CLI exit code: 2 the command could not run, 1 it ran and found problems */
  readonly exit: 1 | 2;
  /** HTTP status on the Kubernetes API */
  readonly http: number;
  readonly reason: StatusReason;
  /** [cfssl numeric code, HTTP status] on the cfssl-compatible API */
  readonly cfssl: readonly [number, number];
}

type Spec = Partial<Omit<ErrorSpec, 'summary'>>;
/** Most codes are bad input: exit 2, 400 BadRequest, cfssl 400/400. */
const bad = (summary: string, o: Spec = {}): ErrorSpec => ({
  summary,
  exit: 2,
  http: 400,
  reason: 'BadRequest',
  cfssl: [400, 400],
  ...o,
});
const invalid = (summary: string, o: Spec = {}): ErrorSpec => bad(summary, { http: 422, reason: 'Invalid', ...o });
/** Server-side failures: 500 on the Kubernetes API; cfssl's API has always answered them 400/400. */
const internal = (summary: string, o: Spec = {}): ErrorSpec =>
  bad(summary, { http: 500, reason: 'InternalError', ...o });

export const ERROR_REGISTRY = {
  // ---- command line and configuration
  BadFlag: bad('a flag has a value that cannot be used'),
  MissingFlag: bad('a required flag is missing'),
  InvalidArgument: bad('a command-line argument is not valid'),
  InvalidConfig: invalid('a configuration file has a field that is missing, of the wrong type or not valid'),
  MalformedYAML: bad('a document is not valid YAML'),
  MalformedJSON: bad('a document is not valid JSON, or not the JSON object expected'),
  InvalidKubeconfig: invalid('a kubeconfig is missing a field or has one that is not valid'),
  MalformedKubeconfig: bad('a kubeconfig cannot be parsed'),
  InvalidCIDR: invalid('a CIDR is not valid or has no room'),
  InvalidEndpoint: invalid('a host:port endpoint is not valid'),
  InvalidHost: invalid('a host name is not a valid DNS name or IP address'),
  InvalidIP: invalid('an IP address is not valid'),
  InvalidSAN: invalid('a subject alternative name is neither an IP address nor a valid DNS name'),
  InvalidDuration: invalid('a duration is not valid', { cfssl: [5200, 400] }),
  InvalidPattern: invalid('a regular expression is not valid RE2 syntax or is too long', { cfssl: [5200, 400] }),
  InvalidSerial: invalid('a certificate serial number is not valid'),
  InvalidOID: invalid('an object identifier is not valid'),
  InvalidTime: invalid('a time cannot be encoded'),
  InvalidValidity: invalid('a validity period ends before it starts'),
  NotAPod: bad('a manifest is not a Pod'),
  PathEscapesRoot: bad('a path resolves outside the directory it must stay in', { http: 403, reason: 'Forbidden' }),

  // ---- files
  NotFound: bad('a file, object or endpoint does not exist', { http: 404, reason: 'NotFound', cfssl: [404, 404] }),
  ReadFailed: bad('a file cannot be read'),
  NotARegularFile: bad('a file input is a device, FIFO, socket or directory, not a regular file'),
  TooLarge: bad('an input is over its size limit', {
    http: 413,
    reason: 'RequestEntityTooLarge',
    cfssl: [413, 413],
  }),
  WriteFailed: internal('a file or directory cannot be written'),
  FileExists: bad('a file exists with different content and would be overwritten', {
    http: 409,
    reason: 'AlreadyExists',
  }),
  InvalidJournal: bad('a write journal left by an interrupted run is not one kubetls wrote'),

  // ---- keys, certificates, CSRs
  MalformedPEM: bad('a PEM block is malformed', { cfssl: [9002, 400] }),
  MalformedDER: bad('DER bytes are malformed'),
  MalformedKey: bad('a private key cannot be parsed', { cfssl: [2003, 400] }),
  MalformedCertificate: bad('a certificate cannot be parsed', { cfssl: [1003, 400] }),
  MalformedCSR: bad('a certificate request cannot be parsed', { cfssl: [9003, 400] }),
  CSRSignature: bad("a certificate request's self-signature does not verify", { cfssl: [9003, 400] }),
  MalformedCRL: bad('a certificate revocation list cannot be parsed'),
  UntrustedCRL: bad('a certificate revocation list is not signed by a trusted CA, or is not usable'),
  UnsupportedKey: bad('a key type or curve is not supported'),
  InvalidKeySize: invalid('a key size is not supported', { cfssl: [2400, 400] }),
  InvalidKeyAlgorithm: invalid('a key algorithm is not supported', { cfssl: [2400, 400] }),
  KeyGeneration: internal('node:crypto returned an unexpected key'),
  KeyMismatch: bad('a private key does not belong to its certificate'),
  InvalidCertificate: invalid('a certificate template is incomplete'),
  InvalidKeyUsage: invalid('a key usage name is not known'),
  InvalidExtKeyUsage: invalid('an extended key usage name is not known'),
  InvalidUsage: invalid('a usage name is not known'),
  NoIssuer: internal('a certificate has neither an issuer nor a self-signing key'),
  NotACA: bad('a certificate that must be a CA is not one'),
  NotSelfSigned: bad('a CA that must be self-signed is not'),
  CAExpired: bad('the signing CA has expired'),
  ExternalCA: bad('a CA key is not available (external CA)'),
  WrongIssuer: bad('a certificate or kubeconfig is not signed by, or does not embed, the CA it must chain to'),
  NotShared: bad("a node holds a CA or service-account key other than the cluster's"),
  MissingSANs: bad('an existing certificate lacks SANs the configuration asks for'),
  UnknownCertificate: bad('a certificate name is not in the catalog'),
  NoServiceAccountKey: bad('no service-account key is available'),

  // ---- signing policy (cfssl)
  InvalidPolicy: invalid('a signing profile or policy is not valid', { cfssl: [5200, 400] }),
  InvalidRequest: bad('a signing request is refused by policy', { cfssl: [5300, 400] }),
  InvalidField: bad('a request field is missing or not valid'),
  NoKeyUsages: bad('a signing profile has no usages', { cfssl: [5100, 400] }),
  UnmatchedWhitelist: bad("a name does not match the profile's name_whitelist", { cfssl: [5500, 400] }),
  Unsupported: bad('a feature is not supported by kubetls'),

  // ---- plans (init, renew)
  PlanFailed: bad('the plan found problems; nothing was written'),
  RenewFailed: internal('some certificates could not be renewed (the others were)', { exit: 1 }),

  // ---- servers and clients
  NoTLS: bad('a server would listen without TLS'),
  // cfssl answers authentication failures with 400/400, not 401 ("invalid token",
  // "authentication required", "no authentication provider"); clients may switch on it
  AuthRequired: bad('the request needs authentication', { http: 401, reason: 'Unauthorized' }),
  BadToken: bad('a token is not valid', { http: 401, reason: 'Unauthorized' }),
  Forbidden: bad('the caller is not allowed to do this', { http: 403, reason: 'Forbidden' }),
  MethodNotAllowed: bad('the HTTP method is not allowed here', {
    http: 405,
    reason: 'MethodNotAllowed',
    cfssl: [405, 405],
  }),
  RequestFailed: bad('a request to a server failed', { http: 502, reason: 'InternalError' }),

  // ---- the Kubernetes API (kubetls serve) and its store
  BadRequest: bad('the request is malformed'),
  Unauthorized: bad('the request is not authenticated', { http: 401, reason: 'Unauthorized' }),
  AlreadyExists: bad('an object with that name exists', { http: 409, reason: 'AlreadyExists' }),
  Conflict: bad('the object was changed since it was read (stale resourceVersion or uid)', {
    http: 409,
    reason: 'Conflict',
  }),
  Expired: bad('the resourceVersion or continue token is older than the history kept', {
    http: 410,
    reason: 'Expired',
  }),
  Invalid: invalid('an object fails validation'),
  NotAcceptable: bad('no representation the client accepts', { http: 406, reason: 'NotAcceptable' }),
  UnsupportedMediaType: bad('the request body has a content type the server does not decode', {
    http: 415,
    reason: 'UnsupportedMediaType',
  }),
  TooManyRequests: bad('too many requests; retry later', { http: 429, reason: 'TooManyRequests' }),
  Timeout: bad('the request did not complete in time', { http: 504, reason: 'Timeout' }),
  ServiceUnavailable: bad('the server is starting or stopping', { http: 503, reason: 'ServiceUnavailable' }),
  InvalidStore: internal('a data directory or database cannot be used as the store (not one, newer, locked)'),
  InternalError: internal('an unexpected server-side failure'),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_REGISTRY;

export const errorSpec = (code: ErrorCode): ErrorSpec => ERROR_REGISTRY[code];

export const isErrorCode = (s: string): s is ErrorCode => Object.hasOwn(ERROR_REGISTRY, s);
