/** `kubetls certs …`: check-expiration, renew, list, generate-csr, scan. Parsing and output only. */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { KubetlsError } from '../errors/index.js';
import { KUBEADM_DIRS, warn, type DirFlags } from './common.js';
import { foundProblems, stderrLine, stdoutLines } from './output.js';
import {
  addConfigFlags,
  CATALOG_FLAGS,
  loadTreeConfig,
  type ConfigFlagName,
  type ConfigFlagValues,
} from './configflags.js';

/**
 * The configuration flags each command reads. check-expiration only needs to know which
 * files exist (--config: external etcd, ClusterNodes, certificatesDir); renew keeps each
 * certificate's identity and SANs from the file it replaces, so only the validity and key
 * algorithm of the new ones matter; list and generate-csr show or write the catalog's
 * names and SANs, which every catalog flag shapes.
 */
const USES: Record<'checkExpiration' | 'renew' | 'list' | 'generateCsr', readonly ConfigFlagName[]> = {
  checkExpiration: ['config'],
  renew: ['config', 'certificate-validity-period', 'encryption-algorithm'],
  list: CATALOG_FLAGS,
  generateCsr: [...CATALOG_FLAGS, 'encryption-algorithm'],
};

interface CertsFlags extends ConfigFlagValues, DirFlags {
  output?: string;
  threshold?: string;
  dryRun?: boolean;
}

function addDirFlags(cmd: Command): Command {
  return cmd
    .option('--cert-dir <dir>', `certificate directory (default ${KUBEADM_DIRS.certDir})`)
    .option('--kubeconfig-dir <dir>', `kubeconfig directory (default ${KUBEADM_DIRS.kubeconfigDir})`)
    .option('--dir <dir>', 'shorthand for --cert-dir DIR/pki --kubeconfig-dir DIR (the layout `kubetls init` writes)');
}

/**
 * The configuration and directories of a command on an existing tree: --config, else the
 * configuration `init` saved in the tree, with the flags on top (see loadTreeConfig).
 */
async function context(f: CertsFlags, uses: readonly ConfigFlagName[]) {
  const { loaded, dirs } = await loadTreeConfig(f, KUBEADM_DIRS, uses);
  const { buildCatalog } = await import('../cluster/catalog.js');
  return { loaded, dirs, catalog: buildCatalog(loaded.config) };
}

/**
 * The trees a command works on: the one node of the flags, or — with a ClusterNodes config —
 * every node `init` wrote under --dir, each with its own role's catalog (a worker holds only
 * ca.crt and its kubeconfigs, so it must not be checked against a control plane's list).
 */
async function nodeContexts(f: CertsFlags, uses: readonly ConfigFlagName[]) {
  const c = await context(f, uses);
  const multi = c.loaded.config.nodes.length > 0;
  if (multi && (f.certDir || f.kubeconfigDir || !f.dir)) {
    throw new KubetlsError(
      'InvalidArgument',
      'with a ClusterNodes config, give the --dir that init wrote (DIR/<node>/pki and DIR/<node>/*.conf); --cert-dir and --kubeconfig-dir do not apply',
    );
  }
  const { nodeTargets, catalogOf } = await import('../cluster/nodes.js');
  const outDir = multi ? resolve(f.dir!) : undefined;
  const nodes = nodeTargets(c.loaded.config, { ...c.dirs, ...(outDir ? { outDir } : {}) }).map((t) => ({
    ...t,
    catalog: catalogOf(t),
  }));
  /** where an interrupted write to these trees leaves its journal: each node's certificates, a cluster's --dir */
  const journalDirs = [...(outDir ? [outDir] : []), ...nodes.map((n) => n.certDir)];
  /** In cluster mode, the line that heads a node's table ("# node cp-0 (control-plane)"); nothing for one node. */
  const header = (n: { node: string; role: string }, first: boolean): string =>
    multi ? `${first ? '' : '\n'}# node ${n.node} (${n.role})\n` : '';
  return { ...c, multi, nodes, header, outDir, journalDirs };
}

function checkOutput(o: string | undefined): 'text' | 'json' | 'yaml' {
  const v = o ?? 'text';
  if (v !== 'text' && v !== 'json' && v !== 'yaml')
    throw new KubetlsError('InvalidArgument', `--output must be text, json or yaml, not "${v}"`);
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

  addConfigFlags(addDirFlags(certs.command('check-expiration')), USES.checkExpiration)
    .description(
      'kubeadm-style expiry tables for the local PKI; exit 1 when anything is missing, expired or within --threshold',
    )
    .option('-o, --output <format>', 'text, json or yaml', 'text')
    .option(
      '--threshold <duration>',
      'fail (exit 1) when a certificate expires within this time ("30d", "720h")',
      '30d',
    )
    .action(async (f: CertsFlags) => {
      const format = checkOutput(f.output);
      const [ctx, exp, { parseThreshold }, { systemClock }] = await Promise.all([
        nodeContexts(f, USES.checkExpiration),
        import('../cluster/expiration.js'),
        import('../cluster/expiryformat.js'),
        import('../pki/clock.js'),
      ]);
      const threshold = parseThreshold(f.threshold ?? '30d');
      const objects: Array<Record<string, unknown>> = [];
      for (const n of ctx.nodes) {
        const report = await exp.checkExpiration(n.catalog, n.certDir, n.kubeconfigDir, systemClock, n.caCertDir);
        if (format === 'text')
          process.stdout.write(ctx.header(n, objects.length === 0) + exp.renderExpirationText(report));
        objects.push(
          ctx.multi ? { node: n.node, role: n.role, ...exp.expirationObject(report) } : exp.expirationObject(report),
        );
        const verdict = exp.expirationVerdict([...report.certificates, ...report.certificateAuthorities], threshold);
        if (!verdict.ok) {
          for (const p of verdict.problems) stderrLine(`[check-expiration] ${ctx.multi ? `[${n.node}] ` : ''}${p}`);
          foundProblems();
        }
      }
      const { pendingJournals, pendingWarning } = await import('../cluster/recover.js');
      for (const j of pendingJournals(ctx.journalDirs)) {
        stderrLine(`[check-expiration] ${pendingWarning(j)}`);
        foundProblems();
      }
      if (format !== 'text')
        await printObject(ctx.multi ? { kind: 'ClusterCertificateExpiration', nodes: objects } : objects[0], format);
    });

  addConfigFlags(addDirFlags(certs.command('renew')), USES.renew)
    .description(
      'renew certificates (same identity and SANs, new key); names: all, apiserver, admin.conf, … (see `certs list`)',
    )
    .argument('<names...>', '"all" or certificate names')
    .option('--dry-run', 'say what would be renewed and which backups kept; write nothing')
    .action(async (names: string[], f: CertsFlags) => {
      const [ctx, { renewCertificates, renewableNames }, { systemClock }] = await Promise.all([
        nodeContexts(f, USES.renew),
        import('../cluster/renew.js'),
        import('../pki/clock.js'),
      ]);
      // in a cluster a name applies to the nodes that have it (apiserver: control planes; kube-proxy.conf: all)
      const known = new Set(ctx.nodes.flatMap((n) => renewableNames(n.catalog)));
      const unknown = names.filter((n) => n !== 'all' && !known.has(n));
      if (ctx.multi && unknown.length)
        throw new KubetlsError(
          'UnknownCertificate',
          `unknown certificate "${unknown[0]}"`,
          `use one of: all, ${[...known].join(', ')}`,
        );
      const failed: string[] = [];
      let attempted = 0;
      for (const n of ctx.nodes) {
        const mine = names.includes('all')
          ? ['all']
          : names.filter((x) => !ctx.multi || renewableNames(n.catalog).includes(x));
        if (mine.length === 0) continue;
        const prefix = ctx.multi ? `[${n.node}] ` : '';
        const res = await renewCertificates({
          catalog: n.catalog,
          certDir: n.certDir,
          kubeconfigDir: n.kubeconfigDir,
          caCertDir: n.caCertDir,
          names: mine,
          validityMs: ctx.loaded.config.certificateValidityMs,
          ...(f.encryptionAlgorithm ? { algorithm: ctx.loaded.config.encryptionAlgorithm } : {}),
          clock: systemClock,
          ...(f.dryRun ? { dryRun: true } : {}),
          ...(ctx.outDir ? { recoverDirs: [ctx.outDir] } : {}),
        });
        for (const w of res.warnings) warn(prefix + w);
        stdoutLines(res.lines.map((l) => prefix + l));
        if (res.restart.length) {
          const who = `${res.restart.join(', ')} so that ${res.restart.length === 1 ? 'it uses' : 'they use'} the new certificates`;
          process.stdout.write(
            f.dryRun
              ? `\n${prefix}Dry run: nothing was written. Renewing would mean restarting ${who}.\n`
              : `\n${prefix}Done renewing certificates. You must restart ${who}.\n`,
          );
        }
        failed.push(...res.failed.map((x) => prefix + x));
        attempted += res.renewed.length + res.failed.length;
      }
      // partial success is still a failure to act on: exit 1 through the one error path (run.ts)
      if (failed.length)
        throw new KubetlsError(
          'RenewFailed',
          `${failed.length} of ${attempted} certificate${attempted === 1 ? '' : 's'} not renewed: ${failed.join(', ')}${failed.length < attempted ? ' (the others were renewed, see above)' : ''}`,
        );
    });

  addConfigFlags(addDirFlags(certs.command('list')), USES.list)
    .description(
      'every certificate, key pair and kubeconfig the catalog defines, with identity, SANs, CA, path and state on disk; exit 1 when a file cannot be read',
    )
    .option('-o, --output <format>', 'text, json or yaml', 'text')
    .action(async (f: CertsFlags) => {
      const format = checkOutput(f.output);
      const [ctx, { listCatalog, renderList }, { systemClock }] = await Promise.all([
        nodeContexts(f, USES.list),
        import('../cluster/list.js'),
        import('../pki/clock.js'),
      ]);
      const all: Array<Record<string, unknown>> = [];
      const { pendingJournals, pendingWarning } = await import('../cluster/recover.js');
      for (const j of pendingJournals(ctx.journalDirs)) warn(pendingWarning(j));
      // SANs are compared only with a configuration the tree is known to come from: never this machine's defaults
      const compareSans = ctx.loaded.source !== 'defaults';
      for (const n of ctx.nodes) {
        const rows = await listCatalog(n.catalog, n.certDir, n.kubeconfigDir, systemClock.now(), { compareSans });
        if (format === 'text') process.stdout.write(ctx.header(n, all.length === 0) + renderList(rows));
        all.push(...rows.map((r) => (ctx.multi ? { node: n.node, ...r } : { ...r })));
        // what could not be read is said, and fails the command (missing files are a state, not an error)
        for (const r of rows.filter((x) => x.state === 'error')) {
          stderrLine(`[list] ${ctx.multi ? `[${n.node}] ` : ''}${r.name}: ${r.detail ?? 'unreadable'}`);
          foundProblems();
        }
      }
      if (format !== 'text') await printObject(all, format);
    });

  addConfigFlags(addDirFlags(certs.command('generate-csr')), USES.generateCsr)
    .description(
      'external-CA flow: write a key and a CSR for every certificate and kubeconfig (existing keys are reused)',
    )
    .option('--dry-run', 'say what would be written; write nothing')
    .action(async (f: CertsFlags) => {
      const [{ loaded, dirs, catalog }, { generateCsrs }] = await Promise.all([
        context(f, USES.generateCsr),
        import('../cluster/csrgen.js'),
      ]);
      const lines = await generateCsrs(
        catalog,
        dirs.certDir,
        dirs.kubeconfigDir,
        loaded.config.encryptionAlgorithm,
        loaded.config.clusterName,
        f.dryRun ? { dryRun: true } : {},
      );
      stdoutLines(lines);
    });

  certs
    .command('scan')
    .description(
      'inventory every certificate under the given files/directories (PEM, DER, kubeconfigs); exit 1 on expired, expiring or unreadable',
    )
    .argument('<paths...>', 'files or directories')
    .option('-o, --output <format>', 'text, json or yaml', 'text')
    .option('--threshold <duration>', 'fail (exit 1) when a certificate expires within this time', '30d')
    .action(async (paths: string[], f: CertsFlags) => {
      const format = checkOutput(f.output);
      const [{ scanPaths }, { renderScan, scanVerdict }, { parseThreshold }, { systemClock }] = await Promise.all([
        import('../cluster/scan.js'),
        import('../cluster/scanreport.js'),
        import('../cluster/expiryformat.js'),
        import('../pki/clock.js'),
      ]);
      const threshold = parseThreshold(f.threshold ?? '30d');
      const now = systemClock.now();
      const entries = await scanPaths(paths, { now });
      if (format === 'text') process.stdout.write(renderScan(entries));
      else
        await printObject(
          {
            kind: 'CertificateScan',
            apiVersion: 'kubetls.io/v1alpha1',
            scannedAt: now.toISOString(),
            certificates: entries,
          },
          format,
        );
      const verdict = scanVerdict(entries, threshold);
      if (!verdict.ok) {
        stderrLine(
          `[scan] ${verdict.problems.length} problem(s): ${verdict.problems.slice(0, 5).join('; ')}${verdict.problems.length > 5 ? '; …' : ''}`,
        );
        foundProblems();
      }
    });
}
