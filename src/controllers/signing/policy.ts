/**
 * The policy a custom signer applies to a CertificateSigningRequest before it signs, as a
 * unit of its own: the signer configuration (./config.ts) and the approvers' policy rules
 * (`ApproverConfiguration`) share these fields and these checks, so an approver never
 * approves what the signer would refuse.
 *
 * Semantics (issue #19): a list that is absent allows nothing of its kind; requested usages
 * must be a subset of `allowedUsages`; `allowedDNSNames` holds DNS names and `*.`-wildcards
 * (`*.example.com` = one or more labels in front of `example.com`, never `example.com`
 * itself); `allowedCommonNames`, `allowedURISANs` and `allowedEmailSANs` are RE2 patterns
 * that must match the whole value; without `allowedCommonNames` the CN must be empty or
 * itself an allowed DNS name; `allowedKeyTypes` lists key types with RSA sizes as minimums
 * (absent: any key kubetls signs — RSA ≥ 2048, ECDSA P-256/P-384, Ed25519 — because
 * a key type is not a kind of name the requester chooses to add, and "no key allowed" would
 * make the field mandatory in every rule).
 */
import { fieldError, type FieldError, type FieldPath } from '../../errors/index.js';
import { KEY_USAGES } from '../../api/resources/certificates/types.js';
import { decodeSpki, ipToBytes, bytesToIp, type ParsedCsr } from '../../pki/index.js';
import { compilePattern, patternProblem, type Pattern } from '../../util/pattern.js';
import { isDns1123Subdomain } from '../../cluster/network.js';

/** The field names, in the order they are documented (config readers check for unknown ones). */
export const POLICY_FIELDS = [
  'allowedUsages',
  'allowedDNSNames',
  'allowedIPRanges',
  'allowedCommonNames',
  'allowedURISANs',
  'allowedEmailSANs',
  'allowedKeyTypes',
] as const;

export interface Cidr {
  readonly source: string;
  readonly network: Buffer;
  readonly prefix: number;
}

/** A key type rule: RSA with a minimum size, or one exact ECDSA curve or Ed25519. */
export type KeyTypeRule =
  | { readonly kind: 'RSA'; readonly minBits: number; readonly source: string }
  | { readonly kind: 'ECDSA'; readonly curve: 'P-256' | 'P-384'; readonly source: string }
  | { readonly kind: 'Ed25519'; readonly source: string };

export interface SigningPolicyFields {
  /** undefined: the field was absent (nothing of its kind allowed, or the documented default) */
  readonly allowedUsages: readonly string[] | undefined;
  readonly allowedDNSNames: readonly string[] | undefined;
  readonly allowedIPRanges: readonly Cidr[] | undefined;
  readonly allowedCommonNames: readonly Pattern[] | undefined;
  readonly allowedURISANs: readonly Pattern[] | undefined;
  readonly allowedEmailSANs: readonly Pattern[] | undefined;
  readonly allowedKeyTypes: readonly KeyTypeRule[] | undefined;
}

/** What a policy is checked against: the CSR's parsed request and its spec.usages. */
export interface PolicySubject {
  csr: ParsedCsr;
  usages: readonly string[];
}

/** Longest list a policy field may hold: far above any real policy, bounded for hostile files. */
const MAX_LIST = 1000;

const DEFAULT_KEY_TYPES: readonly KeyTypeRule[] = [
  { kind: 'RSA', minBits: 2048, source: 'RSA-2048' },
  { kind: 'ECDSA', curve: 'P-256', source: 'ECDSA-P256' },
  { kind: 'ECDSA', curve: 'P-384', source: 'ECDSA-P384' },
  { kind: 'Ed25519', source: 'Ed25519' },
];

// ---------------------------------------------------------------- parsing

/** Parses `a.b.c.d/n` or `v6/n`; the address is masked to its network. */
export function parseCidr(s: string): Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  const bytes = m ? ipToBytes(m[1]!) : null;
  const prefix = m ? Number(m[2]) : NaN;
  if (!bytes || !(prefix <= bytes.length * 8)) return undefined;
  const network = Buffer.from(bytes);
  for (let i = 0; i < network.length; i++) {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    network[i]! &= (0xff << (8 - keep)) & 0xff;
  }
  return { source: s, network, prefix };
}

function cidrContains(c: Cidr, ip: Buffer): boolean {
  if (ip.length !== c.network.length) return false;
  let bits = c.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = (0xff << (8 - Math.min(8, bits))) & 0xff;
    if ((ip[i]! & mask) !== c.network[i]) return false;
  }
  return true;
}

/** `ECDSA-P256`, `RSA-3072`, `Ed25519` (case-insensitive); undefined when not one. */
export function parseKeyType(s: string): KeyTypeRule | undefined {
  const t = s.toUpperCase();
  const rsa = /^RSA-(\d{4,5})$/.exec(t);
  if (rsa) {
    const bits = Number(rsa[1]);
    return bits >= 2048 && bits <= 8192 ? { kind: 'RSA', minBits: bits, source: s } : undefined;
  }
  // no P-521: kubetls's key code (src/pki/keys.ts) does not handle it, so a P-521 request is refused as an unlisted type
  const ec = /^ECDSA-P(256|384)$/.exec(t);
  if (ec) return { kind: 'ECDSA', curve: `P-${ec[1]}` as 'P-256' | 'P-384', source: s };
  if (t === 'ED25519') return { kind: 'Ed25519', source: s };
  return undefined;
}

const isWildcard = (s: string): boolean => s.startsWith('*.') && isDns1123Subdomain(s.slice(2));

type Item<T> = { ok: true; value: T } | { ok: false; error: FieldError };

/** A list of strings at `path`, each through `item`; undefined when absent (null counts as absent). */
function list<T>(
  raw: Record<string, unknown>,
  name: string,
  path: FieldPath,
  errors: FieldError[],
  item: (s: string, p: FieldPath) => Item<T>,
): T[] | undefined {
  const v = raw[name];
  const p = path.child(name);
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) {
    errors.push(fieldError.typeInvalid(p, v, 'must be a list of strings'));
    return [];
  }
  if (v.length > MAX_LIST) {
    errors.push(fieldError.tooMany(p, v.length, MAX_LIST));
    return [];
  }
  const out: T[] = [];
  const seen = new Set<string>();
  v.forEach((x: unknown, i) => {
    const pi = p.index(i);
    if (typeof x !== 'string') return errors.push(fieldError.typeInvalid(pi, x, 'must be a string'));
    if (seen.has(x)) return errors.push(fieldError.duplicate(pi, x));
    seen.add(x);
    const r = item(x, pi);
    if (r.ok) out.push(r.value);
    else errors.push(r.error);
  });
  return out;
}

function patternItem(s: string, p: FieldPath): Item<Pattern> {
  const problem = patternProblem(s);
  if (problem) return { ok: false, error: fieldError.invalid(p, s, problem) };
  return { ok: true, value: compilePattern(s, { where: String(p) }) };
}

export interface ParsedPolicyFields {
  policy: SigningPolicyFields;
  /** every problem, with its path under the `path` given; empty when the fields are valid */
  errors: FieldError[];
}

/**
 * Reads the policy fields of `raw` (a signer or an approver rule), every problem with its
 * field path under `path`. Other fields of `raw` are the caller's (it checks for unknown
 * ones against POLICY_FIELDS and its own).
 */
export function parsePolicyFields(raw: Record<string, unknown>, path: FieldPath): ParsedPolicyFields {
  const errors: FieldError[] = [];
  const policy: SigningPolicyFields = {
    allowedUsages: list(raw, 'allowedUsages', path, errors, (s, p) =>
      (KEY_USAGES as readonly string[]).includes(s)
        ? { ok: true, value: s }
        : { ok: false, error: fieldError.notSupported(p, s, KEY_USAGES) },
    ),
    allowedDNSNames: list(raw, 'allowedDNSNames', path, errors, (s, p) => {
      const name = s.toLowerCase();
      return isDns1123Subdomain(name) || isWildcard(name)
        ? { ok: true, value: name }
        : {
            ok: false,
            error: fieldError.invalid(p, s, 'must be a DNS name, or "*." and a DNS name (one or more labels in front)'),
          };
    }),
    allowedIPRanges: list(raw, 'allowedIPRanges', path, errors, (s, p) => {
      const c = parseCidr(s);
      return c
        ? { ok: true, value: c }
        : { ok: false, error: fieldError.invalid(p, s, 'must be a CIDR such as 10.0.0.0/8 or fd00::/64') };
    }),
    allowedCommonNames: list(raw, 'allowedCommonNames', path, errors, patternItem),
    allowedURISANs: list(raw, 'allowedURISANs', path, errors, patternItem),
    allowedEmailSANs: list(raw, 'allowedEmailSANs', path, errors, patternItem),
    allowedKeyTypes: list(raw, 'allowedKeyTypes', path, errors, (s, p) => {
      const k = parseKeyType(s);
      return k
        ? { ok: true, value: k }
        : {
            ok: false,
            error: fieldError.notSupported(p, s, ['ECDSA-P256', 'ECDSA-P384', 'RSA-<bits>', 'Ed25519']),
          };
    }),
  };
  return { policy, errors };
}

// ---------------------------------------------------------------- checking

/** Whether `name` (lower case) is allowed by one entry of allowedDNSNames. */
function dnsAllowed(entries: readonly string[], name: string): boolean {
  for (const e of entries) {
    if (e.startsWith('*.')) {
      const suffix = e.slice(1); // ".example.com"
      if (name.length > suffix.length && name.endsWith(suffix)) return true;
    } else if (e === name) return true;
  }
  return false;
}

/** A requested DNS SAN must be a DNS name (a leading `*` label allowed) before any rule sees it. */
const validDnsSan = (s: string): boolean => isDns1123Subdomain(s) || isWildcard(s);

const q = (s: string): string => JSON.stringify(s.length > 100 ? `${s.slice(0, 100)}...` : s);

function keyDescription(spki: Buffer): { text: string; ok: (r: KeyTypeRule) => boolean } | undefined {
  const k = decodeSpki(spki);
  if (!k) return undefined;
  if (k.kind === 'RSA') {
    const bits = k.n.length * 8 - Math.clz32(k.n[0]!) + 24;
    return { text: `RSA-${bits}`, ok: (r) => r.kind === 'RSA' && bits >= r.minBits };
  }
  if (k.kind === 'EC')
    return { text: `ECDSA-${k.curve.replace('-', '')}`, ok: (r) => r.kind === 'ECDSA' && r.curve === k.curve };
  return { text: 'Ed25519', ok: (r) => r.kind === 'Ed25519' };
}

function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const v of values) (seen.has(v) ? dup : seen).add(v);
  return [...dup];
}

/**
 * Every way the request breaks the policy, one message each naming the rule and the value
 * ("allowedDNSNames: DNS name \"evil.example\" is not allowed"); empty when it satisfies it.
 */
export function policyViolations(s: PolicySubject, policy: SigningPolicyFields): string[] {
  const out: string[] = [];
  const { csr } = s;

  const usages = policy.allowedUsages ?? [];
  for (const u of s.usages)
    if (!usages.includes(u))
      out.push(`allowedUsages: usage ${q(u)} is not allowed${policy.allowedUsages ? '' : ' (no usage is allowed)'}`);

  const dns = policy.allowedDNSNames ?? [];
  for (const raw of csr.dnsNames) {
    const name = raw.toLowerCase();
    if (!validDnsSan(name)) out.push(`DNS name ${q(raw)} is not a valid DNS name`);
    else if (!dnsAllowed(dns, name)) out.push(`allowedDNSNames: DNS name ${q(raw)} is not allowed`);
  }

  const ranges = policy.allowedIPRanges ?? [];
  for (const ip of csr.ipAddresses) {
    const b = ipToBytes(ip);
    if (!b || !ranges.some((c) => cidrContains(c, b)))
      out.push(`allowedIPRanges: IP address ${q(b ? bytesToIp(b) : ip)} is not in an allowed range`);
  }

  const cn = csr.subject.commonName ?? '';
  if (policy.allowedCommonNames) {
    if (!policy.allowedCommonNames.some((p) => p.fullMatch(cn)))
      out.push(`allowedCommonNames: common name ${q(cn)} does not match an allowed pattern`);
  } else if (cn !== '' && !(validDnsSan(cn.toLowerCase()) && dnsAllowed(dns, cn.toLowerCase()))) {
    out.push(
      `allowedCommonNames: common name ${q(cn)} is not allowed (without allowedCommonNames the CN must be empty or an allowed DNS name)`,
    );
  }

  for (const u of csr.uris)
    if (!(policy.allowedURISANs ?? []).some((p) => p.fullMatch(u)))
      out.push(`allowedURISANs: URI ${q(u)} is not allowed`);
  for (const e of csr.emailAddresses)
    if (!(policy.allowedEmailSANs ?? []).some((p) => p.fullMatch(e)))
      out.push(`allowedEmailSANs: email address ${q(e)} is not allowed`);

  const key = keyDescription(csr.spkiDer);
  const keyRules = policy.allowedKeyTypes ?? DEFAULT_KEY_TYPES;
  if (!key) out.push(`allowedKeyTypes: the request's public key (${csr.publicKeyAlgorithm}) is not a supported type`);
  else if (!keyRules.some(key.ok)) out.push(`allowedKeyTypes: key type ${key.text} is not allowed`);

  // a name listed twice is not something a real client asks for; refusing it keeps the
  // certificate exactly what the policy read
  for (const [kind, values] of [
    ['DNS name', csr.dnsNames.map((d) => d.toLowerCase())],
    ['IP address', csr.ipAddresses],
    ['URI', csr.uris],
    ['email address', csr.emailAddresses],
  ] as const)
    for (const d of duplicates(values)) out.push(`duplicate ${kind} SAN ${q(d)}`);
  return out;
}
