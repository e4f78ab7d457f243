/**
 * `kubetls serve` on a PKI made for another address says so at start-up: the README's first
 * command (`kubetls init`) advertises this machine's IPv4, serve binds 127.0.0.1, and kubectl
 * with that admin.conf then fails with nothing on serve's side saying why.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { reachProblems, reachWarning } from '../../src/cli/servereach.js';
import { cli, freePort, initArgs, tmpDir } from '../helpers.js';
import { serve } from '../api/server/harness.js';

/** A PKI from `kubetls init` advertising `address` on `port`; returns its directory. */
function pki(t: { after: (fn: () => void) => void }, address: string, port: number): string {
  const dir = tmpDir('kubetls-reach-', t);
  const r = cli(initArgs(dir, { nodeName: 'cp-0', apiServerPort: port, apiServerAddress: address }));
  assert.equal(r.code, 0, r.stderr);
  return dir;
}

const certOf = (dir: string): string => readFileSync(join(dir, 'pki', 'apiserver.crt'), 'utf8');

test('reachProblems: a PKI made for the bind address and port has none; another address, port or SAN set is named', (t) => {
  const local = pki(t, '127.0.0.1', 6443);
  const other = pki(t, '192.0.2.10', 6443);
  assert.deepEqual(
    reachProblems({
      certPem: certOf(local),
      bindAddress: '127.0.0.1',
      port: 6443,
      kubeconfigServer: 'https://127.0.0.1:6443',
    }),
    [],
  );
  // the README's trap: init's PKI (this machine's address) served on the default 127.0.0.1
  const trap = reachProblems({
    certPem: certOf(other),
    bindAddress: '127.0.0.1',
    port: 6443,
    kubeconfigServer: 'https://192.0.2.10:6443',
  });
  assert.equal(trap.length, 2, trap.join('\n'));
  assert.match(trap[0]!, /^the serving certificate is not valid for 127\.0\.0\.1 \(.*IP Address:192\.0\.2\.10/);
  assert.equal(trap[1], 'admin.conf points at https://192.0.2.10:6443');
  // the right address on another port: only the kubeconfig is wrong
  assert.deepEqual(
    reachProblems({
      certPem: certOf(local),
      bindAddress: '127.0.0.1',
      port: 6444,
      kubeconfigServer: 'https://127.0.0.1:6443',
    }),
    ['admin.conf points at https://127.0.0.1:6443'],
  );
  // a wildcard bind serves every address: only the port can be wrong
  assert.deepEqual(
    reachProblems({
      certPem: certOf(other),
      bindAddress: '0.0.0.0',
      port: 6443,
      kubeconfigServer: 'https://192.0.2.10:6443',
    }),
    [],
  );
  // no admin.conf, or garbage where the certificate or the URL should be: nothing to say (other checks report those)
  assert.deepEqual(reachProblems({ certPem: certOf(local), bindAddress: '127.0.0.1', port: 6443 }), []);
  assert.deepEqual(
    reachProblems({
      certPem: 'not a certificate',
      bindAddress: '127.0.0.1',
      port: 6443,
      kubeconfigServer: '::nonsense',
    }),
    [],
  );
});

test('reachWarning: names both ways out, the first only when admin.conf names an IP', (t) => {
  const other = pki(t, '192.0.2.10', 6443);
  const w = reachWarning({
    dir: '/x/kubetls-pki',
    certPem: certOf(other),
    bindAddress: '127.0.0.1',
    port: 6443,
    kubeconfigServer: 'https://192.0.2.10:6443',
  });
  assert.ok(w);
  assert.match(w, /^\/x\/kubetls-pki was made for another address than https:\/\/127\.0\.0\.1:6443: /);
  assert.match(
    w,
    /serve where the PKI says \(--bind-address 192\.0\.2\.10 --secure-port 6443\), or give serve a directory of its own \(--dir\)/,
  );
  const named = reachWarning({
    dir: 'd',
    certPem: certOf(other),
    bindAddress: '127.0.0.1',
    port: 6443,
    kubeconfigServer: 'https://k8s.example.com:6443',
  });
  assert.ok(named && !named.includes('--bind-address') && named.includes('give serve a directory of its own'));
  assert.equal(
    reachWarning({
      dir: 'd',
      certPem: certOf(other),
      bindAddress: '192.0.2.10',
      port: 6443,
      kubeconfigServer: 'https://192.0.2.10:6443',
    }),
    undefined,
  );
});

test('kubetls serve on a PKI made for another address warns at start-up; on its own PKI it does not', async (t) => {
  const port = await freePort();
  const other = await serve(t, { dir: pki(t, '192.0.2.10', port), port });
  const line = other
    .log()
    .split('\n')
    .find((l) => l.startsWith('[warning]'));
  assert.ok(line, other.log());
  assert.match(
    line,
    /was made for another address than https:\/\/127\.0\.0\.1:\d+: the serving certificate is not valid for 127\.0\.0\.1/,
  );
  assert.match(line, new RegExp(`--bind-address 192\\.0\\.2\\.10 --secure-port ${port}\\)`));
  await other.stop();
  const own = await serve(t);
  assert.doesNotMatch(own.log(), /\[warning\]/);
});
