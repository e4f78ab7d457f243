/**
 * A read at a resourceVersion the store has not reached yet. kube-apiserver's watch cache
 * waits up to 3 s (`blockTimeout`) for it and then answers 504 `Timeout: Too large resource
 * version: <rv>, current: <newest>` with retryAfterSeconds 1 and the ResourceVersionTooLarge
 * cause (apiserver `storage/cacher/watch_cache.go` waitUntilFreshAndBlock, `storage/errors.go`);
 * client-go's reflector recognizes that cause and relists. It does so for a LIST or GET with
 * a resourceVersion and for a WATCH that asks for its initial events (sendInitialEvents=true);
 * a plain WATCH from a future resourceVersion is accepted and simply delivers the changes
 * after it (documented: "may wait indefinitely").
 */
import { tooLargeResourceVersion } from '../machinery/status.js';
import type { Store } from '../../store/store.js';

/** kube-apiserver's blockTimeout */
export const FRESHNESS_WAIT_MS = 3000;

/**
 * How often a waiting read looks at the store's revision. Polled, because the store has no
 * notification of "any write" (its watches are per prefix) and `revision()` is an in-memory
 * field: at most 150 checks in the 3 s, and a read resumes within 20 ms of the write.
 */
const POLL_MS = 20;

/** Resolves once the store is at `rv` or later; rejects with the 504 after `ms`. */
export function waitUntilFresh(store: Store, rv: number, ms = FRESHNESS_WAIT_MS): Promise<void> {
  if (store.revision() >= rv) return Promise.resolve();
  const deadline = Date.now() + ms;
  return new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (store.revision() >= rv) resolve();
      else if (Date.now() >= deadline) reject(tooLargeResourceVersion(rv, store.revision()));
      else setTimeout(check, POLL_MS).unref();
    };
    setTimeout(check, POLL_MS).unref();
  });
}
