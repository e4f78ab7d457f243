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
 * node dist/bench/serve.js [--seconds 10] [--clients 32] [--only lifecycle,list,watch,startup]
 *   [--objects 100000] [--listed 10000] [--watches 1000] [--cpu-prof DIR] [--no-cfssl] [--workers 0,2]
 *
 * `--workers` is passed to `kubetls serve` (absent: its default); several values, comma-separated,
 * run the lifecycle once per value back to back in the same run (compare the ratio, the machine
 * is shared), and the other parts with the last value.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
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
import type { KubeObject } from '../src/api/object.js';
import { benchEnv, CLI, has, machine } from './common.js';
import { seedCsrs } from './seed.js';

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
const CPU_PROF = arg('cpu-prof', '');
const WORKERS: Array<number | undefined> = arg('workers', '') ? arg('workers', '').split(',').map(Number) : [undefined];
let workers = WORKERS[WORKERS.length - 1];
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

// ---- the server

interface Server {
  proc: ChildProcess;
  port: number;
  stop(): Promise<void>;
}

async function startServe(dir: string, port: number, o: { prof?: boolean } = {}): Promise<Server> {
  const node = [...(o.prof && CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF] : []), CLI];
  const argv = [
    ...node,
    'serve',
    '--dir',
    dir,
    '--secure-port',
    String(port),
    ...(workers === undefined ? [] : ['--workers', String(workers)]),
  ];
  const proc = spawn(process.execPath, argv, { stdio: ['ignore', 'ignore', 'inherit'], env: benchEnv() });
  const exited = new Promise<void>((r) => proc.on('exit', () => r()));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    }
  };
  process.on('exit', () => proc.kill('SIGKILL'));
  for (let i = 0; i < 600; i++) {
    if (proc.exitCode !== null) throw new Error(`kubetls serve exited ${proc.exitCode}`);
    if ((await readyz(port)) === 200) return { proc, port, stop };
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error('kubetls serve did not become ready in 30 s');
}

function readyz(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/readyz', rejectUnauthorized: false, timeout: 2000 },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
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
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
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

const newCsr = (name: string, csr: Csr): string =>
  JSON.stringify({
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name },
    spec: { request: csr.b64, signerName: SIGNER, usages: ['digital signature', 'key encipherment', 'server auth'] },
  });

// ---- lifecycle

interface LifecycleResult {
  lifecycles: number;
  errors: number;
  seconds: number;
  lifecycle: number[];
  perRequest: Record<string, number[]>;
}

async function lifecycles(
  dir: string,
  port: number,
  csrs: Csr[],
  seconds: number,
  tag: string,
): Promise<LifecycleResult> {
  const { agent, call } = client(dir, port, CLIENTS);
  const issuer = caIssuer(dir);
  const perRequest: Record<string, number[]> = { create: [], approve: [], status: [], get: [] };
  const lifecycle: number[] = [];
  let done = 0;
  let errors = 0;
  let firstError = '';
  const start = performance.now();
  const end = start + seconds * 1000;
  const timed = async (verb: string, method: string, path: string, body?: string): Promise<Reply> => {
    const t = performance.now();
    const r = await call(method, path, body);
    perRequest[verb]!.push(performance.now() - t);
    return r;
  };
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      for (let i = 0; performance.now() < end; i++) {
        const name = `${tag}-${c}-${i}`;
        const csr = csrs[(c * 7919 + i) % csrs.length]!;
        const t0 = performance.now();
        const created = await timed('create', 'POST', CSR_PATH, newCsr(name, csr));
        if (created.status !== 201) {
          errors++;
          firstError ||= `create ${created.status} ${created.body.slice(0, 300)}`;
          continue;
        }
        const obj = JSON.parse(created.body) as KubeObject & { status?: Record<string, unknown> };
        obj.status = {
          conditions: [
            { type: 'Approved', status: 'True', reason: 'BenchApprove', message: 'approved by bench/serve' },
          ],
        };
        const approved = await timed('approve', 'PUT', `${CSR_PATH}/${name}/approval`, JSON.stringify(obj));
        if (approved.status !== 200) {
          errors++;
          firstError ||= `approve ${approved.status} ${approved.body.slice(0, 300)}`;
          continue;
        }
        const a = JSON.parse(approved.body) as KubeObject & { status: Record<string, unknown> };
        a.status.certificate = signCsr(issuer, csr);
        const issued = await timed('status', 'PUT', `${CSR_PATH}/${name}/status`, JSON.stringify(a));
        const got = await timed('get', 'GET', `${CSR_PATH}/${name}`);
        if (issued.status !== 200 || got.status !== 200 || !got.body.includes('"certificate"')) {
          errors++;
          firstError ||= `status ${issued.status} ${issued.body.slice(0, 300)} / get ${got.status}`;
          continue;
        }
        lifecycle.push(performance.now() - t0);
        done++;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  if (firstError) console.log(`  first error: ${firstError}`);
  return { lifecycles: done, errors, seconds: elapsed, lifecycle, perRequest };
}

/** Debian's cfssl serve on the same CA over HTTPS, driven by wrk (-c CLIENTS) with the same CSRs round-robin. */
async function cfsslRate(
  dir: string,
  csrs: Csr[],
  seconds: number,
  work: string,
): Promise<{ rps: number; p50: string; p99: string } | undefined> {
  if (!has('cfssl') || !has('wrk') || process.argv.includes('--no-cfssl')) return undefined;
  const port = await freePort();
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
  const proc = spawn(
    'cfssl',
    [
      'serve',
      '-address',
      '127.0.0.1',
      '-port',
      String(port),
      '-ca',
      join(pki, 'ca.crt'),
      '-ca-key',
      join(pki, 'ca.key'),
      '-config',
      join(work, 'ca-config.json'),
      '-tls-cert',
      join(pki, 'apiserver.crt'),
      '-tls-key',
      join(pki, 'apiserver.key'),
      '-loglevel',
      '3',
    ],
    { stdio: 'ignore' },
  );
  process.on('exit', () => proc.kill('SIGKILL'));
  try {
    const url = `https://127.0.0.1:${port}/api/v1/cfssl/sign`;
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
    proc.kill('SIGTERM');
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

/** the server's processes: it and its `--workers` (its children) */
function serverPids(pid: number): string[] {
  return [
    String(pid),
    ...spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean),
  ];
}

/** CPU seconds (user + system) the server's processes have used so far */
function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of serverPids(pid)) {
    const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / 100;
}

/** MiB, summed over the server's processes (its `--workers` are its children) */
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
const init = spawnSync(
  process.execPath,
  [
    CLI,
    'init',
    '--dir',
    dir,
    '--encryption-algorithm',
    'ECDSA-P256',
    '--node-name',
    'cp-0',
    '--apiserver-advertise-address',
    '127.0.0.1',
    '--apiserver-bind-port',
    String(port),
  ],
  { encoding: 'utf8', env: benchEnv() },
);
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

if (ONLY.includes('lifecycle')) {
  console.log(`\n== lifecycle: ${CLIENTS} clients, ${SECONDS} s, load ${load()}`);
  const before = await cfsslRate(dir, csrs, SECONDS, work);
  console.log(
    `  cfssl serve (before): ${before?.rps ?? 'n/a'} signs/s, p50 ${before?.p50}, p99 ${before?.p99}; load ${load()}`,
  );
  const runs: Array<{
    w: number | undefined;
    r: Awaited<ReturnType<typeof lifecycles>>;
    loadNow: string;
    cpu: number;
  }> = [];
  for (const w of WORKERS) {
    if (w !== workers || runs.length) {
      await server.stop();
      workers = w;
      server = await startServe(dir, port);
    }
    // warm-up (JIT, TLS sessions), not counted
    await lifecycles(dir, port, csrs, 2, `warm${runs.length}`);
    // the server's CPU per lifecycle: what the work costs, whatever else the machine runs
    const cpu0 = cpuSeconds(server.proc.pid!);
    const r = await lifecycles(dir, port, csrs, SECONDS, `run${runs.length}`);
    runs.push({ w, r, loadNow: load(), cpu: cpuSeconds(server.proc.pid!) - cpu0 });
  }
  const after = await cfsslRate(dir, csrs, SECONDS, work);
  console.log(
    `  cfssl serve (after):  ${after?.rps ?? 'n/a'} signs/s, p50 ${after?.p50}, p99 ${after?.p99}; load ${load()}`,
  );
  const cf = before && after ? (before.rps + after.rps) / 2 : NaN;
  for (const { w, r, loadNow, cpu } of runs) {
    const rate = r.lifecycles / r.seconds;
    const tag = w === undefined ? '' : ` --workers ${w}`;
    console.log(
      `  kubetls serve${tag}: ${rate.toFixed(0)} lifecycles/s (${r.lifecycles} in ${r.seconds.toFixed(1)} s, ${r.errors} errors), ` +
        `lifecycle p50 ${ms(pct(r.lifecycle, 50))} p99 ${ms(pct(r.lifecycle, 99))}; ` +
        `server CPU ${((cpu * 1000) / r.lifecycles).toFixed(2)} ms a lifecycle (${(cpu / r.seconds).toFixed(2)} cores); load ${loadNow}`,
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
  }
}

if (ONLY.includes('list') || ONLY.includes('startup')) {
  await server.stop();
  const t = performance.now();
  await seed(dir, 'template', LISTED, 'listed');
  console.log(`\n(seeded ${LISTED} CSRs in ${((performance.now() - t) / 1000).toFixed(1)} s)`);
  server = await startServe(dir, port);
}

if (ONLY.includes('list') && has('kubectl')) {
  console.log(`\n== kubectl get csr of ${LISTED}+ stored CSRs (Table, --chunk-size 500 default), load ${load()}`);
  const cache = join(work, 'kubectl-cache');
  const run = () => {
    const t = performance.now();
    const r = spawnSync('kubectl', ['--kubeconfig', join(dir, 'admin.conf'), '--cache-dir', cache, 'get', 'csr'], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: benchEnv(),
    });
    if (r.status !== 0) throw new Error(`kubectl: ${r.stderr}`);
    return { s: performance.now() - t, lines: r.stdout.split('\n').length - 2 };
  };
  const cold = run();
  const warm = Array.from({ length: 5 }, run).map((x) => x.s);
  const med = pct(warm, 50);
  const loadNow = load();
  console.log(
    `  ${cold.lines} rows; first (discovery cached afterwards) ${ms(cold.s)}; warm median ${ms(med)} (${warm.map((x) => x.toFixed(0)).join(', ')} ms); load ${loadNow}`,
  );
  rows.push([
    `kubectl get csr, ${cold.lines} CSRs`,
    '< 1 s',
    `${ms(med)} (cold discovery ${ms(cold.s)})`,
    (1000 / med).toFixed(2),
    loadNow,
  ]);
}

if (ONLY.includes('watch')) {
  console.log(`\n== ${WATCHES} open watches, 5 events, load ${load()}`);
  const creates: number[] = [];
  const lat = await watches(dir, port, WATCHES, 5, csrs, creates);
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
  const loadNow = load();
  console.log(
    `  to /readyz 200: ${times.map((x) => ms(x)).join(', ')} (polled every 50 ms); RSS at ready ${mem.rss.toFixed(0)} MiB (peak ${mem.hwm.toFixed(0)}); load ${loadNow}`,
  );
  rows.push([`start-up, ${OBJECTS} CSRs`, '< 2 s', ms(pct(times, 50)), (2000 / pct(times, 50)).toFixed(2), loadNow]);
  rows.push([
    `RSS at ready, ${OBJECTS} CSRs`,
    '< 300 MB',
    `${mem.rss.toFixed(0)} MiB`,
    (300 / mem.rss).toFixed(2),
    loadNow,
  ]);
}

console.log('\n| target | goal | measured | goal ÷ measured (≥ 1 met) | load (1/5/15 min) |\n|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
console.log(`\n(work directory ${work}; delete it when done)`);
