/**
 * Benchmark: static audit of a 3-node tree (PKI from the real `kubetls init`) and a live
 * probe of 50 local TLS endpoints (node HTTPS servers with mTLS, probed concurrently with
 * a bound). Prints wall time and time per check. Run: node dist/bench/audit-bench.js
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { audit, probe, type Report } from '../src/audit/index.js';
import { buildNode } from '../test/audit/nodetree.js';
import { makeCa, makeLeaf } from '../test/audit/servers.js';

const print = (title: string, ms: number, r: Report): void => {
  console.log(`${title}: ${ms.toFixed(0)} ms, ${r.summary.total} findings (${r.summary.fail} FAIL)`);
  for (const [id, t] of Object.entries(r.timings).sort((a, b) => b[1] - a[1]))
    console.log(`  ${id.padEnd(12)} ${t.toFixed(1)} ms`);
};

const dir = mkdtempSync(join(tmpdir(), 'kubetls-bench-'));
try {
  const roots = ['cp1', 'cp2', 'cp3'].map((n, i) => {
    const r = join(dir, n);
    buildNode(r, n, `10.0.0.${10 + i}`);
    return r;
  });
  const t0 = performance.now();
  const reports = await Promise.all(roots.map((root) => audit({ root })));
  const merged: Report = {
    kind: 'audit',
    findings: reports.flatMap((r) => r.findings),
    summary: {
      pass: 0,
      warn: 0,
      fail: reports.reduce((a, r) => a + r.summary.fail, 0),
      skip: 0,
      total: reports.reduce((a, r) => a + r.summary.total, 0),
    },
    timings: {},
  };
  for (const r of reports)
    for (const [k, v] of Object.entries(r.timings)) merged.timings[k] = (merged.timings[k] ?? 0) + v;
  print('audit of 3 control-plane nodes', performance.now() - t0, merged);

  const ca = await makeCa('bench-ca');
  const server = await makeLeaf(ca, { cn: 'bench', ipAddresses: ['127.0.0.1'] });
  const client = await makeLeaf(ca, { cn: 'client', eku: ['clientAuth'] });
  const servers = await Promise.all(
    Array.from(
      { length: 50 },
      () =>
        new Promise<import('node:https').Server>((res) => {
          const s = createServer({ ...server, ca: ca.cert, requestCert: true, rejectUnauthorized: true }, (_q, r) =>
            r.end('ok'),
          );
          s.on('tlsClientError', () => {});
          s.listen(0, '127.0.0.1', () => res(s));
        }),
    ),
  );
  const endpoints = servers.map((s) => `127.0.0.1:${(s.address() as { port: number }).port}`);
  for (const concurrency of [1, 8, 16]) {
    const t1 = performance.now();
    const r = await probe({ endpoints, ca: ca.cert, cert: client.cert, key: client.key, concurrency, timeoutMs: 3000 });
    print(`probe of 50 endpoints, concurrency ${concurrency}`, performance.now() - t1, r);
  }
  for (const s of servers) s.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
