/**
 * The review APIs, as pure functions over an Authorizer (the core routes the create requests
 * here and writes the answer; nothing is stored):
 * - authorization.k8s.io/v1 SubjectAccessReview: may user U (groups G) do X?
 *   (`kubectl auth can-i … --as U`, controllers such as the CSR approver);
 * - SelfSubjectAccessReview: may I do X? (`kubectl auth can-i`);
 * - authentication.k8s.io/v1 (and v1beta1) SelfSubjectReview: who am I? (`kubectl auth whoami`).
 * X is resourceAttributes (verb, group, version, resource, subresource, name, namespace; an
 * empty namespace means "all namespaces", as upstream) or nonResourceAttributes (path, verb).
 * Validation as kube-apiserver's: exactly one of the two, user or groups for a
 * SubjectAccessReview, empty metadata; every problem is returned as a field error (the core
 * answers 422). JSON types are not checked here: the body was decoded with the kind's schema
 * (machinery/schemas/authorization.ts), which refuses a wrong type with kube's 400. The status carries `allowed`, `denied` (never true: RBAC only allows or has
 * no opinion) and the authorizer's `reason`.
 */
import { FieldPath, fieldError, type FieldError } from '../../errors/index.js';
import { isPlainObject, type KubeObject, type RequestAttributes, type UserInfo } from '../object.js';
import type { Authorizer } from '../resource.js';
import { formatTime } from '../time.js';

export const AUTHORIZATION_API_VERSION = 'authorization.k8s.io/v1';
export const AUTHENTICATION_API_VERSION = 'authentication.k8s.io/v1';

export type ReviewResult = { ok: true; object: KubeObject } | { ok: false; errors: FieldError[] };

export interface SubjectAccessReviewStatus {
  allowed: boolean;
  denied?: boolean;
  reason?: string;
  evaluationError?: string;
}

const RESOURCE_FIELDS = ['namespace', 'verb', 'group', 'version', 'resource', 'subresource', 'name'] as const;
const NON_RESOURCE_FIELDS = ['path', 'verb'] as const;

/** A decoded string field: absent or null is Go's zero value, "". */
const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/** A decoded []string field: absent or null is an empty list. */
const textList = (v: unknown): string[] => (Array.isArray(v) ? v.map(text) : []);

function strings(obj: Record<string, unknown>, fields: readonly string[]): Record<string, string> {
  return Object.fromEntries(fields.map((f) => [f, text(obj[f])]));
}

/** metadata must be empty (kube-apiserver ignores only managedFields; kubectl sends creationTimestamp: null). */
function validateMetadata(obj: KubeObject, errs: FieldError[]): void {
  const m: unknown = obj.metadata;
  if (m === undefined || m === null) return;
  if (!isPlainObject(m)) return;
  const rest = Object.entries(m).filter(([k, v]) => k !== 'managedFields' && v !== null && v !== undefined);
  if (rest.length) errs.push(fieldError.invalid('metadata', Object.fromEntries(rest), 'must be empty'));
}

interface ParsedSpec {
  resource: Record<string, string> | undefined;
  nonResource: Record<string, string> | undefined;
  spec: Record<string, unknown>;
}

function parseSpec(obj: KubeObject, errs: FieldError[]): ParsedSpec {
  validateMetadata(obj, errs);
  const specPath = FieldPath.root('spec');
  const spec = isPlainObject(obj.spec) ? obj.spec : {};
  const ra = spec.resourceAttributes;
  const nra = spec.nonResourceAttributes;
  const hasRa = isPlainObject(ra);
  const hasNra = isPlainObject(nra);
  if (hasRa && hasNra)
    errs.push(
      fieldError.invalid(
        specPath.child('nonResourceAttributes'),
        nra,
        'cannot be specified in combination with resourceAttributes',
      ),
    );
  if (!hasRa && !hasNra)
    errs.push(
      fieldError.invalid(
        specPath.child('resourceAttributes'),
        nra,
        'exactly one of nonResourceAttributes or resourceAttributes must be specified',
      ),
    );
  const resource = hasRa ? strings(ra, RESOURCE_FIELDS) : undefined;
  const nonResource = hasNra ? strings(nra, NON_RESOURCE_FIELDS) : undefined;
  return { resource, nonResource, spec };
}

/** The authorization attributes a review asks about, for `user`. */
function attributesOf(p: ParsedSpec, user: UserInfo): RequestAttributes {
  if (p.resource) {
    const r = p.resource;
    return {
      user,
      verb: r.verb!,
      resourceRequest: true,
      apiGroup: r.group!,
      // upstream reads an empty version as "every version"
      apiVersion: r.version || '*',
      resource: r.resource!,
      subresource: r.subresource!,
      namespace: r.namespace!,
      name: r.name!,
    };
  }
  return { user, verb: p.nonResource!.verb!, resourceRequest: false, path: p.nonResource!.path! };
}

async function evaluate(obj: KubeObject, p: ParsedSpec, user: UserInfo, authorizer: Authorizer): Promise<KubeObject> {
  const d = await authorizer.authorize(attributesOf(p, user));
  const status: SubjectAccessReviewStatus = { allowed: d.allowed };
  if (d.reason) status.reason = d.reason;
  return { apiVersion: AUTHORIZATION_API_VERSION, kind: String(obj.kind), metadata: {}, spec: p.spec, status };
}

/** SubjectAccessReview: the user to check is in the spec (user, groups, uid, extra). */
export async function subjectAccessReview(obj: KubeObject, authorizer: Authorizer): Promise<ReviewResult> {
  const errs: FieldError[] = [];
  const p = parseSpec({ ...obj, kind: 'SubjectAccessReview' }, errs);
  const spec = FieldPath.root('spec');
  const name = text(p.spec.user);
  const groups = textList(p.spec.groups);
  if (!name && groups.length === 0)
    errs.push(fieldError.invalid(spec.child('user'), name, 'at least one of user or group must be specified'));
  if (errs.length) return { ok: false, errors: errs };
  // as upstream, the groups are taken as given: nothing adds system:authenticated
  const user: UserInfo = { username: name, groups };
  const uid = text(p.spec.uid);
  if (uid) user.uid = uid;
  if (isPlainObject(p.spec.extra))
    user.extra = Object.fromEntries(Object.entries(p.spec.extra).map(([k, v]) => [k, textList(v)]));
  return { ok: true, object: await evaluate({ ...obj, kind: 'SubjectAccessReview' }, p, user, authorizer) };
}

/** SelfSubjectAccessReview: the user to check is the requester, as authenticated. */
export async function selfSubjectAccessReview(
  obj: KubeObject,
  requester: UserInfo,
  authorizer: Authorizer,
): Promise<ReviewResult> {
  const errs: FieldError[] = [];
  const p = parseSpec(obj, errs);
  if (errs.length) return { ok: false, errors: errs };
  return { ok: true, object: await evaluate({ ...obj, kind: 'SelfSubjectAccessReview' }, p, requester, authorizer) };
}

/**
 * SelfSubjectReview (`kubectl auth whoami`): the requester's user info, stamped with `now`,
 * in the API version the request named (every served version answers the same status).
 */
export function selfSubjectReview(
  requester: UserInfo,
  now: Date,
  apiVersion: string = AUTHENTICATION_API_VERSION,
): KubeObject {
  const userInfo: Record<string, unknown> = { username: requester.username };
  if (requester.uid) userInfo.uid = requester.uid;
  userInfo.groups = [...requester.groups];
  if (requester.extra && Object.keys(requester.extra).length) userInfo.extra = requester.extra;
  return {
    apiVersion,
    kind: 'SelfSubjectReview',
    metadata: { creationTimestamp: formatTime(now) },
    status: { userInfo },
  };
}
