/**
 * A real 3-member etcd cluster (Debian etcd 3.4) on 127.0.0.1, running on the certificates of a
 * whole-cluster `kubetls init`: peers authenticate each other with etcd/peer, clients with
 * apiserver-etcd-client / healthcheck-client, all under etcd/ca. Proves the generated PKI is
 * accepted by the real consumer, and that the CA separation (etcd-ca vs cluster ca) holds.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli, freePort, hasCommand, run, tmpDir, type RunResult } from '../helpers.js';

const HAVE = hasCommand('etcd') && hasCommand('etcdctl');
const NAMES = ['etcd-0', 'etcd-1', 'etcd-2'];

describe(
  'real etcd cluster on kubetls certificates',
  { skip: HAVE ? false : 'etcd/etcdctl not installed', timeout: 90_000 },
  () => {
    let root = '';
    const procs: ChildProcess[] = [];
    const clientPorts: number[] = [];
    const peerPorts: number[] = [];
    const logs: string[] = [];
    const pki = (node: string) => join(root, 'out', node, 'pki');
    const endpoint = (i: number) => `https://127.0.0.1:${clientPorts[i]}`;

    /** etcdctl with explicit TLS material; short timeouts so a refused/hung connection cannot stall the suite. */
    function etcdctl(
      tls: { cacert?: string; cert?: string; key?: string },
      endpoints: string[],
      args: string[],
      timeout = '5s',
    ): RunResult {
      const a = ['--endpoints', endpoints.join(','), '--dial-timeout=3s', `--command-timeout=${timeout}`];
      if (tls.cacert) a.push('--cacert', tls.cacert);
      if (tls.cert) a.push('--cert', tls.cert);
      if (tls.key) a.push('--key', tls.key);
      return run('etcdctl', [...a, ...args], { timeout: 15_000, env: { ...process.env, ETCDCTL_API: '3' } });
    }
    /** Runs fn and returns what member i logged meanwhile (etcd logs every rejected TLS handshake with its reason). */
    async function logDuring(i: number, fn: () => RunResult): Promise<{ r: RunResult; log: string }> {
      const before = readFileSync(logs[i]!, 'utf8').length;
      const r = fn();
      await sleep(200); // the member writes its log line asynchronously
      return { r, log: readFileSync(logs[i]!, 'utf8').slice(before) };
    }
    /** Control: the same endpoint answers a properly authenticated client right now, so a refusal is not an outage. */
    function assertServing(i: number): void {
      const ok = etcdctl(apiClient(), [endpoint(i)], ['get', '/kubetls/test', '--print-value-only']);
      assert.equal(ok.code, 0, ok.stderr);
    }
    const apiClient = () => ({
      cacert: join(pki('etcd-0'), 'etcd/ca.crt'),
      cert: join(pki('etcd-0'), 'apiserver-etcd-client.crt'),
      key: join(pki('etcd-0'), 'apiserver-etcd-client.key'),
    });

    before(async () => {
      root = tmpDir('kubetls-etcd-');
      writeFileSync(
        join(root, 'cluster.yaml'),
        [
          'apiVersion: kubeadm.k8s.io/v1beta4',
          'kind: ClusterConfiguration',
          '---',
          'apiVersion: kubetls.io/v1alpha1',
          'kind: ClusterNodes',
          'nodes:',
          ...NAMES.map((n) => `- {name: ${n}, role: control-plane, address: 127.0.0.1}`),
          '',
        ].join('\n'),
      );
      // ECDSA keeps init fast; the key type is irrelevant to what this test proves.
      const r = cli([
        'init',
        '--dir',
        join(root, 'out'),
        '--config',
        join(root, 'cluster.yaml'),
        '--encryption-algorithm',
        'ECDSA-P256',
        '--no-progress',
      ]);
      assert.equal(r.code, 0, r.stderr);
      for (let i = 0; i < 3; i++) {
        clientPorts.push(await freePort());
        peerPorts.push(await freePort());
      }
      const initialCluster = NAMES.map((n, i) => `${n}=https://127.0.0.1:${peerPorts[i]}`).join(',');
      NAMES.forEach((name, i) => {
        const dataDir = join(root, 'data', name);
        mkdirSync(dataDir, { recursive: true, mode: 0o700 });
        const p = pki(name);
        const log = join(root, `${name}.log`);
        logs.push(log);
        const fd = openSync(log, 'w');
        const child = spawn(
          'etcd',
          [
            '--name',
            name,
            '--data-dir',
            dataDir,
            '--listen-client-urls',
            endpoint(i),
            '--advertise-client-urls',
            endpoint(i),
            '--listen-peer-urls',
            `https://127.0.0.1:${peerPorts[i]}`,
            '--initial-advertise-peer-urls',
            `https://127.0.0.1:${peerPorts[i]}`,
            '--initial-cluster',
            initialCluster,
            '--initial-cluster-state',
            'new',
            '--initial-cluster-token',
            `kubetls-test-${process.pid}`,
            '--cert-file',
            join(p, 'etcd/server.crt'),
            '--key-file',
            join(p, 'etcd/server.key'),
            '--trusted-ca-file',
            join(p, 'etcd/ca.crt'),
            '--client-cert-auth',
            '--peer-cert-file',
            join(p, 'etcd/peer.crt'),
            '--peer-key-file',
            join(p, 'etcd/peer.key'),
            '--peer-trusted-ca-file',
            join(p, 'etcd/ca.crt'),
            '--peer-client-cert-auth',
            // No metrics/pprof listeners beyond the two URLs above: bind nothing else.
            '--listen-metrics-urls',
            '',
          ],
          { stdio: ['ignore', fd, fd] },
        );
        closeSync(fd);
        procs.push(child);
      });

      // Bounded wait: up to ~30 s for all three to report healthy with the healthcheck-client cert.
      const hc = {
        cacert: join(pki('etcd-0'), 'etcd/ca.crt'),
        cert: join(pki('etcd-0'), 'etcd/healthcheck-client.crt'),
        key: join(pki('etcd-0'), 'etcd/healthcheck-client.key'),
      };
      let last: RunResult | undefined;
      for (let attempt = 0; attempt < 60; attempt++) {
        const dead = procs.find((c) => c.exitCode !== null);
        if (dead) break;
        last = etcdctl(hc, [0, 1, 2].map(endpoint), ['endpoint', 'health']);
        if (last.code === 0) return;
        await sleep(500);
      }
      const tails = logs.map((l) => `${l}:\n${readFileSync(l, 'utf8').split('\n').slice(-15).join('\n')}`).join('\n');
      assert.fail(`etcd cluster never became healthy: ${last?.stderr ?? ''}${last?.stdout ?? ''}\n${tails}`);
    });

    after(async () => {
      for (const c of procs) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
      // Give each member up to 5 s to stop cleanly, then SIGKILL whatever is left.
      for (let i = 0; i < 50 && procs.some((c) => c.exitCode === null && c.signalCode === null); i++) await sleep(100);
      for (const c of procs) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    });

    it('each member serves its own etcd/server cert with CN = node name', () => {
      for (const [i, name] of NAMES.entries()) {
        const r = run(
          'openssl',
          [
            's_client',
            '-connect',
            `127.0.0.1:${clientPorts[i]}`,
            '-CAfile',
            join(pki(name), 'etcd/ca.crt'),
            '-cert',
            apiClient().cert,
            '-key',
            apiClient().key,
            '-verify_return_error',
            '-brief',
          ],
          { input: '', timeout: 10_000 },
        );
        const text = r.stdout + r.stderr;
        assert.match(text, new RegExp(`Peer certificate: CN ?= ?${name}\\b`), text);
        assert.match(text, /Verification: OK/, text);
      }
    });

    it('apiserver-etcd-client writes on one member and reads the value on the others', () => {
      const value = `v-${Date.now()}`;
      const put = etcdctl(apiClient(), [endpoint(0)], ['put', '/kubetls/test', value]);
      assert.equal(put.code, 0, put.stderr);
      assert.match(put.stdout, /OK/);
      for (const i of [1, 2]) {
        // Linearizable read (the default) goes through the leader, so it sees the committed write.
        const get = etcdctl(apiClient(), [endpoint(i)], ['get', '/kubetls/test', '--print-value-only']);
        assert.equal(get.code, 0, get.stderr);
        assert.equal(get.stdout.trim(), value);
      }
    });

    it('member list shows 3 started members with the expected names and peer URLs', () => {
      const r = etcdctl(apiClient(), [endpoint(1)], ['member', 'list', '-w', 'json']);
      assert.equal(r.code, 0, r.stderr);
      const members = (
        JSON.parse(r.stdout) as { members: { name?: string; peerURLs: string[]; clientURLs?: string[] }[] }
      ).members;
      assert.equal(members.length, 3);
      // An un-started member has an empty name and no client URLs.
      assert.deepEqual(members.map((m) => m.name).sort(), NAMES);
      for (const m of members) {
        const i = NAMES.indexOf(m.name ?? '');
        assert.deepEqual(m.peerURLs, [`https://127.0.0.1:${peerPorts[i]}`]);
        assert.deepEqual(m.clientURLs, [endpoint(i)]);
      }
    });

    // etcdctl 3.4 only reports "context deadline exceeded / all SubConns are in TransientFailure" for any
    // handshake failure, so each refusal is pinned down by (a) etcdctl's non-zero exit, (b) the reason etcd
    // logs for the rejected connection or openssl's verify error, and (c) a control request that succeeds.
    it('refuses a client that presents no certificate', async () => {
      const { r, log } = await logDuring(0, () =>
        etcdctl({ cacert: apiClient().cacert }, [endpoint(0)], ['get', '/kubetls/test'], '2s'),
      );
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /TransientFailure|deadline exceeded/i, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(log, /rejected connection.*(didn't provide a certificate|certificate required)/i, log);
      assertServing(0);
    });

    it('refuses a client certificate issued by the cluster CA (apiserver-kubelet-client), not etcd-ca', async () => {
      const p = pki('etcd-0');
      const { r, log } = await logDuring(0, () =>
        etcdctl(
          {
            cacert: join(p, 'etcd/ca.crt'),
            cert: join(p, 'apiserver-kubelet-client.crt'),
            key: join(p, 'apiserver-kubelet-client.key'),
          },
          [endpoint(0)],
          ['get', '/kubetls/test'],
          '2s',
        ),
      );
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /TransientFailure|deadline exceeded/i, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(log, /rejected connection.*signed by unknown authority/i, log);
      assertServing(0);
    });

    it('a client that trusts only the cluster CA (not etcd-ca) refuses the etcd server', async () => {
      const p = pki('etcd-0');
      const { r, log } = await logDuring(0, () =>
        etcdctl(
          { cacert: join(p, 'ca.crt'), cert: apiClient().cert, key: apiClient().key },
          [endpoint(0)],
          ['get', '/kubetls/test'],
          '2s',
        ),
      );
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /TransientFailure|deadline exceeded/i, r.stderr);
      assert.equal(r.stdout, '');
      // The client aborts the handshake, so the server sees an alert from its peer.
      assert.match(log, /rejected connection.*(bad certificate|unknown certificate authority)/i, log);
      // openssl with the same trust gives the precise client-side reason.
      const s = run(
        'openssl',
        [
          's_client',
          '-connect',
          `127.0.0.1:${clientPorts[0]}`,
          '-CAfile',
          join(p, 'ca.crt'),
          '-cert',
          apiClient().cert,
          '-key',
          apiClient().key,
          '-verify_return_error',
          '-brief',
        ],
        { input: '', timeout: 10_000 },
      );
      assert.notEqual(s.code, 0);
      assert.match(s.stdout + s.stderr, /unable to get local issuer certificate/i);
      assertServing(0);
    });
  },
);
