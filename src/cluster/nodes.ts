/**
 * The node trees of a configuration: one node (the flags' directories), or every node of a
 * ClusterNodes document under DIR/<node>/ — the layout `init` writes and the `certs`
 * commands read back, so both agree on each node's role, catalog and directories.
 */
import { join } from 'node:path';
import { buildCatalog, controlPlaneUrl, type Catalog } from './catalog.js';
import type { ClusterConfig, NodeRole } from './config.js';

export interface NodeTarget {
  node: string;
  config: ClusterConfig;
  role: NodeRole;
  certDir: string;
  kubeconfigDir: string;
  /** where this node's CAs (certificate and key) are read from: its own tree, or for a worker the first control plane's */
  caCertDir: string;
  workerServer?: string;
}

/** Single-node mode when `c.nodes` is empty; otherwise the first control-plane node first, then the rest in file order. */
export function nodeTargets(
  c: ClusterConfig,
  dirs: { certDir: string; kubeconfigDir: string; outDir?: string },
): NodeTarget[] {
  if (c.nodes.length === 0)
    return [
      {
        node: c.nodeName,
        config: c,
        role: 'control-plane',
        certDir: dirs.certDir,
        kubeconfigDir: dirs.kubeconfigDir,
        caCertDir: dirs.certDir,
      },
    ];
  const out = dirs.outDir ?? dirs.kubeconfigDir;
  const firstCp = c.nodes.find((n) => n.role === 'control-plane')!;
  // workers reach the control-plane endpoint, else the first control-plane node
  const workerServer = controlPlaneUrl({ ...c, advertiseAddress: firstCp.address });
  const ordered = [firstCp, ...c.nodes.filter((n) => n !== firstCp)];
  const caCertDir = join(out, firstCp.name, 'pki');
  return ordered.map((n) => ({
    node: n.name,
    role: n.role,
    config: {
      ...c,
      nodeName: n.name,
      advertiseAddress: n.address,
      apiServerCertSANs: [...c.apiServerCertSANs, ...n.certSANs],
      nodes: [],
    },
    certDir: join(out, n.name, 'pki'),
    kubeconfigDir: join(out, n.name),
    caCertDir: n.role === 'worker' ? caCertDir : join(out, n.name, 'pki'),
    ...(n.role === 'worker' ? { workerServer } : {}),
  }));
}

export const catalogOf = (t: NodeTarget): Catalog => buildCatalog(t.config, t.role, t.workerServer);
