/**
 * The process the crash test kills: opens the store in argv[2] (commit mode argv[3]) and runs
 * 32 concurrent writers, each creating its own objects and updating them, until killed (or
 * for argv[5] acknowledgements). Every write
 * is printed (`ack <key> <resourceVersion> <seq>`) the moment its promise resolves, with a
 * synchronous write, so what the parent read before the SIGKILL was acknowledged.
 */
import { createHash } from 'node:crypto';
import { writeSync } from 'node:fs';
import { openStore } from '../../src/store/index.js';

const [dataDir, commit, round, exitAfter] = process.argv.slice(2) as [string, 'main' | 'worker', string, string];
/** stop (exit 0) after this many acknowledgements; 0 = run until killed */
const limit = Number(exitAfter ?? 0);
let acked = 0;

function ack(line: string): void {
  print(line);
  if (limit && ++acked >= limit) process.exit(0);
}

function print(line: string): void {
  const buf = Buffer.from(line + '\n');
  for (let off = 0; off < buf.length;) {
    try {
      off += writeSync(1, buf, off);
    } catch (e) {
      // a full pipe: wait for the parent to read
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
    }
  }
}

/** a CSR-sized object whose content can be checked for completeness */
function payload(key: string, seq: number): { pad: string; check: string; seq: string } {
  const pad = createHash('sha512').update(`${key}#${seq}`).digest('base64').repeat(24);
  return { pad, seq: String(seq), check: createHash('sha256').update(`${key}#${seq}#${pad}`).digest('hex') };
}

const store = await openStore({ backend: 'sqlite', dataDir, commit, compactIntervalMs: 0 });
print(`ready ${store.revision()}`);
await Promise.all(
  Array.from({ length: 32 }, async (_, c) => {
    for (let k = 0; ; k++) {
      const key = `/core/secrets/crash/r${round}-c${c}-k${k}`;
      const meta = { name: `r${round}-c${c}-k${k}`, namespace: 'crash' };
      let o = await store.create(key, { apiVersion: 'v1', kind: 'Secret', metadata: meta, data: payload(key, 0) });
      ack(`ack ${key} ${o.metadata.resourceVersion} 0`);
      for (let seq = 1; seq <= 3; seq++) {
        o = await store.update(key, (cur) => ({ ...cur, data: payload(key, seq) }));
        ack(`ack ${key} ${o.metadata.resourceVersion} ${seq}`);
      }
    }
  }),
);
