/**
 * Kubernetes `Status` objects (meta/v1) and the errors that become them. Every failure the API
 * answers with is a `StatusError`: a KubetlsError whose code gives the HTTP status and
 * `reason` (src/errors/registry.ts) and which carries the Status `details` (name, group,
 * kind, causes). The message formats are kube-apiserver's, from apimachinery
 * `pkg/api/errors/errors.go` (NewNotFound, NewAlreadyExists, NewConflict, NewInvalid,
 * NewMethodNotSupported, NewRequestEntityTooLargeError, NewResourceExpired, NewInternalError)
 * and apiserver `pkg/endpoints/handlers/negotiation/errors.go` (415/406 wording): clients
 * print them verbatim (`Error from server (NotFound): …`) and some scripts match on them.
 * Names are quoted as Go's %q quotes them (goQuote), and an error built with details prints
 * `details` even when every member is empty (`"details":{}`), as Go prints a non-nil
 * pointer to an empty StatusDetails.
 */
import {
  KubetlsError,
  aggregateFieldErrors,
  errorSpec,
  isKubetlsError,
  statusCause,
  type ErrorCode,
  type FieldError,
} from '../../errors/index.js';
import { goQuote } from '../goquote.js';

export interface StatusCause {
  /** apimachinery CauseType (`FieldValueInvalid`, …); serialized as `reason` */
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  /** the resource (NotFound, AlreadyExists, Conflict…) or the kind (Invalid), as upstream */
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** A group and a plural resource; `resource.group` as kube prints it (`resource` for core). */
export interface GroupResource {
  group: string;
  resource: string;
}

/** A group and a kind; `Kind.group` as kube prints it (`Kind` for core). */
export interface GroupKind {
  group: string;
  kind: string;
}

export const qualifiedResource = (gr: GroupResource): string => (gr.group ? `${gr.resource}.${gr.group}` : gr.resource);
export const qualifiedKind = (gk: GroupKind): string => (gk.group ? `${gk.kind}.${gk.group}` : gk.kind);

/** An API failure: the registry code (HTTP status, reason) plus the Status details. */
export class StatusError extends KubetlsError {
  readonly details: StatusDetails | undefined;
  /** when set, overrides the registry's reason (e.g. `Gone` next to the registry's `Expired`) */
  readonly reasonOverride: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    details?: StatusDetails,
    o: { fieldErrors?: readonly FieldError[]; reason?: string; cause?: unknown } = {},
  ) {
    super(code, message, { fieldErrors: o.fieldErrors, cause: o.cause });
    this.name = 'StatusError';
    this.details = details;
    this.reasonOverride = o.reason;
  }
}

export function isStatusError(e: unknown): e is StatusError {
  return e instanceof StatusError;
}

/** Details with empty members left out (kube's JSON omits them). */
function compactDetails(d: StatusDetails): StatusDetails | undefined {
  const out: StatusDetails = {};
  if (d.name) out.name = d.name;
  if (d.group) out.group = d.group;
  if (d.kind) out.kind = d.kind;
  if (d.uid) out.uid = d.uid;
  if (d.causes?.length) out.causes = d.causes;
  if (d.retryAfterSeconds) out.retryAfterSeconds = d.retryAfterSeconds;
  return Object.keys(out).length ? out : undefined;
}

/** `Status{status: Success}` (the answer to a DELETE that does not return the object). */
export function successStatus(details?: StatusDetails): Status {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 };
  const d = details && compactDetails(details);
  if (d) s.details = d;
  return s;
}

/**
 * The Status of an answer Node's HTTP parser gives before any handler runs (400, 408, 413,
 * 431): the reason kube's Status uses for the code, the code as sent.
 */
export function protocolErrorStatus(code: number, message: string): Status {
  const reason = code === 408 ? 'Timeout' : code === 413 || code === 431 ? 'RequestEntityTooLarge' : 'BadRequest';
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

/**
 * The Status for any thrown value. A StatusError keeps its details; a plain KubetlsError gets
 * its field errors as causes; anything else is a 500 `Internal error occurred: …`, as
 * kube-apiserver answers an error it did not classify.
 */
export function toStatus(e: unknown): Status {
  if (!isKubetlsError(e)) return toStatus(internalError(e));
  const spec = errorSpec(e.code);
  const s: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: e.message,
    reason: (e instanceof StatusError && e.reasonOverride) || spec.reason,
    code: spec.http,
  };
  const details: StatusDetails = e instanceof StatusError && e.details ? { ...e.details } : {};
  if (!details.causes && e.fieldErrors.length) details.causes = e.fieldErrors.map(statusCause);
  const d = compactDetails(details);
  if (d) s.details = d;
  else if (e instanceof StatusError && e.details) s.details = {};
  return s;
}

// ---- the constructors, one per kube-apiserver error

const grDetails = (gr: GroupResource, name: string): StatusDetails => ({
  name,
  group: gr.group,
  kind: gr.resource,
});

/** 404 `certificatesigningrequests.certificates.k8s.io "x" not found` */
export const notFound = (gr: GroupResource, name: string): StatusError =>
  new StatusError('NotFound', `${qualifiedResource(gr)} ${goQuote(name)} not found`, grDetails(gr, name));

/**
 * 404 for a path nothing serves (an unknown group, version or resource; /metrics without the
 * embedded controllers): the words kubectl prints for kube-apiserver's 404 there, not
 * notFound's ` "" not found`, which names nothing.
 */
export const pathNotFound = (): StatusError =>
  new StatusError('NotFound', 'the server could not find the requested resource', {});

/** 409 AlreadyExists `… "x" already exists` */
export const alreadyExists = (gr: GroupResource, name: string): StatusError =>
  new StatusError('AlreadyExists', `${qualifiedResource(gr)} ${goQuote(name)} already exists`, grDetails(gr, name));

/** 409 AlreadyExists when generateName collided (apimachinery NewGenerateNameConflict) */
export const generateNameConflict = (gr: GroupResource, name: string, retryAfterSeconds = 1): StatusError =>
  new StatusError(
    'AlreadyExists',
    `${qualifiedResource(gr)} ${goQuote(name)} already exists, the server was not able to generate a unique name for the object`,
    { ...grDetails(gr, name), retryAfterSeconds },
  );

/** apiserver `pkg/registry/generic/registry/store.go` OptimisticLockErrorMsg */
export const OPTIMISTIC_LOCK_MESSAGE =
  'the object has been modified; please apply your changes to the latest version and try again';

/** 409 Conflict `Operation cannot be fulfilled on … "x": <why>` (a stale resourceVersion by default) */
export const conflict = (gr: GroupResource, name: string, why: string = OPTIMISTIC_LOCK_MESSAGE): StatusError =>
  new StatusError('Conflict', `Operation cannot be fulfilled on ${qualifiedResource(gr)} ${goQuote(name)}: ${why}`, {
    ...grDetails(gr, name),
  });

/** 422 Invalid `CertificateSigningRequest.certificates.k8s.io "x" is invalid: spec.usages: Required value` */
export function invalid(gk: GroupKind, name: string, errors: readonly FieldError[]): StatusError {
  const head = `${qualifiedKind(gk)} ${goQuote(name)} is invalid`;
  return new StatusError(
    'Invalid',
    errors.length ? `${head}: ${aggregateFieldErrors(errors)}` : head,
    { name, group: gk.group, kind: gk.kind, causes: errors.map(statusCause) },
    { fieldErrors: errors },
  );
}

/** 400 BadRequest with the message as given */
export const badRequest = (message: string, cause?: unknown): StatusError =>
  new StatusError('BadRequest', message, undefined, { cause });

/** 401 (apimachinery NewUnauthorized: `Unauthorized` is what kube-apiserver's authn filter sends) */
export const unauthorized = (message = 'Unauthorized'): StatusError => new StatusError('Unauthorized', message);

/**
 * 403 `<resource>.<group> "<name>" is forbidden: <why>` (or without the name, or
 * `forbidden: <why>` when no resource is known), as apimachinery NewForbidden.
 */
export function forbidden(gr: GroupResource | undefined, name: string, why: string): StatusError {
  let message: string;
  if (!gr || (!gr.group && !gr.resource)) message = `forbidden: ${why}`;
  else if (!name) message = `${qualifiedResource(gr)} is forbidden: ${why}`;
  else message = `${qualifiedResource(gr)} ${goQuote(name)} is forbidden: ${why}`;
  return new StatusError('Forbidden', message, gr ? grDetails(gr, name) : {});
}

/** 405 `<action> is not supported on resources of kind "<resource>.<group>"` */
export const methodNotSupported = (gr: GroupResource, action: string): StatusError =>
  new StatusError('MethodNotAllowed', `${action} is not supported on resources of kind "${qualifiedResource(gr)}"`, {
    group: gr.group,
    kind: gr.resource,
  });

/**
 * 405 for a method the path has no route for (PUT on a collection, POST on an object), as
 * kube-apiserver's router answers it: apimachinery's generic wording for the code.
 */
export const methodNotAllowed = (): StatusError =>
  new StatusError('MethodNotAllowed', 'the server does not allow this method on the requested resource');

/** 410 Expired (a resourceVersion or continue token older than the history kept) */
export const resourceExpired = (message: string): StatusError => new StatusError('Expired', message);

/** 410 with reason Gone (apimachinery NewGone; watch ERROR events of older servers used it) */
export const gone = (message: string): StatusError =>
  new StatusError('Expired', message, undefined, { reason: 'Gone' });

/** 413 `Request entity too large: <why>` */
export const requestEntityTooLarge = (why: string): StatusError =>
  new StatusError('TooLarge', `Request entity too large: ${why}`);

/** 415 `the body of the request was in an unknown format - accepted media types include: …` */
export const unsupportedMediaType = (accepted: readonly string[]): StatusError =>
  new StatusError(
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  );

/** 406 `only the following media types are accepted: …` */
export const notAcceptable = (accepted: readonly string[]): StatusError =>
  new StatusError('NotAcceptable', `only the following media types are accepted: ${accepted.join(', ')}`);

/** 429 `Too many requests: <why>` with a retry hint */
export const tooManyRequests = (why: string, retryAfterSeconds = 1): StatusError =>
  new StatusError('TooManyRequests', `Too many requests: ${why}`, { retryAfterSeconds });

/** 504 `Timeout: <why>` */
export const timeout = (why: string, retryAfterSeconds = 0): StatusError =>
  new StatusError('Timeout', `Timeout: ${why}`, retryAfterSeconds ? { retryAfterSeconds } : undefined);

/**
 * 504 for a resourceVersion the store has not reached (kube-apiserver's watch cache answers
 * this after waiting for it): `Timeout: Too large resource version: <rv>, current: <newest>`,
 * with the ResourceVersionTooLarge cause clients check for.
 */
export const tooLargeResourceVersion = (rv: number, current: number, retryAfterSeconds = 1): StatusError =>
  new StatusError('Timeout', `Timeout: Too large resource version: ${rv}, current: ${current}`, {
    retryAfterSeconds,
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
  });

/** 503 with the message as given */
export const serviceUnavailable = (message: string): StatusError => new StatusError('ServiceUnavailable', message);

/** 500 `Internal error occurred: <err>`, the error's message as the one cause */
export function internalError(e: unknown): StatusError {
  const text = e instanceof Error ? e.message : String(e);
  return new StatusError(
    'InternalError',
    `Internal error occurred: ${text}`,
    { causes: [{ message: text }] },
    { cause: e },
  );
}
