/**
 * Flushing a whole filesystem (syncfs(2)), which Node does not expose: through the optional
 * native addon (native/fs_sync.c, built by `npm ci` next to the ECDSA verifier), else by
 * running coreutils' `sync -f`. The addon only saves the cost of starting that process
 * (~3–4 ms a call from a Node process this size); both block until the flush is done.
 * KUBETLS_NO_NATIVE=1 turns the addon off, as for the ECDSA verifier.
 */
import { spawnSync } from 'node:child_process';
import { lazyAddon } from './native.js';

interface NativeSyncfs {
  /** 0 on success, else an errno */
  syncfs(path: string): number;
}

const load = lazyAddon<NativeSyncfs>('fs_sync.node', 'syncfs');

/** How filesystems are flushed here: the addon, or `sync -f` and why (for tests and benchmarks). */
export function syncfsStatus(): { native: boolean; reason?: string } {
  const loaded = load();
  return loaded.addon ? { native: true } : { native: false, ...(loaded.reason ? { reason: loaded.reason } : {}) };
}

/** Flushes the filesystem holding `path`; false when it could not (the caller then fsyncs file by file). */
export function syncFilesystem(path: string): boolean {
  const { addon } = load();
  if (addon) return addon.syncfs(path) === 0;
  const r = spawnSync('sync', ['-f', path], { stdio: 'ignore', timeout: 60_000 });
  return r.status === 0;
}
