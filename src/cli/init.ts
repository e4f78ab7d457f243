/** `kubetls init`: generate a kubeadm-compatible PKI and kubeconfigs for one node or a whole cluster. */
import type { Command } from 'commander';
import { KubetlsError } from '../errors/index.js';
import { progressBar, resolveDirs, warn } from './common.js';
import { stdoutLines } from './output.js';
import { addConfigFlags, loadConfigFromFlags, type ConfigFlagValues } from './configflags.js';

interface InitFlags extends ConfigFlagValues {
  dir: string;
  certDir?: string;
  kubeconfigDir?: string;
  dryRun?: boolean;
  progress?: boolean;
}

export function registerInit(program: Command): void {
  const cmd = program
    .command('init')
    .description(
      'generate the cluster PKI (CAs, component certificates, sa key pair) and kubeconfigs, kubeadm-compatible',
    )
    .option(
      '--dir <dir>',
      'output directory: certificates in DIR/pki, kubeconfigs in DIR (whole-cluster mode: DIR/<node>/...)',
      'kubetls-pki',
    )
    .option('--cert-dir <dir>', 'where to write certificates (default DIR/pki; kubeadm uses /etc/kubernetes/pki)')
    .option('--kubeconfig-dir <dir>', 'where to write kubeconfig files (default DIR)')
    .option('--dry-run', 'print the plan, write nothing')
    .option('--no-progress', 'no progress bar even on a terminal');
  addConfigFlags(cmd).action(async (f: InitFlags) => {
    const loaded = await loadConfigFromFlags(f);
    const { initPki } = await import('../cluster/init.js');
    const certDir = f.certDir ?? loaded.certificatesDir;
    const dirs = resolveDirs(
      { dir: f.dir, ...(certDir ? { certDir } : {}), ...(f.kubeconfigDir ? { kubeconfigDir: f.kubeconfigDir } : {}) },
      { certDir: '', kubeconfigDir: '' },
    );
    const multi = loaded.config.nodes.length > 0;
    if (multi && (f.certDir || f.kubeconfigDir)) {
      throw new KubetlsError(
        'InvalidArgument',
        '--cert-dir and --kubeconfig-dir do not apply to whole-cluster mode (ClusterNodes)',
        'use --dir; each node gets DIR/<node>/pki and DIR/<node>/*.conf',
      );
    }
    const perNode = [
      f.nodeName !== undefined && '--node-name',
      f.apiserverAdvertiseAddress !== undefined && '--apiserver-advertise-address',
    ].filter((x) => typeof x === 'string');
    if (multi && perNode.length)
      warn(
        `${perNode.join(' and ')}: ignored in whole-cluster mode (each node's name and address come from ClusterNodes)`,
      );
    // a bar only where it helps: slow keys or many nodes
    const heavy = /RSA-(3072|4096)/.test(loaded.config.encryptionAlgorithm) || loaded.config.nodes.length > 5;
    const onProgress = f.progress !== false && heavy ? progressBar('[keys]') : undefined;
    const res = await initPki({
      config: loaded.config,
      ...dirs,
      ...(multi ? { outDir: f.dir } : {}),
      ...(f.dryRun ? { dryRun: true } : {}),
      ...(onProgress ? { onProgress } : {}),
    });
    for (const w of res.warnings) warn(w);
    stdoutLines(res.lines);
    if (!f.dryRun) {
      const where = multi
        ? `${res.plans.length} node trees under ${f.dir}/`
        : `${dirs.certDir} and ${dirs.kubeconfigDir}`;
      process.stdout.write(`\nkubetls: ${res.written.length} files written in ${where}\n`);
    }
  });
}
