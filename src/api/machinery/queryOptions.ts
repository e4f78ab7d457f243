/**
 * The query parameters of each verb, decoded into typed options and validated as
 * kube-apiserver does (apimachinery `pkg/apis/meta/v1/zz_generated.conversion.go` for the
 * decoding, `pkg/apis/meta/internalversion/validation` and `pkg/apis/meta/v1/validation` for
 * the checks): a number that does not parse is a 400 with Go's strconv message, a value
 * outside the allowed set is a 422 `ListOptions.meta.k8s.io "" is invalid: …`, booleans read
 * as kube reads them (queryBool), and the first value of a repeated parameter wins (dryRun
 * takes them all).
 */
import { fieldError, type FieldError } from '../../errors/index.js';
import type { FieldGetter } from '../resource.js';
import { validateFieldManager } from '../validation/objectmeta.js';
import { badRequest, invalid } from './status.js';
import { checkFields } from './schema.js';
import { deleteOptions } from './schemas/meta.js';
import { queryBool } from './queryBool.js';
import { parseLabelSelector, type LabelSelector } from './labelSelector.js';
import { checkFieldSelector, parseFieldSelector, type FieldSelector } from './fieldSelector.js';

export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';
export type PropagationPolicy = 'Orphan' | 'Background' | 'Foreground';
export type ResourceVersionMatch = 'Exact' | 'NotOlderThan';
export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface ListOptions {
  /** [] selects everything */
  labelSelector: LabelSelector;
  fieldSelector: FieldSelector;
  watch: boolean;
  allowWatchBookmarks: boolean;
  resourceVersion?: string;
  resourceVersionMatch?: ResourceVersionMatch;
  /** seconds; a watch without it runs until the server's own limit */
  timeoutSeconds?: number;
  /** > 0 only (kube treats 0 and negatives as "no limit") */
  limit?: number;
  continue?: string;
  sendInitialEvents?: boolean;
}

export interface GetOptions {
  resourceVersion?: string;
}

export interface WriteOptions {
  /** `dryRun=All`: run everything but the write */
  dryRun: boolean;
  fieldManager?: string;
  /** kube's default when the parameter is absent is Warn */
  fieldValidation: FieldValidation;
}

export interface DeleteOptions {
  dryRun: boolean;
  gracePeriodSeconds?: number;
  propagationPolicy?: PropagationPolicy;
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface TableOptions {
  includeObject: IncludeObject;
  noHeaders: boolean;
}

/** Anything with URLSearchParams' two readers (URLSearchParams itself, in practice). */
export interface QueryLike {
  get(name: string): string | null;
  getAll(name: string): string[];
  has(name: string): boolean;
}

const META = 'meta.k8s.io';

/** Go's strconv.ParseInt(s, 10, 64) with its error text; clamped to JavaScript's safe range. */
export function parseInt64Param(s: string): number {
  if (!/^[+-]?[0-9]+$/.test(s)) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = BigInt(s);
  if (n < -(2n ** 63n) || n >= 2n ** 63n)
    throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(s)}: value out of range`);
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  return Number(n > max ? max : n < -max ? -max : n);
}

const intParam = (q: QueryLike, name: string): number | undefined => {
  const v = q.get(name);
  return v === null ? undefined : parseInt64Param(v);
};

const strParam = (q: QueryLike, name: string): string | undefined => q.get(name) ?? undefined;

/**
 * LIST and WATCH options. `resource` (the ResourceDefinition's fields and scope) checks the
 * field selector's fields as kube's field-label conversion does; without it only the syntax
 * is checked.
 */
export function parseListOptions(
  q: QueryLike,
  resource?: { fields?: Record<string, FieldGetter> | undefined; namespaced: boolean },
): ListOptions {
  const opts: ListOptions = {
    labelSelector: parseLabelSelector(q.get('labelSelector') ?? ''),
    fieldSelector: parseFieldSelector(q.get('fieldSelector') ?? ''),
    watch: queryBool(q.getAll('watch')),
    allowWatchBookmarks: queryBool(q.getAll('allowWatchBookmarks')),
  };
  const rv = strParam(q, 'resourceVersion');
  if (rv !== undefined) opts.resourceVersion = rv;
  const match = strParam(q, 'resourceVersionMatch');
  const timeout = intParam(q, 'timeoutSeconds');
  if (timeout !== undefined) opts.timeoutSeconds = timeout;
  const limit = intParam(q, 'limit');
  if (limit !== undefined && limit > 0) opts.limit = limit;
  const cont = strParam(q, 'continue');
  if (cont) opts.continue = cont;
  if (q.has('sendInitialEvents')) opts.sendInitialEvents = queryBool(q.getAll('sendInitialEvents'));

  const errs: FieldError[] = [];
  if (opts.watch) {
    if (opts.sendInitialEvents !== undefined && match !== 'NotOlderThan')
      errs.push(
        fieldError.forbidden(
          'resourceVersionMatch',
          'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
        ),
      );
    if (match) {
      if (opts.sendInitialEvents === undefined)
        errs.push(
          fieldError.forbidden(
            'resourceVersionMatch',
            'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
          ),
        );
      if (match !== 'NotOlderThan') errs.push(fieldError.notSupported('resourceVersionMatch', match, ['NotOlderThan']));
      if (opts.continue)
        errs.push(
          fieldError.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'),
        );
    }
  } else {
    if (match) {
      if (!opts.resourceVersion)
        errs.push(
          fieldError.forbidden(
            'resourceVersionMatch',
            'resourceVersionMatch is forbidden unless resourceVersion is provided',
          ),
        );
      if (opts.continue)
        errs.push(
          fieldError.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'),
        );
      if (match !== 'Exact' && match !== 'NotOlderThan')
        errs.push(fieldError.notSupported('resourceVersionMatch', match, ['Exact', 'NotOlderThan', '']));
      if (match === 'Exact' && opts.resourceVersion === '0')
        errs.push(
          fieldError.forbidden(
            'resourceVersionMatch',
            'resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
          ),
        );
    }
    if (opts.sendInitialEvents !== undefined)
      errs.push(fieldError.forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
  }
  if (errs.length) throw invalid({ group: META, kind: 'ListOptions' }, '', errs);
  if (match === 'Exact' || match === 'NotOlderThan') opts.resourceVersionMatch = match;
  if (resource) checkFieldSelector(opts.fieldSelector, resource);
  return opts;
}

/** GET of one object. */
export function parseGetOptions(q: QueryLike): GetOptions {
  const rv = strParam(q, 'resourceVersion');
  return rv === undefined ? {} : { resourceVersion: rv };
}

function writeOptionErrors(
  dryRun: string[],
  fieldManager: string | undefined,
  fieldValidation: string | undefined,
): FieldError[] {
  const errs: FieldError[] = [];
  if (fieldManager !== undefined) errs.push(...validateFieldManager(fieldManager, 'fieldManager'));
  if (dryRun.some((d) => d !== 'All')) errs.push(fieldError.notSupported('dryRun', dryRun, ['All']));
  if (fieldValidation !== undefined && !['', 'Ignore', 'Strict', 'Warn'].includes(fieldValidation))
    errs.push(fieldError.notSupported('fieldValidation', fieldValidation, ['', 'Ignore', 'Strict', 'Warn']));
  return errs;
}

function writeOptions(
  q: QueryLike,
  kind: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions',
  extra: FieldError[] = [],
): WriteOptions {
  const dryRun = q.getAll('dryRun');
  const fieldManager = strParam(q, 'fieldManager');
  const fv = strParam(q, 'fieldValidation');
  const errs = [...extra, ...writeOptionErrors(dryRun, fieldManager, fv)];
  if (errs.length) throw invalid({ group: META, kind }, '', errs);
  const out: WriteOptions = { dryRun: dryRun.length > 0, fieldValidation: (fv || 'Warn') as FieldValidation };
  if (fieldManager) out.fieldManager = fieldManager;
  return out;
}

/** POST */
export const parseCreateOptions = (q: QueryLike): WriteOptions => writeOptions(q, 'CreateOptions');

/** PUT */
export const parseUpdateOptions = (q: QueryLike): WriteOptions => writeOptions(q, 'UpdateOptions');

/** PATCH (no server-side apply here, so `force` is always refused, as kube refuses it for other patch types) */
export const parsePatchOptions = (q: QueryLike): WriteOptions =>
  writeOptions(
    q,
    'PatchOptions',
    q.has('force') ? [fieldError.forbidden('force', 'may not be specified for non-apply patch')] : [],
  );

const POLICIES: readonly string[] = ['Foreground', 'Background', 'Orphan'];

/**
 * DELETE and DELETECOLLECTION. As kube-apiserver: a request body (a DeleteOptions object,
 * already parsed as JSON; `{}` is fine) takes precedence and the query is read only when
 * there is none.
 */
export function parseDeleteOptions(q: QueryLike, body?: unknown): DeleteOptions {
  let dryRun: string[];
  let grace: number | undefined;
  let policy: string | undefined;
  let orphan: boolean | undefined;
  let preconditions: DeleteOptions['preconditions'];
  if (body !== undefined && body !== null) {
    if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('DeleteOptions must be a JSON object');
    // Go's decoder checks the types (machinery/schemas/meta.ts); what is left has them
    const { object: b, typeErrors } = checkFields(body, deleteOptions);
    if (typeErrors.length) throw badRequest(typeErrors[0]!);
    dryRun = (b['dryRun'] as string[] | undefined) ?? [];
    grace = b['gracePeriodSeconds'] as number | undefined;
    policy = b['propagationPolicy'] as string | undefined;
    orphan = b['orphanDependents'] as boolean | undefined;
    preconditions = b['preconditions'] as DeleteOptions['preconditions'];
  } else {
    dryRun = q.getAll('dryRun');
    grace = intParam(q, 'gracePeriodSeconds');
    policy = strParam(q, 'propagationPolicy');
    if (q.has('orphanDependents')) orphan = queryBool(q.getAll('orphanDependents'));
  }
  const errs: FieldError[] = [];
  if (orphan !== undefined && policy !== undefined)
    errs.push(
      fieldError.invalid('propagationPolicy', policy, 'orphanDependents and deletionPropagation cannot be both set'),
    );
  if (policy !== undefined && !POLICIES.includes(policy))
    errs.push(fieldError.notSupported('propagationPolicy', policy, [...POLICIES, 'nil']));
  if (dryRun.some((d) => d !== 'All')) errs.push(fieldError.notSupported('dryRun', dryRun, ['All']));
  if (errs.length) throw invalid({ group: META, kind: 'DeleteOptions' }, '', errs);
  const out: DeleteOptions = { dryRun: dryRun.length > 0 };
  if (grace !== undefined) out.gracePeriodSeconds = grace;
  if (policy !== undefined) out.propagationPolicy = policy as PropagationPolicy;
  if (orphan !== undefined) out.orphanDependents = orphan;
  if (preconditions) out.preconditions = preconditions;
  return out;
}

/** `includeObject` and `noHeaders`, for Table answers. */
export function parseTableOptions(q: QueryLike): TableOptions {
  const inc = q.get('includeObject') ?? '';
  if (!['', 'None', 'Metadata', 'Object'].includes(inc))
    throw badRequest(
      `Unable to convert to Table as requested: includeObject: Invalid value: ${JSON.stringify(inc)}: must be 'Metadata', 'Object', 'None', or empty`,
    );
  return { includeObject: (inc || 'Metadata') as IncludeObject, noHeaders: queryBool(q.getAll('noHeaders')) };
}
