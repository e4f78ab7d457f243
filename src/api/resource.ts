/**
 * How the generic API handler learns about a resource (kube-apiserver's registry
 * "strategy" pattern): each resource declares its names and scope once, and a strategy says
 * how to prepare and validate an object on create, on update and per subresource. One
 * handler runs every strategy, so a new resource is a new `ResourceDefinition`, never a new
 * handler.
 */
import type { FieldError } from '../errors/index.js';
import type { KubeObject, RequestAttributes, UserInfo } from './object.js';

export interface ResourceNames {
  /** API group; '' for the core group (served under /api/v1) */
  group: string;
  version: string;
  /** plural, lower case: 'certificatesigningrequests' */
  resource: string;
  singular: string;
  kind: string;
  listKind: string;
  shortNames?: string[];
  namespaced: boolean;
  /** the verbs the discovery documents advertise */
  verbs: string[];
  /** subresources served, e.g. ['approval', 'status'] */
  subresources?: string[];
  categories?: string[];
}

/** What a strategy may look at besides the objects. */
export interface StrategyContext {
  user: UserInfo;
  /** 'approval' | 'status' | undefined for the main resource */
  subresource?: string | undefined;
  now: Date;
}

export interface Strategy {
  /**
   * Create: clear what a client may not set (status, for most resources), fill defaults and
   * server-set fields (e.g. a CSR's spec.username/groups from ctx.user). Mutates and returns.
   */
  prepareForCreate(obj: KubeObject, ctx: StrategyContext): KubeObject;
  /** Every field error of a new object (an empty list = valid). */
  validate(obj: KubeObject, ctx: StrategyContext): FieldError[];
  /**
   * Update (main resource or ctx.subresource): copy from `old` what this path may not change
   * (spec and status on the main resource of a CSR; everything but conditions on /approval…).
   */
  prepareForUpdate(obj: KubeObject, old: KubeObject, ctx: StrategyContext): KubeObject;
  validateUpdate(obj: KubeObject, old: KubeObject, ctx: StrategyContext): FieldError[];
  /** Whether the object has a status that create accepts (core/v1 Node does; most do not). */
  readonly allowCreateOnUpdate?: boolean;
  /**
   * Whether an update without metadata.resourceVersion is accepted (the handler then takes
   * the stored object's before validation, as kube-apiserver does); otherwise it is refused
   * ("must be specified for an update"). CSRs allow it.
   */
  readonly allowUnconditionalUpdate?: boolean;
}

/** `kubectl get`'s columns for a resource (meta.k8s.io/v1 Table). */
export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description?: string;
  priority?: number;
}

export interface TableConvertor {
  columns: TableColumn[];
  /** one row's cells, in column order */
  cells(obj: KubeObject, now: Date): unknown[];
}

/** The `fieldSelector` fields a resource supports (beyond metadata.name and metadata.namespace). */
export type FieldGetter = (obj: KubeObject) => string | undefined;

/**
 * Admission: a check that runs after authentication, authorization and the strategy, before
 * the write (kube-apiserver's validating admission plugins: CertificateApproval,
 * CertificateSigning, CertificateSubjectRestriction). Returns a reason to refuse (403), or
 * undefined to admit.
 */
export type AdmissionCheck = (a: {
  attributes: RequestAttributes;
  obj: KubeObject;
  old: KubeObject | undefined;
  authorizer: Authorizer;
}) => Promise<string | undefined>;

export interface Decision {
  allowed: boolean;
  /** why (shown in SubjectAccessReview status.reason and in logs) */
  reason?: string;
}

export interface Authorizer {
  authorize(a: RequestAttributes): Promise<Decision>;
}

/** What the review resources answer with. */
export interface ReviewServices {
  /** every request's authorizer (the access reviews) */
  authorizer: Authorizer;
  /** the bearer-token authenticators (TokenReview); absent, every token is refused */
  tokens?: Authenticator | undefined;
}

/** A request's credentials, as the authenticators see them. */
export interface RequestCredentials {
  /**
   * The client certificate chain as the client presented it (leaf first, DER), when the TLS
   * handshake had one. The listener requests a certificate without requiring or verifying it
   * (`requestCert: true, rejectUnauthorized: false`); the x509 authenticator
   * (src/api/authn/x509.ts) does the path validation against the client CAs, with an
   * injectable clock and revocation.
   */
  peerCertificates?: Buffer[];
  /** the bearer token from `Authorization: Bearer …`, when present */
  bearerToken?: string;
  /** the request path without the query, for anonymous-access conditions (src/api/authn/anonymous.ts) */
  path?: string;
}

/**
 * An authenticator's answer. Refused: `reason` set means credentials were presented and
 * refused (kube-apiserver's authenticator error: 401 unless another authenticator accepts
 * the request; the reason is for logs and audit, never for the client); `reason` unset means
 * the authenticator had nothing to check. `revoked` marks a client certificate refused by
 * revocation (a CRL or the deny list, or a stale CRL under staleCrl=refuse): the union stops
 * there (a credential the operator revoked is never outweighed by another one) and the core
 * audits it.
 */
export type AuthenticationResult =
  | { authenticated: true; user: UserInfo; method: string }
  | { authenticated: false; reason?: string; method?: string; revoked?: boolean };

export interface Authenticator {
  authenticate(c: RequestCredentials): Promise<AuthenticationResult>;
}

/** A name rule for metadata.name (returns the problems; `prefix` true for generateName). */
export type NameValidator = (name: string, prefix: boolean) => string[];

/**
 * Storage owned by another resource (events.k8s.io/v1 events are stored as core/v1 events):
 * objects are converted to the storage form before every write and back after every read.
 */
export interface SharedStorage {
  group: string;
  resource: string;
  toStorage(o: KubeObject): KubeObject;
  fromStorage(o: KubeObject): KubeObject;
}

/**
 * The lifecycle of a served version upstream has deprecated (k8s.io/api's
 * `zz_generated.prerelease-lifecycle.go`): kube-apiserver adds a deprecation warning to every
 * answer of such a version and marks its audit events (machinery/deprecation.ts).
 */
export interface Deprecation {
  /** the release that deprecated it, 'major.minor' */
  deprecated: string;
  /** the first release that no longer serves it, 'major.minor' */
  removed?: string;
  /** what to use instead, when upstream names one */
  replacement?: { group: string; version: string; kind: string };
}

/**
 * A served resource. Its kind's schema is not a member: it is `schemaFor(names)`
 * (machinery/schemas/index.ts), the one registry by group, version and kind that also serves
 * the types that are not resources (DeleteOptions), so a definition cannot point at a
 * different description of its kind than decoding and patching use.
 */
export interface ResourceDefinition {
  names: ResourceNames;
  strategy: Strategy;
  table?: TableConvertor;
  /** fieldSelector support: field name → getter (getters read the storage form) */
  fields?: Record<string, FieldGetter>;
  /** metadata.name's rule when not a DNS-1123 subdomain (namespaces: a DNS-1123 label) */
  nameValidator?: NameValidator;
  storage?: SharedStorage;
  /**
   * Review resources (SubjectAccessReview, SelfSubjectAccessReview, SelfSubjectReview,
   * TokenReview) are created and answered, never stored: this computes the answer (the object
   * with status).
   */
  review?: (obj: KubeObject, ctx: StrategyContext, services: ReviewServices) => Promise<KubeObject>;
  admission?: AdmissionCheck[];
  /** set on a version upstream has deprecated */
  deprecation?: Deprecation;
}
