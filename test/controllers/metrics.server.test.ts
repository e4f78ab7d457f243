/**
 * `kubetls_controller_queue_depth` on a real `kubetls serve`'s /metrics: 400 approved CSRs
 * waiting when serve starts with its embedded signer; the csrsigning queue's depth, scraped
 * while it drains, rises above zero and falls back to zero once every certificate is issued.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { realClock } from '../../src/controllers/framework/clock.js';
import { updateApproval, withCondition } from '../../src/controllers/framework/csr.js';
import { tmpDir } from '../helpers.js';
import { serve } from '../api/server/harness.js';
import { adminClient, clientCert, createCsr, csrPem, eventually, httpsGet } from './helpers.js';

const N = 400;

/** Runs `fn` over items with at most `c` in flight. */
async function pool<T>(items: T[], c: number, fn: (x: T) => Promise<unknown>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}

test('the csrsigning queue depth rises and falls on serve /metrics', async (t) => {
  const first = await serve(t); // no controllers: the CSRs wait, approved
  const admin = await adminClient(first.dir);
  const pem = csrPem('/CN=web.ns.svc.cluster.local');
  const names = Array.from({ length: N }, (_, i) => `q-${i}`);
  await pool(names, 16, (name) => createCsr(admin, name, { pem, usages: ['digital signature', 'server auth'] }));
  await pool(names, 16, (name) =>
    updateApproval(admin, name, (c) =>
      withCondition(c, { type: 'Approved', reason: 'Test', message: 'ok' }, realClock),
    ),
  );
  await first.stop();

  const work = tmpDir('kubetls-queue-depth-', t);
  const config = join(work, 'signers.yaml');
  writeFileSync(
    config,
    `apiVersion: kubetls.io/v1alpha1
kind: SignerConfiguration
signers:
- signerName: example.com/serving
  caCertFile: ${join(first.dir, 'pki', 'ca.crt')}
  caKeyFile: ${join(first.dir, 'pki', 'ca.key')}
  allowedUsages: ["digital signature", "server auth"]
  allowedDNSNames: ["*.svc.cluster.local"]
`,
  );
  const s = await serve(t, {
    dir: first.dir,
    port: first.port,
    args: ['--controllers=csrsigning', '--signer-config', config],
  });
  const ca = readFileSync(join(s.dir, 'pki', 'ca.crt'), 'latin1');
  const id = clientCert(s.dir, 'kubernetes-admin', ['kubeadm:cluster-admins']);
  const depths: number[] = [];
  let signed = 0;
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    const m = await httpsGet(`${s.url}/metrics`, { ca, ...id }).catch(() => undefined);
    if (m?.status === 200) {
      const d = /^kubetls_controller_queue_depth\{controller="csrsigning"\} (\d+)$/m.exec(m.body);
      if (d) depths.push(Number(d[1]));
      signed = Number(
        /^kubetls_csr_signed_total\{signer_name="example\.com\/serving"\} (\d+)$/m.exec(m.body)?.[1] ?? 0,
      );
      if (signed === N && depths.at(-1) === 0) break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(signed, N, `signed ${signed}; depths ${depths.join(' ')}`);
  const peak = Math.max(...depths);
  assert.ok(peak > 0, `the depth never rose: ${depths.join(' ')}`);
  assert.ok(depths.indexOf(peak) < depths.length - 1 && depths.at(-1) === 0, `it fell to 0: ${depths.join(' ')}`);
  await eventually('every CSR issued', async () =>
    (await admin.certificates.listCertificateSigningRequest()).items.every((c) => c.status?.certificate),
  );
});
