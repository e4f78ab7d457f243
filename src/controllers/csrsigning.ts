/**
 * `csrsigning`, kube-controller-manager's signer controller (docs/upstream/csr-api.md Part B
 * §1): every approved, not failed, unissued CSR whose signerName this process runs is signed
 * — the three built-in signers (kube-controller-manager's flags) and --signer-config's custom
 * ones — and `status.certificate` written once through /status. A request the signer refuses
 * gets a `Failed` condition (reason SignerValidationFailure, or SignerCAUnusable for an
 * unusable CA) and an Event; a failure that may pass (a remote signer down) is retried with
 * the queue's backoff. Two replicas racing: the certificate is set once; the loser's update
 * is re-evaluated on the conflict, finds the CSR issued, and writes nothing.
 *
 * The signing itself is ./signing (pure of the API); this file is the glue: flags, queue,
 * status writes, Events, metrics, and the caBundle ConfigMaps custom signers publish.
 */
import { join } from 'node:path';
import { KubetlsError } from '../errors/index.js';
import { parseGoDuration } from '../util/duration.js';
import { apiError, isNotFound } from './framework/client.js';
import {
  isApproved,
  isFailed,
  isIssued,
  updateStatus,
  withCertificate,
  withCondition,
  type Csr,
} from './framework/csr.js';
import { csrRef } from './framework/events.js';
import type { ControllerContext, ControllerFlag, ControllerSpec, Permission } from './framework/types.js';
import { runCsrController } from './framework/worker.js';
import {
  BUILTIN_FLAG_NAMES,
  BUILTIN_SIGNER_NAMES,
  builtinSignerFiles,
  DEFAULT_CLUSTER_SIGNING_DURATION_MS,
  loadSignerConfiguration,
  loadSignerSet,
  signingDecision,
  type BuiltinSignerName,
  type CaBundle,
  type SignerSet,
} from './signing/index.js';

/**
 * Concurrent syncs. kube-controller-manager runs 5, against a kube-apiserver on many cores; a
 * sync here mostly waits for its /status write, which queues behind every other request of the
 * API (the approvals too) and shares its synced commit with them, so the signer's rate is about
 * workers ÷ that round trip. Embedded in serve, 3,000 CSRs approved while draining (load 11–15):
 * approve→issued p99 13 s with 5, 319 ms with 16. With the controllers in their own thread the
 * approvals come faster; 10,000 CSRs, same session back to back (load 2.5, bench/RESULTS.md
 * "session 23"): 16 workers drained 758/s approved first and kept 576/s with p99 247 ms while 16
 * clients approved; 32 workers 1,055/s and 822/s with p99 57 ms.
 */
const WORKERS = 32;

const camel = (flag: string): string => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export const SIGNING_FLAGS: ControllerFlag[] = [
  {
    flags: '--cluster-signing-cert-file <file>',
    description:
      "CA certificate (PEM) of the built-in signers (default: serve's PKI ca.crt; controller-manager: none, the built-in signers do not run)",
  },
  {
    flags: '--cluster-signing-key-file <file>',
    description: "CA key of the built-in signers (default: serve's PKI ca.key; controller-manager: none)",
  },
  ...BUILTIN_SIGNER_NAMES.flatMap((s) => [
    {
      flags: `--cluster-signing-${BUILTIN_FLAG_NAMES[s]}-cert-file <file>`,
      description: `CA certificate for ${s} only (then signers without their own files do not run)`,
    },
    { flags: `--cluster-signing-${BUILTIN_FLAG_NAMES[s]}-key-file <file>`, description: `CA key for ${s} only` },
  ]),
  {
    flags: '--cluster-signing-duration <duration>',
    description: 'the longest lifetime a signer issues; expirationSeconds is honoured within it',
    defaultValue: '8760h0m0s',
  },
  { flags: '--signer-config <file>', description: 'custom signers and their policies (kind SignerConfiguration)' },
];

const str = (flags: Readonly<Record<string, unknown>>, name: string): string | undefined => {
  const v = flags[camel(name)];
  return typeof v === 'string' && v !== '' ? v : undefined;
};

function signingOptions(flags: Readonly<Record<string, unknown>>, pkiDir: string | undefined) {
  const perSigner: Partial<Record<BuiltinSignerName, { certFile?: string; keyFile?: string }>> = {};
  for (const s of BUILTIN_SIGNER_NAMES) {
    const certFile = str(flags, `cluster-signing-${BUILTIN_FLAG_NAMES[s]}-cert-file`);
    const keyFile = str(flags, `cluster-signing-${BUILTIN_FLAG_NAMES[s]}-key-file`);
    if (certFile || keyFile) perSigner[s] = { ...(certFile ? { certFile } : {}), ...(keyFile ? { keyFile } : {}) };
  }
  const duration = str(flags, 'cluster-signing-duration');
  const clusterSigningDurationMs = duration
    ? parseGoDuration(duration, '--cluster-signing-duration')
    : DEFAULT_CLUSTER_SIGNING_DURATION_MS;
  if (clusterSigningDurationMs <= 0)
    throw new KubetlsError('BadFlag', `--cluster-signing-duration: ${duration} is not a positive duration`);
  return {
    builtin: builtinSignerFiles({
      certFile: str(flags, 'cluster-signing-cert-file'),
      keyFile: str(flags, 'cluster-signing-key-file'),
      perSigner,
      fallback: pkiDir ? { certFile: join(pkiDir, 'ca.crt'), keyFile: join(pkiDir, 'ca.key') } : undefined,
    }),
    signerConfigFile: str(flags, 'signer-config'),
    clusterSigningDurationMs,
  };
}

/**
 * What the identity must be allowed: the CSRs (list, watch, /status), `sign` on every
 * signerName the flags make this process sign for (the built-in ones are assumed to have
 * serve's CA when no file is named), and the caBundle ConfigMaps it publishes.
 */
function permissions(flags: Readonly<Record<string, unknown>>): Permission[] {
  const csr = (verb: string, subresource?: string): Permission => ({
    verb,
    group: 'certificates.k8s.io',
    resource: 'certificatesigningrequests',
    ...(subresource ? { subresource } : {}),
  });
  const out: Permission[] = [csr('list'), csr('watch'), csr('update', 'status')];
  const o = signingOptions(flags, '/');
  const custom = o.signerConfigFile ? loadSignerConfiguration(o.signerConfigFile).signers : [];
  for (const name of [...o.builtin.map((b) => b.signerName), ...custom.map((s) => s.signerName)])
    out.push({ verb: 'sign', group: 'certificates.k8s.io', resource: 'signers', name });
  for (const s of custom)
    if (s.caBundle)
      for (const verb of ['get', 'create', 'update'])
        out.push({
          verb,
          group: '',
          resource: 'configmaps',
          namespace: s.caBundle.namespace,
          ...(verb !== 'create' ? { name: s.caBundle.name } : {}),
        });
  return out;
}

/** Creates or updates the ConfigMap `namespace/name` with key ca.crt (other keys kept). */
async function publishCaBundle(ctx: ControllerContext, b: CaBundle): Promise<void> {
  const core = ctx.client.core;
  try {
    const cm = await core.readNamespacedConfigMap({ name: b.name, namespace: b.namespace });
    if (cm.data?.['ca.crt'] === b.pem) return;
    await core.replaceNamespacedConfigMap({
      name: b.name,
      namespace: b.namespace,
      body: { ...cm, data: { ...cm.data, 'ca.crt': b.pem } },
    });
  } catch (e) {
    if (!isNotFound(e)) throw e;
    await core.createNamespacedConfigMap({
      namespace: b.namespace,
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: b.name, namespace: b.namespace },
        data: { 'ca.crt': b.pem },
      },
    });
  }
  ctx.log(`published ${b.signerName}'s CA in configmap ${b.namespace}/${b.name}`);
}

async function publishCaBundles(ctx: ControllerContext, signers: SignerSet): Promise<void> {
  for (const b of signers.caBundles())
    await publishCaBundle(ctx, b).catch((e: unknown) =>
      ctx.log(`publishing ${b.signerName}'s CA in configmap ${b.namespace}/${b.name} failed: ${apiError(e).message}`),
    );
}

/** One CSR: sign it, or record why not. Throws (→ retry with backoff) only for what may pass. */
export async function syncSigning(ctx: ControllerContext, signers: SignerSet, name: string): Promise<void> {
  const csr = ctx.informers.csrs().get(name);
  if (!csr || !signingDecision(csr, (s) => signers.handles(s)).sign) return;
  const started = performance.now();
  const signerName = csr.spec.signerName;
  const outcome = await signers.sign(csr, ctx.clock.now());
  if (!outcome.ok && outcome.retry) throw new KubetlsError('RequestFailed', outcome.message);
  // re-evaluated on a conflict: a CSR another replica issued or failed meanwhile is left alone
  const still = (cur: Csr) => isApproved(cur) && !isFailed(cur) && !isIssued(cur);
  const written = await updateStatus(
    ctx.client,
    name,
    (cur) =>
      !still(cur)
        ? undefined
        : outcome.ok
          ? withCertificate(cur, outcome.certificate)
          : withCondition(cur, { type: 'Failed', reason: outcome.reason, message: outcome.message }, ctx.clock),
    { current: csr },
  );
  if (!written) return;
  const labels = { signer_name: signerName };
  if (outcome.ok) {
    // no Event for an issued certificate, as kube-controller-manager's signer: the certificate
    // in status is the record, and an Event per CSR doubled the API writes of a drain
    ctx.metrics.signed.inc(labels);
    ctx.metrics.signDuration.observe(labels, (performance.now() - started) / 1000);
  } else {
    ctx.metrics.failed.inc(labels);
    ctx.recorder.event(csrRef(written), 'Warning', outcome.reason, outcome.message);
  }
}

export const signingController: ControllerSpec = {
  name: 'csrsigning',
  description: "signs approved CSRs: kube-controller-manager's built-in signers and --signer-config's custom signers",
  enabledByDefault: true,
  flags: SIGNING_FLAGS,
  permissions,
  async validate(flags, pkiDir) {
    // every configuration and CA problem stops start-up here, once (exit 2)
    const set = await loadSignerSet(signingOptions(flags, pkiDir));
    set.close();
  },
  async start(ctx, signal) {
    const signers = await loadSignerSet({ ...signingOptions(ctx.flags, ctx.pkiDir), log: (_l, m) => ctx.log(m) });
    signal.addEventListener('abort', () => signers.close(), { once: true });
    ctx.log(`signing for ${signers.signerNames().join(', ') || 'no signer (no CA files)'}`);
    runCsrController(ctx, signal, {
      workers: WORKERS,
      filter: (csr) => signers.handles(csr.spec.signerName),
      sync: (name) => syncSigning(ctx, signers, name),
    });
    void publishCaBundles(ctx, signers);
  },
};
