/** `kubetls kubeconfig user`: a kubeconfig for any client identity, like kubeadm's. */
import type { Command } from 'commander';
import { fstatSync } from 'node:fs';
import { resolve } from 'node:path';
import { collectList, KUBEADM_DIRS, type DirFlags } from './common.js';
import { addConfigFlags, loadTreeConfig, type ConfigFlagValues } from './configflags.js';

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
  ).action(async (f: UserFlags) => {
    // the server and cluster name come from --config, else from the configuration init saved in the tree
    const { loaded, dirs } = await loadTreeConfig(f, KUBEADM_DIRS);
    const [{ userKubeconfig }, { controlPlaneUrl }, { parseGoDuration }, { systemClock }, files] = await Promise.all([
      import('../cluster/userkubeconfig.js'),
      import('../cluster/catalog.js'),
      import('../util/duration.js'),
      import('../pki/clock.js'),
      import('../util/files.js'),
    ]);
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
    // the writer of every command that writes keys: atomic, 0600, the previous file kept as a backup
    if (f.out)
      await files.writeBatch([{ path: resolve(f.out), data: text, mode: files.SECRET_MODE, existing: 'backup' }]);
    else {
      if (!f.token && readableByOthers(1)) {
        process.stderr.write(
          '[warning] stdout is a file others can read, and this kubeconfig holds a private key: use --out FILE (written 0600)\n',
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
