/**
 * `kubetls audit` (static, reads a node's files) and `kubetls probe` (live TLS endpoints).
 * Thin: parse flags, load the library lazily, print the report. Exit codes: 0 when nothing
 * FAILs (WARN alone is 0), 1 on any FAIL, 2 on usage errors (one line on stderr).
 */
import { Command, Option } from 'commander';
import { errorMessage, KubetlsError } from '../errors/index.js';
import { foundProblems } from './output.js';

const formatOption = (): Option =>
  new Option('-o, --output <format>', 'table, json or junit').choices(['table', 'json', 'junit']).default('table');

function positiveInt(name: string, max: number): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > max) throw new Error(`${name} must be an integer 0..${max}, got "${v}"`);
    return n;
  };
}

/** The command could not run: one line (the first of a longer message), exit 2, through run.ts like every error. */
function usageError(e: unknown): never {
  throw new KubetlsError('InvalidArgument', errorMessage(e).split('\n')[0]!, { cause: e });
}

export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description(
      "static TLS audit of a node's files: manifests, kubelet config, kubeconfigs, PKI (CIS TLS items + kubetls checks)",
    )
    .option('--root <dir>', 'filesystem root of the node (absolute paths in flags resolve under it)', '/')
    .addOption(formatOption())
    .option('--now <time>', 'evaluate expiry at this ISO time instead of now')
    .option('--timings', 'print time spent per check on stderr')
    .action(async (o: { root: string; output: 'table' | 'json' | 'junit'; now?: string; timings?: boolean }) => {
      const { audit, render, fixedClock, systemClock } = await loadLib();
      let clock = systemClock;
      if (o.now !== undefined) {
        if (Number.isNaN(Date.parse(o.now))) usageError(`--now: not a date: "${o.now}"`);
        clock = fixedClock(o.now);
      }
      let report;
      try {
        report = await audit({ root: o.root, clock });
      } catch (e) {
        usageError(e);
      }
      process.stdout.write(render(report, o.output));
      if (o.timings) printTimings(report.timings);
      if (report.summary.fail > 0) foundProblems();
    });

  program
    .command('probe')
    .description(
      'live TLS/mTLS checks of endpoints: TLS versions, chain, SANs, EKU, expiry, client certs required, plaintext refused',
    )
    .argument('<endpoints...>', 'host:port (presets for 6443, 2379, 2380, 10250, 10257, 10259)')
    .option('--ca <file>', 'CA bundle to validate server chains against')
    .option('--cert <file>', 'client certificate for the authenticated-request check')
    .option('--key <file>', 'client key for --cert')
    .option('--server-name <name>', 'name to verify and send as SNI instead of the endpoint host')
    .option('--path <path>', 'request path (default per preset: /api, /version, /pods, /metrics, /)')
    .option('--timeout <ms>', 'per-connection timeout in ms', positiveInt('--timeout', 120_000), 3000)
    .option('--retries <n>', 'extra attempts of the first handshake on timeouts/resets', positiveInt('--retries', 5), 1)
    .option('--concurrency <n>', 'endpoints probed at once', positiveInt('--concurrency', 64), 8)
    .addOption(formatOption())
    .option('--timings', 'print time spent per check on stderr')
    .action(
      async (
        endpoints: string[],
        o: {
          ca?: string;
          cert?: string;
          key?: string;
          serverName?: string;
          path?: string;
          timeout: number;
          retries: number;
          concurrency: number;
          output: 'table' | 'json' | 'junit';
          timings?: boolean;
        },
      ) => {
        const { probe, render, readFileBounded } = await loadLib();
        if (!!o.cert !== !!o.key) usageError('--cert and --key go together');
        let report;
        try {
          const read = (p?: string): Buffer | undefined => (p ? readFileBounded(p, 1024 * 1024) : undefined);
          const ca = read(o.ca);
          const cert = read(o.cert);
          const key = read(o.key);
          report = await probe({
            endpoints,
            ...(ca ? { ca } : {}),
            ...(cert && key ? { cert, key } : {}),
            ...(o.serverName ? { serverName: o.serverName } : {}),
            ...(o.path ? { path: o.path } : {}),
            timeoutMs: Math.max(1, o.timeout),
            retries: o.retries,
            concurrency: Math.max(1, o.concurrency),
          });
        } catch (e) {
          usageError(e);
        }
        process.stdout.write(render(report, o.output));
        if (o.timings) printTimings(report.timings);
        if (report.summary.fail > 0) foundProblems();
      },
    );
}

async function loadLib() {
  const [a, p, f] = await Promise.all([
    import('../audit/index.js'),
    import('../pki/index.js'),
    import('../util/read.js'),
  ]);
  return {
    audit: a.audit,
    probe: a.probe,
    render: a.render,
    fixedClock: p.fixedClock,
    systemClock: p.systemClock,
    readFileBounded: f.readFileBounded,
  };
}

function printTimings(t: Record<string, number>): void {
  for (const [id, ms] of Object.entries(t).sort((a, b) => b[1] - a[1]))
    process.stderr.write(`${id.padEnd(14)} ${ms.toFixed(1)} ms\n`);
}
