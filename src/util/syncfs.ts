/**
 * Flushing a whole filesystem (syncfs(2)), which Node does not expose: through the optional
 * native addon (native/fs_sync.c, built by `npm ci` next to the ECDSA verifier), else by
 * running coreutils' `sync -f`. The addon only saves the cost of starting that process
 * (bench/RESULTS.md, "04:11–04:25: with the native syncfs"); both block until the flush is done.
 * KUBETLS_NO_NATIVE=1 turns the addon off, as for the ECDSA verifier.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { open } from 'node:fs/promises';
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

/** One directory per filesystem among `dirs` (by device), in order: a batch may span mounts (--cert-dir and --kubeconfig-dir on different ones). */
export function onePerFilesystem(dirs: readonly string[]): string[] {
  const seen = new Set<number>();
  return dirs.filter((d) => {
    const dev = statSync(d).dev;
    return seen.has(dev) ? false : (seen.add(dev), true);
  });
}

/** syncfs for every filesystem among `dirs`; false as soon as one cannot be flushed. */
export function flushFilesystems(dirs: readonly string[]): boolean {
  return onePerFilesystem(dirs).every((d) => syncFilesystem(d));
}

/** fsync(2) of one file or directory, in the thread pool. */
export async function fsyncPath(p: string): Promise<void> {
  const fh = await open(p, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Makes `paths` (files or directories) durable: with `bulk`, one syncfs for each filesystem
 * holding `dirs` (one flush beats hundreds of fsyncs); otherwise, or when a filesystem
 * cannot be flushed as a whole (no addon and no `sync -f`), one fsync per path, concurrently.
 */
export async function makeDurable(paths: readonly string[], dirs: readonly string[], bulk: boolean): Promise<void> {
  if (bulk && flushFilesystems(dirs)) return;
  await Promise.all(paths.map((p) => fsyncPath(p)));
}
