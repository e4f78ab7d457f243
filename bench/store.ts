/**
 * The store's benchmark (issue 18's Speed targets that land on the store), kubetls and its
 * anchor in the same run:
 *   1. synced writes/s and latency with 32 concurrent writers (create, then update, of new
 *      names), group commit on and off, commits on the main thread and in the writer thread;
 *      anchor: a local single-node etcd (default fsync, same disk) doing the same writes as
 *      kube-apiserver does them (transactions: create if absent, update if unchanged) through
 *      the etcd3 client, same concurrency;
 *   2. the API's load: 32 HTTPS keep-alive clients in another process doing create → update →
 *      get against a minimal HTTPS server on the store (main-thread vs writer-thread commits);
 *   3. `list` of 10,000 objects in pages of 500;
 *   4. start-up (open + ready) and RSS of a process holding 100,000 CSR-sized objects.
 *
 *   node dist/bench/store.js [--seconds 5] [--objects 100000] [--quick] [--only writes,api,list,startup]
 * TMPDIR chooses the disk (e.g. TMPDIR=/dev/shm for tmpfs).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Etcd3 } from 'etcd3';
import { KubetlsError } from '../src/errors/index.js';
import type { KubeObject } from '../src/api/object.js';
import { openStore, type Store } from '../src/store/index.js';
import { machine } from './common.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : dflt;
};
const quick = args.includes('--quick');
const SECONDS = Number(opt('seconds', quick ? '2' : '5'));
const OBJECTS = Number(opt('objects', quick ? '20000' : '100000'));
const ONLY = new Set(opt('only', 'writes,api,list,startup').split(','));
const CLIENTS = 32;
const here = fileURLToPath(new URL('.', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'kubetls-bench-store-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
let dirs = 0;
const newDir = () => join(work, `d${dirs++}`);

/** a CertificateSigningRequest as kubectl creates it: ~2.5 KB of JSON */
function csr(name: string): Record<string, unknown> & { metadata: Record<string, string> } {
  const request = Buffer.from(
    `-----BEGIN CERTIFICATE REQUEST-----\n${'MIIBVDCB+wIBADBPMRUwEwYDVQQKEwxzeXN0ZW06bm9kZXMx'.repeat(30)}\n-----END CERTIFICATE REQUEST-----\n`,
  ).toString('base64');
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name, uid: '6f1c2d4e-8a5b-4c3d-9e7f-0a1b2c3d4e5f', creationTimestamp: '2026-12-05T12:00:00Z' },
    spec: {
      request,
      signerName: 'example.com/serving',
      usages: ['digital signature', 'key encipherment', 'server auth'],
      username: 'kubernetes-admin',
      groups: ['kubeadm:cluster-admins', 'system:authenticated'],
    },
    status: {},
  };
}
const CSR_BYTES = JSON.stringify(csr('my-svc.my-namespace')).length;

const pct = (xs: number[], p: number): number => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const f0 = (x: number) => Math.round(x).toLocaleString('en-US');
const f2 = (x: number) => x.toFixed(2);

interface Row {
  name: string;
  perSec: number;
  p50: number;
  p99: number;
  note?: string;
}
function table(title: string, unit: string, rows: Row[], anchor?: string): void {
  const base = anchor ? rows.find((r) => r.name === anchor) : undefined;
  console.log(`\n### ${title}\n`);
  console.log(`| | ${unit} | p50 ms | p99 ms |${base ? ` vs ${anchor} |` : ''}`);
  console.log(`|---|---:|---:|---:|${base ? '---:|' : ''}`);
  for (const r of rows)
    console.log(
      `| ${r.name}${r.note ? ` (${r.note})` : ''} | ${f0(r.perSec)} | ${f2(r.p50)} | ${f2(r.p99)} |${base ? ` ${(r.perSec / base.perSec).toFixed(2)}× |` : ''}`,
    );
}

/** 32 writers, each: create a new name, update it, repeat, for SECONDS; writes/s and write latency */
async function writers(
  create: (k: string, o: object) => Promise<unknown>,
  update: (k: string, n: number) => Promise<unknown>,
): Promise<Row & { writes: number }> {
  const lat: number[] = [];
  let writes = 0;
  const end = Date.now() + SECONDS * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      for (let i = 0; Date.now() < end; i++) {
        const name = `w${c}-${i}`;
        let t = performance.now();
        await create(name, csr(name));
        lat.push(performance.now() - t);
        t = performance.now();
        await update(name, i);
        lat.push(performance.now() - t);
        writes += 2;
      }
    }),
  );
  const s = (performance.now() - t0) / 1000;
  return { name: '', perSec: writes / s, p50: pct(lat, 50), p99: pct(lat, 99), writes };
}

async function storeWriters(commit: 'main' | 'worker', maxBatch?: number): Promise<Row> {
  const store = await openStore({ backend: 'sqlite', dataDir: newDir(), commit, ...(maxBatch ? { maxBatch } : {}) });
  const key = (n: string) => `/certificates.k8s.io/certificatesigningrequests/-/${n}`;
  const r = await writers(
    (n, o) => store.create(key(n), o as never),
    (n, i) => store.update(key(n), (cur) => ({ ...cur, status: { conditions: [{ type: 'Approved', n: i }] } })),
  );
  await store.close();
  return {
    ...r,
    name: `kubetls sqlite, ${commit === 'main' ? 'main-thread' : 'writer-thread'} commits, group commit ${maxBatch === 1 ? 'off' : 'on'}`,
  };
}

// ---- etcd, the anchor
async function startEtcd(): Promise<{ client: Etcd3; proc: ChildProcess; stop: () => Promise<void> }> {
  const dir = newDir();
  const port = 20000 + Math.floor(Math.random() * 20000);
  const proc = spawn(
    'etcd',
    [
      '--data-dir',
      dir,
      '--listen-client-urls',
      `http://127.0.0.1:${port}`,
      '--advertise-client-urls',
      `http://127.0.0.1:${port}`,
      '--listen-peer-urls',
      `http://127.0.0.1:${port + 1}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${port + 1}`,
      '--initial-cluster',
      `default=http://127.0.0.1:${port + 1}`,
      '--log-level',
      'error',
    ],
    { stdio: 'ignore' },
  );
  const client = new Etcd3({ hosts: `http://127.0.0.1:${port}` });
  for (let i = 0; ; i++) {
    try {
      await client.get('ready');
      break;
    } catch (e) {
      if (i > 100) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    client,
    proc,
    stop: async () => {
      client.close();
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    },
  };
}

async function etcdWriters(): Promise<Row> {
  const { client, stop } = await startEtcd();
  try {
    const key = (n: string) => `/registry/certificatesigningrequests/${n}`;
    const revs = new Map<string, string>();
    const r = await writers(
      async (n, o) => {
        // kube-apiserver's create: put if the key has never been created
        const k = key(n);
        const res = await client
          .if(k, 'Create', '==', 0)
          .then(
            client
              .put(k)
              .value(
                JSON.stringify({ ...o, metadata: { ...(o as { metadata: object }).metadata, resourceVersion: '' } }),
              ),
          )
          .commit();
        if (!res.succeeded) throw new Error('exists');
        revs.set(k, res.header.revision);
      },
      async (n, i) => {
        // kube-apiserver's GuaranteedUpdate: read, change, put if the key is unchanged
        const k = key(n);
        const cur = await client.get(k).exec();
        const kv = cur.kvs[0]!;
        const o = JSON.parse(kv.value.toString()) as Record<string, unknown>;
        const next = JSON.stringify({ ...o, status: { conditions: [{ type: 'Approved', n: i }] } });
        const res = await client.if(k, 'Mod', '==', kv.mod_revision).then(client.put(k).value(next)).commit();
        if (!res.succeeded) throw new Error('conflict');
      },
    );
    return { ...r, name: 'etcd 3.4 (etcd3 client, txn create / get + txn update)' };
  } finally {
    await stop();
  }
}

// ---- the API's load over HTTPS
function tlsFiles(): { key: string; cert: string } {
  const dir = newDir();
  const args = 'req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost'.split(' ');
  const r = spawnSync(
    'openssl',
    [...args, '-keyout', `${dir}.key`, '-out', `${dir}.crt`, '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  return { key: dir + '.key', cert: dir + '.crt' };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

/** the ceiling of the API-load server on this machine: the same handlers on a Map (no durability, no SQL) */
function memoryStore(): Pick<Store, 'create' | 'update' | 'get' | 'close'> {
  const m = new Map<string, KubeObject>();
  let rev = 1;
  const stamp = (o: KubeObject): KubeObject => ({ ...o, metadata: { ...o.metadata, resourceVersion: String(++rev) } });
  return {
    create: async (k, o) => {
      const v = stamp(o);
      m.set(k, v);
      return v;
    },
    update: async (k, fn) => {
      const v = stamp(await fn(m.get(k)!));
      m.set(k, v);
      return v;
    },
    get: async (k) => m.get(k),
    close: async () => undefined,
  };
}

async function apiLoad(
  commit: 'main' | 'worker' | 'none',
  tls: { key: string; cert: string },
): Promise<Row & { lifecycles: number }> {
  const store = commit === 'none' ? memoryStore() : await openStore({ backend: 'sqlite', dataDir: newDir(), commit });
  const key = (n: string) => `/certificates.k8s.io/certificatesigningrequests/-/${n}`;
  const send = (res: ServerResponse, status: number, o: unknown) => {
    const b = JSON.stringify(o);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b) });
    res.end(b);
  };
  const server = createServer(
    { key: readFileSync(tls.key), cert: readFileSync(tls.cert), keepAliveTimeout: 60_000 },
    (req, res) => {
      const name = (req.url ?? '').slice(3);
      (async () => {
        if (req.method === 'POST') {
          const o = JSON.parse(await readBody(req)) as never;
          send(res, 201, await store.create(key(name), o));
        } else if (req.method === 'PUT') {
          const b = JSON.parse(await readBody(req)) as { resourceVersion: string };
          send(
            res,
            200,
            await store.update(key(name), (cur) => ({ ...cur, status: { conditions: [{ type: 'Approved' }] } }), {
              resourceVersion: b.resourceVersion,
            }),
          );
        } else {
          const o = await store.get(key(name));
          if (o) send(res, 200, o);
          else send(res, 404, { reason: 'NotFound' });
        }
      })().catch((e: unknown) =>
        send(res, e instanceof KubetlsError ? e.spec.http : 500, { message: (e as Error).message }),
      );
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const bodyFile = newDir() + '.json';
  writeFileSync(bodyFile, JSON.stringify(csr('NAME')));
  const client = spawn(
    process.execPath,
    [
      join(here, 'store-client.js'),
      '--port',
      String(port),
      '--clients',
      String(CLIENTS),
      '--seconds',
      String(SECONDS),
      '--ca',
      tls.cert,
      '--body',
      bodyFile,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  client.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((r) => client.once('exit', r));
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await store.close();
  const res = JSON.parse(out) as { seconds: number; lifecycles: number; errors: number; lat: Record<string, number[]> };
  const all = Object.values(res.lat).flat();
  const writes = [...res.lat.create!, ...res.lat.update!];
  return {
    name:
      commit === 'none'
        ? 'ceiling: the same HTTPS server on an in-memory Map'
        : `kubetls sqlite, ${commit === 'main' ? 'main-thread' : 'writer-thread'} commits`,
    perSec: res.lifecycles / res.seconds,
    p50: pct(all, 50),
    p99: pct(all, 99),
    lifecycles: res.lifecycles,
    note: `${f0(all.length / res.seconds)} requests/s, write p99 ${f2(pct(writes, 99))} ms, get p99 ${f2(pct(res.lat.get!, 99))} ms${res.errors ? `, ${res.errors} errors` : ''}`,
  };
}

// ---- list and start-up
async function fill(dataDir: string, n: number): Promise<void> {
  const store = await openStore({ backend: 'sqlite', dataDir, compactIntervalMs: 0 });
  for (let i = 0; i < n; i += 1000)
    await Promise.all(
      Array.from({ length: Math.min(1000, n - i) }, (_, j) => {
        const name = `csr-${String(i + j).padStart(7, '0')}`;
        return store.create(`/certificates.k8s.io/certificatesigningrequests/-/${name}`, csr(name));
      }),
    );
  await store.close();
}

async function listBench(): Promise<void> {
  const dataDir = newDir();
  await fill(dataDir, 10_000);
  const store = await openStore({ backend: 'sqlite', dataDir });
  const prefix = '/certificates.k8s.io/certificatesigningrequests/';
  const chunked: number[] = [];
  const whole: number[] = [];
  const chunkedCpu: number[] = [];
  const wholeCpu: number[] = [];
  const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
  for (let round = 0; round < 7; round++) {
    let t = performance.now();
    let c = process.cpuUsage();
    let n = 0;
    let cont: string | undefined;
    do {
      const p = await store.list(prefix, { limit: 500, ...(cont ? { continue: cont } : {}) });
      n += p.items.length;
      cont = p.continue;
    } while (cont);
    chunked.push(performance.now() - t);
    chunkedCpu.push(cpuMs(process.cpuUsage(c)));
    if (n !== 10_000) throw new Error(`listed ${n}`);
    t = performance.now();
    c = process.cpuUsage();
    await store.list(prefix);
    whole.push(performance.now() - t);
    wholeCpu.push(cpuMs(process.cpuUsage(c)));
  }
  await store.close();
  console.log('\n### list of 10,000 stored CSRs (median of 7, after one warm-up)\n');
  console.log(`| | ms | CPU ms (this process) |\n|---|---:|---:|`);
  console.log(
    `| 20 pages of 500 (limit/continue) | ${f2(pct(chunked.slice(1), 50))} | ${f2(pct(chunkedCpu.slice(1), 50))} |`,
  );
  console.log(`| one list, no limit | ${f2(pct(whole.slice(1), 50))} | ${f2(pct(wholeCpu.slice(1), 50))} |`);
  console.log(`(the store's part only: JSON objects out; a Table and the HTTPS response are the API's)`);
}

function startupBench(dataDir: string): void {
  const script = `
    const t0 = performance.now();
    const { openStore } = await import(${JSON.stringify(new URL('../src/store/index.js', import.meta.url).href)});
    const store = await openStore({ backend: 'sqlite', dataDir: ${JSON.stringify(dataDir)} });
    const ready = performance.now() - t0;
    const rssReady = process.memoryUsage().rss;
    const p = await store.list('/certificates.k8s.io/certificatesigningrequests/', { limit: 500 });
    let n = p.items.length, cont = p.continue;
    while (cont) { const q = await store.list('/certificates.k8s.io/certificatesigningrequests/', { limit: 500, continue: cont }); n += q.items.length; cont = q.continue; }
    const rssListed = process.memoryUsage().rss;
    await store.close();
    console.log(JSON.stringify({ ready, rssReady, rssListed, n, revision: store.revision() }));`;
  const file = newDir() + '.mjs';
  writeFileSync(file, script);
  const runs: { ready: number; rssReady: number; rssListed: number; n: number; process: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, [file], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    runs.push({
      ...(JSON.parse(r.stdout) as { ready: number; rssReady: number; rssListed: number; n: number }),
      process: performance.now() - t,
    });
  }
  const m = (k: 'ready' | 'rssReady' | 'rssListed' | 'process') =>
    pct(
      runs.map((r) => r[k]),
      50,
    );
  const size = statSync(join(dataDir, 'kubetls.db')).size;
  console.log(
    `\n### start-up with ${f0(OBJECTS)} stored CSRs (${f0(CSR_BYTES)} bytes of JSON each; database ${f0(size / 2 ** 20)} MiB; median of 3 processes)\n`,
  );
  console.log(`| | |\n|---|---:|`);
  console.log(`| open + ready (import, lock, checks, revisions, writer thread) | ${f2(m('ready'))} ms |`);
  console.log(`| RSS when ready | ${f0(m('rssReady') / 2 ** 20)} MiB |`);
  console.log(`| RSS after listing all ${f0(runs[0]!.n)} in pages of 500 | ${f0(m('rssListed') / 2 ** 20)} MiB |`);
  console.log(`| whole process (start, open, list everything, close) | ${f2(m('process') / 1000)} s |`);
}

console.log(
  `# kubetls store benchmark\n\n${machine()}\ndata on ${work} (${spawnSync('df', ['--output=fstype', work], { encoding: 'utf8' }).stdout.split('\n')[1]?.trim() ?? '?'}); ${SECONDS} s per measurement, ${CLIENTS} concurrent writers/clients`,
);

if (ONLY.has('writes')) {
  // interleaved: the anchor between the kubetls runs, so drift hits both
  const rows: Row[] = [];
  rows.push(await storeWriters('worker'));
  rows.push(await etcdWriters());
  rows.push(await storeWriters('main'));
  rows.push(await storeWriters('worker', 1));
  rows.push(await storeWriters('main', 1));
  table('synced writes, 32 concurrent writers (create + update of new names)', 'writes/s', rows, rows[1]!.name);
}
if (ONLY.has('api')) {
  const tls = tlsFiles();
  const rows: Row[] = [];
  for (const commit of ['worker', 'main', 'none', 'worker', 'main', 'none'] as const)
    rows.push(await apiLoad(commit, tls));
  table(
    'the API load: 32 HTTPS keep-alive clients in another process, create → update → get (3 requests, 2 synced writes)',
    'lifecycles/s',
    rows,
    rows[2]!.name,
  );
}
if (ONLY.has('list')) await listBench();
if (ONLY.has('startup')) {
  const dataDir = newDir();
  const t = performance.now();
  await fill(dataDir, OBJECTS);
  console.log(`\n(filled ${f0(OBJECTS)} CSRs in ${f2((performance.now() - t) / 1000)} s, 1,000 per commit)`);
  startupBench(dataDir);
}
