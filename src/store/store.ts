/**
 * The storage interface every backend implements (the embedded SQLite default now, etcd
 * next), modelled on kube-apiserver's storage.Interface and etcd's data model: one
 * keyspace of JSON objects, one revision counter. A write's revision becomes the object's
 * `metadata.resourceVersion`; revisions only grow, across restarts too; a watch resumes from
 * any revision still in the history and gets `Expired` (HTTP 410) for an older one.
 *
 * Keys are strings that sort by resource, then namespace, then name:
 * `/<group or "core">/<resource>/<namespace or "-">/<name>`; a prefix ending in `/` selects
 * a resource or a namespace of it. No backend type leaks above this file.
 *
 * Durability: every write's promise resolves only after the write is durable (fsync or
 * fdatasync has returned for it, or etcd's quorum has committed it), so an acknowledged write
 * survives `kill -9` and power loss. Backends may batch concurrent writes into one sync.
 */
import type { KubeObject } from '../api/object.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent {
  type: WatchEventType;
  /** the object after the change (for DELETED: as it was, with the deletion's resourceVersion) */
  object: KubeObject;
  /** the revision of this change */
  revision: number;
}

export interface ListOptions {
  /** at most this many items; 0 or absent = all */
  limit?: number;
  /** an opaque token from a previous page */
  continue?: string;
  /** only keys for which this returns true (label/field selectors are applied above the store) */
  filter?: (o: KubeObject) => boolean;
}

export interface ListResult {
  items: KubeObject[];
  /** the store revision the list reflects (every page of a chunked list reflects the first page's) */
  revision: number;
  /** set when more items remain */
  continue?: string;
  /** how many items remain after this page, when known */
  remainingItemCount?: number;
}

export interface Preconditions {
  /** the write applies only if the stored object has this resourceVersion (else Conflict) */
  resourceVersion?: string;
  /** the write applies only if the stored object has this uid (else Conflict) */
  uid?: string;
}

/**
 * Computes the next object from the current one, or throws (a KubetlsError) to abort.
 * May be called more than once when a backend retries an optimistic update.
 */
export type UpdateFn = (current: KubeObject) => KubeObject | Promise<KubeObject>;

export interface WatchOptions {
  /** deliver events after this revision; 0 or absent = from now, with no replay */
  fromRevision?: number;
  filter?: (o: KubeObject) => boolean;
  /** called when the watch can no longer continue (the store closed, the consumer fell too far behind) */
  onClose?: (reason: string) => void;
}

export interface Watch {
  /** stops the watch; no events are delivered after it returns */
  stop(): void;
}

export interface Store {
  /** the object at `key`, or undefined */
  get(key: string): Promise<KubeObject | undefined>;
  list(prefix: string, o?: ListOptions): Promise<ListResult>;
  /** stores a new object; KubetlsError AlreadyExists when the key is taken */
  create(key: string, obj: KubeObject): Promise<KubeObject>;
  /** KubetlsError NotFound when absent, Conflict when a precondition fails */
  update(key: string, fn: UpdateFn, pre?: Preconditions): Promise<KubeObject>;
  /** returns the deleted object; NotFound when absent, Conflict when a precondition fails */
  delete(key: string, pre?: Preconditions): Promise<KubeObject>;
  /**
   * Calls `onEvent` for every change under `prefix` after `fromRevision`, in revision order;
   * throws KubetlsError Expired synchronously when that revision is older than the history kept.
   */
  watch(prefix: string, onEvent: (e: WatchEvent) => void, o?: WatchOptions): Watch;
  /** the newest revision */
  revision(): number;
  /** the oldest revision a watch can still start from */
  compactedRevision(): number;
  close(): Promise<void>;
}
