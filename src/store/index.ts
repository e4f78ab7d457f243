/**
 * The store, chosen by a factory: nothing above src/store/ imports a backend (or
 * better-sqlite3); the backend's module is loaded only when a store is opened.
 */
import { KubetlsError } from '../errors/index.js';
import type { Store } from './store.js';
import type { SqliteStoreOptions } from './sqlite.js';

export type * from './store.js';
export { objectKey, resourcePrefix, parseKey, type KeyParts } from './keys.js';
export type { HistoryOptions } from './history.js';

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
