/**
 * `kubetls controller-manager`: the CSR controllers against any Kubernetes API (a real
 * kube-apiserver or another `kubetls serve`), with kube-controller-manager's flag names:
 * `--kubeconfig`, `--controllers`, `--leader-elect*`, and its HTTPS endpoint for /metrics
 * (`--secure-port` 10257, `--bind-address`, `--tls-cert-file`/`--tls-private-key-file`,
 * `--client-ca-file`; bearer tokens are checked by TokenReview). The RBAC the identity needs is
 * deploy/controller-manager-rbac.yaml.
 * The work is in src/controllers/run.ts and metricsserver.ts.
 */
import { Command } from 'commander';
import { resolve } from 'node:path';
import { KubetlsError } from '../errors/index.js';
import { addControllerFlags, controllerSelection, type ControllerFlagValues } from './controllerflags.js';
import { stderrLine } from './output.js';

interface ControllerManagerFlags extends ControllerFlagValues {
  kubeconfig?: string;
  bindAddress: string;
  securePort: string;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  clientCaFile?: string;
  tlsMinVersion: string;
}

export function registerControllerManager(program: Command): void {
  const cmd = program
    .command('controller-manager')
    .description('run the CSR controllers (signers, approvers, cleaner) against a Kubernetes API')
    .option(
      '--kubeconfig <file>',
      'how to reach the API (default: KUBECONFIG, ~/.kube/config, or the in-cluster service account)',
    )
    .option('--bind-address <ip>', 'address of the /metrics and health endpoint', '127.0.0.1')
    .option('--secure-port <port>', 'HTTPS port of /metrics and health (0: none)', '10257')
    .option('--tls-cert-file <file>', 'serving certificate of that port (default: a self-signed one made in memory)')
    .option('--tls-private-key-file <file>', 'its key')
    .option(
      '--client-ca-file <file>',
      'CA verifying the client certificates of /metrics callers (bearer tokens are checked by a TokenReview)',
    )
    .option('--tls-min-version <version>', 'VersionTLS12 or VersionTLS13', 'VersionTLS12');
  addControllerFlags(cmd, { leaderElect: true });
  cmd.action(async (f: ControllerManagerFlags, command: Command) => {
    const port = Number(f.securePort);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new KubetlsError('BadFlag', `--secure-port: "${f.securePort}" is not a TCP port`);
    if (!!f.tlsCertFile !== !!f.tlsPrivateKeyFile)
      throw new KubetlsError('BadFlag', '--tls-cert-file and --tls-private-key-file go together');
    const minVersion =
      f.tlsMinVersion === 'VersionTLS13' ? 'TLSv1.3' : f.tlsMinVersion === 'VersionTLS12' ? 'TLSv1.2' : undefined;
    if (!minVersion)
      throw new KubetlsError(
        'BadFlag',
        `--tls-min-version: "${f.tlsMinVersion}" is not one of VersionTLS12, VersionTLS13`,
      );
    const { specs, leaderElection } = controllerSelection(f);
    const flags = command.opts();
    const [{ validateControllerFlags, runControllers }, { ControllerMetrics }, { startMetricsServer }, { readFileBounded }, { checkServingMaterial, checkClientCa }, { realClock }] =
      await Promise.all([
        import('../controllers/run.js'),
        import('../controllers/framework/metrics.js'),
        import('../controllers/metricsserver.js'),
        import('../util/read.js'),
        import('../server/index.js'),
        import('../controllers/framework/clock.js'),
      ]); // prettier-ignore
    await validateControllerFlags(specs, flags, undefined);
    let tls: { cert: string; key: string } | undefined;
    if (f.tlsCertFile && f.tlsPrivateKeyFile) {
      tls = {
        cert: readFileBounded(f.tlsCertFile, 1024 * 1024).toString('latin1'),
        key: readFileBounded(f.tlsPrivateKeyFile, 1024 * 1024).toString('latin1'),
      };
      checkServingMaterial(tls, `--tls-cert-file ${f.tlsCertFile}`, `--tls-private-key-file ${f.tlsPrivateKeyFile}`);
    }
    const clientCaPem = f.clientCaFile
      ? checkClientCa(
          readFileBounded(f.clientCaFile, 4 * 1024 * 1024).toString('latin1'),
          `--client-ca-file ${f.clientCaFile}`,
        )
      : undefined;
    // the one reader and parser first: a missing, special, oversized or malformed kubeconfig
    // is a one-line error naming the file, not client-node's raw `ENOENT: … open '…'` or a
    // multi-line YAML excerpt
    if (f.kubeconfig) {
      const [{ parseYaml }, { kubeconfigFields }] = await Promise.all([
        import('../util/yaml.js'),
        import('../cluster/kubeconfig.js'),
      ]);
      const text = readFileBounded(f.kubeconfig, 1024 * 1024).toString('utf8');
      kubeconfigFields(parseYaml(text, f.kubeconfig, { code: 'InvalidKubeconfig' }), f.kubeconfig);
    }
    const metrics = new ControllerMetrics();
    const manager = await runControllers({
      kubeconfig: f.kubeconfig ? { file: resolve(f.kubeconfig) } : { default: true },
      specs,
      leaderElection,
      flags,
      metrics,
      log: stderrLine,
      // the metrics endpoint asks the API server who may read it
      ...(port > 0
        ? { extraPermissions: [{ verb: 'create', group: 'authorization.k8s.io', resource: 'subjectaccessreviews' }] }
        : {}),
    });
    let endpoint: { port: number; stop(): Promise<void> } | undefined;
    try {
      if (port > 0)
        endpoint = await startMetricsServer({
          bindAddress: f.bindAddress,
          port,
          ...(tls ? { tls } : {}),
          minVersion,
          clientCaPem,
          client: manager.client,
          metrics,
          clock: realClock,
          healthy: () => true,
          log: stderrLine,
        });
    } catch (e) {
      await manager.stop();
      throw e;
    }
    stderrLine(
      `kubetls controller-manager: ${specs.map((s) => s.name).join(', ') || 'no controllers'} against ${manager.client.server}` +
        (endpoint ? `; metrics on https://${f.bindAddress}:${endpoint.port}/metrics` : '') +
        (leaderElection
          ? `; leader election on ${leaderElection.namespace}/${leaderElection.name} as ${manager.identity}`
          : ''),
    );
    await new Promise<void>((done) => {
      const stop = (sig: string) => {
        stderrLine(`kubetls controller-manager: ${sig}: stopping`);
        Promise.all([manager.stop(), endpoint?.stop()]).then(
          () => done(),
          (e: unknown) => {
            stderrLine(`kubetls controller-manager: stop failed: ${String(e)}`);
            done();
          },
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
  });
}
