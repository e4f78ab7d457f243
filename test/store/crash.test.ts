/**
 * Crash safety of the SQLite store: a child process bursts creates and updates and prints
 * each acknowledged write; it is killed with SIGKILL at different moments, several times on
 * the same data directory, alternating main-thread and writer-thread commits. After each kill
 * the store is reopened and every acknowledged write must be there with its resourceVersion,
 * nothing unacknowledged may be half there, earlier rounds must be untouched, and the next
 * revision must be greater than every acknowledged one. A second test checks, with strace,
 * that each acknowledgement follows an fdatasync of the WAL (durability beyond kill -9).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { KubeObject } from '../../src/api/object.js';
import { openStore } from '../../src/store/index.js';
import { hasCommand, tmpDir } from '../helpers.js';

const CHILD = fileURLToPath(new URL('./crash-child.js', import.meta.url));

interface Ack {
  key: string;
  rv: number;
  seq: number;
}

function check(key: string, seq: number, data: Record<string, string>): void {
  const pad = createHash('sha512').update(`${key}#${seq}`).digest('base64').repeat(24);
  assert.equal(data.pad, pad, `${key}: padding of write ${seq}`);
  assert.equal(data.check, createHash('sha256').update(`${key}#${seq}#${pad}`).digest('hex'), `${key}: checksum`);
}

/** Runs the child until it has printed `acks` acknowledgements (or `ms` passed since ready), then SIGKILLs it. */
function burst(
  dataDir: string,
  commit: 'main' | 'worker',
  round: number,
  o: { acks?: number; ms?: number; prefix?: string[]; exitAfter?: number },
): Promise<{ acks: Ack[]; ready: number }> {
  return new Promise((resolve, reject) => {
    // under strace the child stops by itself after `exitAfter` acknowledgements: killing the
    // tracer would leave the traced process running
    const argv = [
      ...(o.prefix ?? []),
      process.execPath,
      CHILD,
      dataDir,
      commit,
      String(round),
      String(o.exitAfter ?? 0),
    ];
    // its own process group: a kill reaches the child under strace too
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    let err = '';
    let ready = -1;
    let count = 0;
    const kill = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const guard = setTimeout(kill, 60_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (ready < 0) {
        const m = /^ready (\d+)\n/m.exec(out);
        if (m) {
          ready = Number(m[1]);
          if (o.ms !== undefined) setTimeout(kill, o.ms);
        }
      }
      count += (d.match(/\n/g) ?? []).length;
      if (o.acks !== undefined && count - 1 >= o.acks) kill();
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      if (signal !== 'SIGKILL' && !(o.exitAfter && code === 0))
        return reject(new Error(`the child exited with ${code ?? signal}: ${err}`));
      const acks: Ack[] = [];
      // a line cut by the kill (no newline) was not fully printed: it does not count
      for (const line of out.split('\n').slice(0, -1)) {
        const m = /^ack (\S+) (\d+) (\d+)$/.exec(line);
        if (m) acks.push({ key: m[1]!, rv: Number(m[2]), seq: Number(m[3]) });
      }
      resolve({ acks, ready });
    });
  });
}

test('sqlite crash safety: kill -9 in the middle of write bursts loses no acknowledged write and leaves no partial one', async (t) => {
  const dataDir = join(tmpDir('kubetls-crash-', t), 'data');
  /** the state each earlier round left, which later rounds must not change */
  const settled = new Map<string, string>();
  // kill moments: right after start (commits in flight), after a few, many, and a lot of writes, and by time
  const plan: Array<{ commit: 'main' | 'worker'; acks?: number; ms?: number }> = [
    { commit: 'worker', ms: 0 },
    { commit: 'main', acks: 7 },
    { commit: 'worker', acks: 150 },
    { commit: 'main', acks: 900 },
    { commit: 'worker', ms: 250 },
    { commit: 'main', ms: 40 },
  ];
  let totalAcks = 0;
  for (const [round, p] of plan.entries()) {
    const { acks, ready } = await burst(dataDir, p.commit, round, p);
    assert.ok(ready >= 1, `round ${round}: the child got ready`);
    totalAcks += acks.length;
    const store = await openStore({ backend: 'sqlite', dataDir, compactIntervalMs: 0 });
    try {
      const maxAck = Math.max(ready, ...acks.map((a) => a.rv));
      assert.ok(store.revision() >= maxAck, `round ${round}: revision ${store.revision()} >= ${maxAck}`);
      // every acknowledged write is there, at its resourceVersion, with its content
      const last = new Map<string, Ack>();
      for (const a of acks) {
        const at = await store.list(a.key, { revision: a.rv });
        assert.equal(at.items.length, 1, `round ${round}: ${a.key} at ${a.rv}`);
        const o = at.items[0]!;
        assert.equal(o.metadata.resourceVersion, String(a.rv));
        assert.equal((o.data as Record<string, string>).seq, String(a.seq));
        check(a.key, a.seq, o.data as Record<string, string>);
        last.set(a.key, a);
      }
      // what is stored now: acknowledged, or the one write each writer had in flight — whole
      const now = (await store.list('/core/secrets/crash/')).items;
      const mine = now.filter((o) => o.metadata.name!.startsWith(`r${round}-`));
      for (const o of mine) {
        const key = `/core/secrets/crash/${o.metadata.name!}`;
        const data = o.data as Record<string, string>;
        const seq = Number(data.seq);
        check(key, seq, data);
        const a = last.get(key);
        if (a) {
          assert.ok(seq === a.seq || seq === a.seq + 1, `${key}: stored write ${seq}, last acknowledged ${a.seq}`);
          if (seq === a.seq) assert.equal(o.metadata.resourceVersion, String(a.rv));
          else assert.ok(Number(o.metadata.resourceVersion) > a.rv);
        } else assert.equal(seq, 0, `${key}: an unacknowledged object can only be a create in flight`);
      }
      for (const k of last.keys())
        assert.ok(
          mine.some((o) => `/core/secrets/crash/${o.metadata.name!}` === k),
          `${k} is stored`,
        );
      // earlier rounds are untouched
      const byKey = new Map(now.map((o: KubeObject) => [o.metadata.name!, o.metadata.resourceVersion!]));
      for (const [name, rv] of settled) assert.equal(byKey.get(name), rv, `${name} from an earlier round`);
      for (const o of mine) settled.set(o.metadata.name!, o.metadata.resourceVersion!);
      // the next revision is past every acknowledged one
      const next = await store.create(`/core/secrets/after/r${round}`, { metadata: { name: `r${round}` } });
      assert.ok(Number(next.metadata.resourceVersion) > maxAck);
    } finally {
      await store.close();
    }
  }
  assert.ok(totalAcks > 1000, `the bursts acknowledged ${totalAcks} writes`);
});

test(
  'sqlite durability: every acknowledgement follows an fdatasync of the WAL (strace)',
  { skip: !hasCommand('strace') && 'strace is not installed' },
  async (t) => {
    for (const commit of ['main', 'worker'] as const) {
      const dir = tmpDir('kubetls-strace-', t);
      const log = join(dir, 'strace.log');
      const { acks } = await burst(join(dir, 'data'), commit, 0, {
        exitAfter: 200,
        prefix: [
          'strace',
          '-f',
          '-qq',
          '-o',
          log,
          '-e',
          'trace=openat,pwrite64,fdatasync,fsync,write',
          '-e',
          'signal=none',
        ],
      });
      assert.ok(acks.length >= 200);
      // follow the WAL's descriptor: a write to it not yet synced makes an acknowledgement printed then a failure
      const lines = readFileSync(log, 'utf8').split('\n');
      let walFds = new Set<string>();
      let unsynced = 0;
      let checked = 0;
      for (const line of lines) {
        const open = /openat\(.*"[^"]*kubetls\.db-wal".*\) = (\d+)$/.exec(line);
        if (open) walFds = new Set([...walFds, open[1]!]);
        const w = /(?:pwrite64|write)\((\d+),/.exec(line);
        if (w && walFds.has(w[1]!) && !/= -1/.test(line)) unsynced++;
        const sync = /(?:fdatasync|fsync)\((\d+)\)\s+= 0/.exec(line);
        if (sync && walFds.has(sync[1]!)) unsynced = 0;
        if (/write\(1, "ack /.test(line)) {
          assert.equal(unsynced, 0, `${commit}: an acknowledgement printed while WAL writes were not synced:\n${line}`);
          checked++;
        }
      }
      assert.ok(walFds.size > 0, `${commit}: the WAL was opened`);
      assert.ok(checked >= 200, `${commit}: ${checked} acknowledgements followed in the trace`);
    }
  },
);
