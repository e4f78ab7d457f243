/**
 * `--signer-config FILE`: the custom signers, one process, any number of them.
 *
 *   apiVersion: kubetls.io/v1alpha1
 *   kind: SignerConfiguration
 *   signers:
 *   - signerName: example.com/serving
 *     caCertFile: ca.pem          # or remote: {url, authKey, profile, caFile}
 *     caKeyFile: ca-key.pem
 *     maxDuration: 8760h
 *     caBundle: kube-public/example-serving-ca   # ConfigMap namespace/name, key ca.crt
 *     …the policy fields (./policy.ts)
 *
 * Read strictly: an unknown field, an invalid pattern, CIDR or duration, a duplicate or
 * built-in (kubernetes.io) signerName — every problem is reported at once with its field
 * path, and start-up stops (exit 2). Relative file paths are relative to the file.
 */
import { dirname, resolve } from 'node:path';
import { fieldError, fieldValidationError, FieldPath, KubetlsError, type FieldError } from '../../errors/index.js';
import { validateSignerName, isKubernetesSignerName } from '../../api/resources/certificates/signername.js';
import { isDNS1123Label, isDNS1123Subdomain } from '../../api/validation/content.js';
import { parseGoDuration } from '../../util/duration.js';
import { readFileBounded } from '../../util/read.js';
import { parseYaml } from '../../util/yaml.js';
import { POLICY_FIELDS, parsePolicyFields, type SigningPolicyFields } from './policy.js';
import { MIN_SIGNING_DURATION_MS } from './duration.js';

export const SIGNER_CONFIG_API_VERSION = 'kubetls.io/v1alpha1';
export const SIGNER_CONFIG_KIND = 'SignerConfiguration';

const SIGNER_FIELDS: ReadonlySet<string> = new Set([
  'signerName',
  'caCertFile',
  'caKeyFile',
  'maxDuration',
  'remote',
  'caBundle',
  ...POLICY_FIELDS,
]);
const REMOTE_FIELDS: ReadonlySet<string> = new Set(['url', 'authKey', 'profile', 'caFile']);

export interface RemoteSignerConfig {
  url: string;
  /** cfssl's auth key (hex in the file, as cfssl's auth_keys), decoded: requests go to authsign */
  authKey: Buffer | undefined;
  profile: string | undefined;
  /** PEM CA file the remote's TLS certificate must chain to (Node's roots when absent) */
  caFile: string | undefined;
}

export interface CustomSignerConfig {
  signerName: string;
  /** the signing CA (for a remote signer: the CA it signs with, published and used to verify, optional) */
  caCertFile: string | undefined;
  caKeyFile: string | undefined;
  /** undefined: --cluster-signing-duration */
  maxDurationMs: number | undefined;
  remote: RemoteSignerConfig | undefined;
  caBundle: { namespace: string; name: string } | undefined;
  policy: SigningPolicyFields;
}

export interface SignerConfiguration {
  signers: CustomSignerConfig[];
}

export type Doc = Record<string, unknown>;
export const isDoc = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A forbidden-field error for each key not in `known` (shared with the approver configuration). */
export function unknownFieldErrors(doc: Doc, known: ReadonlySet<string>, path: FieldPath): FieldError[] {
  const out: FieldError[] = [];
  for (const k of Object.keys(doc))
    if (!known.has(k)) {
      const near = [...known].find((n) => n.toLowerCase() === k.toLowerCase());
      out.push(fieldError.forbidden(path.child(k), `unknown field${near ? ` (did you mean "${near}"?)` : ''}`));
    }
  return out;
}

function str(doc: Doc, name: string, path: FieldPath, errors: FieldError[], required: boolean): string | undefined {
  const v = doc[name];
  if (v === undefined || v === null || v === '') {
    if (required) errors.push(fieldError.required(path.child(name)));
    return undefined;
  }
  if (typeof v !== 'string') {
    errors.push(fieldError.typeInvalid(path.child(name), v, 'must be a string'));
    return undefined;
  }
  return v;
}

function parseRemote(v: unknown, path: FieldPath, base: string, errors: FieldError[]): RemoteSignerConfig | undefined {
  if (!isDoc(v)) {
    errors.push(fieldError.typeInvalid(path, v, 'must be an object {url, authKey, profile, caFile}'));
    return undefined;
  }
  errors.push(...unknownFieldErrors(v, REMOTE_FIELDS, path));
  const url = str(v, 'url', path, errors, true);
  if (url && /^http:\/\//i.test(url))
    errors.push(fieldError.invalid(path.child('url'), url, 'kubetls signs through HTTPS only'));
  const hex = str(v, 'authKey', path, errors, false);
  let authKey: Buffer | undefined;
  if (hex !== undefined) {
    if (!/^([0-9a-fA-F]{2})+$/.test(hex))
      // never echo a secret back: the value is left out of the message
      errors.push(
        fieldError.forbidden(path.child('authKey'), 'must be hex (as cfssl auth_keys), an even number of digits'),
      );
    else authKey = Buffer.from(hex, 'hex');
  }
  const caFile = str(v, 'caFile', path, errors, false);
  return {
    url: url ?? '',
    authKey,
    profile: str(v, 'profile', path, errors, false),
    caFile: caFile && resolve(base, caFile),
  };
}

function parseCaBundle(
  s: string,
  path: FieldPath,
  errors: FieldError[],
): { namespace: string; name: string } | undefined {
  const parts = s.split('/');
  if (parts.length !== 2 || isDNS1123Label(parts[0]!).length || isDNS1123Subdomain(parts[1]!).length) {
    errors.push(fieldError.invalid(path, s, 'must be a ConfigMap "namespace/name"'));
    return undefined;
  }
  return { namespace: parts[0]!, name: parts[1]! };
}

function parseSigner(
  raw: unknown,
  path: FieldPath,
  base: string,
  errors: FieldError[],
): CustomSignerConfig | undefined {
  if (!isDoc(raw)) {
    errors.push(fieldError.typeInvalid(path, raw, 'must be an object'));
    return undefined;
  }
  errors.push(...unknownFieldErrors(raw, SIGNER_FIELDS, path));
  const signerName = str(raw, 'signerName', path, errors, true) ?? '';
  if (signerName) {
    const p = path.child('signerName');
    const bad = validateSignerName(signerName, p);
    errors.push(...bad);
    if (!bad.length && isKubernetesSignerName(signerName))
      errors.push(
        fieldError.forbidden(
          p,
          `${signerName} is a Kubernetes signer: use the --cluster-signing-* flags for the built-in signers`,
        ),
      );
  }
  const remote =
    raw.remote === undefined || raw.remote === null
      ? undefined
      : parseRemote(raw.remote, path.child('remote'), base, errors);
  const caCertFile = str(raw, 'caCertFile', path, errors, !remote);
  const caKeyFile = str(raw, 'caKeyFile', path, errors, !remote);
  if (remote && caKeyFile)
    errors.push(
      fieldError.forbidden(
        path.child('caKeyFile'),
        'a remote signer holds its key itself: give caKeyFile or remote, not both',
      ),
    );
  let maxDurationMs: number | undefined;
  const md = str(raw, 'maxDuration', path, errors, false);
  if (md !== undefined) {
    try {
      maxDurationMs = parseGoDuration(md, String(path.child('maxDuration')));
      if (maxDurationMs < MIN_SIGNING_DURATION_MS)
        errors.push(
          fieldError.invalid(
            path.child('maxDuration'),
            md,
            'must be at least 10m (the shortest lifetime a signer issues)',
          ),
        );
    } catch {
      errors.push(fieldError.invalid(path.child('maxDuration'), md, 'must be a Go duration such as "8760h" or "90m"'));
    }
  }
  const cb = str(raw, 'caBundle', path, errors, false);
  const { policy, errors: policyErrors } = parsePolicyFields(raw, path);
  errors.push(...policyErrors);
  return {
    signerName,
    caCertFile: caCertFile && resolve(base, caCertFile),
    caKeyFile: caKeyFile && resolve(base, caKeyFile),
    maxDurationMs,
    remote,
    caBundle: cb === undefined ? undefined : parseCaBundle(cb, path.child('caBundle'), errors),
    policy,
  };
}

/** Parses a SignerConfiguration document; `source` names it in errors, `base` resolves relative paths. */
export function parseSignerConfiguration(text: string, source: string, base: string): SignerConfiguration {
  const doc = parseYaml(text, source, { code: 'InvalidConfig' });
  const errors: FieldError[] = [];
  const root = FieldPath.root();
  if (!isDoc(doc)) throw new KubetlsError('InvalidConfig', `${source}: must be a ${SIGNER_CONFIG_KIND} object`);
  errors.push(...unknownFieldErrors(doc, new Set(['apiVersion', 'kind', 'signers']), root));
  if (doc.apiVersion !== SIGNER_CONFIG_API_VERSION)
    errors.push(fieldError.notSupported(root.child('apiVersion'), doc.apiVersion ?? '', [SIGNER_CONFIG_API_VERSION]));
  if (doc.kind !== SIGNER_CONFIG_KIND)
    errors.push(fieldError.notSupported(root.child('kind'), doc.kind ?? '', [SIGNER_CONFIG_KIND]));
  const signers: CustomSignerConfig[] = [];
  const list = doc.signers;
  if (!Array.isArray(list)) errors.push(fieldError.required(root.child('signers'), 'a list of signers'));
  else {
    const seen = new Set<string>();
    list.forEach((raw: unknown, i) => {
      const s = parseSigner(raw, root.child('signers').index(i), base, errors);
      if (!s) return;
      if (s.signerName && seen.has(s.signerName))
        errors.push(fieldError.duplicate(root.child('signers').index(i).child('signerName'), s.signerName));
      seen.add(s.signerName);
      signers.push(s);
    });
  }
  if (errors.length) throw fieldValidationError('InvalidConfig', source, errors);
  return { signers };
}

/** Reads and parses `--signer-config FILE` (bounded read; paths inside relative to the file). */
export function loadSignerConfiguration(file: string): SignerConfiguration {
  const text = readFileBounded(file, 1024 * 1024).toString('utf8');
  return parseSignerConfiguration(text, file, dirname(resolve(file)));
}
