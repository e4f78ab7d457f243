/** POST: create an object (or, for review resources, answer without storing anything). */
import { alreadyExists, badRequest, generateNameConflict, notFound } from '../machinery/status.js';
import { parseCreateOptions } from '../machinery/queryOptions.js';
import { isKubetlsError } from '../../errors/index.js';
import type { KubeObject } from '../object.js';
import { fromStore, groupResource, keyOf, namespaceKey, storageForm, typed } from './common.js';
import { objectReply, type ApiRequest, type Reply, type ServerState } from './context.js';
import { admit, decodeBody, nameFor, strategyContext, validateNew } from './write.js';

/** Tries of a fresh generateName suffix before answering 409 (kube-apiserver makes one). */
const GENERATE_NAME_TRIES = 3;

/** kube's timestamps are seconds-precision RFC 3339. */
export const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function createObject(s: ServerState, req: ApiRequest): Promise<Reply> {
  const { def, info } = req;
  if (info.name || info.subresource) throw badRequest(`create is not supported on ${info.path}`);
  const opts = parseCreateOptions(req.query);
  const { obj, warnings } = decodeBody(req, opts.fieldValidation);
  if (def.names.namespaced && !info.namespace) throw badRequest('the namespace of the object must be set');
  const ctx = strategyContext(s, req);

  // review resources (SubjectAccessReview, TokenReview, …) are answered, never stored; all are
  // cluster-scoped, and kube-apiserver has no namespaced path for them (404)
  if (def.review && info.namespace && !def.names.namespaced) throw notFound({ group: '', resource: '' }, '');
  if (def.review)
    return objectReply(
      201,
      { ...(await def.review(obj, ctx, { authorizer: s.authorizer, tokens: s.tokenAuthenticator })) },
      warnings,
    );

  if (obj.metadata.resourceVersion) throw badRequest('resourceVersion should not be set on objects to be created');
  // NamespaceLifecycle: no objects in a namespace that does not exist
  if (def.names.namespaced && !(await s.store.get(namespaceKey(info.namespace))))
    throw notFound({ group: '', resource: 'namespaces' }, info.namespace);

  const generated = !obj.metadata.name && !!obj.metadata.generateName;
  for (let attempt = 1; ; attempt++) {
    const o: KubeObject = structuredClone(obj);
    o.metadata.name = nameFor(s, def, o);
    o.metadata.uid = s.uid();
    o.metadata.creationTimestamp = rfc3339(ctx.now);
    delete o.metadata.deletionTimestamp;
    delete o.metadata.managedFields;
    def.strategy.prepareForCreate(o, ctx);
    validateNew(def, o, ctx);
    await admit(s, req, o, undefined);
    if (opts.dryRun) return objectReply(201, typed(def, storageForm(def, o)), warnings);
    try {
      const stored = await s.store.create(keyOf(def, info.namespace, o.metadata.name), storageForm(def, o));
      return objectReply(201, typed(def, stored), warnings);
    } catch (e) {
      if (isKubetlsError(e) && e.code === 'AlreadyExists') {
        if (!generated) throw alreadyExists(groupResource(def), o.metadata.name);
        if (attempt >= GENERATE_NAME_TRIES) throw generateNameConflict(groupResource(def), o.metadata.name);
        continue;
      }
      throw fromStore(e, def, o.metadata.name);
    }
  }
}
