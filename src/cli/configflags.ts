/**
 * The kubeadm-like configuration flags shared by `init`, `certs …` and `kubeconfig user`.
 * Each command registers only the flags it reads (its --help lists nothing it would
 * ignore); `init` takes them all.
 */
import type { Command } from 'commander';
import type { ConfigFlags, LoadedConfig } from '../cluster/config.js';
import { collectList, resolveDirs, warn, type DirFlags } from './common.js';

/** Commander's values for the flags below: the library's ConfigFlags plus --config. */
export interface ConfigFlagValues extends ConfigFlags {
  config?: string;
}

type Spec = [flags: string, description: string, parse?: typeof collectList];

const CONFIG_FLAGS = {
  config: [
    '--config <file>',
    'kubeadm v1beta4 ClusterConfiguration/InitConfiguration YAML (+ kubetls ClusterNodes for whole-cluster mode)',
  ],
  'apiserver-advertise-address': [
    '--apiserver-advertise-address <ip>',
    'IP the API server advertises (default: detected, else 127.0.0.1)',
  ],
  'apiserver-bind-port': ['--apiserver-bind-port <port>', 'API server port (default 6443)'],
  'apiserver-cert-extra-sans': [
    '--apiserver-cert-extra-sans <sans>',
    'extra SANs for the API server certificate (comma-separated IPs or DNS names)',
    collectList,
  ],
  'control-plane-endpoint': [
    '--control-plane-endpoint <host[:port]>',
    'stable endpoint for the control plane (DNS name or IP)',
  ],
  'service-cidr': ['--service-cidr <cidr>', 'service subnet (default 10.96.0.0/12)'],
  'service-dns-domain': ['--service-dns-domain <domain>', 'service DNS domain (default cluster.local)'],
  'node-name': ['--node-name <name>', 'node name (default: hostname)'],
  'encryption-algorithm': [
    '--encryption-algorithm <alg>',
    'RSA-2048 (default), RSA-3072, RSA-4096, ECDSA-P256, ECDSA-P384, ED25519',
  ],
  'certificate-validity-period': [
    '--certificate-validity-period <duration>',
    'leaf validity (Go duration, default 8760h)',
  ],
  'ca-certificate-validity-period': [
    '--ca-certificate-validity-period <duration>',
    'CA validity (Go duration, default 87600h)',
  ],
} as const satisfies Record<string, Spec>;

export type ConfigFlagName = keyof typeof CONFIG_FLAGS;

export const ALL_CONFIG_FLAGS = Object.keys(CONFIG_FLAGS) as ConfigFlagName[];

/** The flags that shape the catalog (names, SANs, kubeconfig servers), for the commands that show or write it. */
export const CATALOG_FLAGS: readonly ConfigFlagName[] = [
  'config',
  'apiserver-advertise-address',
  'apiserver-bind-port',
  'apiserver-cert-extra-sans',
  'control-plane-endpoint',
  'service-cidr',
  'service-dns-domain',
  'node-name',
];

/** Adds the configuration flags a command reads (default: all of them, as `init` does). */
export function addConfigFlags(cmd: Command, uses: readonly ConfigFlagName[] = ALL_CONFIG_FLAGS): Command {
  for (const name of uses) {
    const [flags, description, parse] = CONFIG_FLAGS[name] as Spec;
    if (parse) cmd.option(flags, description, parse);
    else cmd.option(flags, description);
  }
  return cmd;
}

export interface LoadFlagsOptions {
  /** no warnings on stderr (the read-only commands) */
  quiet?: boolean;
  /** the flags the command registered (as given to addConfigFlags) */
  uses?: readonly ConfigFlagName[];
}

/** Loads --config (if any) and applies the flags over it. */
export async function loadConfigFromFlags(f: ConfigFlagValues, o: LoadFlagsOptions = {}): Promise<LoadedConfig> {
  const [{ loadConfig }, { readFileBounded }] = await Promise.all([
    import('../cluster/config.js'),
    import('../util/read.js'),
  ]);
  const text = f.config ? readFileBounded(f.config, 1024 * 1024).toString('utf8') : undefined;
  const uses = o.uses ?? ALL_CONFIG_FLAGS;
  // loadConfig reads only the ConfigFlags keys, so the command's other options pass through harmlessly.
  // A command without --node-name does not use the node's name: the machine's hostname, which
  // may not be a valid one, must not stop it (and the error's hint could not be followed)
  const loaded = await loadConfig(
    f,
    text,
    f.config,
    uses.includes('node-name') ? {} : { detectNodeName: () => 'unused-node-name' },
  );
  if (!o.quiet) for (const w of loaded.warnings) warn(w);
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
  uses?: readonly ConfigFlagName[],
): Promise<{ loaded: LoadedConfig & { source: ConfigSource }; dirs: { certDir: string; kubeconfigDir: string } }> {
  const { findSavedConfig } = await import('../cluster/savedconfig.js');
  const early = f.config === undefined ? resolveDirs(f, defaults) : undefined;
  const saved = early ? findSavedConfig({ certDir: early.certDir, dir: f.dir }) : undefined;
  const loaded = await loadConfigFromFlags(saved ? { ...f, config: saved } : f, {
    quiet: true,
    ...(uses ? { uses } : {}),
  });
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
