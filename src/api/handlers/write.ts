/**
 * The steps every write shares, in kube-apiserver's order: decode and check the body
 * against the URL, apply fieldValidation, let the strategy prepare the object, validate it
 * (every field error at once → 422), run admission (→ 403), then write — or, with
 * dryRun=All, answer as if it had been written.
 */
import { fieldError, type FieldError } from '../../errors/index.js';
import { badRequest, forbidden, invalid, type StatusError } from '../machinery/status.js';
import type { FieldValidation } from '../machinery/queryOptions.js';
import { decodeBody as decodeRequestBody } from '../machinery/decode.js';
import type { ObjectSchema } from '../machinery/schema.js';
import { schemaFor } from '../machinery/schemas/index.js';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from '../validation/objectmeta.js';
import type { KubeObject, RequestAttributes } from '../object.js';
import type { ResourceDefinition, StrategyContext } from '../resource.js';
import { groupResource, groupVersion } from './common.js';
import type { ApiRequest, ServerState } from './context.js';

/** The object's schema (every served kind has one; fieldValidation and pruning read it). */
export function schemaOf(def: ResourceDefinition): ObjectSchema {
  const schema = schemaFor({ group: def.names.group, version: def.names.version, kind: def.names.kind });
  if (!schema) throw new Error(`no schema for ${groupVersion(def)} ${def.names.kind}`);
  return schema;
}

/**
 * The request body as an object of this resource, decoded from JSON, YAML or protobuf, with
 * fieldValidation applied (unknown and repeated fields: refused under Strict, warned about
 * under Warn, dropped always); apiVersion and kind must be this resource's (filled in when
 * absent, as clients that build bodies by hand omit them); the namespace the URL's.
 */
export function decodeBody(req: ApiRequest, fieldValidation: FieldValidation): { obj: KubeObject; warnings: string[] } {
  const { def, info } = req;
  const gv = groupVersion(def);
  const out = decodeRequestBody(req.rawBody, req.contentType, schemaOf(def), fieldValidation, def.names);
  const body = out.object;
  if (body.apiVersion !== undefined && body.apiVersion !== gv)
    throw badRequest(
      `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${gv})`,
    );
  if (body.kind !== undefined && body.kind !== def.names.kind)
    throw badRequest(
      `the kind in the data (${String(body.kind)}) does not match the expected kind (${def.names.kind})`,
    );
  const meta = (body.metadata ?? {}) as KubeObject['metadata'];
  const obj: KubeObject = { ...body, apiVersion: gv, kind: def.names.kind, metadata: { ...meta } };
  const ns = obj.metadata.namespace;
  if (def.names.namespaced) {
    if (ns && info.namespace && ns !== info.namespace)
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    if (info.namespace) obj.metadata.namespace = info.namespace;
  } else delete obj.metadata.namespace;
  return { obj, warnings: out.warnings };
}

export function strategyContext(s: ServerState, req: ApiRequest): StrategyContext {
  return { user: req.user, subresource: req.info.subresource || undefined, now: s.now() };
}

/** 422 with every field error, named as kube-apiserver names the object. */
export function invalidObject(def: ResourceDefinition, name: string, errors: FieldError[]): StatusError {
  return invalid({ group: def.names.group, kind: def.names.kind }, name, errors);
}

export function validateNew(def: ResourceDefinition, obj: KubeObject, ctx: StrategyContext): void {
  const errors = [
    ...validateObjectMeta(obj.metadata, {
      name: def.nameValidator ?? nameIsDNSSubdomain,
      namespaced: def.names.namespaced,
    }),
    ...def.strategy.validate(obj, ctx),
  ];
  if (errors.length) throw invalidObject(def, obj.metadata.name ?? '', errors);
}

export function validateChange(def: ResourceDefinition, obj: KubeObject, old: KubeObject, ctx: StrategyContext): void {
  const errors = [
    ...validateObjectMetaUpdate(obj.metadata, old.metadata),
    ...def.strategy.validateUpdate(obj, old, ctx),
  ];
  if (errors.length) throw invalidObject(def, obj.metadata.name ?? '', errors);
}

/** The admission checks of the resource, in order; the first refusal is a 403 naming the object. */
export async function admit(
  s: ServerState,
  req: ApiRequest,
  obj: KubeObject,
  old: KubeObject | undefined,
): Promise<void> {
  const checks = req.def.admission ?? [];
  if (!checks.length) return;
  const attributes: RequestAttributes = {
    user: req.user,
    verb: req.info.verb,
    resourceRequest: true,
    apiGroup: req.info.apiGroup,
    apiVersion: req.info.apiVersion,
    resource: req.info.resource,
    ...(req.info.subresource ? { subresource: req.info.subresource } : {}),
    ...(req.info.namespace ? { namespace: req.info.namespace } : {}),
    ...(obj.metadata.name ? { name: obj.metadata.name } : {}),
  };
  for (const check of checks) {
    const refusal = await check({ attributes, obj, old, authorizer: s.authorizer });
    if (refusal) throw forbidden(groupResource(req.def), obj.metadata.name ?? '', refusal);
  }
}

/** metadata.name, or generateName + 5 random characters (kube: names.SimpleNameGenerator). */
export function nameFor(s: ServerState, def: ResourceDefinition, obj: KubeObject): string {
  const m = obj.metadata;
  if (m.name) return m.name;
  if (m.generateName) {
    // the whole name must stay ≤ 253 (kube cuts generateName to 253 - 5 first)
    return `${m.generateName.slice(0, 248)}${s.randomSuffix(5)}`;
  }
  throw invalidObject(def, '', [fieldError.required('metadata.name', 'name or generateName is required')]);
}
