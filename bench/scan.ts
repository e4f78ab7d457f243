/**
 * `certs scan` over 10,000 certificates: 1,900 PEM files of 5 certificates + 100 kubeconfigs of
 * 5 embedded client certificates (5 × 2,000 = 10,000). One ECDSA key signs and is certified
 * everywhere: generation speed is not what is measured here. Times the whole CLI
 * (`certs scan DIR -o json > /dev/null`, median of 5) and the library `scanPaths` alone; anchor:
 * an `openssl x509 -noout -enddate` process per file over a 500-file sample, extrapolated.
 * Usage: npm run build && node dist/bench/scan.js
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createIssuer, generateKey, issueCertificate, certToPem, privateKeyToPem } from '../src/pki/index.js';
import { renderKubeconfig } from '../src/cluster/kubeconfig.js';
import { scanPaths } from '../src/cluster/scan.js';
import { CLI, benchEnv, fmt, has, machine, shq } from './common.js';

const TOTAL = 10_000;
const PER_FILE = 5;
const KUBECONFIGS = 100;
const RUNS = 5;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kubetls-bench-scan-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  console.log(`# certs scan benchmark\n${machine()}\n`);

  const key = await generateKey('ECDSA-P256');
  const now = Date.now();
  const caDer = issueCertificate(
    {
      subject: { commonName: 'bench-ca' },
      notBefore: new Date(now - 3600_000),
      notAfter: new Date(now + 3650 * 86400_000),
      isCA: true,
      keyUsage: ['digitalSignature', 'keyCertSign'],
    },
    { publicKey: key.publicKey, selfSignKey: key.privateKey },
  );
  const issuer = createIssuer(caDer, key.privateKey);
  const caPem = certToPem(caDer);
  const keyPem = privateKeyToPem(key.privateKey);
  let n = 0;
  const leaf = (): string => {
    const i = n++;
    // Expiries spread over 1..400 days so the report has mixed residual times.
    return certToPem(
      issueCertificate(
        {
          subject: { commonName: `leaf-${i}`, organization: ['bench'] },
          notBefore: new Date(now - 3600_000),
          notAfter: new Date(now + (1 + (i % 400)) * 86400_000),
          keyUsage: ['digitalSignature'],
          extKeyUsage: ['clientAuth'],
          dnsNames: [`leaf-${i}.example.com`],
        },
        { publicKey: key.publicKey, issuer },
      ),
    );
  };
  const t0 = Date.now();
  const files = TOTAL / PER_FILE - KUBECONFIGS;
  for (let f = 0; f < files; f++) {
    const sub = join(dir, `d${f % 20}`);
    if (f < 20) mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `bundle-${f}.pem`), Array.from({ length: PER_FILE }, leaf).join(''));
  }
  mkdirSync(join(dir, 'kube'), { recursive: true });
  for (let k = 0; k < KUBECONFIGS; k++) {
    // 5 certificates per kubeconfig: one certificate-authority-data + four users with client certs.
    // Only the first render's cluster is kept, so the others get the (uncounted) bench CA.
    const parts = Array.from({ length: 4 }, (_, i) =>
      renderKubeconfig({
        clusterName: 'kubernetes',
        server: 'https://10.0.0.1:6443',
        caPem: i === 0 ? leaf() : caPem,
        userName: `u${n}`,
        clientCertPem: leaf(),
        clientKeyPem: keyPem,
      }),
    );
    const merged = mergeKubeconfigs(parts);
    writeFileSync(join(dir, 'kube', `user-${k}.conf`), merged);
  }
  const genSecs = (Date.now() - t0) / 1000;

  // What the scan sees (and the certificate count it finds) before timing it.
  const lib0 = await scanPaths([dir], { now: new Date() });
  const certs = lib0.filter((e) => !e.error && e.notAfter).length;
  const errors = lib0.filter((e) => e.error).length;
  console.log(
    `generated ${n} issued certificates in ${fmt(genSecs)}; scan finds ${certs} certificates (${errors} errors) in ${readdirSync(dir).length} top-level dirs`,
  );

  const cliTimes: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const s = process.hrtime.bigint();
    const r = spawnSync(
      'sh',
      ['-c', `${shq(process.execPath)} ${shq(CLI)} certs scan ${shq(dir)} -o json > /dev/null`],
      { env: benchEnv() },
    );
    const dt = Number(process.hrtime.bigint() - s) / 1e9;
    // exit 1 = findings (the generated set includes certificates expiring soon), 2 = the scan could not run
    if (r.status !== 0 && r.status !== 1) throw new Error(`certs scan failed (${r.status}): ${String(r.stderr)}`);
    if (i > 0) cliTimes.push(dt);
  }
  const libTimes: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const s = process.hrtime.bigint();
    await scanPaths([dir], { now: new Date() });
    libTimes.push(Number(process.hrtime.bigint() - s) / 1e9);
  }

  let anchor = 'openssl not installed';
  let anchorSecs = NaN;
  if (has('openssl')) {
    // Sample of 500 PEM files (each openssl x509 call reads only the first cert of a bundle, so the
    // per-file cost is a lower bound for reading all 5); extrapolated to the 2,000 files.
    const sample = Array.from({ length: 500 }, (_, f) => join(dir, `d${f % 20}`, `bundle-${f}.pem`));
    const s = process.hrtime.bigint();
    const r = spawnSync('sh', [
      '-c',
      `for f in ${sample.map(shq).join(' ')}; do openssl x509 -noout -enddate -in "$f"; done > /dev/null`,
    ]);
    const dt = Number(process.hrtime.bigint() - s) / 1e9;
    if (r.status !== 0) throw new Error('openssl anchor failed');
    anchorSecs = dt * (TOTAL / PER_FILE / 500);
    anchor = `${fmt(dt)} for 500 files → ${fmt(anchorSecs)} extrapolated to 2,000 files (first cert per file only)`;
  }

  const cliMed = median(cliTimes);
  console.log('\n| measurement | median | target |');
  console.log('|---|---|---|');
  console.log(
    `| \`kubetls certs scan DIR -o json\` (whole process, ${certs} certs, ${RUNS} runs) | ${fmt(cliMed)} | < 1 s ${cliMed < 1 ? '✔' : '✘ missed'} |`,
  );
  console.log(`| library \`scanPaths\` alone (${RUNS} runs, warm) | ${fmt(median(libTimes))} | |`);
  console.log(`| anchor: openssl x509 -enddate per file | ${anchor} | |`);
  if (!Number.isNaN(anchorSecs)) console.log(`\nspeed-up vs openssl loop: ${(anchorSecs / cliMed).toFixed(1)}×`);
  console.log(`CLI runs: ${cliTimes.map(fmt).join(', ')}; library runs: ${libTimes.map(fmt).join(', ')}`);
}

/** Joins single-user kubeconfigs (kubetls's own rendering) into one Config: first cluster, every context and user. */
function mergeKubeconfigs(parts: string[]): string {
  const sect = (p: string, name: string): string => {
    const m = new RegExp(`^${name}:\\n((?:[- ] .*\\n)+)`, 'm').exec(p);
    return m ? m[1]! : '';
  };
  const clusters = sect(parts[0]!, 'clusters');
  const contexts = parts.map((p) => sect(p, 'contexts')).join('');
  const users = parts.map((p) => sect(p, 'users')).join('');
  const current = /^current-context: (.*)$/m.exec(parts[0]!)![1]!;
  return `apiVersion: v1\nclusters:\n${clusters}contexts:\n${contexts}current-context: ${current}\nkind: Config\npreferences: {}\nusers:\n${users}`;
}

await main();
