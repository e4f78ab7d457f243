/**
 * Client-certificate revocation, beyond kube-apiserver (which cannot revoke a client
 * certificate before it expires): the CRLs of the client CAs (`--client-crl-file`) and a deny
 * list (`--client-deny-list`), both re-read while the server runs (ReloadableFile) and
 * consulted on every request, after the chain is verified.
 *
 * A CRL past its nextUpdate is stale: its CA promised a newer list by then. What happens
 * next is a choice (`staleCrl`):
 * - 'refuse' (the default): certificates that CA issued are refused, with a reason naming the
 *   stale CRL, until a current CRL is loaded. A CRL pipeline that stopped would otherwise
 *   leave every certificate revoked since then accepted, silently; refusing is loud, and the
 *   fix (publish the CRL, or drop the flag) is in the operator's hands.
 * - 'keep': the stale list stays in force (what it revokes stays revoked), other certificates
 *   of that CA are accepted, and the staleness is logged once per CRL. For setups where
 *   availability matters more than revocations newer than the last CRL.
 * Either way a stale CRL never stops revoking what it lists.
 */
import { digest } from '../../pki/digest.js';
import type { ParsedCertificate } from '../../pki/certparse.js';
import type { Clock } from '../../pki/clock.js';
import { MAX_CRL_BYTES } from '../../pki/crlparse.js';
import { ReloadableFile, type Log, type Timers } from '../../util/reloadable.js';
import { caKey, loadClientCrls, type CrlSet } from './crlset.js';
import { MAX_DENY_LIST_BYTES, parseDenyList, type DenyList } from './denylist.js';
import { describeCertificate } from './x509chain.js';

export type StaleCrlPolicy = 'refuse' | 'keep';

/** Anything holding the current value of a list (a ReloadableFile, or a fixed value in tests). */
export interface Current<T> {
  readonly current: T;
}

export interface RevocationOptions {
  crls?: Current<CrlSet> | undefined;
  denyList?: Current<DenyList> | undefined;
  staleCrl?: StaleCrlPolicy;
  /** file names for messages */
  crlSource?: string;
  denyListSource?: string;
  log?: Log;
}

const fingerprints = new WeakMap<ParsedCertificate, string>();

/** Lower-case hex SHA-256 of the certificate's DER (memoised: the verified chain is cached). */
export function fingerprintOf(c: ParsedCertificate): string {
  let f = fingerprints.get(c);
  if (f === undefined) {
    f = digest('sha256', c.der).toString('hex');
    fingerprints.set(c, f);
  }
  return f;
}

export class RevocationChecker {
  /** stale CRLs already logged, so a stale CRL logs once (per loaded generation) */
  private readonly loggedStale = new WeakMap<CrlSet, Set<string>>();

  constructor(private readonly o: RevocationOptions) {}

  /**
   * undefined when no certificate of the verified chain (leaf first, CA last) is revoked at
   * `now`, else the reason.
   */
  check(chain: readonly ParsedCertificate[], now: Date): string | undefined {
    const leaf = chain[0]!;
    const deny = this.o.denyList?.current;
    if (deny && deny.size) {
      const where = `the deny list${this.o.denyListSource ? ` ${this.o.denyListSource}` : ''}`;
      if (deny.serials.has(leaf.serialNumber))
        return `client certificate ${describeCertificate(leaf)} is revoked: its serial number is on ${where}`;
      for (let i = 0; i < chain.length; i++) {
        const c = chain[i]!;
        if (deny.fingerprints.has(fingerprintOf(c)))
          return i === 0
            ? `client certificate ${describeCertificate(c)} is revoked: its SHA-256 fingerprint is on ${where}`
            : `client certificate ${describeCertificate(leaf)} is revoked: its CA "${c.subjectString}" is on ${where}`;
      }
    }
    const crls = this.o.crls?.current;
    if (crls && crls.byCa.size) {
      for (let i = 0; i + 1 < chain.length; i++) {
        const c = chain[i]!;
        const list = crls.byCa.get(caKey(chain[i + 1]!));
        if (!list) continue;
        const hit = list.revoked.get(c.serialNumber);
        if (!hit && now <= list.nextUpdate) continue;
        const subject = i === 0 ? `client certificate ${describeCertificate(c)}` : `CA ${describeCertificate(c)}`;
        if (hit)
          return (
            `${subject} is revoked by the CRL of "${list.ca.subjectString}" ` +
            `(revoked ${hit.revocationDate.toISOString()}${hit.reason ? `, ${hit.reason}` : ''})`
          );
        if (now > list.nextUpdate) {
          const stale =
            `the CRL of "${list.ca.subjectString}"${this.o.crlSource ? ` in ${this.o.crlSource}` : ''} ` +
            `is stale (nextUpdate ${list.nextUpdate.toISOString()})`;
          if ((this.o.staleCrl ?? 'refuse') === 'refuse')
            return `${subject} is refused: ${stale}; certificates of this CA are refused until a current CRL is loaded`;
          this.logStaleOnce(crls, list.ca.subjectString, `${stale}; still enforcing it (staleCrl=keep)`);
        }
      }
    }
    return undefined;
  }

  private logStaleOnce(set: CrlSet, key: string, message: string): void {
    let logged = this.loggedStale.get(set);
    if (!logged) this.loggedStale.set(set, (logged = new Set()));
    if (logged.has(key)) return;
    logged.add(key);
    this.o.log?.('warning', message);
  }
}

export interface RevocationFilesOptions {
  /** `--client-crl-file` */
  crlFile?: string | undefined;
  /** `--client-deny-list` */
  denyListFile?: string | undefined;
  /** the client CAs a CRL must be signed by */
  clientCAs: readonly ParsedCertificate[];
  staleCrl?: StaleCrlPolicy;
  clock?: Clock;
  log?: Log;
  timers?: Timers;
  /** poll period; default 1 s */
  intervalMs?: number;
}

export interface RevocationFiles {
  checker: RevocationChecker;
  crls: ReloadableFile<CrlSet> | undefined;
  denyList: ReloadableFile<DenyList> | undefined;
  /** stops polling */
  close(): void;
}

/**
 * Loads the configured revocation files (failing when one is broken at start-up: the server
 * must not start without the revocations it was told to enforce) and starts polling them.
 */
export async function openRevocationFiles(o: RevocationFilesOptions): Promise<RevocationFiles> {
  const clock = o.clock ?? { now: () => new Date() };
  const common = {
    ...(o.intervalMs !== undefined ? { intervalMs: o.intervalMs } : {}),
    ...(o.log ? { log: o.log } : {}),
    ...(o.timers ? { timers: o.timers } : {}),
  };
  const crlFile = o.crlFile;
  const denyListFile = o.denyListFile;
  const crls = crlFile
    ? await ReloadableFile.open<CrlSet>({
        ...common,
        path: crlFile,
        what: 'client CRL file',
        maxBytes: MAX_CRL_BYTES,
        parse: (d) => loadClientCrls(d, o.clientCAs, clock.now()),
      })
    : undefined;
  let denyList: ReloadableFile<DenyList> | undefined;
  try {
    denyList = denyListFile
      ? await ReloadableFile.open<DenyList>({
          ...common,
          path: denyListFile,
          what: 'client deny list',
          maxBytes: MAX_DENY_LIST_BYTES,
          parse: (d) => parseDenyList(d, ''),
        })
      : undefined;
  } catch (e) {
    crls?.close();
    throw e;
  }
  crls?.start();
  denyList?.start();
  const checker = new RevocationChecker({
    crls,
    denyList,
    ...(o.staleCrl ? { staleCrl: o.staleCrl } : {}),
    ...(crlFile ? { crlSource: crlFile } : {}),
    ...(denyListFile ? { denyListSource: denyListFile } : {}),
    ...(o.log ? { log: o.log } : {}),
  });
  return {
    checker,
    crls,
    denyList,
    close: () => {
      crls?.close();
      denyList?.close();
    },
  };
}
