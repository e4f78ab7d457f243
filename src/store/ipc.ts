/**
 * The owner–follower store protocol (./remote.ts) over a Node IPC channel: a cluster worker's
 * `process` on the follower's side, the `cluster.Worker` on the owner's. Messages carry a
 * `type` starting with `store-`, so the channel can carry other messages beside them.
 */
import { KubetlsError } from '../errors/index.js';
import type { PrimaryLink, StoreHost, StoreReply, StoreRequest } from './remote.js';

/** the part of a ChildProcess / cluster.Worker / worker `process` this needs */
export interface IpcEndpoint {
  send(message: unknown): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

type Message =
  | { type: 'store-request'; id: number; req: StoreRequest }
  | { type: 'store-reply'; id: number; reply: StoreReply }
  | { type: 'store-revision'; revision: number };

const isMessage = (m: unknown): m is Message =>
  typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string';

/**
 * The follower's link to the owner through `channel` (a cluster worker's `process`). Calls
 * fail at once, and those in flight fail, when the channel is gone.
 */
export function ipcLink(channel: IpcEndpoint & { connected?: boolean }): PrimaryLink & { close(): void } {
  const pending = new Map<number, { resolve: (r: StoreReply) => void; reject: (e: Error) => void }>();
  const listeners = new Set<(revision: number) => void>();
  let nextId = 0;
  const gone = () => new KubetlsError('ServiceUnavailable', 'the store owner is gone (its process exited)');
  const onMessage = (m: unknown) => {
    if (!isMessage(m)) return;
    if (m.type === 'store-reply') {
      const p = pending.get(m.id);
      pending.delete(m.id);
      p?.resolve(m.reply);
    } else if (m.type === 'store-revision') for (const l of listeners) l(m.revision);
  };
  channel.on('message', onMessage);
  return {
    call(req) {
      if (channel.connected === false) return Promise.reject(gone());
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        try {
          channel.send({ type: 'store-request', id, req } satisfies Message);
        } catch {
          pending.delete(id);
          reject(gone());
        }
      });
    },
    onRevision(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      channel.off('message', onMessage);
      for (const p of pending.values()) p.reject(gone());
      pending.clear();
    },
  };
}

/** The owner's side for one follower: answers its store requests; returns a function that stops. */
export function serveStoreRequests(host: StoreHost, follower: IpcEndpoint & { isConnected?(): boolean }): () => void {
  const onMessage = (m: unknown) => {
    if (!isMessage(m) || m.type !== 'store-request') return;
    void host.handle(m.req).then((reply) => {
      // a follower that died meanwhile gets nothing; its write stands (the client saw no answer)
      if (follower.isConnected?.() === false) return;
      try {
        follower.send({ type: 'store-reply', id: m.id, reply } satisfies Message);
      } catch {
        /* it died between the check and the send */
      }
    });
  };
  follower.on('message', onMessage);
  return () => follower.off('message', onMessage);
}

/** The announcement of a new revision, as followers expect it. */
export function revisionMessage(revision: number): object {
  return { type: 'store-revision', revision } satisfies Message;
}
