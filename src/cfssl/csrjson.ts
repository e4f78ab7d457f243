/**
 * cfssl's CSR JSON (csr.CertificateRequest): CN, names[{C,ST,L,O,OU}], hosts, key{algo,
 * size}, ca{expiry,pathlen,pathlenzero,backdate}, serialnumber. Parsing validates every
 * field up front and names the bad one, where cfssl would fail later with a generic error.
 */
import { KubetlsError } from '../errors/index.js';
import { isIpLiteral } from '../pki/ip.js';
import { RSA_MAX_BITS, RSA_MIN_BITS, type AnyKeyAlgorithm, type DistinguishedName } from '../pki/index.js';
import {
  asObject,
  field,
  jsonType,
  optBool,
  optInt,
  optString,
  optStringArray,
  parseJson,
  type JsonObject,
} from './json.js';
import { parseGoDuration } from '../util/duration.js';

export interface CaOptions {
  /** undefined: the 5-year default of `-initca` */
  expiryMs: number | undefined;
  backdateMs: number | undefined;
  pathlen: number;
  pathlenzero: boolean;
}

export interface CsrRequest {
  subject: DistinguishedName;
  hosts: string[];
  key: { algo: 'rsa' | 'ecdsa' | 'ed25519'; size: number; algorithm: AnyKeyAlgorithm };
  ca: CaOptions | undefined;
}

export interface SplitHosts {
  dnsNames: string[];
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
}

const MAX_STRING = 1024;

function hasControlChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}
const MAX_HOSTS = 1000;

function str(o: JsonObject, name: string, where: string): string | undefined {
  const v = optString(o, name, where);
  if (v !== undefined && v.length > MAX_STRING)
    throw new KubetlsError('InvalidField', `${where}${name}: longer than ${MAX_STRING} characters`);
  if (v !== undefined && hasControlChars(v))
    throw new KubetlsError('InvalidField', `${where}${name}: contains control characters`);
  return v;
}

/** cfssl's key request defaults (csr.NewBasicKeyRequest): ECDSA P-256. */
const DEFAULT_ALGO = 'ecdsa';
const DEFAULT_SIZE = 256;

/**
 * Parses the key request. cfssl decodes the JSON over a pre-filled {ecdsa, 256} request, so
 * each absent field keeps its default on its own: `{}` and `{"algo":"ecdsa"}` are P-256,
 * `{"size":384}` is P-384, and `{"algo":"rsa"}` asks for a 256-bit RSA key, which cfssl
 * refuses as too weak (so does kubetls, with a hint). An explicit 0 is not "absent".
 */
export function parseKeyRequest(v: unknown, where = 'key'): CsrRequest['key'] {
  if (v === undefined || v === null) return { algo: 'ecdsa', size: 256, algorithm: 'ECDSA-P256' };
  const o = asObject(v, where);
  const rawAlgo = optString(o, 'algo', `${where}.`) ?? DEFAULT_ALGO;
  const algo = rawAlgo.toLowerCase();
  const sizeGiven = optInt(o, 'size', `${where}.`, 0, 65536);
  const size = sizeGiven ?? DEFAULT_SIZE;
  switch (algo) {
    case 'rsa':
      // cfssl takes any size from 2048 to 8192 bits; odd sizes are refused here because
      // node:crypto's OpenSSL makes them one bit short (see rsaBits)
      if (sizeGiven === undefined)
        throw new KubetlsError(
          'InvalidKeySize',
          `${where}.size: missing; cfssl's default size (256) is too weak for RSA`,
          'give "size": 2048 or more',
        );
      if (size < RSA_MIN_BITS)
        throw new KubetlsError(
          'InvalidKeySize',
          `${where}.size: ${size} is too weak for RSA (cfssl's minimum is ${RSA_MIN_BITS})`,
          `use ${RSA_MIN_BITS} to ${RSA_MAX_BITS}`,
        );
      if (size > RSA_MAX_BITS)
        throw new KubetlsError(
          'InvalidKeySize',
          `${where}.size: ${size} is too large for RSA (cfssl's maximum is ${RSA_MAX_BITS})`,
          `use ${RSA_MIN_BITS} to ${RSA_MAX_BITS}`,
        );
      if (size % 2 !== 0)
        throw new KubetlsError(
          'InvalidKeySize',
          `${where}.size: ${size} is odd; kubetls makes RSA keys of an even size only (OpenSSL 3.0 makes an odd size one bit short)`,
          `use ${size + 1} or ${size - 1}`,
        );
      return { algo, size, algorithm: `RSA-${size}` };
    case 'ecdsa':
      if (size === 256) return { algo, size, algorithm: 'ECDSA-P256' };
      if (size === 384) return { algo, size, algorithm: 'ECDSA-P384' };
      if (size === 521) return { algo, size, algorithm: 'ECDSA-P521' };
      throw new KubetlsError(
        'InvalidKeySize',
        `${where}.size: ${size} is not a supported ECDSA curve size`,
        'use 256 (P-256), 384 (P-384) or 521 (P-521)',
      );
    case 'ed25519':
      if (size !== 0 && size !== 256)
        throw new KubetlsError(
          'InvalidKeySize',
          `${where}.size: ed25519 keys have no size choice (got ${size})`,
          'omit size or use 256',
        );
      return { algo, size: 256, algorithm: 'ED25519' };
    default:
      throw new KubetlsError(
        'InvalidKeyAlgorithm',
        `${where}.algo: unknown key algorithm "${rawAlgo.slice(0, 40)}"`,
        'use rsa, ecdsa or ed25519',
      );
  }
}

const DNS_RE =
  /^(\*\.)?([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;
const EMAIL_RE = /^[^\s@<>()",;:]+@[A-Za-z0-9.-]+$/;
const URI_RE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/?[^\s]*$/;

/**
 * Sorts hosts into SAN kinds the way cfssl's csr package does: an IP literal, else an
 * e-mail address, else a URI with a scheme, else a DNS name. Unlike cfssl, malformed names
 * are refused here, naming the entry.
 */
export function splitHosts(hosts: readonly string[], where = 'hosts'): SplitHosts {
  const out: SplitHosts = { dnsNames: [], ipAddresses: [], emailAddresses: [], uris: [] };
  hosts.forEach((h, i) => {
    const name = `${where}[${i}]`;
    if (h === '') throw new KubetlsError('InvalidHost', `${name}: empty host`);
    if (h.length > 253 && !URI_RE.test(h)) throw new KubetlsError('InvalidHost', `${name}: longer than 253 characters`);
    if (h.length > MAX_STRING) throw new KubetlsError('InvalidHost', `${name}: longer than ${MAX_STRING} characters`);
    if (isIpLiteral(h)) out.ipAddresses.push(h);
    else if (h.includes('@')) {
      if (!EMAIL_RE.test(h))
        throw new KubetlsError('InvalidHost', `${name}: "${h.slice(0, 80)}" is not a valid e-mail address`);
      out.emailAddresses.push(h);
    } else if (h.includes(':')) {
      if (!URI_RE.test(h))
        throw new KubetlsError(
          'InvalidHost',
          `${name}: "${h.slice(0, 80)}" is neither an IP address nor a URI with a scheme`,
        );
      out.uris.push(h);
    } else {
      if (!DNS_RE.test(h)) {
        throw new KubetlsError(
          'InvalidHost',
          `${name}: "${h.slice(0, 80)}" is not a valid DNS name`,
          /[^\x20-\x7e]/.test(h) ? 'write internationalised names in punycode (xn--…)' : undefined,
        );
      }
      out.dnsNames.push(h);
    }
  });
  return out;
}

/** Subject from CN + names[] + serialnumber, in the order cfssl appends them. */
function parseSubject(o: JsonObject): DistinguishedName {
  const dn: DistinguishedName = {};
  const cn = str(o, 'CN', '');
  if (cn) dn.commonName = cn;
  const names = field(o, 'names');
  if (names !== undefined && names !== null) {
    if (!Array.isArray(names))
      throw new KubetlsError('InvalidField', `names: expected an array of objects, got ${jsonType(names)}`);
    if (names.length > 100)
      throw new KubetlsError('InvalidField', `names: ${names.length} entries, over the limit of 100`);
    names.forEach((n, i) => {
      const where = `names[${i}].`;
      const no = asObject(n, `names[${i}]`);
      const add = (key: string, f: 'country' | 'province' | 'locality' | 'organization' | 'organizationalUnit') => {
        const v = str(no, key, where);
        if (v) (dn[f] ??= []).push(v);
      };
      add('C', 'country');
      add('ST', 'province');
      add('L', 'locality');
      add('O', 'organization');
      add('OU', 'organizationalUnit');
      const sn = str(no, 'SerialNumber', where);
      if (sn) dn.serialNumber = sn;
    });
  }
  const serial = str(o, 'serialnumber', '');
  if (serial) dn.serialNumber = serial;
  return dn;
}

function parseCa(v: unknown): CaOptions | undefined {
  if (v === undefined || v === null) return undefined;
  const o = asObject(v, 'ca');
  const expiry = str(o, 'expiry', 'ca.');
  const backdate = str(o, 'backdate', 'ca.');
  const expiryMs = expiry ? parseGoDuration(expiry, 'ca.expiry') : undefined;
  if (expiryMs !== undefined && expiryMs <= 0)
    throw new KubetlsError('InvalidDuration', `ca.expiry: must be positive (got "${expiry}")`);
  return {
    expiryMs,
    backdateMs: backdate ? parseGoDuration(backdate, 'ca.backdate') : undefined,
    pathlen: optInt(o, 'pathlen', 'ca.', 0, 1000) ?? 0,
    pathlenzero: optBool(o, 'pathlenzero', 'ca.') ?? false,
  };
}

/** Parses and validates a CSR JSON document (already-parsed JSON or its text). */
export function parseCsrRequest(input: unknown, source = 'CSR JSON'): CsrRequest {
  const doc = typeof input === 'string' || Buffer.isBuffer(input) ? parseJson(input, source) : input;
  try {
    const o = asObject(doc, 'CSR JSON');
    const hosts = optStringArray(o, 'hosts', '', MAX_HOSTS) ?? [];
    splitHosts(hosts); // validate now, with the field named
    return { subject: parseSubject(o), hosts, key: parseKeyRequest(field(o, 'key')), ca: parseCa(field(o, 'ca')) };
  } catch (e) {
    if (e instanceof KubetlsError) throw new KubetlsError(e.code, `${source}: ${e.message}`, e.hint);
    throw e;
  }
}

/** A "subject" object of a sign request: {CN, names[]} overriding the CSR's subject. */
export function parseSubjectOverride(v: unknown): DistinguishedName | undefined {
  if (v === undefined || v === null) return undefined;
  return parseSubject(asObject(v, 'subject'));
}
