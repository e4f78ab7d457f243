/**
 * Seeding a stopped server's store directly: `n` copies of one CSR the API created (new names
 * and uids, each a real create in the store), so a benchmark fills 100,000 CSRs in seconds
 * rather than minutes of API calls. Used by bench/serve.ts and bench/controller-memory.ts.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { KubeObject } from '../src/api/object.js';
import { openStore } from '../src/store/index.js';
import { objectKey } from '../src/store/keys.js';

/** Writes `n` copies of the stored CSR `template` into the store of the PKI tree `dir` (its data/); the server must be stopped. */
export async function seedCsrs(dir: string, template: string, n: number, prefix: string): Promise<void> {
  const store = await openStore({ backend: 'sqlite', dataDir: join(dir, 'data') });
  try {
    const base = (await store.get(objectKey('certificates.k8s.io', 'certificatesigningrequests', '', template)))!;
    const BATCH = 2000;
    for (let i = 0; i < n; i += BATCH) {
      const writes: Promise<unknown>[] = [];
      for (let j = i; j < Math.min(n, i + BATCH); j++) {
        const name = `${prefix}-${String(j).padStart(6, '0')}`;
        const o = structuredClone<KubeObject>(base);
        o.metadata = { ...o.metadata, name, uid: randomUUID() };
        delete (o.metadata as { resourceVersion?: string }).resourceVersion;
        writes.push(store.create(objectKey('certificates.k8s.io', 'certificatesigningrequests', '', name), o));
      }
      await Promise.all(writes);
    }
  } finally {
    await store.close();
  }
}
