/**
 * Writes made in another process: the protocol between a store's owner (the process that
 * holds the data directory and its single writer) and the processes that read the same data
 * and send their writes to it (`kubetls serve --workers`: ./sqlite-replica.ts). It is the
 * shape an etcd backend has too: writes go to one place, `update` is a compare-and-swap
 * retried on the newer object (etcd's GuaranteedUpdate), and watches fan out locally.
 *
 * The owner answers a write only once its store has resolved it (it is durable); after
 * commits it announces the newest revision so that followers tail the log promptly.
 */
import type { KubeObject } from '../api/object.js';
import { KubetlsError } from '../errors/index.js';
import type { FieldError } from '../errors/field.js';
import type { ErrorCode } from '../errors/registry.js';
import type { Preconditions, Store } from './store.js';

export type StoreRequest =
  | { op: 'create'; key: string; obj: KubeObject }
  | { op: 'delete'; key: string; pre?: Preconditions | undefined }
  /** store `obj` at `key` only if the key is still at revision `rev` (the one the update function saw) */
  | { op: 'cas'; key: string; obj: KubeObject; rev: number }
  | { op: 'compact'; revision: number };

export interface WireError {
  code: ErrorCode;
  message: string;
  hint?: string | undefined;
  fieldErrors?: readonly FieldError[];
}

export type StoreReply =
  | { ok: true; obj?: KubeObject | undefined }
  | { ok: false; error: WireError }
  /** a compare-and-swap that lost: the key's newest state (null: it is gone) to run the update on */
  | { ok: false; current: { rev: number; value: string } | null };

/** How a follower reaches the owner (IPC between processes: ./ipc.ts; a function call in tests). */
export interface PrimaryLink {
  call(req: StoreRequest): Promise<StoreReply>;
  /** `listener` hears every revision the owner announces; returns a function that stops it */
  onRevision(listener: (revision: number) => void): () => void;
}

export function toWire(e: unknown): WireError {
  if (e instanceof KubetlsError)
    return {
      code: e.code,
      message: e.message,
      ...(e.hint !== undefined ? { hint: e.hint } : {}),
      ...(e.fieldErrors.length ? { fieldErrors: e.fieldErrors } : {}),
    };
  return { code: 'InternalError', message: e instanceof Error ? e.message : String(e) };
}

export function fromWire(w: WireError): KubetlsError {
  return new KubetlsError(w.code, w.message, { hint: w.hint, fieldErrors: w.fieldErrors ?? [] });
}

/**
 * The owner's side: applies followers' writes to its store, and announces the newest revision
 * (once per event-loop turn, however many writes committed in it) to `announce`.
 */
export class StoreHost {
  private announcing = false;
  /** the newest write of each key still being committed */
  private readonly committing = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: Store,
    private readonly announce: (revision: number) => void,
  ) {}

  async handle(req: StoreRequest): Promise<StoreReply> {
    try {
      const obj = await this.track(req, this.apply(req));
      this.scheduleAnnounce();
      return { ok: true, obj };
    } catch (e) {
      if (req.op === 'cas' && e instanceof KubetlsError && e.code === 'Conflict') {
        // the write that moved the key may still be committing: answer once it is durable, so
        // that the follower (and whatever it re-reads on its own connection) sees it, rather
        // than spinning on a state it cannot read yet
        await this.committing.get(req.key);
        const current = await this.store.get(req.key);
        return {
          ok: false,
          current: current ? { rev: Number(current.metadata.resourceVersion), value: JSON.stringify(current) } : null,
        };
      }
      return { ok: false, error: toWire(e) };
    }
  }

  /** remembers `p` among the writes of the request's key still settling (every one of them) */
  private track<T>(req: StoreRequest, p: Promise<T>): Promise<T> {
    if (req.op === 'compact') return p;
    const key = req.key;
    const prev = this.committing.get(key);
    const mine = p.then(
      () => undefined,
      () => undefined,
    );
    const all = prev ? Promise.all([prev, mine]) : mine;
    this.committing.set(key, all);
    void all.then(() => {
      if (this.committing.get(key) === all) this.committing.delete(key);
    });
    return p;
  }

  private async apply(req: StoreRequest): Promise<KubeObject | undefined> {
    switch (req.op) {
      case 'create':
        return this.store.create(req.key, req.obj);
      case 'delete':
        return this.store.delete(req.key, req.pre);
      case 'cas':
        // the owner's store decides it against the key's newest state (a write still committing
        // included), so nothing can come between the check and the write; it compares revisions
        // only, without parsing the stored object
        return this.store.replace(req.key, req.obj, String(req.rev));
      case 'compact':
        await this.store.compact(req.revision);
        return undefined;
      default:
        throw new KubetlsError('BadRequest', `unknown store request ${JSON.stringify((req as { op?: unknown }).op)}`);
    }
  }

  /** announces the newest revision after this turn's writes */
  scheduleAnnounce(): void {
    if (this.announcing) return;
    this.announcing = true;
    setImmediate(() => {
      this.announcing = false;
      this.announce(this.store.revision());
    });
  }
}
