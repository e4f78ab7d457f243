/**
 * The configuration `init` used, saved next to what it wrote so that the later commands
 * (`certs list/check-expiration/renew/generate-csr`, `kubeconfig user`) judge the tree by the
 * SANs, names and endpoint it was issued for, not by the defaults of whatever machine they
 * run on. kubeadm keeps the same thing in the cluster (the kubeadm-config ConfigMap); a
 * kubetls tree has no cluster yet, so the file lives in the tree:
 * - one node: `<cert-dir>/kubetls-init.yaml`, the one directory every `certs` command is
 *   given (`--cert-dir`, or `--dir D` → `D/pki`), and one that holds no secret of its own;
 * - a whole cluster (ClusterNodes): `<dir>/kubetls-init.yaml`, next to the node trees, found
 *   from the same `--dir`.
 * It is kubeadm v1beta4 YAML (+ ClusterNodes), so it can also be passed back with --config.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterConfig } from './config.js';

export const SAVED_CONFIG_NAME = 'kubetls-init.yaml';

export const savedConfigPath = (dir: string): string => join(dir, SAVED_CONFIG_NAME);

/** Where `init` saves its configuration: the cluster's --dir in whole-cluster mode, else the certificate directory. */
export const savedConfigDir = (c: ClusterConfig, certDir: string, outDir: string | undefined): string =>
  c.nodes.length > 0 && outDir !== undefined ? outDir : certDir;

/**
 * The saved configuration for the directories a command was given: `--cert-dir`'s, else
 * `--dir D`'s single node (`D/pki`) or whole cluster (`D`); undefined when there is none.
 */
export function findSavedConfig(dirs: { certDir: string; dir?: string | undefined }): string | undefined {
  const candidates = [savedConfigPath(dirs.certDir), ...(dirs.dir ? [savedConfigPath(dirs.dir)] : [])];
  return candidates.find((p) => existsSync(p));
}

/** Go duration text for a whole number of milliseconds, in the largest unit that divides it ("8760h", "90m"). */
export function goDuration(ms: number): string {
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const)
    if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

// JSON strings and lists are valid YAML: no quoting rules to get wrong, and no YAML library on init's path
const q = (s: string): string => JSON.stringify(s);
const list = (xs: readonly string[]): string => `[${xs.map(q).join(', ')}]`;

/** The saved file's text: every value `init` used, so reading it back gives the same certificates' identities. */
export function renderSavedConfig(c: ClusterConfig): string {
  const lines = [
    '# Written by kubetls init: the configuration this PKI was issued with. The kubetls "certs"',
    '# and "kubeconfig user" commands read it from here; --config and flags override it.',
  ];
  lines.push(
    'apiVersion: kubeadm.k8s.io/v1beta4',
    'kind: InitConfiguration',
    'localAPIEndpoint:',
    `  advertiseAddress: ${q(c.advertiseAddress)}`,
    `  bindPort: ${c.bindPort}`,
    'nodeRegistration:',
    `  name: ${q(c.nodeName)}`,
    '---',
  );
  lines.push(
    'apiVersion: kubeadm.k8s.io/v1beta4',
    'kind: ClusterConfiguration',
    `clusterName: ${q(c.clusterName)}`,
    ...(c.controlPlaneEndpoint ? [`controlPlaneEndpoint: ${q(c.controlPlaneEndpoint)}`] : []),
    'networking:',
    `  serviceSubnet: ${q(c.serviceSubnet)}`,
    `  dnsDomain: ${q(c.dnsDomain)}`,
    'apiServer:',
    `  certSANs: ${list(c.apiServerCertSANs)}`,
    'etcd:',
    ...(c.etcdExternal
      ? ['  external: {}']
      : [
          '  local:',
          `    serverCertSANs: ${list(c.etcdServerCertSANs)}`,
          `    peerCertSANs: ${list(c.etcdPeerCertSANs)}`,
        ]),
    `encryptionAlgorithm: ${q(c.encryptionAlgorithm)}`,
    `certificateValidityPeriod: ${q(goDuration(c.certificateValidityMs))}`,
    `caCertificateValidityPeriod: ${q(goDuration(c.caCertificateValidityMs))}`,
  );
  if (c.nodes.length > 0) {
    lines.push('---', 'apiVersion: kubetls.io/v1alpha1', 'kind: ClusterNodes', 'nodes:');
    for (const n of c.nodes)
      lines.push(
        `- {name: ${q(n.name)}, role: ${q(n.role)}, address: ${q(n.address)}${n.certSANs.length ? `, certSANs: ${list(n.certSANs)}` : ''}}`,
      );
  }
  return lines.join('\n') + '\n';
}
