/**
 * Benchmark: issuing certificates in the pki core against the anchors, in one run.
 *
 * What is measured (one process, existing leaf public key, CA key cached as a KeyObject):
 *   - kubetls `issueCertificate` with a cached `Issuer`, for an ECDSA-P256 and an RSA-2048 CA,
 *     in two variants: the same template and leaf key every time (a controller re-issuing
 *     one cert set) and a fresh subject, SAN set and leaf key per certificate (a signer
 *     handling distinct CSRs, which defeats the issuer's SKI cache);
 *   - `crypto.sign` alone over a TBSCertificate of the same size with the same key: the
 *     ceiling, since any issuer has to sign once per certificate;
 *   - @peculiar/x509 `X509CertificateGenerator.create` with the same content: the
 *     "general JS ASN.1 library" baseline;
 *   - `openssl x509 -req` and `cfssl sign`, one process per certificate, as the anchor
 *     scripts use them (a loop of N invocations, certs/s = N / wall time).
 *
 * The in-process measurements are interleaved round by round so that whatever else runs
 * on the machine hits kubetls and the anchors alike; the median over rounds is reported
 * and the ratio kubetls/anchor is computed from medians. Absolute figures vary between
 * runs on a shared machine; the ratios are what to compare.
 *
 * Usage: node dist/bench/issue.js [--rounds 5] [--ms 1000] [--procs 20] [--out FILE.md] [--quick]
 */
import { spawnSync } from 'node:child_process';
import { sign, webcrypto, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import {
  certToPem,
  createCsr,
  createIssuer,
  csrToPem,
  generateKey,
  issueCertificate,
  privateKeyToPem,
  spkiDer,
  type CertificateTemplate,
  type Issuer,
  type KeyAlgorithm,
} from '../src/pki/index.js';

// ---------------------------------------------------------------- options

interface Options {
  rounds: number;
  ms: number;
  procs: number;
  out: string | undefined;
}

export function parseOptions(argv: string[]): Options {
  const o: Options = { rounds: 5, ms: 1000, procs: 20, out: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--rounds') o.rounds = Number(next());
    else if (a === '--ms') o.ms = Number(next());
    else if (a === '--procs') o.procs = Number(next());
    else if (a === '--out') o.out = next();
    else if (a === '--quick') Object.assign(o, { rounds: 1, ms: 300, procs: 5 });
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

// ---------------------------------------------------------------- timing helpers

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * One measurement: operations per wall-clock second, and per CPU-second of this process.
 * On a shared machine the scheduler takes the core away at times; wall rate then drops but
 * the CPU-time rate does not, so the second figure is the contention-robust one for
 * single-threaded work (it matches the wall rate on an idle core).
 */
interface Rate {
  wall: number;
  cpu: number;
}

/** Rate of a synchronous `fn`, run in batches of 100 until `ms` have passed. */
function rateSync(fn: (i: number) => void, ms: number): Rate {
  for (let i = 0; i < 200; i++) fn(i); // warm-up: JIT and caches, not timed
  let n = 0;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const limit = BigInt(ms) * 1_000_000n;
  let el = 0n;
  do {
    for (let j = 0; j < 100; j++) fn(n++);
    el = process.hrtime.bigint() - t0;
  } while (el < limit);
  return rateOf(n, el, c0);
}

/** n operations in `el` ns of wall time, and per second of this process's CPU since `c0`. */
function rateOf(n: number, el: bigint, c0: NodeJS.CpuUsage): Rate {
  const c = process.cpuUsage(c0);
  return { wall: n / (Number(el) / 1e9), cpu: n / ((c.user + c.system) / 1e6) };
}

async function rateAsync(fn: (i: number) => Promise<unknown>, ms: number): Promise<Rate> {
  for (let i = 0; i < 20; i++) await fn(i);
  let n = 0;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const limit = BigInt(ms) * 1_000_000n;
  let el = 0n;
  do {
    for (let j = 0; j < 10; j++) await fn(n++);
    el = process.hrtime.bigint() - t0;
  } while (el < limit);
  // webcrypto signs on the libuv pool: its CPU time is counted too (same process)
  return rateOf(n, el, c0);
}

/** Certificates per second of one external process per certificate (wall clock only). */
function rateProcs(argsFor: (i: number) => [string, string[]], n: number): Rate {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const [cmd, args] = argsFor(i);
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  }
  const wall = n / (Number(process.hrtime.bigint() - t0) / 1e9);
  return { wall, cpu: NaN };
}

const hasCommand = (name: string): boolean => spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;

// ---------------------------------------------------------------- fixtures

const NOW = new Date('2026-01-01T00:00:00Z');
const YEAR = 365 * 24 * 3600_000;

/** A kubelet serving/client certificate: what a cluster CA issues most. */
function template(i: number | undefined): CertificateTemplate {
  const node = i === undefined ? 'worker-0' : `worker-${i}`;
  return {
    subject: { commonName: `system:node:${node}`, organization: ['system:nodes'] },
    notBefore: NOW,
    notAfter: new Date(+NOW + YEAR),
    keyUsage: ['digitalSignature', 'keyEncipherment'],
    extKeyUsage: ['serverAuth', 'clientAuth'],
    dnsNames: [node, `${node}.cluster.local`],
    ipAddresses: [`10.0.${((i ?? 0) >> 8) & 255}.${(i ?? 0) & 255}`],
  };
}

interface Fixture {
  alg: KeyAlgorithm;
  caKey: KeyObject;
  caDer: Buffer;
  issuer: Issuer;
  leafSpki: Buffer;
  leafKey: KeyObject;
  /** distinct leaf keys for the uncached variant (more than the issuer's SKI cache holds) */
  leafSpkis: Buffer[];
}

async function fixture(alg: KeyAlgorithm): Promise<Fixture> {
  const ca = await generateKey(alg);
  const caDer = issueCertificate(
    {
      subject: { commonName: 'kubernetes' },
      serialNumber: 1n,
      notBefore: NOW,
      notAfter: new Date(+NOW + 10 * YEAR),
      isCA: true,
      keyUsage: ['digitalSignature', 'keyEncipherment', 'keyCertSign'],
    },
    { publicKey: ca.publicKey, selfSignKey: ca.privateKey },
  );
  const leaf = await generateKey(alg);
  // RSA key generation is slow (~16/s on 2 cores): 16 keys already defeat the 8-entry SKI cache
  const others = await Promise.all(Array.from({ length: alg.startsWith('RSA') ? 16 : 256 }, () => generateKey(alg)));
  return {
    alg,
    caKey: ca.privateKey,
    caDer,
    issuer: createIssuer(caDer, ca.privateKey),
    leafSpki: spkiDer(leaf.publicKey),
    leafKey: leaf.privateKey,
    leafSpkis: others.map((k) => spkiDer(k.publicKey)),
  };
}

/** The same certificate content through @peculiar/x509 (webcrypto), for the library baseline. */
async function peculiarIssuer(f: Fixture): Promise<(i: number) => Promise<unknown>> {
  const subtle = webcrypto.subtle;
  const ec = f.alg.startsWith('ECDSA');
  const importAlg = ec ? { name: 'ECDSA', namedCurve: 'P-256' } : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const signingKey = await subtle.importKey(
    'pkcs8',
    f.caKey.export({ type: 'pkcs8', format: 'der' }),
    importAlg,
    false,
    ['sign'],
  );
  const signingAlgorithm = ec ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5' };
  const ca = new x509.X509Certificate(f.caDer);
  const aki = await x509.AuthorityKeyIdentifierExtension.create(ca);
  const ski = await x509.SubjectKeyIdentifierExtension.create(new Uint8Array(f.leafSpki));
  return (i: number) => {
    const t = template(i);
    return x509.X509CertificateGenerator.create({
      serialNumber: (0x100000 + i).toString(16),
      subject: `O=system:nodes, CN=${t.subject.commonName}`,
      issuer: ca.subject,
      notBefore: t.notBefore,
      notAfter: t.notAfter,
      publicKey: new Uint8Array(f.leafSpki),
      signingKey,
      signingAlgorithm,
      extensions: [
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
        new x509.BasicConstraintsExtension(false, undefined, true),
        ski,
        aki,
        new x509.SubjectAlternativeNameExtension([
          { type: 'dns', value: t.dnsNames![0]! },
          { type: 'dns', value: t.dnsNames![1]! },
          { type: 'ip', value: t.ipAddresses![0]! },
        ]),
      ],
    });
  };
}

/** CA files and N CSRs on disk for the per-process anchors. */
function writeAnchorFiles(f: Fixture, dir: string, n: number): void {
  writeFileSync(join(dir, 'ca.pem'), certToPem(f.caDer));
  writeFileSync(join(dir, 'ca-key.pem'), privateKeyToPem(f.caKey));
  for (let i = 0; i < n; i++) {
    const t = template(i);
    writeFileSync(
      join(dir, `csr-${i}.pem`),
      csrToPem(createCsr({ subject: t.subject, dnsNames: t.dnsNames, ipAddresses: t.ipAddresses }, f.leafKey)),
    );
  }
  // what cfssl's default signing profile needs to write the same usages
  writeFileSync(
    join(dir, 'cfssl.json'),
    JSON.stringify({
      signing: {
        default: { expiry: '8760h', usages: ['digital signature', 'key encipherment', 'server auth', 'client auth'] },
      },
    }),
  );
  writeFileSync(
    join(dir, 'ext.cnf'),
    'keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=critical,CA:FALSE\n',
  );
}

// ---------------------------------------------------------------- main

interface Row {
  what: string;
  alg: string;
  samples: number[];
  cpuSamples: number[];
  /** the kubetls row this anchor is compared with */
  against?: string | undefined;
}

export async function main(argv: string[]): Promise<string> {
  const o = parseOptions(argv);
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const load0 = loadavg()[0]!;
  const cpu0 = process.cpuUsage();
  const wall0 = process.hrtime.bigint();

  const rows = new Map<string, Row>();
  const add = (key: string, what: string, alg: string, v: Rate, against?: string) => {
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { what, alg, samples: [], cpuSamples: [], against }));
    r.samples.push(v.wall);
    r.cpuSamples.push(v.cpu);
  };

  const algs: KeyAlgorithm[] = ['ECDSA-P256', 'RSA-2048'];
  const fixtures = await Promise.all(algs.map(fixture));
  const peculiar = await Promise.all(fixtures.map(peculiarIssuer));
  const repeated = template(undefined);
  // distinct templates made up front: building them is not the issuer's work
  const distinct = Array.from({ length: 4096 }, (_, i) => template(i));

  for (let round = 0; round < o.rounds; round++) {
    for (const [k, f] of fixtures.entries()) {
      const a = f.alg;
      const opts = { publicKey: f.leafSpki, issuer: f.issuer };
      add(
        `kt-same-${a}`,
        'kubetls issueCertificate, same template',
        a,
        rateSync(() => issueCertificate(repeated, opts), o.ms),
      );
      const spkis = f.leafSpkis;
      add(
        `kt-distinct-${a}`,
        'kubetls issueCertificate, distinct subject+SANs+leaf key',
        a,
        rateSync(
          (i) => issueCertificate(distinct[i & 4095]!, { publicKey: spkis[i % spkis.length]!, issuer: f.issuer }),
          o.ms,
        ),
      );
      const tbs = issueCertificate(repeated, opts).subarray(4, 4 + 400);
      add(
        `sign-${a}`,
        'crypto.sign alone (ceiling)',
        a,
        rateSync(() => sign('sha256', tbs, f.caKey), o.ms),
        `kt-distinct-${a}`,
      );
      add(
        `pec-${a}`,
        '@peculiar/x509 X509CertificateGenerator.create',
        a,
        await rateAsync(peculiar[k]!, o.ms),
        `kt-distinct-${a}`,
      );
    }
  }

  // external processes: one process per certificate, as the anchor scripts run them
  for (const f of fixtures) {
    const a = f.alg;
    const dir = mkdtempSync(join(tmpdir(), 'kubetls-bench-'));
    try {
      writeAnchorFiles(f, dir, o.procs);
      const p = (s: string) => join(dir, s);
      if (hasCommand('openssl')) {
        const r = rateProcs(
          (i) => [
            'openssl',
            [
              'x509',
              '-req',
              '-in',
              p(`csr-${i}.pem`),
              '-CA',
              p('ca.pem'),
              '-CAkey',
              p('ca-key.pem'),
              '-set_serial',
              String(1000 + i),
              '-days',
              '365',
              '-sha256',
              '-copy_extensions',
              'copy',
              '-extfile',
              p('ext.cnf'),
              '-out',
              p(`openssl-${i}.crt`),
            ],
          ],
          o.procs,
        );
        add(`openssl-${a}`, `openssl x509 -req (process per cert, ${o.procs} runs)`, a, r, `kt-distinct-${a}`);
        // sanity: the anchor really produced a certificate
        if (!readFileSync(p('openssl-0.crt'), 'latin1').includes('BEGIN CERTIFICATE'))
          throw new Error('openssl produced no certificate');
      }
      if (hasCommand('cfssl')) {
        const r = rateProcs(
          (i) => [
            'cfssl',
            ['sign', '-ca', p('ca.pem'), '-ca-key', p('ca-key.pem'), '-config', p('cfssl.json'), p(`csr-${i}.pem`)],
          ],
          o.procs,
        );
        add(`cfssl-${a}`, `cfssl sign (process per cert, ${o.procs} runs)`, a, r, `kt-distinct-${a}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const wallS = Number(process.hrtime.bigint() - wall0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const load1 = loadavg()[0]!;

  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const lines: string[] = [];
  lines.push(
    `machine: nproc=${availableParallelism()}, CPU ${cpus()[0]?.model ?? 'unknown'}; node ${process.version}; ${new Date().toISOString()}`,
  );
  lines.push(
    `rounds=${o.rounds} × ${o.ms} ms per in-process measurement (median shown); ${o.procs} process invocations per CLI anchor`,
  );
  lines.push(
    `load average 1 min: ${load0.toFixed(2)} at start, ${load1.toFixed(2)} at end; this process used ${(((cpu.user + cpu.system) / 1e6 / wallS) * 100).toFixed(0)}% of one core over ${wallS.toFixed(1)} s wall (external processes not included)`,
  );
  lines.push('');
  lines.push(
    '| measurement | key | certs/s wall (median) | min–max | certs per CPU-second (median) | kubetls / this (wall) | kubetls / this (CPU) |',
  );
  lines.push('|---|---|---:|---:|---:|---:|---:|');
  for (const r of rows.values()) {
    const m = median(r.samples);
    const mc = median(r.cpuSamples);
    const ref = r.against ? rows.get(r.against) : undefined;
    const ratio = ref ? `${(median(ref.samples) / m).toFixed(2)}×` : '—';
    const cpuRatio = ref && Number.isFinite(mc) ? `${(median(ref.cpuSamples) / mc).toFixed(2)}×` : '—';
    lines.push(
      `| ${r.what} | ${r.alg} | ${fmt(m)} | ${fmt(Math.min(...r.samples))}–${fmt(Math.max(...r.samples))} | ${Number.isFinite(mc) ? fmt(mc) : 'n/a'} | ${ratio} | ${cpuRatio} |`,
    );
  }
  lines.push('');
  lines.push(
    'Ratios compare kubetls with distinct subject+SANs+leaf key per certificate (the uncached case) against each anchor.',
  );
  lines.push(
    'Per-CPU-second figures exclude time the scheduler gave to other processes; CLI anchors are wall-clock only (process per certificate).',
  );
  const report = lines.join('\n');
  if (o.out) writeFileSync(o.out, report + '\n');
  return report;
}

// run when executed directly (bench/run.ts imports main instead)
if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (r) => console.log(r),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
