/**
 * PUT (update) and PATCH: read the stored object, compute the new one (the body, or the
 * stored object with the patch applied), let the strategy keep what this path may not
 * change, validate, admit, and write it with the stored resourceVersion as precondition. A
 * client that sent a resourceVersion gets 409 when it is stale; one that did not (an
 * unconditional update, or a patch) is retried on a concurrent change, as kube-apiserver's
 * GuaranteedUpdate does. An update that changes nothing is not written (same
 * resourceVersion), so `kubectl apply` of an unchanged object stays a no-op.
 */
import { fieldError } from '../../errors/index.js';
import { badRequest, conflict, notFound } from '../machinery/status.js';
import { parsePatchOptions, parseUpdateOptions, type WriteOptions } from '../machinery/queryOptions.js';
import { applyPatch, patchTypeOf } from '../machinery/patch.js';
import { isKubetlsError } from '../../errors/index.js';
import { jsonEqual, sameJsonText, type KubeObject } from '../object.js';
import { fromStore, groupResource, groupVersion, keyOf, storageForm, typed, view } from './common.js';
import { objectReply, type ApiRequest, type Reply, type ServerState } from './context.js';
import { admit, decodeBody, invalidObject, schemaOf, strategyContext, validateChange } from './write.js';
import { createObject } from './create.js';

/**
 * Retries of an unconditional update or a patch that lost a race with another writer: enough
 * for dozens of clients patching one object at once (each round of such a race has one
 * winner; kube-apiserver retries without a bound), as the store's own update does.
 */
const CONFLICT_RETRIES = 64;

export async function updateObject(s: ServerState, req: ApiRequest): Promise<Reply> {
  const { def, info } = req;
  const opts = parseUpdateOptions(req.query);
  const { obj, warnings } = decodeBody(req, opts.fieldValidation);
  if (obj.metadata.name !== undefined && obj.metadata.name !== info.name)
    throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${info.name})`);
  obj.metadata.name = info.name;
  const wantedRv = obj.metadata.resourceVersion;
  const got = await s.store.get(keyOf(def, info.namespace, info.name));
  if (!got) {
    if (def.strategy.allowCreateOnUpdate && !info.subresource)
      return createObject(s, { ...req, info: { ...info, name: '' } });
    throw notFound(groupResource(def), info.name);
  }
  if (!wantedRv && !def.strategy.allowUnconditionalUpdate)
    throw invalidObject(def, info.name, [
      fieldError.invalid('metadata.resourceVersion', 0, 'must be specified for an update'),
    ]);
  return writeUpdate(s, req, opts, got, () => structuredClone(obj), wantedRv, warnings);
}

export async function patchObject(s: ServerState, req: ApiRequest): Promise<Reply> {
  const { def, info } = req;
  // the patch type first, as kube-apiserver checks it: `kubectl apply --server-side` sends
  // `force=false`, which would otherwise be refused as an option of a non-apply patch (422)
  // before the clearer 415 that says server-side apply is not served
  const type = patchTypeOf(req.contentType);
  const opts = parsePatchOptions(req.query);
  const schema = schemaOf(def);
  const got = await s.store.get(keyOf(def, info.namespace, info.name));
  if (!got) throw notFound(groupResource(def), info.name);
  const current = view(def, got);
  let warnings: string[] = [];
  const patched = (base: KubeObject): KubeObject => {
    const out = applyPatch(
      { ...base, apiVersion: groupVersion(def), kind: def.names.kind },
      req.rawBody,
      type,
      schema,
      { fieldValidation: opts.fieldValidation },
    );
    warnings = out.warnings;
    return out.object as KubeObject;
  };
  // a patch that carries metadata.resourceVersion makes it a precondition
  const wantedRv = patched(current).metadata?.resourceVersion;
  const rv = wantedRv !== current.metadata.resourceVersion ? wantedRv : undefined;
  return writeUpdate(s, req, opts, got, patched, rv, warnings);
}

/**
 * The shared tail of PUT and PATCH: `next(stored)` computes the proposed object; `wantedRv`
 * (the client's precondition) fails with 409 when stale; otherwise a lost race is retried.
 * `first` is the object as read from the store (its storage form). The object is read once:
 * the write is a compare-and-swap on the revision read (Store.replace), so the store neither
 * reads nor parses it again; the no-op check the store's update made on the JSON text is
 * made here on the storage forms.
 */
async function writeUpdate(
  s: ServerState,
  req: ApiRequest,
  opts: WriteOptions,
  first: KubeObject,
  next: (stored: KubeObject) => KubeObject,
  wantedRv: string | undefined,
  warnings: string[],
): Promise<Reply> {
  const { def, info } = req;
  const key = keyOf(def, info.namespace, info.name);
  const ctx = strategyContext(s, req);
  let stored = first;
  let current = view(def, stored);
  for (let attempt = 0; ; attempt++) {
    if (wantedRv && wantedRv !== current.metadata.resourceVersion) throw conflict(groupResource(def), info.name);
    const o = next(current);
    o.apiVersion = groupVersion(def);
    o.kind = def.names.kind;
    o.metadata = { ...o.metadata, name: info.name };
    if (def.names.namespaced) o.metadata.namespace = info.namespace;
    // uid, creationTimestamp and the resourceVersion are the server's
    if (o.metadata.uid && o.metadata.uid !== current.metadata.uid)
      throw conflict(
        groupResource(def),
        info.name,
        `Precondition failed: UID in precondition: ${o.metadata.uid}, UID in object meta: ${current.metadata.uid ?? ''}`,
      );
    o.metadata.uid = current.metadata.uid!;
    o.metadata.creationTimestamp = current.metadata.creationTimestamp!;
    o.metadata.resourceVersion = current.metadata.resourceVersion!;
    delete o.metadata.managedFields;
    def.strategy.prepareForUpdate(o, current, ctx);
    validateChange(def, o, current, ctx);
    await admit(s, req, o, current);
    const comparable = (x: KubeObject) => ({ ...x, apiVersion: undefined, kind: undefined });
    if (jsonEqual(comparable(o), comparable(current)) || opts.dryRun)
      return objectReply(200, typed(def, storageForm(def, o)), warnings);
    const proposed = storageForm(def, o);
    // the same JSON text as stored (a key set to undefined, say): nothing to write either
    if (sameJsonText(proposed, stored)) return objectReply(200, typed(def, proposed), warnings);
    try {
      const written = await s.store.replace(key, proposed, current.metadata.resourceVersion!);
      return objectReply(200, typed(def, written), warnings);
    } catch (e) {
      if (!(isKubetlsError(e) && e.code === 'Conflict') || wantedRv || attempt >= CONFLICT_RETRIES)
        throw fromStore(e, def, info.name);
      const fresh = await s.store.get(key);
      if (!fresh) throw notFound(groupResource(def), info.name);
      stored = fresh;
      current = view(def, fresh);
    }
  }
}
