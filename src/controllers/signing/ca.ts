/**
 * A signer's CA from files, reloaded when they change (kube-controller-manager re-reads its
 * CA files on change; docs/upstream/csr-api.md Part B §1): the certificate and the key are
 * each a ReloadableFile (polled, a broken new version keeps the last good one), and the
 * pair is rebuilt when either changed. During a rotation the two files change one after
 * the other: a certificate and key that do not belong together keep the previous pair in
 * use (logged once), so no request is signed with — or failed because of — half a rotation.
 *
 * What makes a CA unusable for signing — expired, not a CA, no keyCertSign — is not a
 * start-up error: it is reported per request (the CSR gets `Failed` with that message) so
 * an operator sees it on the object, and a fixed file is picked up without a restart.
 */
import type { KeyObject } from 'node:crypto';
import { KubetlsError } from '../../errors/index.js';
import {
  OID,
  parseCertificatesPem,
  parsePrivateKeyPem,
  spkiDer,
  type Clock,
  type ParsedCertificate,
  type RandomSource,
} from '../../pki/index.js';
import { kubernetesSigningPolicy, LocalSigner } from '../../signer/local.js';
import { ReloadableFile, type Log, type Timers } from '../../util/reloadable.js';

/** A CA file is a certificate or a key: a few KiB (a bundle of a few certificates at most). */
const MAX_CA_FILE_BYTES = 256 * 1024;

export interface CaFileOptions {
  certFile: string;
  /** absent for a remote signer: the certificate only (published, never used to sign) */
  keyFile?: string | undefined;
  /** --cluster-signing-duration or the signer's maxDuration */
  maxDurationMs: number;
  /** the clock LocalSigner reads: the SignerSet sets the time of each request on it */
  clock: Clock;
  random?: RandomSource | undefined;
  log: Log;
  timers?: Timers | undefined;
  intervalMs?: number | undefined;
  /** names the signer in messages */
  signerName: string;
}

/** The one certificate of a CA file (kube-controller-manager: "expected 1 certificate, found %d"). */
export function parseCaCertificate(data: Buffer, what: string): ParsedCertificate {
  const certs = parseCertificatesPem(data, what);
  if (certs.length !== 1) throw new KubetlsError('InvalidCertificate', `expected 1 certificate, found ${certs.length}`);
  return certs[0]!;
}

/** Why `ca` cannot sign at `now`, in words for a Failed condition; undefined when it can. */
export function caProblem(ca: ParsedCertificate, now: Date): string | undefined {
  if (now > ca.notAfter) return `the signer has expired: NotAfter=${ca.notAfter.toISOString()}`;
  if (ca.isCA !== true)
    return `the signer's certificate "${ca.subjectString}" is not a CA (basicConstraints CA:TRUE missing)`;
  // Go's and OpenSSL's verifiers ignore a missing keyUsage; one that is present must allow certificate signing
  if (ca.extensions.some((e) => e.oid === OID.keyUsage) && !ca.keyUsage.includes('keyCertSign'))
    return `the signer's certificate "${ca.subjectString}" has no keyCertSign key usage: certificates it signed would not verify`;
  return undefined;
}

interface Pair {
  cert: ParsedCertificate;
  signer: LocalSigner | undefined;
  certGen: number;
  keyGen: number;
}

export class CaFiles {
  private pair: Pair;
  private mismatchLogged = '';

  private constructor(
    private readonly o: CaFileOptions,
    private readonly cert: ReloadableFile<ParsedCertificate>,
    private readonly key: ReloadableFile<KeyObject> | undefined,
  ) {
    const p = this.build();
    if (typeof p === 'string') throw new KubetlsError('KeyMismatch', `${o.signerName}: ${p}`);
    this.pair = p;
  }

  /** Reads both files; a file that cannot be read or parsed, or a key that is not the certificate's, stops start-up. */
  static async open(o: CaFileOptions): Promise<CaFiles> {
    const common = {
      maxBytes: MAX_CA_FILE_BYTES,
      log: o.log,
      ...(o.timers ? { timers: o.timers } : {}),
      ...(o.intervalMs ? { intervalMs: o.intervalMs } : {}),
    };
    const cert = await ReloadableFile.open({
      ...common,
      path: o.certFile,
      what: `${o.signerName} CA certificate`,
      parse: (d) => parseCaCertificate(d, o.certFile),
    });
    let key: ReloadableFile<KeyObject> | undefined;
    try {
      key =
        o.keyFile === undefined
          ? undefined
          : await ReloadableFile.open({
              ...common,
              path: o.keyFile,
              what: `${o.signerName} CA key`,
              parse: (d) => parsePrivateKeyPem(d, o.keyFile),
            });
      return new CaFiles(o, cert, key);
    } catch (e) {
      cert.close();
      key?.close();
      throw e;
    }
  }

  /** Starts polling both files. */
  start(): this {
    this.cert.start();
    this.key?.start();
    return this;
  }

  /** One poll of both files now (tests; otherwise the timers do it). */
  async check(): Promise<void> {
    await this.cert.check();
    await this.key?.check();
  }

  close(): void {
    this.cert.close();
    this.key?.close();
  }

  /** The certificate (PEM) clients should trust: the current pair's. */
  get certificate(): ParsedCertificate {
    return this.current().cert;
  }

  /** The current pair, rebuilt when a file changed and the new pair matches. */
  current(): { cert: ParsedCertificate; signer: LocalSigner | undefined } {
    const keyGen = this.key?.generation ?? 0;
    if (this.cert.generation !== this.pair.certGen || keyGen !== this.pair.keyGen) {
      const p = this.build();
      if (typeof p !== 'string') {
        this.pair = p;
        this.mismatchLogged = '';
      } else if (this.mismatchLogged !== `${this.cert.generation}/${keyGen}`) {
        this.mismatchLogged = `${this.cert.generation}/${keyGen}`;
        this.o.log('warning', `${this.o.signerName}: ${p}; signing with the previous CA until both files match`);
      }
    }
    return this.pair;
  }

  private build(): Pair | string {
    const cert = this.cert.current;
    const certGen = this.cert.generation;
    const keyGen = this.key?.generation ?? 0;
    if (!this.key) return { cert, signer: undefined, certGen, keyGen };
    const key = this.key.current;
    if (!spkiDer(key).equals(cert.spkiDer))
      return `the CA key ${this.o.keyFile} does not belong to the certificate ${this.o.certFile}`;
    // a certificate that is not a CA cannot back a LocalSigner; caProblem() reports it per request
    const signer =
      cert.isCA === false
        ? undefined
        : new LocalSigner(cert.der, key, kubernetesSigningPolicy(this.o.maxDurationMs), {
            clock: this.o.clock,
            signatureScheme: 'go',
            ...(this.o.random ? { random: this.o.random } : {}),
          });
    return { cert, signer, certGen, keyGen };
  }
}
