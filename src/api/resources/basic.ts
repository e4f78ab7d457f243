/**
 * The strategy most resources share (kube-apiserver's defaults): status (when the resource
 * has a /status subresource) is dropped on create and kept by main-resource updates, while a
 * /status update keeps everything but status; updates without a resourceVersion are allowed.
 * Resources add their own preparation and validation.
 */
import type { FieldError } from '../../errors/index.js';
import type { KubeObject } from '../object.js';
import type { Strategy, StrategyContext } from '../resource.js';

export interface BasicStrategyOptions {
  /** the resource has a /status subresource */
  status?: boolean;
  /** create keeps status (core/v1 Node: the kubelet registers its addresses) */
  statusOnCreate?: boolean;
  /** changes made on create and on every update (defaults, derived fields) */
  prepare?: (obj: KubeObject, old: KubeObject | undefined, ctx: StrategyContext) => void;
  validate?: (obj: KubeObject, ctx: StrategyContext) => FieldError[];
  validateUpdate?: (obj: KubeObject, old: KubeObject, ctx: StrategyContext) => FieldError[];
  allowCreateOnUpdate?: boolean;
}

export function basicStrategy(o: BasicStrategyOptions = {}): Strategy {
  return {
    allowUnconditionalUpdate: true,
    allowCreateOnUpdate: o.allowCreateOnUpdate ?? false,
    prepareForCreate(obj, ctx) {
      if (o.status && !o.statusOnCreate) delete obj.status;
      o.prepare?.(obj, undefined, ctx);
      return obj;
    },
    validate: (obj, ctx) => o.validate?.(obj, ctx) ?? [],
    prepareForUpdate(obj, old, ctx) {
      if (o.status && ctx.subresource === 'status') {
        // a /status write changes status only
        for (const k of Object.keys(obj)) if (k !== 'status' && k !== 'metadata') delete obj[k];
        for (const [k, v] of Object.entries(old)) if (k !== 'status' && k !== 'metadata') obj[k] = structuredClone(v);
        const rv = obj.metadata.resourceVersion;
        obj.metadata = structuredClone(old.metadata);
        if (rv !== undefined) obj.metadata.resourceVersion = rv;
      } else if (o.status) {
        if (old.status === undefined) delete obj.status;
        else obj.status = structuredClone(old.status);
      }
      o.prepare?.(obj, old, ctx);
      return obj;
    },
    validateUpdate: (obj, old, ctx) => o.validateUpdate?.(obj, old, ctx) ?? o.validate?.(obj, ctx) ?? [],
  };
}

/**
 * A strategy that prepares and validates nothing: for resources whose writes never reach one
 * (reviews are answered, not stored; CustomResourceDefinitions refuse every write).
 */
export const noStrategy: Strategy = {
  prepareForCreate: (o) => o,
  validate: () => [],
  prepareForUpdate: (o) => o,
  validateUpdate: () => [],
};
