/** Shared fixtures for cluster tests: configs, a deterministic clock, hashing a tree to prove nothing changed. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type ConfigFlags } from '../../src/cluster/config.js';
import { initPki, type InitResult } from '../../src/cluster/init.js';
import { fixedClock } from '../../src/pki/clock.js';

export const START = new Date('2026-03-01T12:00:00Z');
export const clock = fixedClock(START);

export const KUBEADM_CONFIG = `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: 192.0.2.10
  bindPort: 6443
nodeRegistration:
  name: cp-1
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
clusterName: kubernetes
controlPlaneEndpoint: k8s.example.com:8443
networking:
  serviceSubnet: 10.100.0.0/16
  dnsDomain: example.local
apiServer:
  certSANs: [192.0.2.100, api.example.com, api.example.com]
etcd:
  local:
    serverCertSANs: [etcd.example.com]
    peerCertSANs: [192.0.2.200]
encryptionAlgorithm: ECDSA-P256
certificateValidityPeriod: 720h
caCertificateValidityPeriod: 43800h
`;

/** Init a single node into dir with ECDSA keys (fast) unless flags say otherwise. */
export async function initNode(
  dir: string,
  flags: ConfigFlags = {},
  text?: string,
  extra: { dryRun?: boolean } = {},
): Promise<InitResult> {
  const { config } = await loadConfig(
    { nodeName: 'node-a', apiserverAdvertiseAddress: '192.0.2.10', encryptionAlgorithm: 'ECDSA-P256', ...flags },
    text,
  );
  return initPki({ config, certDir: join(dir, 'pki'), kubeconfigDir: dir, clock, ...extra });
}

/** sha256 of every file (path, mode, content) below dir: equal hashes = nothing changed. */
export function treeHash(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      h.update(`${p}:${st.mode}\n`);
      if (st.isDirectory()) walk(p);
      else h.update(readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}
