/**
 * meta.k8s.io Table answers (what `kubectl get` asks for with
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`): column definitions, one row per
 * object with its cells, the object as PartialObjectMetadata (`includeObject=Metadata`, the
 * default), whole (`Object`) or not at all (`None`), and the list's resourceVersion and
 * continue token in the Table's metadata (kubectl's `get -w` watches from that version).
 *
 * `defaultTableConvertor` gives NAME and AGE, as kubectl prints a resource with no columns
 * of its own; resources with their own printer (CSR: SIGNERNAME, REQUESTOR, …) declare a
 * TableConvertor in their ResourceDefinition.
 */
import type { KubeObject, ObjectMeta } from '../object.js';
import type { TableColumn, TableConvertor } from '../resource.js';
import { humanAge } from '../humanduration.js';
import type { IncludeObject } from './queryOptions.js';

export const nameColumn: TableColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'The name of the object, unique in its namespace (metadata.name).',
};

export const ageColumn: TableColumn = {
  name: 'Age',
  type: 'string',
  description: 'How long ago the object was created (metadata.creationTimestamp).',
};

/** NAME and AGE: for every resource without a printer of its own. */
/**
 * NAME and CREATED AT (the creation time as RFC 3339, printed by kubectl as is): what
 * kube-apiserver's default table convertor gives kinds without printer columns of their own
 * (Roles, ClusterRoles, CustomResourceDefinitions).
 */
export const createdAtTableConvertor: TableConvertor = {
  columns: [
    { name: 'Name', type: 'string', format: 'name' },
    { name: 'Created At', type: 'date' },
  ],
  cells: (o) => [o.metadata.name ?? '', o.metadata.creationTimestamp ?? ''],
};

export const defaultTableConvertor: TableConvertor = {
  columns: [nameColumn, ageColumn],
  cells: (obj, now) => [obj.metadata.name ?? '', humanAge(obj.metadata.creationTimestamp, now)],
};

export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: string;
  metadata: ObjectMeta;
}

export interface TableRow {
  cells: unknown[];
  object?: PartialObjectMetadata | KubeObject;
}

export interface Table {
  kind: 'Table';
  apiVersion: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

export interface TableRequest {
  /** the negotiated meta.k8s.io version */
  version?: 'v1' | 'v1beta1';
  includeObject?: IncludeObject;
  /** leave the column definitions out (watch events after the first, `?noHeaders=true`) */
  noHeaders?: boolean;
}

/** PartialObjectMetadata of an object (its kind and apiVersion are those of meta.k8s.io). */
export function partialObjectMetadata(obj: KubeObject, version: 'v1' | 'v1beta1' = 'v1'): PartialObjectMetadata {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata };
}

/**
 * A Table of `objects` (a list, or one object for a GET or a watch event). `listMeta` is the
 * list's (resourceVersion, continue, remainingItemCount); for a single object pass its
 * resourceVersion.
 */
export function buildTable(
  convertor: TableConvertor,
  objects: readonly KubeObject[],
  listMeta: {
    resourceVersion?: string | undefined;
    continue?: string | undefined;
    remainingItemCount?: number | undefined;
  },
  now: Date,
  req: TableRequest = {},
): Table {
  const version = req.version ?? 'v1';
  const include: IncludeObject = req.includeObject === undefined ? 'Metadata' : req.includeObject;
  const metadata: Table['metadata'] = {};
  if (listMeta.resourceVersion) metadata.resourceVersion = listMeta.resourceVersion;
  if (listMeta.continue) metadata.continue = listMeta.continue;
  if (listMeta.remainingItemCount !== undefined) metadata.remainingItemCount = listMeta.remainingItemCount;
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${version}`,
    metadata,
    columnDefinitions: req.noHeaders
      ? []
      : convertor.columns.map((c) => ({
          name: c.name,
          type: c.type,
          format: c.format ?? '',
          description: c.description ?? '',
          priority: c.priority ?? 0,
        })),
    rows: objects.map((o) => {
      const row: TableRow = { cells: convertor.cells(o, now) };
      if (include === 'Metadata') row.object = partialObjectMetadata(o, version);
      else if (include === 'Object') row.object = o;
      return row;
    }),
  };
}
