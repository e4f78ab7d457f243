/**
 * `kubetls serve`: a Kubernetes API server for the resources of the TLS workflow
 * (certificates.k8s.io/v1 CSRs, and what controllers and kubectl need around them), with
 * kube-apiserver's flag names. HTTPS only; on its first start in a directory without a PKI it
 * makes one as `kubetls init` would (advertising the bind address), so `D/admin.conf` works
 * with kubectl at once. The business logic is in src/api/apiserver.ts.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KubetlsError } from '../errors/index.js';
import { stderrLine, warn } from './output.js';
import { reachWarning } from './servereach.js';
import { addControllerFlags, boolFlag, controllerSelection, type ControllerFlagValues } from './controllerflags.js';

interface ServeFlags extends ControllerFlagValues {
  dir: string;
  bindAddress: string;
  securePort: string;
  dataDir?: string;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  clientCaFile?: string;
  clientCrlFile?: string;
  clientDenyList?: string;
  tokenAuthFile?: string;
  enableBootstrapTokenAuth: boolean;
  anonymousAuth: boolean;
  tlsMinVersion: string;
  tlsCipherSuites?: string;
  auditLogPath?: string;
  requestTimeout?: string;
  etcdCompactionInterval?: string;
  workers?: string;
}

/**
 * The default of --workers: one process. On the 2-core VM, quiet, the workers cost more than
 * the second core gives (1.34 vs 3.2 ms of server CPU a CSR lifecycle: catching up with the
 * log before each request, tailing it, the IPC of writes; bench/RESULTS.md, 2026-12-05
 * 20:46–21:00). `--workers N` opts in; every serve test suite passes with it.
 */
export function defaultWorkers(): number {
  return 0;
}

function workerCount(v: string | undefined): number {
  if (v === undefined) return defaultWorkers();
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n > 256)
    throw new KubetlsError('BadFlag', `--workers: "${v}" is not a number of processes (0 to 256)`);
  return n;
}

/** --tls-min-version: kube-apiserver's names; anything below TLS 1.2 is refused. */
function tlsMinVersion(v: string): 'TLSv1.2' | 'TLSv1.3' {
  if (v === 'VersionTLS12') return 'TLSv1.2';
  if (v === 'VersionTLS13') return 'TLSv1.3';
  if (v === 'VersionTLS10' || v === 'VersionTLS11')
    throw new KubetlsError('BadFlag', `--tls-min-version: ${v} is refused: kubetls serves TLS 1.2 and 1.3 only`);
  throw new KubetlsError('BadFlag', `--tls-min-version: "${v}" is not one of VersionTLS12, VersionTLS13`);
}

export function registerServe(program: Command): void {
  const cmd = program
    .command('serve')
    .description('serve the certificates.k8s.io/v1 Kubernetes API (HTTPS only), on an embedded durable store')
    .option('--dir <dir>', 'the PKI tree `kubetls init` writes (made on first start when absent)', 'kubetls-pki')
    .option('--bind-address <ip>', 'address to listen on', '127.0.0.1')
    .option('--secure-port <port>', 'HTTPS port', '6443')
    .option('--data-dir <dir>', 'the store (default DIR/data)')
    .option('--tls-cert-file <file>', 'serving certificate (default DIR/pki/apiserver.crt)')
    .option('--tls-private-key-file <file>', 'serving key (default DIR/pki/apiserver.key)')
    .option('--client-ca-file <file>', 'CA bundle for client certificates (default DIR/pki/ca.crt)')
    .option('--client-crl-file <file>', 'CRL (PEM or DER) of the client CA: revoked client certificates get 401')
    .option(
      '--client-deny-list <file>',
      'client certificates refused: serial numbers or SHA-256 fingerprints, one a line',
    )
    .option('--token-auth-file <file>', 'static tokens in kube-apiserver\'s CSV format: token,user,uid,"group1,group2"')
    .option(
      '--enable-bootstrap-token-auth [bool]',
      'bootstrap tokens (kube-system Secrets)',
      boolFlag('enable-bootstrap-token-auth'),
      true,
    )
    .option(
      '--anonymous-auth [bool]',
      'anonymous requests to /healthz, /livez, /readyz, /version and kube-public/cluster-info',
      boolFlag('anonymous-auth'),
      true,
    )
    .option('--tls-min-version <version>', 'VersionTLS12 or VersionTLS13', 'VersionTLS12')
    .option('--tls-cipher-suites <suites>', 'TLS 1.2 cipher suites (IANA names, comma-separated)')
    .option('--audit-log-path <file>', 'one JSON audit event (audit.k8s.io/v1) per write; - for stdout')
    .option(
      '--request-timeout <duration>',
      'how long a client may take to send a whole request (the TLS handshake and headers: the lesser of this and 10s)',
      '30s',
    )
    .option(
      '--workers <n>',
      'API worker processes on the shared port (the primary owns the store and runs the controllers); 0 = one process',
      String(defaultWorkers()),
    )
    .option(
      '--etcd-compaction-interval <duration>',
      'how much watch history is kept: a watch from an older resourceVersion gets 410 Gone',
      '5m',
    );
  // the CSR controllers run embedded, as system:kube-controller-manager over this server's own port;
  // no leader election by default: one server, one store, and a lease renewed every 2 s is a synced write every 2 s
  addControllerFlags(cmd, {
    leaderElect: false,
    leaderElectHelp: 'elect a leader among several servers before running the embedded controllers',
  });
  cmd.action(async (f: ServeFlags, command: Command) => {
    const workers = workerCount(f.workers);
    const port = Number(f.securePort);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new KubetlsError('BadFlag', `--secure-port: "${f.securePort}" is not a TCP port`);
    const minVersion = tlsMinVersion(f.tlsMinVersion);
    const { parseGoDuration } = await import('../util/duration.js');
    const requestMs = positiveDuration(parseGoDuration, f.requestTimeout ?? '30s', '--request-timeout');
    const historyMs = positiveDuration(parseGoDuration, f.etcdCompactionInterval ?? '5m', '--etcd-compaction-interval');
    // before anything is written: a bad --controllers or leader-election flag makes no PKI
    const { specs, leaderElection } = controllerSelection(f);
    const dir = resolve(f.dir);
    const [{ readFileBounded }, { parseCertificatesPem }, { checkServingMaterial, parseCipherSuites }] =
      await Promise.all([import('../util/read.js'), import('../pki/index.js'), import('../server/index.js')]);
    const ciphers = f.tlsCipherSuites ? parseCipherSuites(f.tlsCipherSuites, '--tls-cipher-suites') : undefined;
    const certFile = f.tlsCertFile ?? join(dir, 'pki', 'apiserver.crt');
    const keyFile = f.tlsPrivateKeyFile ?? join(dir, 'pki', 'apiserver.key');
    const caFile = f.clientCaFile ?? join(dir, 'pki', 'ca.crt');
    if (!f.tlsCertFile && !existsSync(certFile)) await makePki(dir, f.bindAddress, port);
    const cert = readFileBounded(certFile, 1024 * 1024).toString('latin1');
    const key = readFileBounded(keyFile, 1024 * 1024).toString('latin1');
    checkServingMaterial({ cert, key }, `--tls-cert-file ${certFile}`, `--tls-private-key-file ${keyFile}`);
    const reach = reachWarning({
      dir,
      certPem: cert,
      bindAddress: f.bindAddress,
      port,
      kubeconfigServer: await adminServer(join(dir, 'admin.conf')),
    });
    if (reach) warn(reach);
    const caPem = readFileBounded(caFile, 4 * 1024 * 1024).toString('latin1');
    const certificates = parseCertificatesPem(caPem, caFile);
    const host = f.bindAddress.includes(':') ? `[${f.bindAddress}]` : f.bindAddress;
    const flags = command.opts();
    // a worker process serves the API only: the primary runs the controllers and wrote the policy
    const processes = await import('../api/workers.js');
    const controllers = specs.length && !processes.isApiWorker() ? await import('../controllers/run.js') : undefined;
    await controllers?.validateControllerFlags(specs, flags, join(dir, 'pki'));
    // what the selected controllers declare, granted to their identity; with none selected the
    // objects are rewritten empty, so a grant never outlives the flags that asked for it
    const { declaredPolicy } = await import('../api/authz/declared.js');
    const controllerPolicy = declaredPolicy(
      'system:kube-controller-manager',
      specs.flatMap((spec) => spec.permissions?.(flags) ?? []),
    );
    // the embedded controllers run in a thread of their own (src/controllers/thread.ts)
    const controllerThread = controllers
      ? new (await import('../controllers/thread.js')).ControllerThread({
          contentType: (await import('../controllers/framework/metrics.js')).ControllerMetrics.contentType,
          log: (line) => stderrLine(`kubetls serve: ${line}`),
        })
      : undefined;
    const dataDir = resolve(f.dataDir ?? join(dir, 'data'));
    process.exitCode = await processes.runApiServerProcesses({
      workers,
      api: {
        bindAddress: f.bindAddress,
        securePort: port,
        dataDir,
        tls: { cert, key, minVersion, ciphers },
        clientCa: { pem: caPem, certificates },
        clientCrlFile: f.clientCrlFile,
        clientDenyListFile: f.clientDenyList,
        tokenAuthFile: f.tokenAuthFile,
        enableBootstrapTokenAuth: f.enableBootstrapTokenAuth,
        anonymousAuth: f.anonymousAuth,
        auditLogPath: f.auditLogPath,
        timeouts: { requestMs, headersMs: Math.min(requestMs, 10_000), handshakeMs: Math.min(requestMs, 10_000) },
        history: { windowMs: historyMs },
        clusterInfo: { server: `https://${host}:${port}`, caPem },
        controllerPolicy,
        log: stderrLine,
      },
      metrics: controllerThread?.metrics,
      log: stderrLine,
      onListening: (listening, processes) =>
        stderrLine(
          `kubetls serve: listening on https://${host}:${listening} (store ${f.dataDir ?? join(dir, 'data')}; ${
            workers === 0 ? 'one process' : `${processes} worker processes`
          })`,
        ),
      controllers: controllerThread && {
        start: (listening) => {
          const conf = join(dir, 'controller-manager.conf');
          if (!existsSync(conf))
            return stderrLine(
              `kubetls serve: the controllers do not run: no ${conf} (their credentials as kubetls init writes them)`,
            );
          controllerThread.start({
            kubeconfig: { file: conf, ...embeddedServer(f.bindAddress, listening) },
            controllers: specs.map((s) => s.name),
            leaderElection,
            flags,
            pkiDir: join(dir, 'pki'),
          });
        },
        stop: () => controllerThread.stop(),
      },
    });
  });
}

/**
 * Where the embedded controllers connect: this server's own port, on the bind address (a
 * wildcard bind: the host controller-manager.conf names, which the serving certificate
 * carries, as init wrote both for the same advertise address).
 */
function embeddedServer(bindAddress: string, port: number): { server: string } | { port: number } {
  if (bindAddress === '0.0.0.0' || bindAddress === '::') return { port };
  const host = bindAddress.includes(':') ? `[${bindAddress}]` : bindAddress;
  return { server: `https://${host}:${port}` };
}

function positiveDuration(parse: (s: string, field: string) => number, v: string, flag: string): number {
  const ms = parse(v, flag);
  if (!(ms > 0)) throw new KubetlsError('BadFlag', `${flag}: "${v}" must be a positive duration`);
  return ms;
}

/** `server:` of the kubeconfig kubectl will use, or undefined when it is absent or unreadable (not serve's to judge). */
async function adminServer(file: string): Promise<string | undefined> {
  if (!existsSync(file)) return undefined;
  try {
    const [{ readFileBounded }, { parseYaml }, { kubeconfigFields }] = await Promise.all([
      import('../util/read.js'),
      import('../util/yaml.js'),
      import('../cluster/kubeconfig.js'),
    ]);
    return kubeconfigFields(parseYaml(readFileBounded(file, 1024 * 1024).toString('utf8'), file), file).server;
  } catch {
    return undefined;
  }
}

/** A PKI as `kubetls init --dir D --apiserver-advertise-address <bind>` would write it. */
async function makePki(dir: string, bindAddress: string, port: number): Promise<void> {
  const [{ loadConfigFromFlags }, { initPki }] = await Promise.all([
    import('./configflags.js'),
    import('../cluster/init.js'),
  ]);
  const advertise = bindAddress === '0.0.0.0' || bindAddress === '::' ? undefined : bindAddress;
  const loaded = await loadConfigFromFlags({
    ...(advertise ? { apiserverAdvertiseAddress: advertise } : {}),
    ...(port > 0 ? { apiserverBindPort: String(port) } : {}),
  });
  const res = await initPki({ config: loaded.config, certDir: join(dir, 'pki'), kubeconfigDir: dir });
  stderrLine(`kubetls serve: no PKI in ${dir}: made one as kubetls init would (${res.written.length} files)`);
}
