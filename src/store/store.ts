/**
 * The storage interface every backend implements (the embedded SQLite default now, etcd
 * next), modelled on kube-apiserver's storage.Interface and etcd's data model: one
 * keyspace of JSON objects, one revision counter. A write's revision becomes the object's
 * `metadata.resourceVersion`; revisions only grow, across restarts too; a watch resumes from
 * any revision still in the history and gets `Expired` (HTTP 410) for an older one.
 *
 * Keys are strings that sort by resource, then namespace, then name:
 * `/<group or "core">/<resource>/<namespace or "-">/<name>` (see ./keys.ts). `list` and
 * `watch` take a prefix ending in `/` (a resource, or a namespace of it) or one whole key.
 * No backend type leaks above this file.
 *
 * Durability: every write's promise resolves only after the write is durable (fsync or
 * fdatasync has returned for it, or etcd's quorum has committed it), so an acknowledged write
 * survives `kill -9` and power loss. Backends may batch concurrent writes into one sync.
 *
 * Objects handed out by get/list/writes are the caller's to change; the objects in watch
 * events are shared by every watcher of that change and must not be modified.
 */
import type { KubeObject } from '../api/object.js';
import type { KubetlsError } from '../errors/index.js';

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
  /** an opaque token from a previous page (BadRequest when malformed, Expired when compacted) */
  continue?: string;
  /**
   * list as of this revision (kube's resourceVersionMatch=Exact): Expired when compacted,
   * BadRequest when newer than the store; absent = the newest. Ignored with `continue`,
   * whose token carries the first page's revision.
   */
  revision?: number;
  /** only objects for which this returns true (label/field selectors are applied above the store) */
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
 * Computes the next object from the current one (a copy the function may change), or throws
 * (a KubetlsError) to abort. May be called more than once: an asynchronous function is
 * called again with the newer object when another write changed the key while it ran.
 */
export type UpdateFn = (current: KubeObject) => KubeObject | Promise<KubeObject>;

export interface WatchOptions {
  /**
   * deliver events after this revision, replaying those still in the history (Expired when
   * older than `compactedRevision()`); 0 or absent = from now, with no replay
   */
  fromRevision?: number;
  /**
   * only changes of objects this accepts, with kube-apiserver's watch-cache semantics: an
   * object that starts to match arrives as ADDED, one that stops matching as DELETED
   */
  filter?: (o: KubeObject) => boolean;
  /**
   * Called once when the store ends the watch (never after `stop()`): the store closed, the
   * consumer fell too far behind, or (with `error`, code Expired) the history it was
   * replaying was compacted away — the client must relist.
   */
  onClose?: (reason: string, error?: KubetlsError) => void;
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
  /**
   * KubetlsError NotFound when absent, Conflict when a precondition fails. An update that
   * changes nothing writes nothing and returns the object with its current resourceVersion,
   * as kube-apiserver's storage does.
   */
  update(key: string, fn: UpdateFn, pre?: Preconditions): Promise<KubeObject>;
  /**
   * Stores `obj` at `key` only if the key's newest revision is still `resourceVersion` (a
   * compare-and-swap: etcd's txn comparing mod_revision, then a put). For a caller that has
   * already read the object and computed the next one (the API's update handler): the store
   * compares revisions only, without reading, parsing or comparing the stored object again.
   * KubetlsError NotFound when absent, Conflict (the update wording) when the key is at another
   * revision. Unlike `update`, it always writes a new revision: the caller decides whether
   * anything changed.
   */
  replace(key: string, obj: KubeObject, resourceVersion: string): Promise<KubeObject>;
  /**
   * Returns the deleted object with the deletion's resourceVersion (as its DELETED event
   * carries it); NotFound when absent, Conflict when a precondition fails.
   */
  delete(key: string, pre?: Preconditions): Promise<KubeObject>;
  /**
   * Calls `onEvent` for every change under `prefix` after `fromRevision`, in revision order;
   * throws KubetlsError Expired synchronously when that revision is older than the history
   * kept. Events start after `watch` has returned. When `onEvent` returns a promise, the next
   * event waits for it (backpressure: a consumer awaits its socket's drain), queued in a
   * bounded buffer; a consumer that lets the buffer overflow is closed (`onClose`), so a
   * slow client never costs unbounded memory.
   */
  watch(prefix: string, onEvent: (e: WatchEvent) => void | Promise<void>, o?: WatchOptions): Watch;
  /** the newest revision (a new store is at 1, as a new etcd: its first write gets 2) */
  revision(): number;
  /** the oldest revision a watch can still start from (and a list or continue token be at) */
  compactedRevision(): number;
  /**
   * Discards the history a watch would need to start before `revision` (clamped to the
   * newest): afterwards `compactedRevision()` is `revision`, and watches from, lists at and
   * continue tokens at older revisions get Expired. Backends also compact on their own
   * (the history window, see docs/architecture.md); kube-apiserver calls etcd's compaction
   * the same way.
   */
  compact(revision: number): Promise<void>;
  /** refuses new writes, finishes those in flight, ends every watch, releases the data */
  close(): Promise<void>;
}
