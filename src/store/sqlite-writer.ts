/**
 * The SQLite store's writer thread (see ./sqlite-commit.ts): owns the write connection,
 * commits each batch it is sent in one transaction and one fdatasync, compacts, and replies
 * in order. Its first message says whether the connection opened.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { WriterData, WriterReply, WriterRequest } from './sqlite-commit.js';
import { connect, prepareWriter, type DB, type Writer } from './sqlite-db.js';

const port = parentPort!;
const data = workerData as WriterData;
const reply = (r: WriterReply) => port.postMessage(r);
const failure = (id: number, e: unknown): WriterReply => {
  const code = (e as { code?: unknown }).code;
  return { id, ok: false, message: (e as Error).message, ...(typeof code === 'string' ? { code } : {}) };
};

let db: DB | undefined;
let writer: Writer | undefined;
try {
  db = connect(data.path, data.connection);
  writer = prepareWriter(db);
  reply({ id: -1, ok: true });
} catch (e) {
  reply(failure(-1, e));
}

port.on('message', (m: WriterRequest) => {
  try {
    if (!db || !writer) throw new Error('the writer connection is not open');
    if (m.op === 'commit') {
      writer.commit(m.rows);
      reply({ id: m.id, ok: true });
    } else if (m.op === 'compact') {
      let n = 0;
      for (let a = m.from; a < m.upTo; a += data.slice) n += writer.compact(a, Math.min(a + data.slice, m.upTo));
      reply({ id: m.id, ok: true, n });
    } else {
      db.close();
      db = undefined;
      reply({ id: m.id, ok: true });
      port.close();
    }
  } catch (e) {
    reply(failure(m.id, e));
  }
});
