/**
 * `kubetls serve` under issue 18's speed targets, each part against a real server process:
 *
 * - lifecycle: 32 keep-alive HTTPS clients (admin.conf's client certificate) each running the
 *   CSR lifecycle — create, approve (/approval), set status.certificate (/status, the
 *   certificate signed here, in the client, with the cluster CA), get — for `--seconds`, every
 *   write durable (the server's default store); in the same run, Debian's `cfssl serve` (HTTPS,
 *   the same CA, the same CSRs round-robin) driven by wrk -c32, before and after, the anchor;
 * - list: `kubectl get csr` (Table, chunked by kubectl's default 500) of 10,000 stored CSRs;
 * - watch: 1,000 open watches, the time from sending a create until each sees its event;
 * - startup: 100,000 stored CSRs, a new server's time to /readyz 200 and its RSS then.
 *
 * Stored CSRs beyond the lifecycle's are written into the store directly (the server stopped),
 * as copies of one the API created, so seeding 100,000 takes seconds, not minutes.
 *
 * - --baseline CLI|self [--baseline-args "…"] [--serve-args "…"]: instead of the above, the lifecycle alone, alternating --rounds times
 *   between another build's server (A: its dist/src/cli/main.cjs) and this one (B), each
 *   round on a new server process over the same starting store, the order swapped every round; prints both rates and server CPU per lifecycle and their
 *   ratios, round by round, so a change is judged against its baseline under the same load.
 *   Each round probes every CPU's speed (bench/cpuprobe.ts) before, between and after its runs
 *   and pins both servers' main threads to one CPU (--pin auto|N|none; auto: the fastest at the
 *   round's start): this VM's vCPUs run up to 1.5× apart, which one changes over minutes, and a
 *   run's rate follows its main thread's CPU (bench/RESULTS.md, 2026-12-06). Rounds where a CPU
 *   changed speed (UNSTEADY) or other processes used CPU (BUSY) are left out of the steady median.
 * - --repeat N: this build's lifecycle N times, each on a new server over the same starting
 *   store, each run beside the first (the harness's own check).
 *
 * node dist/bench/serve.js [--seconds 10] [--clients 32] [--only lifecycle,list,watch,startup]
 *   [--objects 100000] [--listed 10000] [--watches 1000] [--events 5] [--cpu-prof DIR] [--no-cfssl] [--workers 0,2] [--floor 1,2]
 *
 * `--workers` is passed to `kubetls serve` (absent: its default); several values, comma-separated,
 * run the lifecycle once per value back to back in the same run (compare the ratio, the machine
 * is shared), and the other parts with the last value.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect as tcpConnect } from 'node:net';
import { generateKeyPairSync, createPrivateKey, X509Certificate } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { PerformanceObserver } from 'node:perf_hooks';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  certToPem,
  createCsr,
  createIssuer,
  csrToPem,
  issueCertificate,
  parseCsrPem,
  type Issuer,
} from '../src/pki/index.js';
import { freePort, initArgs } from '../test/helpers.js';
import { startServeProcess } from '../test/api/server/process.js';
import { startCfsslServe } from '../test/cfssl/realserve.js';
import { benchEnv, CLI, has, machine, ROOT } from './common.js';
import { childrenCpuMsOf, cpuMsOf, lastCpuOf, processCpuMs, readStat } from './procstat.js';
import { seedCsrs } from './seed.js';
import { RawHttpsConnection, scanString, type RawResponse } from './rawhttps.js';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const SECONDS = Number(arg('seconds', '10'));
const CLIENTS = Number(arg('clients', '32'));
const ONLY = arg('only', 'lifecycle,list,watch,startup').split(',');
const OBJECTS = Number(arg('objects', '100000'));
const LISTED = Number(arg('listed', '10000'));
const WATCHES = Number(arg('watches', '1000'));
/** creates the open watches see, one after another (more give a steadier p99) */
const WATCH_EVENTS = Number(arg('events', '5'));
const CPU_PROF = arg('cpu-prof', '');
const WORKERS: Array<number | undefined> = arg('workers', '') ? arg('workers', '').split(',').map(Number) : [undefined];
let workers = WORKERS[WORKERS.length - 1];
/** another build's dist/src/cli/main.cjs: the lifecycle alternates between it (A) and this one (B) */
const BASELINE = arg('baseline', '');
const ROUNDS = Number(arg('rounds', '3'));
/**
 * --floor 1,2: after kubetls's lifecycle, the same client against bench/lifecycle-floor.ts
 * (Node's HTTPS stack answering from a Map) with each number of processes listed
 */
const FLOOR: number[] = arg('floor', '') ? arg('floor', '').split(',').map(Number) : [];
/** the harness's own check: this build's lifecycle REPEAT times, each on a new server over the same starting store */
const REPEAT = Number(arg('repeat', '0'));
/** A/B and --repeat: the CPU the servers' main threads are pinned to: auto (the fastest at the round's start), N, or none */
const PIN = arg('pin', 'auto');
/** extra `kubetls serve` flags (space-separated), for every server, and for A's only in an A/B run */
const SERVE_ARGS = arg('serve-args', '').split(' ').filter(Boolean);
const BASELINE_ARGS = arg('baseline-args', '').split(' ').filter(Boolean);
const CSR_PATH = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
const SIGNER = 'example.com/serving';

const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const pct = (xs: number[], p: number): number => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const ms = (x: number): string => `${x.toFixed(1)} ms`;

// ---- the server

interface Server {
  proc: ChildProcess;
  port: number;
  /** stderr so far (only when started with `pipe`) */
  log(): string;
  /** SIGTERM, resolving with the exit code once the process has exited */
  stop(): Promise<number | null>;
}

/**
 * `kubetls serve` on `dir` with its defaults (the embedded controllers run, as issue 18's
 * speed section asks); the one place the benchmark spawns it. `prof` adds --cpu-prof when
 * --cpu-prof DIR was given.
 */
async function startServe(
  dir: string,
  port: number,
  o: { prof?: boolean; cli?: string; args?: string[]; pipe?: boolean } = {},
): Promise<Server> {
  const p = await startServeProcess({
    ...(o.cli ? { cli: o.cli } : {}),
    args: [...(o.args ?? SERVE_ARGS), ...(workers === undefined ? [] : ['--workers', String(workers)])],
    dir,
    port,
    nodeArgs: o.prof && CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF] : [],
    env: benchEnv(),
    stderr: o.pipe ? 'pipe' : 'inherit',
    pollMs: 50,
    killAfterMs: 15_000,
  });
  return {
    proc: p.proc,
    port,
    log: p.log,
    stop: () => p.stop(),
  };
}

/** bench/lifecycle-floor.ts on `dir`'s serving certificate with `processes` processes, once its port answers */
async function startFloor(dir: string, processes: number): Promise<Server> {
  const p = await freePort();
  const proc = spawn(
    process.execPath,
    [join(ROOT, 'dist/bench/lifecycle-floor.js'), '--port', String(p), '--dir', dir, '--workers', String(processes)],
    { stdio: ['ignore', 'ignore', 'inherit'], env: benchEnv() },
  );
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  for (let i = 0; ; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const c = tcpConnect(p, '127.0.0.1', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (up) break;
    if (i === 200 || proc.exitCode !== null) throw new Error('lifecycle-floor did not start');
    await new Promise((r) => setTimeout(r, 25));
  }
  // cluster workers listen one by one: give the others their turn
  if (processes > 1) await new Promise((r) => setTimeout(r, 500));
  return {
    proc,
    port: p,
    log: () => '',
    stop: () => {
      proc.kill('SIGTERM');
      return exited;
    },
  };
}

/** The CPU time (user + system, ms) a process has used so far, from /proc (all its threads: the store's writer too). */
function serverCpuMs(pid: number): number {
  // the server's `--workers` are its children: their CPU is the server's too
  return serverPids(pid).reduce((ms, p) => ms + processCpuMs(Number(p)), 0);
}

/** admin.conf's credentials: the cluster CA and kubernetes-admin's client certificate. */
function adminCredentials(dir: string): { ca: Buffer; cert: Buffer; key: Buffer } {
  const kc = parseYaml(readFileSync(join(dir, 'admin.conf'), 'utf8')) as {
    clusters: Array<{ cluster: { 'certificate-authority-data': string } }>;
    users: Array<{ user: { 'client-certificate-data': string; 'client-key-data': string } }>;
  };
  const b = (s: string) => Buffer.from(s, 'base64');
  return {
    ca: b(kc.clusters[0]!.cluster['certificate-authority-data']),
    cert: b(kc.users[0]!.user['client-certificate-data']),
    key: b(kc.users[0]!.user['client-key-data']),
  };
}

interface Reply {
  status: number;
  body: string;
}

function client(dir: string, port: number, sockets: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: sockets, ...adminCredentials(dir) });
  const call = (method: string, path: string, body?: string): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(body);
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method,
          path,
          agent,
          headers: payload
            ? { 'content-type': 'application/json', 'content-length': payload.length, accept: 'application/json' }
            : { accept: 'application/json' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  return { agent, call };
}

// ---- CSRs and the signer

interface Csr {
  pem: string;
  b64: string;
  parsed: ReturnType<typeof parseCsrPem>;
}

function makeCsrs(n: number): Csr[] {
  return Array.from({ length: n }, (_, i) => {
    // the key as PKCS#8 bytes, imported anew: a KeyObject straight from generateKeyPairSync
    // shares a lock with its generation job, and Node 20 hung here once (gdb, 2026-12-06: a GC
    // inside the key's JWK export ran the finished job's destructor, which waited for the lock
    // the export held)
    const privateKey = createPrivateKey({
      key: generateKeyPairSync('ec', {
        namedCurve: 'P-256',
        publicKeyEncoding: { type: 'spki', format: 'der' },
        privateKeyEncoding: { type: 'pkcs8', format: 'der' },
      }).privateKey,
      format: 'der',
      type: 'pkcs8',
    });
    const cn = `worker-${i}`;
    const pem = csrToPem(createCsr({ subject: { commonName: cn }, dnsNames: [`${cn}.example.com`] }, privateKey));
    return { pem, b64: Buffer.from(pem).toString('base64'), parsed: parseCsrPem(pem) };
  });
}

function caIssuer(dir: string): Issuer {
  const ca = new X509Certificate(readFileSync(join(dir, 'pki', 'ca.crt')));
  return createIssuer(ca.raw, createPrivateKey(readFileSync(join(dir, 'pki', 'ca.key'))));
}

/** What a signer does with an approved CSR: a one-hour serving certificate from the cluster CA, PEM in base64. */
function signCsr(issuer: Issuer, csr: Csr): string {
  const now = Date.now();
  const der = issueCertificate(
    {
      subject: csr.parsed.subject,
      dnsNames: csr.parsed.dnsNames,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 3600_000),
      keyUsage: ['digitalSignature', 'keyEncipherment'],
      extKeyUsage: ['serverAuth'],
    },
    { publicKey: csr.parsed.spkiDer, issuer },
  );
  return Buffer.from(certToPem(der)).toString('base64');
}

const USAGES = ['digital signature', 'key encipherment', 'server auth'];
const newCsr = (name: string, csr: Csr): string =>
  JSON.stringify({
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name },
    spec: { request: csr.b64, signerName: SIGNER, usages: USAGES },
  });

/**
 * The three request bodies of one CSR's lifecycle, computed before the clock starts, each
 * split where the per-lifecycle values go (the name; the resourceVersion the previous answer
 * carried, sent as the update's precondition as client-go's UpdateApproval does). The
 * certificate is signed here, ahead of time, with the cluster CA (issue 18: "signed in the
 * benchmark client"); the /status body carries the Approved condition as sent to /approval
 * (the server restores the stored one with its timestamps).
 */
interface LifecycleBodies {
  create: [string, string];
  approve: [string, string, string];
  status: [string, string, string];
}

function lifecycleBodies(csr: Csr, certificate: string): LifecycleBodies {
  // placeholders JSON.stringify keeps verbatim, in no base64 or PEM text
  const NAME = '@@name@@';
  const RV = '@@rv@@';
  const approved = {
    type: 'Approved',
    status: 'True',
    reason: 'BenchApprove',
    message: 'approved by bench/serve',
  };
  const object = (status?: Record<string, unknown>) =>
    JSON.stringify({
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: status ? { name: NAME, resourceVersion: RV } : { name: NAME },
      spec: { request: csr.b64, signerName: SIGNER, usages: USAGES },
      ...(status ? { status } : {}),
    });
  const split3 = (text: string): [string, string, string] => {
    const [a, rest] = text.split(NAME) as [string, string];
    const [b, c] = rest.split(RV) as [string, string];
    return [a, b, c];
  };
  return {
    create: object().split(NAME) as [string, string],
    approve: split3(object({ conditions: [approved] })),
    status: split3(object({ conditions: [approved], certificate })),
  };
}

// ---- lifecycle

interface LifecycleResult {
  lifecycles: number;
  errors: number;
  seconds: number;
  lifecycle: number[];
  perRequest: Record<string, number[]>;
  /** CPU the benchmark process (this client) used meanwhile, in cores (user + system ÷ wall) */
  clientCores: number;
  /** CPU the server process used meanwhile, in cores, and per lifecycle (ms) */
  serverCores: number;
  serverMsPerLifecycle: number;
  /** this client's CPU per lifecycle (ms) and its garbage collectors' pause time meanwhile (ms) */
  clientMsPerLifecycle: number;
  clientGcMs: number;
  /** CPU every other process on the machine used meanwhile, in cores (/proc/stat busy − server − client) */
  otherCores: number;
  /** the biggest of those others, e.g. "cc1 (pid 123) 0.50" (cores) */
  otherTop: string;
  /** the server's threads by name, in cores, the main thread first, e.g. "main 0.98, node 0.20" */
  serverThreads: string;
  /** where the server's main thread was seen running (sampled every 10 ms), e.g. "cpu0 3%, cpu1 97%" */
  mainOn: string;
}

const RESOURCE_VERSION = Buffer.from('"resourceVersion":"');
const CERTIFICATE = Buffer.from('"certificate":"');

/**
 * CLIENTS connections, each running lifecycles back to back: create (201), approve through
 * /approval (200), set status.certificate through /status (200), get (200 with a certificate).
 * Every request is a real API write or read; the client keeps only what the next request
 * needs (the resourceVersion, found by a byte scan) and checks the final get for the
 * certificate the same way.
 */
async function lifecycles(
  dir: string,
  server: Server,
  bodies: LifecycleBodies[],
  seconds: number,
  tag: string,
): Promise<LifecycleResult> {
  const creds = adminCredentials(dir);
  const conns = await Promise.all(
    Array.from({ length: CLIENTS }, () => RawHttpsConnection.open({ host: '127.0.0.1', port: server.port, ...creds })),
  );
  const perRequest = { create: [] as number[], approve: [] as number[], status: [] as number[], get: [] as number[] };
  const lifecycle: number[] = [];
  let done = 0;
  let errors = 0;
  let firstError = '';
  const fail = (what: string, r: RawResponse) => {
    errors++;
    firstError ||= `${what} ${r.status} ${r.body.subarray(0, 300).toString()}`;
  };
  let gcMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  });
  gc.observe({ entryTypes: ['gc'] });
  const serverCpu0 = serverCpuMs(server.proc.pid!);
  const machine0 = machineBusyMs();
  const procs0 = cpuByProcess();
  const threads0 = cpuByThread(server.proc.pid!);
  const placement = sampleCpu(server.proc.pid!);
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    conns.map(async (conn, c) => {
      /** one request, timed; the answer, or undefined (counted as an error) when its status is not `want` */
      const step = async (verb: keyof typeof perRequest, method: string, to: string, want: number, body?: string) => {
        const t = performance.now();
        const r = await conn.request(method, to, body);
        perRequest[verb].push(performance.now() - t);
        if (r.status === want) return r;
        fail(verb, r);
        return undefined;
      };
      for (let i = 0; performance.now() < end; i++) {
        const name = `${tag}-${c}-${i}`;
        const path = `${CSR_PATH}/${name}`;
        const b = bodies[(c * 7919 + i) % bodies.length]!;
        const t0 = performance.now();
        const created = await step('create', 'POST', CSR_PATH, 201, b.create[0] + name + b.create[1]);
        if (!created) continue;
        const rv1 = scanString(created.body, RESOURCE_VERSION) ?? '';
        const approved = await step(
          'approve',
          'PUT',
          `${path}/approval`,
          200,
          b.approve[0] + name + b.approve[1] + rv1 + b.approve[2],
        );
        if (!approved) continue;
        const rv2 = scanString(approved.body, RESOURCE_VERSION) ?? '';
        const issued = await step(
          'status',
          'PUT',
          `${path}/status`,
          200,
          b.status[0] + name + b.status[1] + rv2 + b.status[2],
        );
        if (!issued) continue;
        const got = await step('get', 'GET', path, 200);
        if (!got) continue;
        const t4 = performance.now();
        if (got.body.indexOf(CERTIFICATE) < 0) {
          fail('get (no status.certificate)', got);
          continue;
        }
        lifecycle.push(t4 - t0);
        done++;
      }
    }),
  );
  const wall = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  const serverMs = serverCpuMs(server.proc.pid!) - serverCpu0;
  const machineMs = machineBusyMs() - machine0;
  const ours = new Set([String(process.pid), ...serverPids(server.proc.pid!)]);
  const otherTop = [...cpuByProcess()]
    .filter(([pid]) => !ours.has(pid))
    .map(([pid, p]) => ({ name: `${p.comm} (pid ${pid})`, ms: p.ms - (procs0.get(pid)?.ms ?? 0) }))
    .filter((p) => p.ms > 0)
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 4)
    .map((p) => `${p.name} ${(p.ms / wall).toFixed(2)}`)
    .join(', ');
  // Node names its worker threads (the store's writer, the controllers) "node" like the main
  // thread: each thread on its own, by id, the main thread first
  const serverThreads = [...cpuByThread(server.proc.pid!)]
    .map(([tid, t]) => ({
      name: tid === String(server.proc.pid) ? 'main' : `${t.comm}/${tid}`,
      ms: t.ms - (threads0.get(tid)?.ms ?? 0),
    }))
    .sort((a, b) => (a.name === 'main' ? -1 : b.name === 'main' ? 1 : b.ms - a.ms))
    .filter((t) => t.ms > 0)
    .slice(0, 5)
    .map((t) => `${t.name} ${(t.ms / wall).toFixed(2)}`)
    .join(', ');
  gc.disconnect();
  for (const conn of conns) conn.close();
  if (firstError) console.log(`  first error: ${firstError}`);
  return {
    lifecycles: done,
    errors,
    seconds: wall / 1000,
    lifecycle,
    perRequest,
    clientCores: (cpu.user + cpu.system) / 1000 / wall,
    serverCores: serverMs / wall,
    serverMsPerLifecycle: serverMs / Math.max(1, done),
    clientMsPerLifecycle: (cpu.user + cpu.system) / 1000 / Math.max(1, done),
    clientGcMs: gcMs,
    otherCores: Math.max(0, machineMs - serverMs - (cpu.user + cpu.system) / 1000) / wall,
    otherTop,
    serverThreads,
    mainOn: placement.stop(),
  };
}

/** Debian's cfssl serve on the same CA over HTTPS, driven by wrk (-c CLIENTS) with the same CSRs round-robin. */
async function cfsslRate(
  dir: string,
  csrs: Csr[],
  seconds: number,
  work: string,
): Promise<{ rps: number; p50: string; p99: string } | undefined> {
  if (!has('cfssl') || !has('wrk') || process.argv.includes('--no-cfssl')) return undefined;
  writeFileSync(
    join(work, 'ca-config.json'),
    JSON.stringify({
      signing: {
        default: { expiry: '1h' },
        profiles: { serving: { usages: ['digital signature', 'key encipherment', 'server auth'], expiry: '1h' } },
      },
    }),
  );
  // the first 256 of the same CSRs (cfssl caches nothing; the Lua table stays small)
  const bodies = csrs
    .slice(0, 256)
    .map((c, i) =>
      JSON.stringify({ certificate_request: c.pem, profile: 'serving', hosts: [`worker-${i}.example.com`] }),
    );
  const lua = [
    'wrk.method = "POST"',
    'wrk.headers["Content-Type"] = "application/json"',
    'bodies = {',
    ...bodies.map((b) => `  ${JSON.stringify(b)},`),
    '}',
    'reqs = {}',
    'n = 0',
    'init = function(args) for i, b in ipairs(bodies) do reqs[i] = wrk.format(nil, nil, nil, b) end end',
    'request = function() n = n % #reqs + 1 return reqs[n] end',
  ].join('\n');
  writeFileSync(join(work, 'sign.lua'), lua);
  const pki = join(dir, 'pki');
  // HTTPS, the cluster CA signing; its serving certificate made from that CA by cfssl gencert
  const cfssl = await startCfsslServe(work, {
    config: 'ca-config.json',
    tls: true,
    ca: join(pki, 'ca.crt'),
    caKey: join(pki, 'ca.key'),
    loglevel: 3,
  });
  process.on('exit', () => void cfssl.stop());
  try {
    const url = `${cfssl.url}/api/v1/cfssl/sign`;
    for (let i = 0; i < 50; i++) {
      const r = spawnSync(
        'curl',
        ['-sk', '-X', 'POST', '-H', 'Content-Type: application/json', '--data', bodies[0]!, url],
        { encoding: 'utf8' },
      );
      if (r.stdout.includes('"success":true')) break;
      if (i === 49) throw new Error(`cfssl serve did not sign: ${r.stdout}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const w = spawnSync(
      'wrk',
      ['-t1', `-c${CLIENTS}`, `-d${seconds}s`, '--latency', '-s', join(work, 'sign.lua'), url],
      { encoding: 'utf8' },
    );
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(w.stdout)?.[1] ?? NaN);
    const p50 = /^\s+50%\s+(\S+)/m.exec(w.stdout)?.[1] ?? '?';
    const p99 = /^\s+99%\s+(\S+)/m.exec(w.stdout)?.[1] ?? '?';
    if (/Non-2xx/.test(w.stdout)) console.log(`  cfssl: ${/Non-2xx.*$/m.exec(w.stdout)?.[0]}`);
    return { rps, p50, p99 };
  } finally {
    await cfssl.stop();
  }
}

// ---- seeding the store directly

const seed = seedCsrs;

// ---- watches

/** Delivery latencies, from sending the create (its synced write included) to each watch reading the event. */
async function watches(
  dir: string,
  port: number,
  n: number,
  events: number,
  csrs: Csr[],
  creates: number[],
): Promise<number[]> {
  const creds = adminCredentials(dir);
  const agent = new Agent({ keepAlive: true, maxSockets: n + 8, ...creds });
  const { agent: writer, call } = client(dir, port, 2);
  const list = JSON.parse((await call('GET', `${CSR_PATH}?limit=1`)).body) as { metadata: { resourceVersion: string } };
  const rv = list.metadata.resourceVersion;
  let want = '';
  let sent = 0;
  const latencies: number[] = [];
  let seen = 0;
  const reqs: Array<{ destroy(): void }> = [];
  await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<void>((resolve, reject) => {
          const req = request(
            {
              host: '127.0.0.1',
              port,
              path: `${CSR_PATH}?watch=1&resourceVersion=${rv}`,
              agent,
              headers: { accept: 'application/json' },
            },
            (res) => {
              if (res.statusCode !== 200) reject(new Error(`watch: ${res.statusCode}`));
              resolve();
              let buf = '';
              res.on('data', (c: Buffer) => {
                buf += c.toString();
                let nl: number;
                while ((nl = buf.indexOf('\n')) >= 0) {
                  const line = buf.slice(0, nl);
                  buf = buf.slice(nl + 1);
                  if (want && line.includes(`"name":"${want}"`)) {
                    latencies.push(performance.now() - sent);
                    seen++;
                  }
                }
              });
              res.on('error', () => undefined);
            },
          );
          req.on('error', reject);
          req.end();
          reqs.push(req);
        }),
    ),
  );
  for (let e = 0; e < events; e++) {
    want = `watched-${e}`;
    seen = 0;
    sent = performance.now();
    const r = await call('POST', CSR_PATH, newCsr(want, csrs[e % csrs.length]!));
    creates.push(performance.now() - sent);
    if (r.status !== 201) throw new Error(`create for the watches: ${r.status} ${r.body}`);
    for (let i = 0; i < 200 && seen < n; i++) await new Promise((r) => setTimeout(r, 25));
    if (seen < n) console.log(`  event ${e}: only ${seen} of ${n} watches saw it within 5 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
  for (const r of reqs) r.destroy();
  agent.destroy();
  writer.destroy();
  return latencies;
}

/** CPU (ms) every process on the machine has used so far: /proc/stat's first line, all but idle and iowait. */
function machineBusyMs(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is counted in user already)
  const busy = f.slice(0, 8).reduce((a, b) => a + b, 0) - f[3]! - f[4]!;
  return busy * 10;
}

/**
 * CPU (ms) used so far by each entry of a /proc directory, with its command name: every process
 * of the machine (all its threads) for `/proc`, every thread of one for `/proc/<pid>/task`.
 */
function cpuByEntry(procDir: string): Map<string, { comm: string; ms: number }> {
  const out = new Map<string, { comm: string; ms: number }>();
  for (const id of readdirSync(procDir).filter((p) => /^\d+$/.test(p))) {
    try {
      const st = readStat(`${procDir}/${id}/stat`);
      out.set(id, { comm: st.comm, ms: cpuMsOf(st) });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
const cpuByProcess = () => cpuByEntry('/proc');
const cpuByThread = (pid: number) => cpuByEntry(`/proc/${pid}/task`);

/**
 * Samples, every 10 ms until stop(), which CPU thread `tid` of process `pid` (the main thread
 * by default) last ran on (field 39 of stat(5)); stop() returns the shares, e.g. "cpu0 3%, cpu1 97%".
 */
function sampleCpu(pid: number, tid = pid): { stop(): string } {
  const seen = new Map<string, number>();
  const file = `/proc/${pid}/task/${tid}/stat`;
  const timer = setInterval(() => {
    try {
      const cpu = lastCpuOf(readStat(file));
      seen.set(cpu, (seen.get(cpu) ?? 0) + 1);
    } catch {
      // exited
    }
  }, 10);
  return {
    stop: () => {
      clearInterval(timer);
      const n = [...seen.values()].reduce((a, b) => a + b, 0);
      return [...seen]
        .sort((a, b) => Number(a[0]) - Number(b[0]))
        .map(([cpu, k]) => `cpu${cpu} ${((100 * k) / n).toFixed(0)}%`)
        .join(', ');
    },
  };
}

/**
 * Each CPU's speed now: bench/cpuprobe.js pinned to it, in ms (lower is faster); empty without
 * taskset. The host may run one vCPU much slower than the other for minutes (cpuprobe.ts).
 */
function cpuSpeeds(): number[] {
  if (!has('taskset')) return [];
  return cpus().map((_, i) => {
    const r = spawnSync('taskset', ['-c', String(i), process.execPath, join(ROOT, 'dist/bench/cpuprobe.js')], {
      encoding: 'utf8',
      env: benchEnv(),
    });
    return r.status === 0 ? Number(r.stdout.trim()) : NaN;
  });
}
const speedsText = (xs: number[]): string => xs.map((x, i) => `cpu${i} ${x.toFixed(1)} ms`).join(', ');

/**
 * Pins a server's main thread (the API's event loop, the benchmark's bottleneck) to `cpu` and
 * lets every other thread run anywhere, so that A and B run their main threads on the same
 * CPU: with CPUs of unequal speed, where the scheduler happened to put it decided the rate.
 */
function pinMainThread(pid: number, cpu: number): void {
  const all = `0-${cpus().length - 1}`;
  for (const args of [
    ['-a', '-p', '-c', all, String(pid)],
    ['-p', '-c', String(cpu), String(pid)],
  ]) {
    const r = spawnSync('taskset', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`taskset ${args.join(' ')}: ${r.stderr}`);
  }
}

/** `kubetls serve` processes whose command line names `dir` (from /proc): pid, state and CPU so far. */
function serversOn(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (!argv.includes('serve') || !argv.includes(dir)) continue;
      const st = readStat(`/proc/${pid}/stat`);
      found.push(`pid ${pid} state ${st.fields[0]} cpu ${cpuMsOf(st)} ms`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** The store's files and their sizes, e.g. "kubetls.db 4.1 MiB, kubetls.db-wal 0 B". */
function dataSizes(data: string): string {
  return readdirSync(data)
    .filter((f) => f.startsWith('kubetls.db'))
    .map((f) => {
      const b = statSync(join(data, f)).size;
      return `${f} ${b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(1)} MiB` : `${b} B`}`;
    })
    .join(', ');
}

/** the server's processes: it and its `--workers` (its children) */
function serverPids(pid: number): string[] {
  return [
    String(pid),
    ...spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean),
  ];
}

/** CPU (user + system, ms) of this process's children that have been waited for (spawnSync's), from /proc. */
function childrenCpuMs(): number {
  return childrenCpuMsOf(readStat('/proc/self/stat'));
}

/**
 * kubectl's client-side rate limiter at -v=7: client-go logs each wait, as
 * `"Waited before sending request" delay="1.99s" reason="client-side throttling…"` (1.32 and
 * later) or `Waited for 1.99s due to client-side throttling…` (earlier).
 */
function throttleWaits(stderr: string): { count: number; totalMs: number } {
  let count = 0;
  let totalMs = 0;
  for (const line of stderr.split('\n')) {
    if (!/client-side throttling/.test(line)) continue;
    const m = /delay="([\d.]+)(ms|s)"/.exec(line) ?? /Waited for ([\d.]+)(ms|s)/.exec(line);
    count++;
    if (m) totalMs += Number(m[1]) * (m[2] === 's' ? 1000 : 1);
  }
  return { count, totalMs };
}

const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
const CONTINUE = Buffer.from('"continue":"');

/** The list kubectl makes, page by page, timed from one raw keep-alive HTTPS client: what the server spends per page. */
async function serverPages(
  dir: string,
  srv: Server,
  limit: number,
): Promise<{ pages: number[]; total: number; bytes: number; serverCpu: number }> {
  const conn = await RawHttpsConnection.open({ host: '127.0.0.1', port: srv.port, ...adminCredentials(dir) });
  const pages: number[] = [];
  let bytes = 0;
  const pid = srv.proc.pid!;
  try {
    // one unmeasured list first (the server's JIT and the page cache), as kubectl's runs had
    await conn.request('GET', `${CSR_PATH}?limit=${limit}`, undefined, TABLE_ACCEPT);
    const cpu0 = serverCpuMs(pid);
    const t0 = performance.now();
    let token: string | undefined = '';
    while (token !== undefined) {
      const t = performance.now();
      const path = `${CSR_PATH}?limit=${limit}${token ? `&continue=${encodeURIComponent(token)}` : ''}`;
      const r = await conn.request('GET', path, undefined, TABLE_ACCEPT);
      pages.push(performance.now() - t);
      if (r.status !== 200) throw new Error(`list page: ${r.status} ${r.body.subarray(0, 300).toString()}`);
      bytes += r.body.length;
      token = scanString(r.body, CONTINUE) || undefined;
    }
    return { pages, total: performance.now() - t0, bytes, serverCpu: serverCpuMs(pid) - cpu0 };
  } finally {
    conn.close();
  }
}

function rss(pid: number): { rss: number; hwm: number } {
  const out = { rss: 0, hwm: 0 };
  const children = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean);
  for (const p of [String(pid), ...children]) {
    const s = readFileSync(`/proc/${p}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0) / 1024;
    out.rss += kb('VmRSS');
    out.hwm += kb('VmHWM');
  }
  return out;
}

// ---- main

console.log(machine());
const work = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'kubetls-serve-bench-'));
const dir = join(work, 'pki-tree');
const port = await freePort();
const init = spawnSync(process.execPath, [CLI, ...initArgs(dir, { nodeName: 'cp-0', apiServerPort: port })], {
  encoding: 'utf8',
  env: benchEnv(),
});
if (init.status !== 0) throw new Error(`init: ${init.stderr}`);
const df = spawnSync('stat', ['-f', '-c', '%T', work], { encoding: 'utf8' }).stdout.trim();
console.log(`store on ${work} (${df})`);
// more distinct CSRs than the server's cache of verified requests (1,024), so every create
// reads and verifies a request it has not seen recently, as a real create does
const csrs = makeCsrs(4096);
const rows: string[][] = [];

let server = await startServe(dir, port, { prof: true });
// the template the seeding copies
{
  const { agent, call } = client(dir, port, 1);
  const r = await call('POST', CSR_PATH, newCsr('template', csrs[0]!));
  if (r.status !== 201) throw new Error(`create: ${r.status} ${r.body}`);
  agent.destroy();
}

if (BASELINE || REPEAT) {
  await server.stop();
  const issuer = caIssuer(dir);
  const bodies = csrs.map((c) => lifecycleBodies(c, signCsr(issuer, c)));
  // every run starts from the same store (the template alone): otherwise each new server's
  // embedded controllers list every earlier run's CSRs, and later runs pay for a bigger store
  const data = join(dir, 'data');
  const snapshot = join(work, 'data-snapshot');
  cpSync(data, snapshot, { recursive: true });
  const runOne = async (o: { cli?: string; args?: string[] }, tag: string, pin?: number): Promise<LifecycleResult> => {
    const left = serversOn(dir);
    if (left.length) throw new Error(`a server on ${dir} still runs before run ${tag}: ${left.join('; ')}`);
    rmSync(data, { recursive: true, force: true });
    cpSync(snapshot, data, { recursive: true });
    const s = await startServe(dir, port, o);
    try {
      if (pin !== undefined) pinMainThread(s.proc.pid!, pin);
      await lifecycles(dir, s, bodies, 2, `${tag}-warm`);
      return await lifecycles(dir, s, bodies, SECONDS, tag);
    } finally {
      const t = performance.now();
      const code = await s.stop();
      console.log(`  (${tag}: server stopped in ${ms(performance.now() - t)}, exit ${code}; data ${dataSizes(data)})`);
    }
  };
  const line = (x: LifecycleResult) =>
    `${(x.lifecycles / x.seconds).toFixed(0)}/s, p99 ${ms(pct(x.lifecycle, 99))}, server ${x.serverMsPerLifecycle.toFixed(3)} ms CPU/lifecycle (${x.serverCores.toFixed(2)} cores: ${x.serverThreads}; main thread on ${x.mainOn}), client ${x.clientMsPerLifecycle.toFixed(3)} ms (${x.clientCores.toFixed(2)} cores, GC ${ms(x.clientGcMs)}), others ${x.otherCores.toFixed(2)} cores (${x.otherTop}), ${x.errors} errors`;
  /** where the main threads go: the CPU fastest now (auto), a given CPU, or wherever the scheduler puts them (none) */
  const pinFor = (speeds: number[]): number | undefined => {
    if (PIN === 'none' || !speeds.length) return undefined;
    if (PIN !== 'auto') return Number(PIN);
    return speeds.indexOf(Math.min(...speeds.filter((x) => !Number.isNaN(x))));
  };
  /**
   * every CPU's probes stayed within 10%: the pinned one runs the main thread, the other the
   * server's other threads and this client (a round at 02:21 lost 10% when only it slowed)
   */
  const steady = (probes: number[][]): boolean =>
    probes[0]!.every((_, c) => {
      const xs = probes.map((p) => p[c]!);
      return Math.max(...xs) / Math.min(...xs) <= 1.1;
    });
  if (REPEAT) {
    console.log(`\n== the same lifecycle ${REPEAT} times: this build, ${SECONDS} s, ${CLIENTS} clients, --pin ${PIN}`);
    let first: LifecycleResult | undefined;
    for (let i = 0; i < REPEAT; i++) {
      const before = cpuSpeeds();
      const pin = pinFor(before);
      const r = await runOne({}, `r${i}`, pin);
      const after = cpuSpeeds();
      first ??= r;
      const ratio = r.lifecycles / r.seconds / (first.lifecycles / first.seconds);
      console.log(
        `  run ${i + 1}: ${line(r)}; load ${load()}\n         CPU speeds before ${speedsText(before)}, after ${speedsText(after)}` +
          `${pin === undefined ? '' : `; main thread pinned to cpu${pin}`}${steady([before, after]) ? '' : ' (UNSTEADY: a CPU changed speed)'}${r.otherCores > 0.1 ? ' (BUSY: other processes used more than 0.1 core)' : ''}; ÷ run 1: rate ${ratio.toFixed(3)}x`,
      );
    }
    process.exit(0);
  }
  console.log(
    `\n== A/B lifecycle: A = ${BASELINE}, B = this build; ${ROUNDS} rounds of ${SECONDS} s, ${CLIENTS} clients, --pin ${PIN}`,
  );
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  const steadyRatios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const before = cpuSpeeds();
    const pin = pinFor(before);
    let mid: number[] = [];
    // A first in even rounds, B first in odd ones: neither always runs on a warmer machine
    const runA = () =>
      runOne({ ...(BASELINE !== 'self' ? { cli: BASELINE } : {}), args: BASELINE_ARGS }, `a${round}`, pin);
    const runB = () => runOne({}, `b${round}`, pin);
    let a: LifecycleResult, b: LifecycleResult;
    if (round % 2 === 0) {
      a = await runA();
      mid = cpuSpeeds();
      b = await runB();
    } else {
      b = await runB();
      mid = cpuSpeeds();
      a = await runA();
    }
    const after = cpuSpeeds();
    // another process using CPU meanwhile takes it from one run and not the other
    const busy = Math.max(a.otherCores, b.otherCores) > 0.1;
    const ok = steady([before, mid, after]) && !busy;
    ratios.push(b.lifecycles / b.seconds / (a.lifecycles / a.seconds));
    cpuRatios.push(b.serverMsPerLifecycle / a.serverMsPerLifecycle);
    if (ok) steadyRatios.push(ratios.at(-1)!);
    console.log(`  round ${round + 1}: A ${line(a)}\n           B ${line(b)}; load ${load()}`);
    console.log(
      `           CPU speeds before ${speedsText(before)}, between ${speedsText(mid)}, after ${speedsText(after)}` +
        `${pin === undefined ? '' : `; main threads pinned to cpu${pin}`}${steady([before, mid, after]) ? '' : ' — UNSTEADY: a CPU changed speed by more than 10%'}${busy ? ' — BUSY: other processes used more than 0.1 core' : ''}${ok ? '' : ' (not counted in the steady median)'}`,
    );
    console.log(
      `           B/A: rate ${ratios.at(-1)!.toFixed(3)}x, server CPU per lifecycle ${cpuRatios.at(-1)!.toFixed(3)}x`,
    );
  }
  console.log(
    `  median B/A: rate ${pct(ratios, 50).toFixed(3)}x (${ratios.map((r) => r.toFixed(2)).join(', ')}), server CPU per lifecycle ${pct(cpuRatios, 50).toFixed(3)}x (load ${load()})`,
  );
  console.log(
    steadyRatios.length
      ? `  median B/A of the ${steadyRatios.length} steady rounds: rate ${pct(steadyRatios, 50).toFixed(3)}x`
      : '  no steady round: the CPUs changed speed in every round, rerun',
  );
  process.exit(0);
}

if (ONLY.includes('lifecycle')) {
  console.log(`\n== lifecycle: ${CLIENTS} clients, ${SECONDS} s, load ${load()}`);
  const before = await cfsslRate(dir, csrs, SECONDS, work);
  console.log(
    `  cfssl serve (before): ${before?.rps ?? 'n/a'} signs/s, p50 ${before?.p50}, p99 ${before?.p99}; load ${load()}`,
  );
  // every body of the run, the certificates signed with the cluster CA, before the clock starts
  const issuer = caIssuer(dir);
  const bodies = csrs.map((c) => lifecycleBodies(c, signCsr(issuer, c)));
  const runs: Array<{ w: number | undefined; r: LifecycleResult; loadNow: string; speeds: string }> = [];
  for (const w of WORKERS) {
    if (w !== workers || runs.length) {
      await server.stop();
      workers = w;
      server = await startServe(dir, port);
    }
    // warm-up (JIT, TLS sessions), not counted
    await lifecycles(dir, server, bodies, 2, `warm${runs.length}`);
    // the CPUs' speed around the run: on this project's VMs a vCPU may run 1.5x slower for
    // minutes (bench/cpuprobe.ts), and the rate follows it
    const speedsBefore = cpuSpeeds();
    const r = await lifecycles(dir, server, bodies, SECONDS, `run${runs.length}`);
    const speeds = `CPU probes before ${speedsText(speedsBefore) || 'n/a'}; after ${speedsText(cpuSpeeds()) || 'n/a'} (14.5 ms is this VM's fastest)`;
    runs.push({ w, r, loadNow: load(), speeds });
  }
  // Node's HTTPS floor for the same client (bench/lifecycle-floor.ts): what is left for kubetls's own work
  for (const n of FLOOR) {
    const floor = await startFloor(dir, n);
    try {
      await lifecycles(dir, floor, bodies, 2, `floor-warm${n}`);
      const speedsBefore = cpuSpeeds();
      const r = await lifecycles(dir, floor, bodies, SECONDS, `floor${n}`);
      const rate = r.lifecycles / r.seconds;
      const ours = runs.at(-1)!.r;
      console.log(
        `  floor, Node HTTPS answering from a Map, ${n} process${n > 1 ? 'es' : ''}: ${rate.toFixed(0)} lifecycles/s ` +
          `(${r.errors} errors), p50 ${ms(pct(r.lifecycle, 50))} p99 ${ms(pct(r.lifecycle, 99))}; server ${r.serverCores.toFixed(2)} cores ` +
          `(${r.serverThreads}), ${r.serverMsPerLifecycle.toFixed(3)} ms CPU a lifecycle; client ${r.clientCores.toFixed(2)} cores; ` +
          `CPU probes before ${speedsText(speedsBefore)}, after ${speedsText(cpuSpeeds())}; load ${load()}\n` +
          `    kubetls serve ÷ this floor: rate ${(ours.lifecycles / ours.seconds / rate).toFixed(3)}x, ` +
          `server CPU a lifecycle ${(ours.serverMsPerLifecycle / r.serverMsPerLifecycle).toFixed(2)}x`,
      );
    } finally {
      await floor.stop();
    }
  }
  const after = await cfsslRate(dir, csrs, SECONDS, work);
  console.log(
    `  cfssl serve (after):  ${after?.rps ?? 'n/a'} signs/s, p50 ${after?.p50}, p99 ${after?.p99}; load ${load()}`,
  );
  const cf = before && after ? (before.rps + after.rps) / 2 : NaN;
  for (const { w, r, loadNow, speeds } of runs) {
    const rate = r.lifecycles / r.seconds;
    const tag = w === undefined ? '' : ` --workers ${w}`;
    console.log(
      `  kubetls serve${tag}: ${rate.toFixed(0)} lifecycles/s (${r.lifecycles} in ${r.seconds.toFixed(1)} s, ${r.errors} errors), ` +
        `lifecycle p50 ${ms(pct(r.lifecycle, 50))} p99 ${ms(pct(r.lifecycle, 99))}; load ${loadNow}`,
    );
    console.log(
      `  CPU: server ${r.serverCores.toFixed(2)} cores, ${r.serverMsPerLifecycle.toFixed(3)} ms per lifecycle; ` +
        `this client ${r.clientCores.toFixed(2)} cores\n  ${speeds}`,
    );
    for (const [verb, xs] of Object.entries(r.perRequest))
      console.log(`    ${verb.padEnd(8)} p50 ${ms(pct(xs, 50))}  p99 ${ms(pct(xs, 99))}  (${xs.length})`);
    console.log(
      `  ratio to cfssl's sign rate: ${(rate / cf).toFixed(3)}x (requests: ${((rate * 4) / cf).toFixed(2)}x)`,
    );
    rows.push([`lifecycles/s, 32 clients${tag}`, '≥ 2,000', rate.toFixed(0), (rate / 2000).toFixed(2), loadNow]);
    rows.push([
      `ratio to cfssl serve sign rate${tag}`,
      '≥ 0.35×',
      `${(rate / cf).toFixed(3)}× (cfssl ${cf.toFixed(0)}/s)`,
      (rate / cf / 0.35).toFixed(2),
      loadNow,
    ]);
    rows.push([
      `lifecycle p99 (4 requests)${tag}`,
      '< 50 ms',
      ms(pct(r.lifecycle, 99)),
      (50 / pct(r.lifecycle, 99)).toFixed(2),
      loadNow,
    ]);
    rows.push([
      `server CPU per lifecycle (client CPU)${tag}`,
      '(no target)',
      `${r.serverMsPerLifecycle.toFixed(3)} ms (server ${r.serverCores.toFixed(2)} cores, client ${r.clientCores.toFixed(2)})`,
      '',
      loadNow,
    ]);
  }
}

if (ONLY.includes('list') || ONLY.includes('startup')) {
  await server.stop();
  const t = performance.now();
  await seed(dir, 'template', LISTED, 'listed');
  console.log(`\n(seeded ${LISTED} CSRs in ${((performance.now() - t) / 1000).toFixed(1)} s)`);
  server = await startServe(dir, port, { prof: true });
}

if (ONLY.includes('list') && has('kubectl')) {
  console.log(`\n== kubectl get csr of ${LISTED}+ stored CSRs (Table, chunked), load ${load()}`);
  const cache = join(work, 'kubectl-cache');
  const kubectlRun = (extra: string[]) => {
    const cpu0 = childrenCpuMs();
    const t = performance.now();
    const r = spawnSync(
      'kubectl',
      ['--kubeconfig', join(dir, 'admin.conf'), '--cache-dir', cache, 'get', 'csr', ...extra],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: benchEnv() },
    );
    const wall = performance.now() - t;
    if (r.status !== 0) throw new Error(`kubectl: ${r.stderr}`);
    return { wall, cpu: childrenCpuMs() - cpu0, lines: r.stdout.split('\n').length - 2, stderr: r.stderr };
  };
  const cold = kubectlRun([]);
  const variants: Array<{ name: string; args: string[] }> = [
    { name: 'default --chunk-size (500)', args: [] },
    { name: '--chunk-size 1000', args: ['--chunk-size', '1000'] },
    { name: '--chunk-size 0 (one request)', args: ['--chunk-size', '0'] },
  ];
  const timed = variants.map((v) => {
    const runs = Array.from({ length: 3 }, () => kubectlRun(v.args));
    return {
      ...v,
      wall: pct(
        runs.map((x) => x.wall),
        50,
      ),
      cpu: pct(
        runs.map((x) => x.cpu),
        50,
      ),
    };
  });
  const verbose = kubectlRun(['-v=7']);
  const throttle = throttleWaits(verbose.stderr);
  const pages = await serverPages(dir, server, 500);
  const loadNow = load();
  console.log(
    `  ${cold.lines} rows; first run (discovery cached afterwards) ${ms(cold.wall)}; median of 3 each, load ${loadNow}:`,
  );
  for (const v of timed)
    console.log(`    kubectl ${v.name.padEnd(28)} wall ${ms(v.wall)}, kubectl's own CPU (user+sys) ${ms(v.cpu)}`);
  console.log(
    `    client-side throttling (kubectl -v=7, default chunks): ${throttle.count} waits, ${ms(throttle.totalMs)} in all`,
  );
  console.log(
    `    the server alone, one raw HTTPS client, ${pages.pages.length} Table pages of 500: ` +
      `median ${ms(pct(pages.pages, 50))}, max ${ms(pct(pages.pages, 100))}, all ${ms(pages.total)} ` +
      `(${(pages.bytes / pages.pages.length / 1024).toFixed(0)} KiB a page); server CPU ${ms(pages.serverCpu)} ` +
      `(${(pages.serverCpu / pages.pages.length).toFixed(1)} ms a page)`,
  );
  const med = timed[0]!.wall;
  rows.push([
    `kubectl get csr, ${cold.lines} CSRs`,
    '< 1 s',
    `${ms(med)} (--chunk-size 1000: ${ms(timed[1]!.wall)}; 0: ${ms(timed[2]!.wall)}; throttled ${ms(throttle.totalMs)}, ` +
      `kubectl CPU ${ms(timed[0]!.cpu)}, server ${ms(pages.total)} for the pages)`,
    (1000 / med).toFixed(2),
    loadNow,
  ]);
}

if (ONLY.includes('watch')) {
  console.log(`\n== ${WATCHES} open watches, ${WATCH_EVENTS} events, load ${load()}`);
  const creates: number[] = [];
  const lat = await watches(dir, port, WATCHES, WATCH_EVENTS, csrs, creates);
  const loadNow = load();
  console.log(
    `  ${lat.length} deliveries, from sending the create: p50 ${ms(pct(lat, 50))} p99 ${ms(pct(lat, 99))} max ${ms(pct(lat, 100))}; ` +
      `the creates themselves (synced) took ${creates.map((x) => x.toFixed(0)).join(', ')} ms; load ${loadNow}`,
  );
  rows.push([
    `${WATCHES} watches see a new event, p99`,
    '< 100 ms',
    ms(pct(lat, 99)),
    (100 / pct(lat, 99)).toFixed(2),
    loadNow,
  ]);
}

await server.stop();

if (ONLY.includes('startup')) {
  const mib = (m: number) => `${m.toFixed(0)} MiB = ${((m * 2 ** 20) / 1e6).toFixed(0)} MB`;
  const t = performance.now();
  await seed(dir, 'template', Math.max(0, OBJECTS - LISTED), 'stored');
  console.log(`\n(seeded to ${OBJECTS}+ CSRs in ${((performance.now() - t) / 1000).toFixed(1)} s)`);
  console.log(`\n== start-up with ${OBJECTS}+ stored CSRs, load ${load()}`);
  const times: number[] = [];
  let mem = { rss: 0, hwm: 0 };
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const s = await startServe(dir, port);
    times.push(performance.now() - t0);
    mem = rss(s.proc.pid!);
    await s.stop();
  }
  // the embedded controllers list every CSR into their informer after /readyz: the server's
  // memory once they have (their "controllers started" line), not only at ready
  const t1 = performance.now();
  const s = await startServe(dir, port, { pipe: true });
  for (let i = 0; !/controllers started/.test(s.log()); i++) {
    if (i > 1200) throw new Error(`the controllers did not start in 60 s: ${s.log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const synced = performance.now() - t1;
  const memSynced = rss(s.proc.pid!);
  // and once the list's garbage is collected: the steady state a long-running server keeps
  await new Promise((r) => setTimeout(r, 10_000));
  const memLater = rss(s.proc.pid!);
  await s.stop();
  const loadNow = load();
  console.log(
    `  to /readyz 200: ${times.map((x) => ms(x)).join(', ')} (polled every 50 ms); RSS at ready ${mem.rss.toFixed(0)} MiB (peak ${mem.hwm.toFixed(0)}); load ${loadNow}`,
  );
  console.log(
    `  the embedded controllers' informer synced (${OBJECTS}+ CSRs) ${ms(synced)} after the spawn: RSS ${mib(memSynced.rss)} (peak ${mib(memSynced.hwm)}); 10 s later ${mib(memLater.rss)} (peak ${mib(memLater.hwm)})`,
  );
  rows.push([`start-up, ${OBJECTS} CSRs`, '< 2 s', ms(pct(times, 50)), (2000 / pct(times, 50)).toFixed(2), loadNow]);
  // the goal is in MB (10^6 bytes), RSS in MiB: the ratio compares bytes, against the peak
  const ofGoal = (m: number) => ((300 * 1e6) / (m * 2 ** 20)).toFixed(2);
  rows.push([
    `RSS at ready, ${OBJECTS} CSRs`,
    '< 300 MB',
    `${mib(mem.rss)} (peak ${mib(mem.hwm)})`,
    ofGoal(mem.hwm),
    loadNow,
  ]);
  rows.push([
    `RSS with the controllers' informer synced, ${OBJECTS} CSRs`,
    '< 300 MB',
    `${mib(memSynced.rss)} (peak ${mib(memSynced.hwm)}; synced ${ms(synced)} after the spawn); 10 s later ${mib(memLater.rss)}`,
    ofGoal(Math.max(memSynced.hwm, memLater.hwm)),
    loadNow,
  ]);
}

console.log('\n| target | goal | measured | goal ÷ measured (≥ 1 met) | load (1/5/15 min) |\n|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
console.log(`\n(work directory ${work}; delete it when done)`);
