/** Small helpers shared by the command files: list flags, directory defaults, warnings, progress. */
import { join, resolve } from 'node:path';

/** commander collector for repeatable / comma-separated list flags. */
export const collectList = (value: string, prev: string[] = []): string[] => [
  ...prev,
  ...value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

export interface DirFlags {
  dir?: string;
  certDir?: string;
  kubeconfigDir?: string;
}

/** --cert-dir / --kubeconfig-dir, with --dir D as a shorthand for D/pki and D. */
export function resolveDirs(
  f: DirFlags,
  defaults: { certDir: string; kubeconfigDir: string },
): { certDir: string; kubeconfigDir: string } {
  const certDir = f.certDir ?? (f.dir ? join(f.dir, 'pki') : defaults.certDir);
  const kubeconfigDir = f.kubeconfigDir ?? f.dir ?? defaults.kubeconfigDir;
  return { certDir: resolve(certDir), kubeconfigDir: resolve(kubeconfigDir) };
}

export const KUBEADM_DIRS = { certDir: '/etc/kubernetes/pki', kubeconfigDir: '/etc/kubernetes' };

export { warn } from './output.js';

/** A one-line progress bar on a TTY (stderr); silent otherwise so pipes and logs stay clean. */
export function progressBar(
  label: string,
  enabled = !!process.stderr.isTTY,
): ((done: number, total: number) => void) | undefined {
  if (!enabled) return undefined;
  return (done, total) => {
    if (total === 0) return;
    const width = 30;
    const filled = Math.round((done / total) * width);
    process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`);
    if (done === total) process.stderr.write('\n');
  };
}
