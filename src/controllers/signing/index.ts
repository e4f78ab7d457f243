/**
 * The signing core of the `csrsigning` controller, pure of any API access: a SignerSet holds
 * every signer this process runs — kube-controller-manager's built-in ones (./builtin.ts)
 * and the custom ones of `--signer-config` (./config.ts, ./policy.ts) — and turns an
 * approved CertificateSigningRequest into a certificate or a refusal. The controller decides
 * when to call it and writes the outcome to the API.
 *
 * Outcomes: a certificate (PEM); a refusal the CSR records as `Failed` (reason
 * `SignerValidationFailure` as upstream for requests its rules refuse; `SignerCAUnusable`
 * for a CA that is expired, not a CA or without keyCertSign — upstream only retries those,
 * kubetls says so on the object); or, with `retry: true`, a failure that may pass later (a
 * remote signer that does not answer) — the controller requeues rather than fail the CSR.
 */
import { createHash } from 'node:crypto';
import { errorMessage, isKubetlsError, KubetlsError } from '../../errors/index.js';
import { readRequest } from '../../api/resources/certificates/request.js';
import { certToPem, type Clock, type ParsedCsr, type RandomSource } from '../../pki/index.js';
import { RemoteSigner } from '../../signer/remote.js';
import { readFileBounded } from '../../util/read.js';
import type { Log, Timers } from '../../util/reloadable.js';
import { builtinProblem, isBuiltinSignerName, type BuiltinSignerName, type CaFiles as CaFilePaths } from './builtin.js';
import { CaFiles, caProblem } from './ca.js';
import { loadSignerConfiguration, type CustomSignerConfig } from './config.js';
import { DEFAULT_CLUSTER_SIGNING_DURATION_MS, requestedDurationMs } from './duration.js';
import { policyViolations } from './policy.js';

export * from './builtin.js';
export * from './config.js';
export * from './duration.js';
export * from './policy.js';
export { caProblem, parseCaCertificate } from './ca.js';

export const REASON_VALIDATION_FAILURE = 'SignerValidationFailure';
export const REASON_CA_UNUSABLE = 'SignerCAUnusable';
export const REASON_REMOTE_FAILURE = 'RemoteSignerFailure';

export type SignOutcome =
  { ok: true; certificate: string } | { ok: false; reason: string; message: string; retry?: boolean };

export interface CaBundle {
  signerName: string;
  namespace: string;
  name: string;
  /** the signer's CA certificate, PEM (the ConfigMap's `ca.crt`) */
  pem: string;
}

export interface SignerSetOptions {
  /** the built-in signers to run and their CA files (builtinSignerFiles() of the flags) */
  builtin?: ReadonlyArray<{ signerName: BuiltinSignerName } & CaFilePaths> | undefined;
  /** --signer-config */
  signerConfigFile?: string | undefined;
  /** --cluster-signing-duration (default 8760h) */
  clusterSigningDurationMs?: number | undefined;
  random?: RandomSource | undefined;
  log?: Log | undefined;
  /** CA file polling; injectable for tests */
  timers?: Timers | undefined;
  reloadIntervalMs?: number | undefined;
}

/**
 * The parts of a CertificateSigningRequest the signers read: the API server's own type
 * (src/api/resources/certificates/types.ts) and @kubernetes/client-node's V1 both fit.
 */
export interface CsrForSigning {
  spec?: {
    signerName?: string | null;
    request?: string | null;
    usages?: readonly string[] | null;
    expirationSeconds?: number | null;
  } | null;
}

export interface SignerSet {
  signerNames(): string[];
  handles(signerName: string): boolean;
  sign(csr: CsrForSigning, now: Date): Promise<SignOutcome>;
  caBundles(): CaBundle[];
  /** polls every CA file now (otherwise a timer does, every second) */
  reload(): Promise<void>;
  close(): void;
}

/** The request's time, for LocalSigner's clock: set just before each synchronous issue. */
class RequestClock implements Clock {
  at = new Date(0);
  now(): Date {
    return new Date(this.at);
  }
}

interface Entry {
  signerName: string;
  ca: CaFiles | undefined;
  remote: RemoteSigner | undefined;
  /** a remote signer's CA when no caCertFile says it: asked once at start-up */
  remoteCaPem: string | undefined;
  custom: CustomSignerConfig | undefined;
}

const fail = (reason: string, message: string, retry = false): SignOutcome => ({
  ok: false,
  reason,
  message,
  ...(retry ? { retry } : {}),
});

class Signers implements SignerSet {
  constructor(
    private readonly entries: Map<string, Entry>,
    private readonly clock: RequestClock,
  ) {}

  signerNames(): string[] {
    return [...this.entries.keys()];
  }

  handles(signerName: string): boolean {
    return this.entries.has(signerName);
  }

  caBundles(): CaBundle[] {
    const out: CaBundle[] = [];
    for (const e of this.entries.values()) {
      const where = e.custom?.caBundle;
      const pem = e.ca ? certToPem(e.ca.certificate.der) : e.remoteCaPem;
      if (where && pem) out.push({ signerName: e.signerName, ...where, pem });
    }
    return out;
  }

  async reload(): Promise<void> {
    for (const e of this.entries.values()) await e.ca?.check();
  }

  close(): void {
    for (const e of this.entries.values()) e.ca?.close();
  }

  async sign(obj: CsrForSigning, now: Date): Promise<SignOutcome> {
    const signerName = obj.spec?.signerName ?? '';
    const e = this.entries.get(signerName);
    if (!e) throw new KubetlsError('InternalError', `no signer for ${JSON.stringify(signerName)} in this process`);
    const read = readRequest(obj.spec?.request);
    if (!read.ok) return fail(REASON_VALIDATION_FAILURE, `the request cannot be used: ${read.reason}`);
    const csr = read.csr;
    const usages = obj.spec?.usages ?? [];

    if (isBuiltinSignerName(signerName)) {
      const problem = builtinProblem(signerName, csr, usages);
      if (problem) return fail(REASON_VALIDATION_FAILURE, problem);
    } else if (e.custom) {
      const v = policyViolations({ csr, usages }, e.custom.policy);
      if (v.length) return fail(REASON_VALIDATION_FAILURE, `refused by ${signerName}'s policy: ${v.join('; ')}`);
    }
    return e.remote ? this.signRemote(e, csr, now) : this.signLocal(e, csr, usages, obj.spec?.expirationSeconds, now);
  }

  private signLocal(
    e: Entry,
    csr: ParsedCsr,
    usages: readonly string[],
    expirationSeconds: number | null | undefined,
    now: Date,
  ): SignOutcome {
    const { cert, signer } = e.ca!.current();
    const problem = caProblem(cert, now);
    if (problem || !signer) return fail(REASON_CA_UNUSABLE, problem ?? "the signer's certificate is not a CA");
    if (csr.spkiDer.equals(cert.spkiDer))
      return fail(REASON_VALIDATION_FAILURE, "the request's public key is the signer's own CA key");
    this.clock.at = now;
    try {
      const r = signer.signParsed(
        csr,
        { csr: csr.der, usages, durationMs: requestedDurationMs(expirationSeconds) },
        signer.policy.default,
      );
      return { ok: true, certificate: certToPem(r.der) };
    } catch (err) {
      // unknown usages ("unrecognized usage values: …") and template problems: the request, not the signer
      if (isKubetlsError(err)) return fail(REASON_VALIDATION_FAILURE, err.message);
      throw err;
    }
  }

  private async signRemote(e: Entry, csr: ParsedCsr, now: Date): Promise<SignOutcome> {
    if (e.ca) {
      const problem = caProblem(e.ca.certificate, now);
      if (problem) return fail(REASON_CA_UNUSABLE, problem);
    }
    try {
      const r = await e.remote!.sign({ csr: csr.der });
      return { ok: true, certificate: certToPem(r.der) };
    } catch (err) {
      // the remote's profile may refuse, or the remote may be down: both may change, so retry with backoff
      return fail(REASON_REMOTE_FAILURE, `remote signer ${e.remote!.url.origin}: ${errorMessage(err)}`, true);
    }
  }
}

/** A fingerprint for logs: which CA a signer uses, without printing it. */
const fingerprint = (der: Buffer): string => createHash('sha256').update(der).digest('hex').slice(0, 16);

/**
 * Loads every signer: the built-in ones given, then `--signer-config`'s. Configuration and
 * CA files that cannot be used stop start-up (KubetlsError, exit 2); the CA files are then
 * polled and reloaded when they change.
 */
export async function loadSignerSet(o: SignerSetOptions): Promise<SignerSet> {
  const log: Log = o.log ?? (() => {});
  const clock = new RequestClock();
  const clusterMax = o.clusterSigningDurationMs ?? DEFAULT_CLUSTER_SIGNING_DURATION_MS;
  const entries = new Map<string, Entry>();
  const common = { clock, random: o.random, log, timers: o.timers, intervalMs: o.reloadIntervalMs };
  try {
    for (const b of o.builtin ?? []) {
      const ca = await CaFiles.open({ ...common, ...b, maxDurationMs: clusterMax });
      entries.set(b.signerName, {
        signerName: b.signerName,
        ca,
        remote: undefined,
        remoteCaPem: undefined,
        custom: undefined,
      });
    }
    const config = o.signerConfigFile ? loadSignerConfiguration(o.signerConfigFile) : { signers: [] };
    for (const s of config.signers) {
      const maxDurationMs = s.maxDurationMs ?? clusterMax;
      const ca = s.caCertFile
        ? await CaFiles.open({
            ...common,
            signerName: s.signerName,
            certFile: s.caCertFile,
            keyFile: s.caKeyFile,
            maxDurationMs,
          })
        : undefined;
      const entry: Entry = { signerName: s.signerName, ca, remote: undefined, remoteCaPem: undefined, custom: s };
      entries.set(s.signerName, entry); // before the remote's info call, so close() reaches its files on failure
      if (s.remote) {
        entry.remote = new RemoteSigner({
          url: s.remote.url,
          authKey: s.remote.authKey,
          profile: s.remote.profile,
          ca: s.remote.caFile ? readFileBounded(s.remote.caFile, 1024 * 1024) : undefined,
        });
        if (!ca) entry.remoteCaPem = (await entry.remote.info()).certificatePem;
      }
    }
  } catch (e) {
    for (const x of entries.values()) x.ca?.close();
    throw e;
  }
  for (const e of entries.values()) {
    e.ca?.start();
    const cert = e.ca?.certificate;
    log(
      'info',
      `signer ${e.signerName}: ${e.remote ? `remote ${e.remote.url.origin}` : `CA ${cert?.subjectString} (sha256 ${fingerprint(cert!.der)})`}`,
    );
  }
  return new Signers(entries, clock);
}
export { signingDecision, type CsrState, type SigningDecision } from './reconcile.js';
