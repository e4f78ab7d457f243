/**
 * Key + CSR generation from a CSR JSON (cfssl genkey / gencsr), self-signed CAs
 * (`-initca`, cfssl's initca package), CA renewal with the same key (`-renewca`) and
 * self-signed leaves (`selfsign`).
 */
import type { KeyObject } from 'node:crypto';
import { KubetlsError } from '../errors/index.js';
import {
  certToPem,
  createCsr,
  csrToPem,
  generateEncodedKey,
  issueCertificate,
  keyMatchesCertificate,
  parsePrivateKeyPem,
  randomSerial,
  systemClock,
  type Clock,
  type DistinguishedName,
  type ParsedCertificate,
} from '../pki/index.js';
import type { CsrRequest } from './csrjson.js';
import { splitHosts } from './csrjson.js';
import { defaultProfile, type SigningProfile } from './config.js';
import { CFSSL_SERIAL_BITS, cfsslNotBefore, profileValidity } from './validity.js';

/** cfssl's CA default lifetime (initca.CAPolicy: 43800h = 5 years). */
export const CA_DEFAULT_EXPIRY_MS = 43800 * 3_600_000;
const DEFAULT_BACKDATE_MS = 5 * 60_000;

export interface KeyAndCsr {
  key: KeyObject;
  keyPem: string;
  csrDer: Buffer;
  csrPem: string;
}

/** Builds a CSR for `req` with an existing key (gencsr) or a new one. */
export function csrFor(req: CsrRequest, key: KeyObject, hostsOverride?: string[]): Buffer {
  return createCsr({ subject: req.subject, ...splitHosts(hostsOverride ?? req.hosts) }, key, 'cfssl');
}

/** cfssl genkey: a new key of `req.key` and a CSR signed by it. */
export async function generateKeyAndCsr(req: CsrRequest, hostsOverride?: string[]): Promise<KeyAndCsr> {
  const pair = await generateEncodedKey(req.key.algorithm);
  // the key signs as a KeyObject loaded from its PEM (see generateEncodedKey)
  const key = parsePrivateKeyPem(pair.privatePem);
  const csrDer = csrFor(req, key, hostsOverride);
  return { key, keyPem: pair.privatePem, csrDer, csrPem: csrToPem(csrDer) };
}

export interface CaResult {
  certDer: Buffer;
  certPem: string;
}

/** Self-signs a CA certificate for `subject` with `key` (cfssl initca). */
export function selfSignCa(
  subject: DistinguishedName,
  ipAddresses: string[],
  key: KeyObject,
  ca: { expiryMs: number; backdateMs: number; pathlen: number; pathlenzero: boolean },
  clock: Clock = systemClock,
): CaResult {
  const notBefore = cfsslNotBefore(clock.now(), ca.backdateMs);
  const der = issueCertificate(
    {
      subject,
      serialNumber: randomSerial(CFSSL_SERIAL_BITS),
      notBefore,
      notAfter: new Date(notBefore.getTime() + ca.expiryMs),
      isCA: true,
      // cfssl: MaxPathLen = pathlen; 0 means "no limit" unless pathlenzero is set
      ...(ca.pathlen > 0 || ca.pathlenzero ? { maxPathLen: ca.pathlen } : {}),
      keyUsage: ['keyCertSign', 'cRLSign'],
      ipAddresses, // cfssl keeps IP SANs on CAs and drops the others
    },
    { publicKey: key, selfSignKey: key, signatureScheme: 'cfssl' },
  );
  return { certDer: der, certPem: certToPem(der) };
}

/** cfssl gencert -initca / genkey -initca: new key, CSR and self-signed CA. */
export async function initCa(req: CsrRequest, clock: Clock = systemClock): Promise<KeyAndCsr & CaResult> {
  const kc = await generateKeyAndCsr(req);
  const ca = caOptions(req);
  return { ...kc, ...selfSignCa(req.subject, splitHosts(req.hosts).ipAddresses, kc.key, ca, clock) };
}

export function caOptions(req: CsrRequest): {
  expiryMs: number;
  backdateMs: number;
  pathlen: number;
  pathlenzero: boolean;
} {
  const c = req.ca;
  // cfssl ignores pathlenzero when a non-zero pathlen is given
  return {
    expiryMs: c?.expiryMs ?? CA_DEFAULT_EXPIRY_MS,
    backdateMs: c?.backdateMs ?? DEFAULT_BACKDATE_MS,
    pathlen: c?.pathlen ?? 0,
    pathlenzero: c ? c.pathlen === 0 && c.pathlenzero : false,
  };
}

/**
 * cfssl gencert -renewca: a new self-signed certificate for the same CA key and subject.
 * The new certificate keeps the old one's path length and lifetime (kubetls choice: the
 * renewed CA lasts as long as the old one did).
 */
export function renewCa(old: ParsedCertificate, key: KeyObject, clock: Clock = systemClock): CaResult {
  if (!keyMatchesCertificate(key, old))
    throw new KubetlsError('KeyMismatch', '-ca-key: the key does not belong to the -ca certificate');
  if (!old.isCA) throw new KubetlsError('NotACA', '-ca: not a CA certificate; -renewca renews CAs only');
  if (!old.issuerDer.equals(old.subjectDer))
    throw new KubetlsError('NotSelfSigned', '-ca: -renewca renews self-signed CAs only');
  const lifetime = old.notAfter.getTime() - old.notBefore.getTime();
  return selfSignCa(
    old.subject,
    old.ipAddresses,
    key,
    {
      expiryMs: lifetime,
      backdateMs: DEFAULT_BACKDATE_MS,
      pathlen: old.maxPathLen ?? 0,
      pathlenzero: old.maxPathLen === 0,
    },
    clock,
  );
}

/** cfssl selfsign: a self-signed certificate for the CSR JSON under the default profile. */
export async function selfSign(
  req: CsrRequest,
  hosts: string[],
  profile: SigningProfile = defaultProfile(),
  clock: Clock = systemClock,
): Promise<KeyAndCsr & CaResult> {
  const kc = await generateKeyAndCsr(req, hosts);
  const { notBefore, notAfter } = profileValidity(profile, profile.expiryMs, clock.now());
  const der = issueCertificate(
    {
      subject: req.subject,
      serialNumber: randomSerial(CFSSL_SERIAL_BITS),
      notBefore,
      notAfter,
      isCA: false,
      keyUsage: profile.keyUsage,
      extKeyUsage: profile.extKeyUsage,
      ...splitHosts(hosts),
    },
    { publicKey: kc.key, selfSignKey: kc.key, signatureScheme: 'cfssl' },
  );
  return { ...kc, certDer: der, certPem: certToPem(der) };
}
