/**
 * cfssl's signing configuration (config.Config): `signing.default`, `signing.profiles`,
 * `auth_keys`. Defaults follow cfssl: no `default` → usages signing, key encipherment,
 * server auth, client auth for 8760h; each profile must have an expiry (cfssl: "empty
 * expiry string"); a named profile must have usages. Where cfssl tolerates a mistake and
 * fails later (an unknown usage next to known ones), kubetls refuses at load time naming
 * the field. Fields kubetls does not implement (remotes, OCSP/CRL URLs, policies, CT) are
 * refused rather than silently dropped, so nothing the config asks for is lost.
 */
import { KubetlsError } from '../errors/index.js';
import type { ExtKeyUsage, KeyUsage } from '../pki/index.js';
import {
  asObject,
  field,
  isObject,
  optBool,
  optInt,
  optString,
  optStringArray,
  parseJson,
  type JsonObject,
} from './json.js';
import { parseGoDuration } from '../util/duration.js';
import { readFileBounded } from '../util/read.js';
import { compilePattern, type Pattern } from '../util/pattern.js';

/** cfssl usage names → X.509 key usages (config.KeyUsage, plus "key agreement" from newer cfssl). */
export const CFSSL_KEY_USAGE: Record<string, KeyUsage> = {
  signing: 'digitalSignature',
  'digital signature': 'digitalSignature',
  'content committment': 'contentCommitment', // cfssl's own spelling
  'content commitment': 'contentCommitment',
  'key encipherment': 'keyEncipherment',
  'key agreement': 'keyAgreement',
  'data encipherment': 'dataEncipherment',
  'cert sign': 'keyCertSign',
  'crl sign': 'cRLSign',
  'encipher only': 'encipherOnly',
  'decipher only': 'decipherOnly',
};

/** cfssl usage names → extended key usages (config.ExtKeyUsage). */
export const CFSSL_EXT_KEY_USAGE: Record<string, ExtKeyUsage> = {
  any: 'any',
  'server auth': 'serverAuth',
  'client auth': 'clientAuth',
  'code signing': 'codeSigning',
  'email protection': 'emailProtection',
  's/mime': 'emailProtection',
  'ipsec end system': 'ipsecEndSystem',
  'ipsec tunnel': 'ipsecTunnel',
  'ipsec user': 'ipsecUser',
  timestamping: 'timeStamping',
  'ocsp signing': 'ocspSigning',
  'microsoft sgc': 'microsoftSGC',
  'netscape sgc': 'netscapeSGC',
};

export interface CaConstraint {
  isCA: boolean;
  maxPathLen: number;
  maxPathLenZero: boolean;
}

/**
 * Which rules turn a request into a certificate: cfssl's (the profile fixes usages and
 * expiry), kube-controller-manager's (usages and lifetime from the request, capped by the
 * profile's expiry: the CSR API's built-in signers) or kubeadm's (`kubeconfig user`).
 */
export type ProfileTemplate = 'cfssl' | 'kubernetes' | 'kubeadm';

export interface SigningProfile {
  name: string;
  template: ProfileTemplate;
  usages: string[];
  keyUsage: KeyUsage[];
  extKeyUsage: ExtKeyUsage[];
  expiryMs: number;
  expiryString: string;
  /** how far notBefore is set back from now; cfssl's default is 5 minutes */
  backdateMs: number;
  notBefore: Date | undefined;
  notAfter: Date | undefined;
  caConstraint: CaConstraint;
  /** matched with cfssl's semantics: an unanchored search of the CN and of every DNS, e-mail and URI SAN */
  nameWhitelist: Pattern | undefined;
  /** name of the auth key; `authKey` holds its decoded bytes */
  authKeyName: string | undefined;
  authKey: Buffer | undefined;
  /** a client config's `auth_remote.auth_key`, decoded: the key `sign -remote` authenticates with */
  authRemoteKey: Buffer | undefined;
  /** written into certificates as authorityInfoAccess / cRLDistributionPoints */
  ocspUrl: string | undefined;
  crlUrl: string | undefined;
  issuerUrls: string[];
}

export interface SigningPolicy {
  default: SigningProfile;
  profiles: Map<string, SigningProfile>;
  /** accepted fields kubetls does not act on (remotes, auth_remote); the commands log these */
  warnings?: string[];
}

const DEFAULT_BACKDATE_MS = 5 * 60_000;

/** cfssl's DefaultConfig(): used when `signing.default` is absent or there is no config. */
export function defaultProfile(): SigningProfile {
  return makeProfile(
    'default',
    ['signing', 'key encipherment', 'server auth', 'client auth'],
    8760 * 3_600_000,
    '8760h',
  );
}

export function defaultPolicy(): SigningPolicy {
  return { default: defaultProfile(), profiles: new Map() };
}

function makeProfile(name: string, usages: string[], expiryMs: number, expiryString: string): SigningProfile {
  const { keyUsage, extKeyUsage } = mapUsages(usages, `signing.${name}.usages`);
  return {
    name,
    template: 'cfssl',
    usages,
    keyUsage,
    extKeyUsage,
    expiryMs,
    expiryString,
    backdateMs: DEFAULT_BACKDATE_MS,
    notBefore: undefined,
    notAfter: undefined,
    caConstraint: { isCA: false, maxPathLen: 0, maxPathLenZero: false },
    nameWhitelist: undefined,
    authKeyName: undefined,
    authKey: undefined,
    authRemoteKey: undefined,
    ocspUrl: undefined,
    crlUrl: undefined,
    issuerUrls: [],
  };
}

/** Maps cfssl usage names; an unknown name is an error naming the entry. */
export function mapUsages(
  usages: readonly string[],
  where: string,
): { keyUsage: KeyUsage[]; extKeyUsage: ExtKeyUsage[] } {
  const keyUsage: KeyUsage[] = [];
  const extKeyUsage: ExtKeyUsage[] = [];
  usages.forEach((u, i) => {
    const ku = CFSSL_KEY_USAGE[u];
    const eku = CFSSL_EXT_KEY_USAGE[u];
    if (ku) {
      if (!keyUsage.includes(ku)) keyUsage.push(ku);
    } else if (eku) {
      if (!extKeyUsage.includes(eku)) extKeyUsage.push(eku);
    } else {
      throw new KubetlsError(
        'InvalidUsage',
        `${where}[${i}]: unknown usage "${u.slice(0, 60)}"`,
        `known usages: ${[...Object.keys(CFSSL_KEY_USAGE), ...Object.keys(CFSSL_EXT_KEY_USAGE)].join(', ')}`,
      );
    }
  });
  return { keyUsage, extKeyUsage };
}

const UNSUPPORTED_PROFILE_FIELDS = ['remote', 'policies', 'ct_log_servers', 'lint_errlevel', 'ocsp_no_check'];

const URL_RE = /^[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7e]+$/;

/** An URL written into certificates as an IA5String URI: printable ASCII with a scheme. */
function urlField(v: string, where: string): string {
  if (v.length > 1024) throw new KubetlsError('InvalidPolicy', `${where}: longer than 1024 characters`);
  if (!URL_RE.test(v))
    throw new KubetlsError(
      'InvalidPolicy',
      `${where}: "${v.slice(0, 80)}" is not a URL (a scheme, then printable ASCII without spaces)`,
    );
  return v;
}

function parseDate(o: JsonObject, name: string, where: string): Date | undefined {
  const s = optString(o, name, where);
  if (s === undefined || s === '') return undefined;
  const d = new Date(s);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(s) || Number.isNaN(d.getTime()))
    throw new KubetlsError('InvalidField', `${where}${name}: "${s.slice(0, 40)}" is not an RFC 3339 time`);
  return d;
}

function parseProfile(
  name: string,
  v: unknown,
  where: string,
  isDefault: boolean,
  authKeys: Map<string, Buffer>,
  remoteOnly = false,
): SigningProfile {
  const o = asObject(v, where.slice(0, -1));
  for (const f of UNSUPPORTED_PROFILE_FIELDS) {
    const val = field(o, f);
    if (val !== undefined && val !== null && val !== '' && val !== false && !(Array.isArray(val) && val.length === 0)) {
      throw new KubetlsError(
        'Unsupported',
        `${where}${f}: not supported by kubetls cfssl`,
        f === 'remote'
          ? 'remove the field; kubetls cfssl sign reaches a remote signer with -remote HOST:PORT'
          : 'remove the field',
      );
    }
  }
  if (optBool(o, 'copy_extensions', where))
    throw new KubetlsError('Unsupported', `${where}copy_extensions: not supported by kubetls cfssl`);
  const expiryString = optString(o, 'expiry', where) ?? '';
  if (!expiryString && !remoteOnly)
    throw new KubetlsError(
      'InvalidPolicy',
      `${where}expiry: missing (cfssl: "empty expiry string")`,
      'set e.g. "expiry": "8760h"',
    );
  const expiryMs = expiryString ? parseGoDuration(expiryString, `${where}expiry`) : 0;
  if (expiryString && expiryMs <= 0)
    throw new KubetlsError('InvalidDuration', `${where}expiry: must be positive (got "${expiryString}")`);
  const usages = optStringArray(o, 'usages', where, 64) ?? [];
  if (!isDefault && !remoteOnly && usages.length === 0)
    throw new KubetlsError('InvalidPolicy', `${where}usages: a profile needs at least one usage`);
  const p = makeProfileFrom(name, usages, `${where}usages`, expiryMs, expiryString);
  const backdate = optString(o, 'backdate', where);
  if (backdate) {
    p.backdateMs = parseGoDuration(backdate, `${where}backdate`);
    if (p.backdateMs < 0) throw new KubetlsError('InvalidDuration', `${where}backdate: must not be negative`);
  }
  p.notBefore = parseDate(o, 'not_before', where);
  p.notAfter = parseDate(o, 'not_after', where);
  if (p.notBefore && p.notAfter && p.notAfter <= p.notBefore)
    throw new KubetlsError('InvalidPolicy', `${where}not_after: must be later than not_before`);
  const cc = field(o, 'ca_constraint');
  if (cc !== undefined && cc !== null) {
    const c = asObject(cc, `${where}ca_constraint`);
    p.caConstraint = {
      isCA: optBool(c, 'is_ca', `${where}ca_constraint.`) ?? false,
      maxPathLen: optInt(c, 'max_path_len', `${where}ca_constraint.`, 0, 1000) ?? 0,
      maxPathLenZero: optBool(c, 'max_path_len_zero', `${where}ca_constraint.`) ?? false,
    };
  }
  const wl = optString(o, 'name_whitelist', where);
  // RE2, as cfssl's Go regexp: linear-time matching, so a request cannot make a pattern backtrack
  if (wl) p.nameWhitelist = compilePattern(wl, { where: `${where}name_whitelist`, code: 'InvalidPolicy' });
  const ocsp = optString(o, 'ocsp_url', where);
  if (ocsp) p.ocspUrl = urlField(ocsp, `${where}ocsp_url`);
  const crl = optString(o, 'crl_url', where);
  if (crl) p.crlUrl = urlField(crl, `${where}crl_url`);
  p.issuerUrls = (optStringArray(o, 'issuer_urls', where, 100) ?? []).map((u, i) =>
    urlField(u, `${where}issuer_urls[${i}]`),
  );
  const ak = optString(o, 'auth_key', where);
  if (ak) {
    const key = authKeys.get(ak);
    if (!key)
      throw new KubetlsError(
        'InvalidPolicy',
        `${where}auth_key: "${ak.slice(0, 60)}" is not in auth_keys (cfssl: "failed to find auth_key in auth_keys section")`,
      );
    p.authKeyName = ak;
    p.authKey = key;
  }
  return p;
}

function makeProfileFrom(
  name: string,
  usages: string[],
  where: string,
  expiryMs: number,
  expiryString: string,
): SigningProfile {
  const p = makeProfile(name, [], expiryMs, expiryString);
  const m = mapUsages(usages, where);
  return { ...p, usages, keyUsage: m.keyUsage, extKeyUsage: m.extKeyUsage };
}

/** Upper bound for a `file:` auth key (hex of a key of up to 2 KiB). */
const MAX_AUTH_KEY_FILE_BYTES = 4096;

/**
 * Decodes an auth key: hex (cfssl's format), or "env:NAME" / "file:PATH" holding hex,
 * as newer cfssl accepts. An HMAC key shorter than 16 bytes is refused: it is guessable.
 */
function decodeAuthKey(name: string, v: unknown, env: NodeJS.ProcessEnv): Buffer {
  const where = `auth_keys.${name}.`;
  const o = asObject(v, `auth_keys.${name}`);
  const type = optString(o, 'type', where) ?? '';
  if (type !== 'standard')
    throw new KubetlsError(
      'InvalidPolicy',
      `${where}type: unknown authentication type "${type.slice(0, 40)}"`,
      'kubetls supports "standard" (HMAC-SHA256)',
    );
  let hex = optString(o, 'key', where) ?? '';
  if (hex.startsWith('env:')) {
    const val = env[hex.slice(4)];
    if (!val) throw new KubetlsError('InvalidPolicy', `${where}key: environment variable ${hex.slice(4)} is not set`);
    hex = val.trim();
  } else if (hex.startsWith('file:')) {
    try {
      // a hex HMAC key is tens of bytes; anything near 4 KiB is the wrong file
      hex = readFileBounded(hex.slice(5), MAX_AUTH_KEY_FILE_BYTES).toString('latin1').trim();
    } catch (e) {
      throw new KubetlsError('InvalidPolicy', `${where}key: ${(e as Error).message}`, { cause: e });
    }
  }
  if (!/^([0-9a-fA-F]{2})+$/.test(hex))
    throw new KubetlsError(
      'InvalidPolicy',
      `${where}key: not a hex string`,
      'auth keys are hex, e.g. from: openssl rand -hex 16',
    );
  const key = Buffer.from(hex, 'hex');
  if (key.length < 16)
    throw new KubetlsError(
      'InvalidPolicy',
      `${where}key: ${key.length} bytes is too short for an HMAC key`,
      'use at least 16 bytes (32 hex digits)',
    );
  return key;
}

/** The entries of an optional name → value object (auth_keys, profiles), at most 1000 of them. */
function namedEntries(o: JsonObject, name: string, where: string, noun: string): Array<[string, unknown]> {
  const v = field(o, name);
  if (v === undefined || v === null) return [];
  const entries = Object.entries(asObject(v, where));
  if (entries.length > 1000) throw new KubetlsError('InvalidPolicy', `${where}: more than 1000 ${noun}`);
  return entries;
}

/** Parses a signing config (text or parsed JSON). */
export function parseSigningConfig(
  input: unknown,
  source = 'config',
  env: NodeJS.ProcessEnv = process.env,
): SigningPolicy {
  const doc = typeof input === 'string' || Buffer.isBuffer(input) ? parseJson(input, source) : input;
  try {
    const o = asObject(doc, 'config');
    const authKeys = new Map<string, Buffer>();
    for (const [name, v] of namedEntries(o, 'auth_keys', 'auth_keys', 'keys'))
      authKeys.set(name, decodeAuthKey(name, v, env));
    // cfssl clients use remotes/auth_remote to reach a remote signer; kubetls signs locally,
    // so it accepts them (one config can serve both) and says that they are not used
    const warnings: string[] = [];
    const remotes = field(o, 'remotes');
    if (isObject(remotes) && Object.keys(remotes).length)
      warnings.push('remotes: remote signers are not used by kubetls cfssl; it signs locally with -ca/-ca-key');
    const signing = field(o, 'signing');
    if (signing === undefined || signing === null)
      throw new KubetlsError('InvalidPolicy', 'signing: missing (cfssl requires a "signing" section)');
    const s = asObject(signing, 'signing');
    const d = field(s, 'default');
    // a client config's auth_remote: {remote, auth_key}. The key is kept for `sign -remote`
    // (authsign); such a profile needs no expiry or usages, the remote's profile decides them
    const authRemote = (where: string, profile: unknown): { present: boolean; key: Buffer | undefined } => {
      const v = isObject(profile) ? field(profile, 'auth_remote') : undefined;
      if (!isObject(v) || Object.keys(v).length === 0) return { present: false, key: undefined };
      warnings.push(
        `${where}auth_remote: remote signers are not used by kubetls cfssl; this profile is signed locally with -ca/-ca-key`,
      );
      const name = optString(v, 'auth_key', `${where}auth_remote.`);
      if (!name) return { present: true, key: undefined };
      const key = authKeys.get(name);
      if (!key)
        throw new KubetlsError(
          'InvalidPolicy',
          `${where}auth_remote.auth_key: "${name.slice(0, 60)}" is not in auth_keys`,
        );
      return { present: true, key };
    };
    const profile = (name: string, v: unknown, where: string, isDefault: boolean): SigningProfile => {
      const remote = authRemote(where, v);
      const p = parseProfile(name, v, where, isDefault, authKeys, remote.present);
      p.authRemoteKey = remote.key;
      return p;
    };
    const def = d === undefined || d === null ? defaultProfile() : profile('default', d, 'signing.default.', true);
    const profiles = new Map<string, SigningProfile>();
    for (const [name, v] of namedEntries(s, 'profiles', 'signing.profiles', 'profiles'))
      profiles.set(name, profile(name, v, `signing.profiles.${name}.`, false));
    return { default: def, profiles, ...(warnings.length ? { warnings } : {}) };
  } catch (e) {
    if (e instanceof KubetlsError) throw new KubetlsError(e.code, `${source}: ${e.message}`, e.hint);
    throw e;
  }
}

/** The profile a request names; cfssl falls back to the default for unknown names, and so does kubetls. */
export function selectProfile(
  policy: SigningPolicy,
  name: string | undefined,
): { profile: SigningProfile; known: boolean } {
  if (name) {
    const p = policy.profiles.get(name);
    if (p) return { profile: p, known: true };
    return { profile: policy.default, known: false };
  }
  return { profile: policy.default, known: true };
}

/** True when every profile that could be used needs authentication (the `sign` endpoint then has nothing to serve). */
export function allProfilesAuthenticated(policy: SigningPolicy): boolean {
  return !!policy.default.authKey && [...policy.profiles.values()].every((p) => !!p.authKey);
}
