/** `kubetls kubeconfig user`: a kubeconfig for any client identity, like kubeadm's. */
import type { Command } from 'commander';
import { fstatSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { collectList, KUBEADM_DIRS, warn, type DirFlags } from './common.js';
import { stderrLine } from './output.js';
import { addConfigFlags, loadTreeConfig, type ConfigFlagName, type ConfigFlagValues } from './configflags.js';

/**
 * The configuration flags `kubeconfig user` reads: the server URL's parts and the key
 * algorithm. The validity has its own --validity-period (defaulting to the config file's
 * certificateValidityPeriod), and nothing else of the cluster's configuration shows here.
 */
const USES: readonly ConfigFlagName[] = [
  'config',
  'apiserver-advertise-address',
  'apiserver-bind-port',
  'control-plane-endpoint',
  'encryption-algorithm',
];

interface UserFlags extends ConfigFlagValues, DirFlags {
  clientName: string;
  org?: string[];
  validityPeriod?: string;
  token?: string;
  out?: string;
}

export function registerKubeconfig(program: Command): void {
  const kc = program.command('kubeconfig').description('kubeconfig utilities');
  addConfigFlags(
    kc
      .command('user')
      .description('print a kubeconfig for a client identity (CN = --client-name, O = --org), signed by the cluster CA')
      .requiredOption('--client-name <name>', 'user name: the certificate CN')
      .option('--org <org>', 'group: certificate O (repeatable or comma-separated)', collectList)
      .option(
        '--validity-period <duration>',
        'certificate validity (Go duration, default: certificateValidityPeriod, 8760h)',
      )
      .option('--token <token>', 'use this bearer token instead of a client certificate')
      .option('--out <file>', 'write to this file (0600) instead of stdout')
      .option('--cert-dir <dir>', `certificate directory (default ${KUBEADM_DIRS.certDir})`)
      .option('--dir <dir>', 'shorthand for --cert-dir DIR/pki'),
    USES,
  ).action(async (f: UserFlags) => {
    // the server and cluster name come from --config, else from the configuration init saved in the tree
    const { loaded, dirs } = await loadTreeConfig(f, KUBEADM_DIRS, USES);
    const [
      { userKubeconfig, checkKubeconfigTarget },
      { controlPlaneUrl },
      { parseGoDuration },
      { systemClock },
      { writeRecovering },
      { SECRET_MODE },
    ] = await Promise.all([
      import('../cluster/userkubeconfig.js'),
      import('../cluster/catalog.js'),
      import('../util/duration.js'),
      import('../pki/clock.js'),
      import('../cluster/recover.js'),
      import('../util/files.js'),
    ]);
    if (f.out) checkKubeconfigTarget(f.out); // before signing anything
    const text = await userKubeconfig({
      certDir: dirs.certDir,
      clientName: f.clientName,
      organizations: f.org ?? [],
      server: controlPlaneUrl(loaded.config),
      clusterName: loaded.config.clusterName,
      validityMs: f.validityPeriod
        ? parseGoDuration(f.validityPeriod, '--validity-period')
        : loaded.config.certificateValidityMs,
      ...(f.encryptionAlgorithm ? { algorithm: loaded.config.encryptionAlgorithm } : {}),
      ...(f.token ? { token: f.token } : {}),
      clock: systemClock,
    });
    if (f.out) {
      // the one journaled writer: atomic, a different file there kept as an announced backup
      const { recovered } = await writeRecovering(
        [{ path: f.out, data: text, mode: SECRET_MODE, existing: 'backup' }],
        dirname(resolve(f.out)),
      );
      for (const l of recovered) stderrLine(l);
    } else {
      if (!f.token && readableByOthers(1)) {
        warn(
          'stdout is a file others can read, and this kubeconfig holds a private key: use --out FILE (written 0600)',
        );
      }
      process.stdout.write(text);
    }
  });
}

/** Whether `fd` is a regular file with group or other permissions (a shell redirect under umask 022). */
function readableByOthers(fd: number): boolean {
  try {
    const st = fstatSync(fd);
    return st.isFile() && (st.mode & 0o077) !== 0;
  } catch {
    return false;
  }
}
