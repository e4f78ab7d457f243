/** `kubetls init`: generate a kubeadm-compatible PKI and kubeconfigs for one node or a whole cluster. */
import type { Command } from 'commander';
import { collectList, progressBar, resolveDirs, warn } from './common.js';

interface InitFlags {
  config?: string;
  dir: string;
  certDir?: string;
  kubeconfigDir?: string;
  apiserverAdvertiseAddress?: string;
  apiserverBindPort?: string;
  apiserverCertExtraSans?: string[];
  controlPlaneEndpoint?: string;
  serviceCidr?: string;
  serviceDnsDomain?: string;
  nodeName?: string;
  encryptionAlgorithm?: string;
  certificateValidityPeriod?: string;
  caCertificateValidityPeriod?: string;
  dryRun?: boolean;
  progress?: boolean;
}

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('generate the cluster PKI (CAs, component certificates, sa key pair) and kubeconfigs, kubeadm-compatible')
    .option('--config <file>', 'kubeadm v1beta4 ClusterConfiguration/InitConfiguration YAML (+ kubetls ClusterNodes for whole-cluster mode)')
    .option('--dir <dir>', 'output directory: certificates in DIR/pki, kubeconfigs in DIR (whole-cluster mode: DIR/<node>/...)', 'kubetls-pki')
    .option('--cert-dir <dir>', 'where to write certificates (default DIR/pki; kubeadm uses /etc/kubernetes/pki)')
    .option('--kubeconfig-dir <dir>', 'where to write kubeconfig files (default DIR)')
    .option('--apiserver-advertise-address <ip>', 'IP the API server advertises (default: detected, else 127.0.0.1)')
    .option('--apiserver-bind-port <port>', 'API server port', undefined)
    .option('--apiserver-cert-extra-sans <sans>', 'extra SANs for the API server certificate (comma-separated IPs or DNS names)', collectList)
    .option('--control-plane-endpoint <host[:port]>', 'stable endpoint for the control plane (DNS name or IP)')
    .option('--service-cidr <cidr>', 'service subnet (default 10.96.0.0/12)')
    .option('--service-dns-domain <domain>', 'service DNS domain (default cluster.local)')
    .option('--node-name <name>', 'node name (default: hostname)')
    .option('--encryption-algorithm <alg>', 'RSA-2048 (default), RSA-3072, RSA-4096, ECDSA-P256, ECDSA-P384, ED25519')
    .option('--certificate-validity-period <duration>', 'leaf validity (Go duration, default 8760h)')
    .option('--ca-certificate-validity-period <duration>', 'CA validity (Go duration, default 87600h)')
    .option('--dry-run', 'print the plan, write nothing')
    .option('--no-progress', 'no progress bar even on a terminal')
    .action(async (f: InitFlags) => {
      const [{ loadConfig }, { initPki }, { readFileLimited }] = await Promise.all([import('../cluster/config.js'), import('../cluster/init.js'), import('../util/files.js')]);
      const text = f.config ? readFileLimited(f.config, 1024 * 1024).toString('utf8') : undefined;
      const loaded = await loadConfig(
        {
          ...(f.apiserverAdvertiseAddress ? { apiserverAdvertiseAddress: f.apiserverAdvertiseAddress } : {}),
          ...(f.apiserverBindPort ? { apiserverBindPort: Number(f.apiserverBindPort) } : {}),
          ...(f.apiserverCertExtraSans ? { apiserverCertExtraSans: f.apiserverCertExtraSans } : {}),
          ...(f.controlPlaneEndpoint ? { controlPlaneEndpoint: f.controlPlaneEndpoint } : {}),
          ...(f.serviceCidr ? { serviceCidr: f.serviceCidr } : {}),
          ...(f.serviceDnsDomain ? { serviceDnsDomain: f.serviceDnsDomain } : {}),
          ...(f.nodeName ? { nodeName: f.nodeName } : {}),
          ...(f.encryptionAlgorithm ? { encryptionAlgorithm: f.encryptionAlgorithm } : {}),
          ...(f.certificateValidityPeriod ? { certificateValidityPeriod: f.certificateValidityPeriod } : {}),
          ...(f.caCertificateValidityPeriod ? { caCertificateValidityPeriod: f.caCertificateValidityPeriod } : {}),
        },
        text,
        f.config,
      );
      for (const w of loaded.warnings) warn(w);
      const dirs = resolveDirs({ dir: f.dir, ...(f.certDir ?? loaded.certificatesDir ? { certDir: f.certDir ?? loaded.certificatesDir } : {}), ...(f.kubeconfigDir ? { kubeconfigDir: f.kubeconfigDir } : {}) }, { certDir: '', kubeconfigDir: '' });
      const multi = loaded.config.nodes.length > 0;
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
      process.stdout.write(res.lines.join('\n') + '\n');
      if (!f.dryRun) {
        const where = multi ? `${res.plans.length} node trees under ${f.dir}/` : `${dirs.certDir} and ${dirs.kubeconfigDir}`;
        process.stdout.write(`\nkubetls: ${res.written.length} files written in ${where}\n`);
      }
    });
}
