/**
 * The store, chosen by a factory: nothing above src/store/ imports a backend (or
 * better-sqlite3); the backend's module is loaded only when a store is opened.
 */
import { KubetlsError } from '../errors/index.js';
import type { Store } from './store.js';
import type { SqliteStoreOptions } from './sqlite.js';
import type { ReplicaStore, SqliteReplicaOptions } from './sqlite-replica.js';

export type { ReplicaStore } from './sqlite-replica.js';

export type * from './store.js';
export { objectKey, resourcePrefix, parseKey, type KeyParts } from './keys.js';
export type { HistoryOptions } from './history.js';
export { StoreHost, type PrimaryLink, type StoreReply, type StoreRequest } from './remote.js';
export { ipcLink, serveStoreRequests, revisionMessage, type IpcEndpoint } from './ipc.js';

export type StoreOptions = { backend: 'sqlite' } & SqliteStoreOptions;

/** Opens a store and resolves once it is ready to serve. */
export async function openStore(o: StoreOptions): Promise<Store> {
  switch (o.backend) {
    case 'sqlite': {
      const { openSqliteStore } = await import('./sqlite.js');
      return openSqliteStore(o);
    }
    default:
      throw new KubetlsError(
        'BadFlag',
        `unknown store backend ${JSON.stringify((o as { backend: unknown }).backend)}`,
        {
          hint: 'the backends are: sqlite',
        },
      );
  }
}

export type ReplicaOptions = { backend: 'sqlite' } & SqliteReplicaOptions;

/**
 * Opens a read replica of a store another process owns (`kubetls serve --workers`): reads
 * here, writes sent over `link` to the owner. `catchUp()` makes every write committed so far
 * visible to this process's watchers; call it before handling a request.
 */
export async function openStoreReplica(o: ReplicaOptions): Promise<ReplicaStore> {
  switch (o.backend) {
    case 'sqlite': {
      const { openSqliteReplica } = await import('./sqlite-replica.js');
      return openSqliteReplica(o);
    }
    default:
      throw new KubetlsError('BadFlag', `unknown store backend ${JSON.stringify((o as { backend: unknown }).backend)}`);
  }
}
