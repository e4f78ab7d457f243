/**
 * `kubetls init` against the anchors (cfssl and openssl scripts) in the same run, so the ratio
 * is meaningful on a noisy machine. Scenarios:
 *   (a) RSA-2048 single node (17 keys) vs WORKERS=10 k8s-certs-cfssl.sh rsa (17 keys) and k8s-certs-openssl.sh rsa
 *   (b) the same with ECDSA-P256 / ecdsa
 *   (c) whole cluster, 3 control planes + 97 workers, ECDSA vs WORKERS=100 k8s-certs-cfssl.sh ecdsa
 * Usage: npm run build && node dist/bench/init.js   (BENCH_RUNS=N, default 10; 100-node: max(3, N/2);
 *   BENCH_ONLY=rsa,ecdsa,cluster picks scenarios; TMPDIR=/dev/shm runs on tmpfs;
 *   BENCH_KEEP_ENV=1 keeps NODE_EXTRA_CA_CERTS for every command, see benchEnv in common.ts)
 */
import { generateKeyPair } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ANCHORS, CLI, EXTRA_CA, KEEP_ENV, fmt, has, machine, shq, timeCommands, type Timing } from './common.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const ONLY = new Set((process.env.BENCH_ONLY ?? 'rsa,ecdsa,cluster').split(','));
const work = mkdtempSync(join(tmpdir(), 'kubetls-bench-init-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const out = join(work, 'out');
const node = shq(process.execPath);
const kubetls = (args: string) => `${node} ${shq(CLI)} init --no-progress --dir ${shq(out)} ${args} > /dev/null`;
/** Whether the machine's NODE_EXTRA_CA_CERTS was dropped (see benchEnv): then kubetls is timed once more with it put back. */
const KEPT_ROWS = EXTRA_CA !== undefined && !KEEP_ENV;
const withExtraCa = (name: string, cmd: string): { name: string; cmd: string }[] =>
  KEPT_ROWS ? [{ name: `${name}, NODE_EXTRA_CA_CERTS kept`, cmd: `NODE_EXTRA_CA_CERTS=${shq(EXTRA_CA!)} ${cmd}` }] : [];
const cfssl = join(ANCHORS, 'k8s-certs-cfssl.sh');
const osslScript = join(ANCHORS, 'k8s-certs-openssl.sh');
if (!existsSync(cfssl)) throw new Error(`anchor scripts not found in ${ANCHORS} (set KUBETLS_ANCHORS)`);
const haveCfssl = has('cfssl') && has('cfssljson');

/** RSA-2048 key generations per second with node's async generateKeyPair, keeping every core busy for ~2 s. */
async function rsaKeygenRate(seconds = 2): Promise<number> {
  const inFlight = 4; // libuv pool default size; 2 cores do the work
  const gen = () =>
    new Promise<void>((res, rej) => generateKeyPair('rsa', { modulusLength: 2048 }, (e) => (e ? rej(e) : res())));
  const t0 = Date.now();
  let done = 0;
  const worker = async () => {
    while (Date.now() - t0 < seconds * 1000) {
      await gen();
      done++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return done / ((Date.now() - t0) / 1000);
}

/** Distinct private keys in a tree: *.key files and kubeconfig client-key-data (CA keys shared between control planes count once). */
function countKeys(dir: string): number {
  const seen = new Set<string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e.endsWith('.key')) seen.add(readFileSync(p, 'utf8'));
      else if (e.endsWith('.conf'))
        for (const m of readFileSync(p, 'utf8').matchAll(/client-key-data: (\S+)/g))
          seen.add(Buffer.from(m[1]!, 'base64').toString('utf8'));
    }
  };
  walk(dir);
  return seen.size;
}

function clusterConfig(cps: number, workers: number): string {
  const f = join(work, `cluster-${cps}-${workers}.yaml`);
  const nodes = [
    ...Array.from({ length: cps }, (_, i) => `- {name: cp-${i}, role: control-plane, address: 10.240.0.${10 + i}}`),
    ...Array.from(
      { length: workers },
      (_, i) => `- {name: worker-${i}, role: worker, address: 10.241.${i >> 8}.${(i & 255) + 1}}`,
    ),
  ];
  writeFileSync(
    f,
    [
      'apiVersion: kubeadm.k8s.io/v1beta4',
      'kind: ClusterConfiguration',
      'controlPlaneEndpoint: lb.example.com:6443',
      '---',
      'apiVersion: kubetls.io/v1alpha1',
      'kind: ClusterNodes',
      'nodes:',
      ...nodes,
      '',
    ].join('\n'),
  );
  return f;
}

/** One init outside the timing, to count what it produces. */
function keysOf(args: string): number {
  const d = join(work, 'count');
  rmSync(d, { recursive: true, force: true });
  const r = spawnSync('sh', ['-c', kubetls(args).replace(shq(out), shq(d))]);
  if (r.status !== 0) throw new Error(`kubetls init ${args} failed: ${String(r.stderr)}`);
  return countKeys(d);
}

interface Row {
  scenario: string;
  keys: string;
  kubetls: Timing;
  anchor: Timing;
  anchorName: string;
  target: string;
}

async function main(): Promise<void> {
  const fsType = spawnSync('stat', ['-f', '-c', '%T', work], { encoding: 'utf8' }).stdout?.trim() || 'unknown';
  console.log(
    `# kubetls init benchmark\n${machine()}\nanchors: ${ANCHORS}; runs per command: ${RUNS} (+1 warm-up)${has('hyperfine') ? ', hyperfine' : ', own loop (no hyperfine)'}`,
  );
  console.log(
    `output: ${work} (${fsType}), ${process.env.BENCH_REUSE_DIR === '1' ? 'one directory emptied before each run (BENCH_REUSE_DIR=1)' : 'a never-used directory per run'}\n`,
  );
  if (!haveCfssl) console.log('cfssl/cfssljson not installed: cfssl anchors skipped');
  const rows: Row[] = [];

  const rsaKeys = ONLY.has('rsa')
    ? keysOf('--node-name bench --apiserver-advertise-address 10.0.0.1 --encryption-algorithm RSA-2048')
    : 0;
  const rsaCmds = [
    {
      name: 'kubetls init RSA-2048',
      cmd: kubetls('--node-name bench --apiserver-advertise-address 10.0.0.1 --encryption-algorithm RSA-2048'),
    },
    ...(haveCfssl
      ? [{ name: 'cfssl rsa (WORKERS=10)', cmd: `WORKERS=10 sh ${shq(cfssl)} rsa ${shq(out)} > /dev/null` }]
      : []),
    { name: 'openssl rsa (WORKERS=10)', cmd: `WORKERS=10 sh ${shq(osslScript)} rsa ${shq(out)} > /dev/null` },
  ];
  const rsa = ONLY.has('rsa') ? timeCommands(rsaCmds, out, RUNS, join(work, 'rsa.json')) : [];
  for (const a of rsa.slice(1))
    rows.push({
      scenario: 'single node RSA-2048',
      keys: `${rsaKeys} / 17`,
      kubetls: rsa[0]!,
      anchor: a,
      anchorName: a.name,
      target: a.name.startsWith('cfssl') ? '≥ 1.33×' : '',
    });

  const ecKeys = ONLY.has('ecdsa')
    ? keysOf('--node-name bench --apiserver-advertise-address 10.0.0.1 --encryption-algorithm ECDSA-P256')
    : 0;
  const ecInit = kubetls('--node-name bench --apiserver-advertise-address 10.0.0.1 --encryption-algorithm ECDSA-P256');
  const ecCmds = [
    { name: 'kubetls init ECDSA-P256', cmd: ecInit },
    ...(haveCfssl
      ? [{ name: 'cfssl ecdsa (WORKERS=10)', cmd: `WORKERS=10 sh ${shq(cfssl)} ecdsa ${shq(out)} > /dev/null` }]
      : []),
    { name: 'openssl ecdsa (WORKERS=10)', cmd: `WORKERS=10 sh ${shq(osslScript)} ecdsa ${shq(out)} > /dev/null` },
    ...withExtraCa('kubetls init ECDSA-P256', ecInit),
  ];
  const ec = ONLY.has('ecdsa') ? timeCommands(ecCmds, out, RUNS, join(work, 'ecdsa.json')) : [];
  // the kept variant, when timed, is the last command
  const ecKept = KEPT_ROWS ? ec.at(-1) : undefined;
  for (const a of ec.slice(1, KEPT_ROWS ? -1 : undefined)) {
    rows.push({
      scenario: 'single node ECDSA-P256',
      keys: `${ecKeys} / 17`,
      kubetls: ec[0]!,
      anchor: a,
      anchorName: a.name,
      target: a.name.startsWith('cfssl') ? '≥ 1.0×' : '',
    });
    if (ecKept && a.name.startsWith('cfssl'))
      rows.push({
        scenario: 'single node ECDSA-P256, NODE_EXTRA_CA_CERTS kept',
        keys: `${ecKeys} / 17`,
        kubetls: ecKept,
        anchor: a,
        anchorName: a.name,
        target: '',
      });
  }

  if (haveCfssl && ONLY.has('cluster')) {
    const cfg = clusterConfig(3, 97);
    const bigKeys = keysOf(`--config ${shq(cfg)} --encryption-algorithm ECDSA-P256`);
    const bigInit = kubetls(`--config ${shq(cfg)} --encryption-algorithm ECDSA-P256`);
    const big = timeCommands(
      [
        { name: 'kubetls init 100 nodes ECDSA', cmd: bigInit },
        { name: 'cfssl ecdsa (WORKERS=100)', cmd: `WORKERS=100 sh ${shq(cfssl)} ecdsa ${shq(out)} > /dev/null` },
        ...withExtraCa('kubetls init 100 nodes ECDSA', bigInit),
      ],
      out,
      Math.max(3, Math.ceil(RUNS / 2)),
      join(work, 'big.json'),
    );
    rows.push({
      scenario: '100 nodes (3 CP + 97 workers) ECDSA',
      keys: `${bigKeys} / 107`,
      kubetls: big[0]!,
      anchor: big[1]!,
      anchorName: big[1]!.name,
      target: '≥ 5×',
    });
    if (big[2])
      rows.push({
        scenario: '100 nodes ECDSA, NODE_EXTRA_CA_CERTS kept',
        keys: `${bigKeys} / 107`,
        kubetls: big[2],
        anchor: big[1]!,
        anchorName: big[1]!.name,
        target: '',
      });
  }

  console.log(
    '\n| scenario | keys (kubetls / anchor) | kubetls median | anchor | anchor median | speed-up (anchor ÷ kubetls) | target |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const ratio = r.anchor.median / r.kubetls.median;
    const met = r.target ? (ratio >= Number(/[\d.]+/.exec(r.target)![0]) ? ' ✔' : ' ✘ missed') : '';
    console.log(
      `| ${r.scenario} | ${r.keys} | ${fmt(r.kubetls.median)} | ${r.anchorName} | ${fmt(r.anchor.median)} | ${ratio.toFixed(2)}× | ${r.target}${met} |`,
    );
  }
  if (rsa[0]) {
    const rate = await rsaKeygenRate();
    const floor = rsaKeys / rate;
    console.log(`\nRSA-2048 keygen rate (node async generateKeyPair, 4 in flight, ~2 s): ${rate.toFixed(1)} keys/s`);
    console.log(
      `RSA floor: ${rsaKeys} keys ÷ ${rate.toFixed(1)} keys/s = ${fmt(floor)}; kubetls RSA median ${fmt(rsa[0].median)} = ${(rsa[0].median / floor).toFixed(2)}× the floor`,
    );
  }
  if (rows.some((r) => r.scenario.endsWith('kept'))) {
    console.log(
      '\n"NODE_EXTRA_CA_CERTS kept" rows: the same kubetls command with the variable this machine sets; Node 20 then builds its root-certificate store at start-up (nodejs/node#40524). Every other row runs without it, anchors included.',
    );
  }
  for (const t of [...rsa, ...ec])
    console.log(`  ${t.name}: median ${fmt(t.median)}, min ${fmt(t.min)}, max ${fmt(t.max)}, runs ${t.runs}`);
}

await main();
