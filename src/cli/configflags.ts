/** The kubeadm-like configuration flags shared by `init`, `certs …` and `kubeconfig user`. */
import type { Command } from 'commander';
import type { ConfigFlags, LoadedConfig } from '../cluster/config.js';
import { collectList, resolveDirs, warn, type DirFlags } from './common.js';

/** Commander's values for the flags below: the library's ConfigFlags plus --config. */
export interface ConfigFlagValues extends ConfigFlags {
  config?: string;
}

export function addConfigFlags(cmd: Command): Command {
  return cmd
    .option(
      '--config <file>',
      'kubeadm v1beta4 ClusterConfiguration/InitConfiguration YAML (+ kubetls ClusterNodes for whole-cluster mode)',
    )
    .option('--apiserver-advertise-address <ip>', 'IP the API server advertises (default: detected, else 127.0.0.1)')
    .option('--apiserver-bind-port <port>', 'API server port (default 6443)')
    .option(
      '--apiserver-cert-extra-sans <sans>',
      'extra SANs for the API server certificate (comma-separated IPs or DNS names)',
      collectList,
    )
    .option('--control-plane-endpoint <host[:port]>', 'stable endpoint for the control plane (DNS name or IP)')
    .option('--service-cidr <cidr>', 'service subnet (default 10.96.0.0/12)')
    .option('--service-dns-domain <domain>', 'service DNS domain (default cluster.local)')
    .option('--node-name <name>', 'node name (default: hostname)')
    .option('--encryption-algorithm <alg>', 'RSA-2048 (default), RSA-3072, RSA-4096, ECDSA-P256, ECDSA-P384, ED25519')
    .option('--certificate-validity-period <duration>', 'leaf validity (Go duration, default 8760h)')
    .option('--ca-certificate-validity-period <duration>', 'CA validity (Go duration, default 87600h)');
}

/** Loads --config (if any) and applies the flags over it. */
export async function loadConfigFromFlags(f: ConfigFlagValues, quiet = false): Promise<LoadedConfig> {
  const [{ loadConfig }, { readFileLimited }] = await Promise.all([
    import('../cluster/config.js'),
    import('../util/files.js'),
  ]);
  const text = f.config ? readFileLimited(f.config, 1024 * 1024).toString('utf8') : undefined;
  // loadConfig reads only the ConfigFlags keys, so the command's other options pass through harmlessly
  const loaded = await loadConfig(f, text, f.config);
  if (!quiet) for (const w of loaded.warnings) warn(w);
  return loaded;
}

/** Where a command's configuration came from: a --config file, init's saved one, identity flags only, or none (defaults). */
export type ConfigSource = 'file' | 'saved' | 'flags' | 'defaults';

/**
 * The configuration a tree was issued with, and the tree's directories, for the commands
 * that work on an existing tree (`certs …`, `kubeconfig user`): --config when given (its
 * certificatesDir may set the certificate directory), else the configuration `init` saved in
 * the directories the flags name (src/cluster/savedconfig.ts); the flags on top either way.
 */
export async function loadTreeConfig(
  f: ConfigFlagValues & DirFlags,
  defaults: { certDir: string; kubeconfigDir: string },
): Promise<{ loaded: LoadedConfig & { source: ConfigSource }; dirs: { certDir: string; kubeconfigDir: string } }> {
  const { findSavedConfig } = await import('../cluster/savedconfig.js');
  const early = f.config === undefined ? resolveDirs(f, defaults) : undefined;
  const saved = early ? findSavedConfig({ certDir: early.certDir, dir: f.dir }) : undefined;
  const loaded = await loadConfigFromFlags(saved ? { ...f, config: saved } : f, true);
  const dirs = early ?? resolveDirs(f, { ...defaults, certDir: loaded.certificatesDir ?? defaults.certDir });
  const identityFlags = [
    f.nodeName,
    f.apiserverAdvertiseAddress,
    f.apiserverBindPort,
    f.apiserverCertExtraSans,
    f.controlPlaneEndpoint,
    f.serviceCidr,
    f.serviceDnsDomain,
  ].some((v) => v !== undefined);
  const source: ConfigSource = f.config !== undefined ? 'file' : saved ? 'saved' : identityFlags ? 'flags' : 'defaults';
  return { loaded: { ...loaded, source }, dirs };
}
