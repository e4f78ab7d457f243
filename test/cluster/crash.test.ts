/**
 * Crash consistency: `init` (one node, and a whole cluster from a ClusterNodes config) and
 * `certs renew all`, each killed with SIGKILL at every step that changes the tree, then run
 * again: the second run must succeed and leave a complete, consistent tree — every key is
 * its certificate's, every leaf chains to its CA, every kubeconfig embeds the cluster CA and
 * a matching client pair, sa.pub is sa.key's, no temp file and no journal is left — and, for
 * renew, every original file is still there as a backup.
 *
 * The kill points come from a traced run of the same command (`strace -f -y`): every call,
 * on the main thread, that touches the tree and changes it — each positional write (pwrite64:
 * the batch writer's temp files, the journal and its commit line; nothing else in kubetls
 * writes that way), rename (temp → target), link (backups), unlink (journal removal,
 * roll-back), mkdir and, for the single node, a third of the openat calls that create a file. strace counts
 * calls per thread and kills at syscall entry (the call is not made), so killing the main
 * thread's Nth call of a syscall stops the run just before that step; together the points
 * cover the state after every step. Durability against power loss is the fsync/syncfs
 * ordering documented in src/util/journal.ts; a kill cannot test it.
 * Kill points run two at a time; the whole file takes about 1–2 minutes on 2 cores.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig, type ConfigFlags } from '../../src/cluster/config.js';
import { catalogOf, nodeTargets, type NodeTarget } from '../../src/cluster/nodes.js';
import { publicKeyPemMatches } from '../../src/cluster/plan.js';
import { kubeconfigPairMismatch, pairMismatch, readSnapshot } from '../../src/cluster/snapshot.js';
import type { ParsedCertificate } from '../../src/pki/certparse.js';
import { isSignedBy } from '../../src/pki/verify.js';
import { JOURNAL_NAME, tempTarget } from '../../src/util/journal.js';
import { CLI, hasCommand, openssl, tmpDir } from '../helpers.js';

const STRACE = hasCommand('strace');
const SKIP = STRACE ? false : 'strace is not installed (Debian: apt-get install strace): no kill points to inject';

/** The syscalls that change a tree, by their x86-64 / generic (arm64) names. */
const SYSCALLS =
  process.arch === 'x64'
    ? { pwrite: 'pwrite64', rename: 'rename', link: 'link', unlink: 'unlink', mkdir: 'mkdir', open: 'openat' }
    : { pwrite: 'pwrite64', rename: 'renameat', link: 'linkat', unlink: 'unlinkat', mkdir: 'mkdirat', open: 'openat' };

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runAsync(cmd: string, args: string[], timeoutMs = 90_000): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs `jobs` with at most `width` at a time (2 cores). */
async function pool<T>(jobs: Array<() => Promise<T>>, width = 2): Promise<T[]> {
  const out: T[] = new Array<T>(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]!();
      }
    }),
  );
  return out;
}

interface KillPoint {
  syscall: string;
  /** the main thread's Nth call of `syscall` */
  n: number;
  /** what the traced run did there, for messages */
  what: string;
}

/**
 * The kill points of a command: its main thread's calls that change the tree under `root`,
 * each as (syscall, index among the main thread's calls of that syscall).
 */
async function killPoints(
  args: (dir: string) => string[],
  base: string,
  work: string,
  opens: boolean,
): Promise<KillPoint[]> {
  const dir = join(work, 'trace');
  cpSync(base, dir, { recursive: true });
  const log = join(work, 'trace.log');
  const names = Object.values(SYSCALLS);
  const r = await runAsync('strace', [
    '-f',
    '-y',
    '-o',
    log,
    '-e',
    `trace=${names.join(',')}`,
    process.execPath,
    CLI,
    ...args(dir),
  ]);
  assert.equal(r.code, 0, `traced run failed: ${r.stderr}`);
  const root = realpathSync(dir);
  const lines = readFileSync(log, 'utf8').split('\n');
  const main = lines[0]!.split(/\s+/)[0]!;
  const seen = new Map<string, number>();
  const points: KillPoint[] = [];
  let creates = 0;
  for (const line of lines) {
    const m = /^(\d+)\s+(\w+)\((.*)$/.exec(line);
    if (!m || m[1] !== main) continue;
    const sys = m[2]!;
    const n = (seen.get(sys) ?? 0) + 1;
    seen.set(sys, n);
    if (!m[3]!.includes(root)) continue;
    if (sys === SYSCALLS.open) {
      if (!opens || !m[3]!.includes('O_CREAT')) continue;
      // a kill before a create leaves what a kill before the previous file's write left, less
      // one empty temp file: a third of them (and the journal's) keep the run time bounded
      if (creates++ % 3 !== 0 && !m[3]!.includes(JOURNAL_NAME)) continue;
    }
    points.push({ syscall: sys, n, what: `${sys}(${m[3]!.slice(0, 160)}` });
  }
  return points;
}

/** Every file name under `dir` that a finished run must not leave: temp files and journals. */
function leftovers(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name === JOURNAL_NAME || tempTarget(e.name) !== undefined) out.push(join(d, e.name));
    }
  };
  walk(dir);
  return out;
}

/**
 * The tree of `targets` is complete and consistent: what init writes is there, every pair
 * matches, every leaf and kubeconfig client certificate chains to the cluster's CA, every
 * node holds the same CAs, every kubeconfig embeds the cluster CA, sa.pub is sa.key's.
 */
async function checkTree(targets: NodeTarget[]): Promise<string[]> {
  const problems: string[] = [];
  const clusterCas = new Map<string, ParsedCertificate>();
  for (const t of targets) {
    const catalog = catalogOf(t);
    const snap = await readSnapshot(catalog, t.certDir, t.kubeconfigDir);
    for (const ca of catalog.cas) {
      const f = snap.certs.get(ca.name)!;
      if (f.error || !f.cert) {
        problems.push(`${f.certPath}: ${f.error ?? 'missing'}`);
        continue;
      }
      if (catalog.caKeys && !f.key) problems.push(`${f.keyPath}: missing`);
      const mismatch = pairMismatch(f);
      if (mismatch) problems.push(mismatch);
      const first = clusterCas.get(ca.name);
      if (!first) clusterCas.set(ca.name, f.cert);
      else if (!first.der.equals(f.cert.der)) problems.push(`${f.certPath}: not the cluster's "${ca.name}" CA`);
    }
    for (const leaf of catalog.leaves) {
      const f = snap.certs.get(leaf.name)!;
      if (f.error || !f.cert || !f.key) {
        problems.push(`${leaf.name}: ${f.error ?? `${f.cert ? f.keyPath : f.certPath} missing`}`);
        continue;
      }
      const mismatch = pairMismatch(f);
      if (mismatch) problems.push(mismatch);
      if (!isSignedBy(f.cert, clusterCas.get(leaf.ca)!)) problems.push(`${f.certPath}: not signed by "${leaf.ca}"`);
    }
    for (const kc of catalog.kubeconfigs) {
      const k = snap.kubeconfigs.get(kc.name)!;
      if (k.error || !k.caCert || !k.clientCert || !k.clientKey) {
        problems.push(`${k.path}: ${k.error ?? 'missing or incomplete'}`);
        continue;
      }
      if (!k.caCert.der.equals(clusterCas.get('ca')!.der)) problems.push(`${k.path}: embeds another CA`);
      if (!isSignedBy(k.clientCert, clusterCas.get('ca')!))
        problems.push(`${k.path}: client certificate not signed by "ca"`);
      const mismatch = kubeconfigPairMismatch(k);
      if (mismatch) problems.push(mismatch);
    }
    if (catalog.serviceAccountKey) {
      if (!snap.sa.key || snap.sa.pubPem === undefined) problems.push(`${t.certDir}: sa.key/sa.pub missing`);
      else if (!publicKeyPemMatches(snap.sa.pubPem, snap.sa.key)) problems.push(`${snap.sa.pubPath} is not sa.key's`);
    }
  }
  return problems;
}

/** A sample checked by the real openssl: the apiserver (or kubelet.conf client) pair and its chain. */
function opensslCheck(t: NodeTarget, work: string): void {
  const crt = join(t.certDir, 'apiserver.crt');
  const ca = join(t.certDir, 'ca.crt');
  openssl(['verify', '-CAfile', ca, crt]);
  const fromCert = openssl(['x509', '-in', crt, '-noout', '-pubkey']).stdout;
  const fromKey = openssl(['pkey', '-in', join(t.certDir, 'apiserver.key'), '-pubout']).stdout;
  assert.equal(fromCert, fromKey, `openssl: ${crt} and its key differ`);
  const kc = readFileSync(join(t.kubeconfigDir, 'kubelet.conf'), 'utf8');
  const client = join(work, 'client.crt');
  writeFileSync(client, Buffer.from(/client-certificate-data: (\S+)/.exec(kc)![1]!, 'base64'));
  openssl(['verify', '-CAfile', ca, client]);
}

interface Scenario {
  name: string;
  /** the command line, for a tree at `dir` */
  args: (dir: string) => string[];
  /** the node trees of a tree at `dir` */
  targets: (dir: string) => Promise<NodeTarget[]>;
  /** the tree the command starts from (empty for init) */
  base: (work: string) => Promise<string>;
  /** include the openat kill points (file creation), not only the writes */
  opens: boolean;
  /** more checks after the re-run (renew: the originals survive as backups) */
  extra?: (dir: string, base: string) => string[];
}

const NODE_FLAGS: ConfigFlags = {
  nodeName: 'n1',
  apiserverAdvertiseAddress: '127.0.0.1',
  encryptionAlgorithm: 'ECDSA-P256',
};
const singleArgs = [
  '--node-name',
  'n1',
  '--apiserver-advertise-address',
  '127.0.0.1',
  '--encryption-algorithm',
  'ECDSA-P256',
];
const singleTargets = async (dir: string) => {
  const { config } = await loadConfig(NODE_FLAGS);
  return nodeTargets(config, { certDir: join(dir, 'pki'), kubeconfigDir: dir });
};

const CLUSTER = `apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
controlPlaneEndpoint: 10.0.0.100:6443
encryptionAlgorithm: ECDSA-P256
---
apiVersion: kubetls.io/v1alpha1
kind: ClusterNodes
nodes:
- {name: cp-0, role: control-plane, address: 10.0.0.1}
- {name: w-0, role: worker, address: 10.0.0.20}
- {name: w-1, role: worker, address: 10.0.0.21}
`;

/** Every regular file under `dir` (relative path → content), to compare originals with backups. */
function files(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), join(rel, e.name));
      else out.set(join(rel, e.name), readFileSync(join(d, e.name)));
    }
  };
  walk(dir, '');
  return out;
}

/** An init starts from an empty directory. */
const emptyBase = async (work: string): Promise<string> => {
  const b = join(work, 'base');
  mkdirSync(b);
  return b;
};

async function crashScenario(s: Scenario, t: { after: (fn: () => void) => void; diagnostic: (m: string) => void }) {
  const work = tmpDir('kubetls-crash-', t);
  const base = await s.base(work);
  const points = await killPoints(s.args, base, work, s.opens);
  const bySyscall = new Map<string, number>();
  for (const p of points) bySyscall.set(p.syscall, (bySyscall.get(p.syscall) ?? 0) + 1);
  t.diagnostic(`${points.length} kill points: ${[...bySyscall].map(([k, v]) => `${v} ${k}`).join(', ')}`);
  // the run must have renamed and written something, else the trace saw nothing
  assert.ok(
    (bySyscall.get(SYSCALLS.rename) ?? 0) > 0 && (bySyscall.get(SYSCALLS.pwrite) ?? 0) > 0,
    'no kill points found',
  );
  const results = await pool(
    points.map((p, i) => async () => {
      const dir = join(work, `k${i}`);
      cpSync(base, dir, { recursive: true });
      const killed = await runAsync('strace', [
        // not --seccomp-bpf: strace 6.1 then never injects the signal
        '-f',
        '-o',
        '/dev/null',
        '-e',
        `trace=${p.syscall}`,
        '-e',
        `inject=${p.syscall}:signal=KILL:when=${p.n}`,
        process.execPath,
        CLI,
        ...s.args(dir),
      ]);
      const again = await runAsync(process.execPath, [CLI, ...s.args(dir)]);
      const problems: string[] = [];
      // strace ends with the signal that ended the command
      if (killed.signal !== 'SIGKILL' && killed.code !== 137) problems.push(`not killed (exit ${killed.code})`);
      if (again.code !== 0) problems.push(`re-run exit ${again.code}: ${again.stderr.trim()}`);
      else {
        problems.push(...(await checkTree(await s.targets(dir))));
        problems.push(...leftovers(dir).map((f) => `left behind: ${f}`));
        problems.push(...(s.extra?.(dir, base) ?? []));
        // a sample through the real openssl: every eighth kill point
        if (i % 8 === 0) opensslCheck((await s.targets(dir))[0]!, dir);
      }
      return { p, problems, recovered: /\[recover\]/.test(again.stdout) };
    }),
  );
  const failures = results.filter((r) => r.problems.length);
  assert.deepEqual(
    failures.map((f) => `${f.p.syscall} #${f.p.n} (${f.p.what}): ${f.problems.join('; ')}`),
    [],
  );
  // the kill points reached the window a journal covers: some re-runs had something to recover
  assert.ok(
    results.some((r) => r.recovered),
    'no re-run recovered anything',
  );
  return results;
}

test(
  'init of one node, killed at every step that changes the tree, completes when run again',
  { skip: SKIP },
  async (t) => {
    await crashScenario(
      {
        name: 'init',
        args: (dir) => ['init', '--dir', dir, ...singleArgs],
        targets: singleTargets,
        base: emptyBase,
        opens: true,
      },
      t,
    );
  },
);

test(
  'init of a whole cluster (1 control plane, 2 workers), killed at every write and rename, completes when run again',
  { skip: SKIP },
  async (t) => {
    const cfgDir = tmpDir('kubetls-crash-cfg-', t);
    const cfg = join(cfgDir, 'cluster.yaml');
    writeFileSync(cfg, CLUSTER);
    await crashScenario(
      {
        name: 'cluster',
        args: (dir) => ['init', '--config', cfg, '--dir', dir],
        targets: async (dir) => {
          const { config } = await loadConfig({}, CLUSTER);
          return nodeTargets(config, { certDir: '', kubeconfigDir: dir, outDir: dir });
        },
        base: emptyBase,
        opens: false,
      },
      t,
    );
  },
);

test(
  'certs renew all, killed at every write, link and rename, completes when run again and keeps every original as a backup',
  { skip: SKIP },
  async (t) => {
    await crashScenario(
      {
        name: 'renew',
        args: (dir) => ['certs', 'renew', 'all', '--dir', dir],
        targets: singleTargets,
        base: async (work) => {
          const b = join(work, 'base');
          const r = await runAsync(process.execPath, [CLI, 'init', '--dir', b, ...singleArgs]);
          assert.equal(r.code, 0, r.stderr);
          return b;
        },
        opens: false,
        extra: (dir, base) => {
          // every renewable file was replaced, and its original content survives in a backup
          const before = files(base);
          const after = files(dir);
          const problems: string[] = [];
          for (const [rel, content] of before) {
            if (!/\.(crt|key|conf)$/.test(rel) || /(^|\/)(ca|front-proxy-ca|sa)\.|kubelet\.conf$/.test(rel)) continue;
            if (after.get(rel)?.equals(content)) problems.push(`${rel} was not renewed`);
            const kept = [...after].some(([r, c]) => r.startsWith(`${rel}.bak-`) && c.equals(content));
            if (!kept) problems.push(`${rel}: the original is not kept as a backup`);
            if (kept && statSync(join(dir, rel)).mode !== statSync(join(base, rel)).mode)
              problems.push(`${rel}: mode changed`);
          }
          return problems;
        },
      },
      t,
    );
  },
);
