/** `kubetls certs …`: check-expiration, renew, list, generate-csr, scan. Parsing and output only. */
import type { Command } from 'commander';
import { KubetlsError } from '../errors.js';
import { KUBEADM_DIRS, resolveDirs, type DirFlags } from './common.js';
import { addConfigFlags, loadConfigFromFlags, type ConfigFlagValues } from './configflags.js';

interface CertsFlags extends ConfigFlagValues, DirFlags {
  output?: string;
  threshold?: string;
}

function addDirFlags(cmd: Command): Command {
  return cmd
    .option('--cert-dir <dir>', `certificate directory (default ${KUBEADM_DIRS.certDir})`)
    .option('--kubeconfig-dir <dir>', `kubeconfig directory (default ${KUBEADM_DIRS.kubeconfigDir})`)
    .option('--dir <dir>', 'shorthand for --cert-dir DIR/pki --kubeconfig-dir DIR (the layout `kubetls init` writes)');
}

async function context(f: CertsFlags) {
  const loaded = await loadConfigFromFlags(f, true);
  const { buildCatalog } = await import('../cluster/catalog.js');
  const dirs = resolveDirs(f, { certDir: loaded.certificatesDir ?? KUBEADM_DIRS.certDir, kubeconfigDir: KUBEADM_DIRS.kubeconfigDir });
  return { loaded, dirs, catalog: buildCatalog(loaded.config) };
}

function checkOutput(o: string | undefined): 'text' | 'json' | 'yaml' {
  const v = o ?? 'text';
  if (v !== 'text' && v !== 'json' && v !== 'yaml') throw new KubetlsError('InvalidArgument', `--output must be text, json or yaml, not "${v}"`);
  return v;
}

async function printObject(obj: unknown, format: 'json' | 'yaml'): Promise<void> {
  if (format === 'json') process.stdout.write(JSON.stringify(obj, null, 2) + '\n');
  else {
    const YAML = await import('yaml');
    process.stdout.write(YAML.stringify(obj));
  }
}

export function registerCerts(program: Command): void {
  const certs = program.command('certs').description('inspect, check, renew and scan certificates');

  addConfigFlags(addDirFlags(certs.command('check-expiration')))
    .description('kubeadm-style expiry tables for the local PKI; exit 1 when anything is missing, expired or within --threshold')
    .option('-o, --output <format>', 'text, json or yaml', 'text')
    .option('--threshold <duration>', 'fail (exit 1) when a certificate expires within this time ("30d", "720h")', '30d')
    .action(async (f: CertsFlags) => {
      const format = checkOutput(f.output);
      const [{ loaded: _l, dirs, catalog }, exp, { parseThreshold }, { systemClock }] = await Promise.all([context(f), import('../cluster/expiration.js'), import('../cluster/residual.js'), import('../pki/clock.js')]);
      const threshold = parseThreshold(f.threshold ?? '30d');
      const report = await exp.checkExpiration(catalog, dirs.certDir, dirs.kubeconfigDir, systemClock);
      if (format === 'text') process.stdout.write(exp.renderExpirationText(report));
      else await printObject(exp.expirationObject(report), format);
      const verdict = exp.expirationVerdict([...report.certificates, ...report.certificateAuthorities], threshold);
      if (!verdict.ok) {
        for (const p of verdict.problems) process.stderr.write(`[check-expiration] ${p}\n`);
        process.exitCode = 1;
      }
    });

  addConfigFlags(addDirFlags(certs.command('renew')))
    .description('renew certificates (same identity and SANs, new key); names: all, apiserver, admin.conf, … (see `certs list`)')
    .argument('<names...>', '"all" or certificate names')
    .action(async (names: string[], f: CertsFlags) => {
      const [{ loaded, dirs, catalog }, { renewCertificates }, { systemClock }] = await Promise.all([context(f), import('../cluster/renew.js'), import('../pki/clock.js')]);
      const res = await renewCertificates({
        catalog,
        certDir: dirs.certDir,
        kubeconfigDir: dirs.kubeconfigDir,
        names,
        validityMs: loaded.config.certificateValidityMs,
        ...(f.encryptionAlgorithm ? { algorithm: loaded.config.encryptionAlgorithm } : {}),
        clock: systemClock,
      });
      process.stdout.write(res.lines.join('\n') + '\n');
      if (res.restart.length) {
        process.stdout.write(`\nDone renewing certificates. You must restart ${res.restart.join(', ')} so that ${res.restart.length === 1 ? 'it uses' : 'they use'} the new certificates.\n`);
      }
      if (res.failed.length) process.exitCode = 1;
    });

  addConfigFlags(addDirFlags(certs.command('list')))
    .description('every certificate, key pair and kubeconfig the catalog defines, with identity, SANs, CA, path and state on disk')
    .option('-o, --output <format>', 'text, json or yaml', 'text')
    .action(async (f: CertsFlags) => {
      const format = checkOutput(f.output);
      const [{ dirs, catalog }, { listCatalog, renderList }, { systemClock }] = await Promise.all([context(f), import('../cluster/list.js'), import('../pki/clock.js')]);
      const rows = await listCatalog(catalog, dirs.certDir, dirs.kubeconfigDir, systemClock.now());
      if (format === 'text') process.stdout.write(renderList(rows));
      else await printObject(rows, format);
    });

  addConfigFlags(addDirFlags(certs.command('generate-csr')))
    .description('external-CA flow: write a key and a CSR for every certificate and kubeconfig (existing keys are reused)')
    .action(async (f: CertsFlags) => {
      const [{ loaded, dirs, catalog }, { generateCsrs }] = await Promise.all([context(f), import('../cluster/csrgen.js')]);
      const lines = await generateCsrs(catalog, dirs.certDir, dirs.kubeconfigDir, loaded.config.encryptionAlgorithm, loaded.config.clusterName);
      process.stdout.write(lines.join('\n') + '\n');
    });

  certs
    .command('scan')
    .description('inventory every certificate under the given files/directories (PEM, DER, kubeconfigs); exit 1 on expired, expiring or unreadable')
    .argument('<paths...>', 'files or directories')
    .option('-o, --output <format>', 'text, json or yaml', 'text')
    .option('--threshold <duration>', 'fail (exit 1) when a certificate expires within this time', '30d')
    .action(async (paths: string[], f: CertsFlags) => {
      const format = checkOutput(f.output);
      const [{ scanPaths }, { renderScan, scanVerdict }, { parseThreshold }, { systemClock }] = await Promise.all([import('../cluster/scan.js'), import('../cluster/scanreport.js'), import('../cluster/residual.js'), import('../pki/clock.js')]);
      const threshold = parseThreshold(f.threshold ?? '30d');
      const now = systemClock.now();
      const entries = await scanPaths(paths, { now });
      if (format === 'text') process.stdout.write(renderScan(entries));
      else await printObject({ kind: 'CertificateScan', apiVersion: 'kubetls.io/v1alpha1', scannedAt: now.toISOString(), certificates: entries }, format);
      const verdict = scanVerdict(entries, threshold);
      if (!verdict.ok) {
        process.stderr.write(`[scan] ${verdict.problems.length} problem(s): ${verdict.problems.slice(0, 5).join('; ')}${verdict.problems.length > 5 ? '; …' : ''}\n`);
        process.exitCode = 1;
      }
    });
}
