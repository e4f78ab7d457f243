/**
 * Loading the optional native addons (native/*.c, built by `npm ci` into
 * native/build/Release): the addon when it is there and has the expected function, else the
 * reason it is not used. KUBETLS_NO_NATIVE=1 turns every addon off.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface AddonLoad<T> {
  addon?: T;
  reason?: string;
}

/** A loader that tries once, on first call (commands that never need the addon pay nothing), and remembers the outcome. */
export function lazyAddon<T>(file: string, fn: string): () => AddonLoad<T> {
  let loaded: AddonLoad<T> | undefined;
  return () => (loaded ??= loadAddon<T>(file, fn));
}

export function loadAddon<T>(file: string, fn: string): AddonLoad<T> {
  if (process.env.KUBETLS_NO_NATIVE === '1') return { reason: 'KUBETLS_NO_NATIVE=1' };
  // dist/src/util (or the bundle in dist/src/cli) → repository root → native/build/Release
  const path = fileURLToPath(new URL(`../../../native/build/Release/${file}`, import.meta.url));
  try {
    const addon = createRequire(import.meta.url)(path) as Record<string, unknown>;
    return typeof addon[fn] === 'function' ? { addon: addon as T } : { reason: `${path} has no ${fn}()` };
  } catch (e) {
    return { reason: `not built (${(e as Error).message.split('\n')[0]})` };
  }
}
