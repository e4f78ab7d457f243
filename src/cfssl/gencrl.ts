/**
 * `cfssl gencrl SERIALS CA KEY [SECONDS]`: a CRL revoking the decimal serial numbers listed
 * one per line, valid for SECONDS (cfssl's default: 7 days), printed as base64 DER.
 */
import { KubetlsError } from '../errors/index.js';
import { createCrl, createIssuer, systemClock, type Clock } from '../pki/index.js';
import { loadCaCertDer, loadCaKey, readInput } from './inputs.js';

const DEFAULT_CRL_SECONDS = 7 * 24 * 3600;
const MAX_SERIALS = 100_000;

/** Parses the serial list: decimal integers, one per line; blank lines ignored. */
export function parseSerialList(text: string, source: string): bigint[] {
  const out: bigint[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const s = line.trim();
    if (s === '') return;
    if (!/^\d{1,60}$/.test(s))
      throw new KubetlsError('InvalidSerial', `${source}:${i + 1}: "${s.slice(0, 40)}" is not a decimal serial number`);
    out.push(BigInt(s));
  });
  if (out.length > MAX_SERIALS) throw new KubetlsError('TooLarge', `${source}: more than ${MAX_SERIALS} serials`);
  return out;
}

export function generateCrlFromFiles(
  serialsPath: string,
  caPath: string,
  keyPath: string,
  seconds: string | undefined,
  clock: Clock = systemClock,
): string {
  const serials = parseSerialList(readInput(serialsPath).toString('utf8'), serialsPath);
  let secs = DEFAULT_CRL_SECONDS;
  if (seconds !== undefined) {
    if (!/^\d{1,10}$/.test(seconds) || Number(seconds) === 0)
      throw new KubetlsError(
        'InvalidArgument',
        `expiry: "${seconds.slice(0, 20)}" is not a positive number of seconds`,
      );
    secs = Number(seconds);
  }
  // cfssl's gencrl signs with Go's x509.CreateCRL defaults (RSA: SHA-256 at every size)
  const issuer = createIssuer(loadCaCertDer(caPath), loadCaKey(keyPath), 'go');
  const now = clock.now();
  const der = createCrl(
    {
      thisUpdate: now,
      nextUpdate: new Date(now.getTime() + secs * 1000),
      revoked: serials.map((serialNumber) => ({ serialNumber, revocationDate: now })),
      crlNumber: BigInt(Math.floor(now.getTime() / 1000)),
    },
    issuer,
  );
  return der.toString('base64');
}
