/**
 * `--approver-config FILE`: the policy approver's rules for custom signers.
 *
 *   apiVersion: kubetls.io/v1alpha1
 *   kind: ApproverConfiguration
 *   rules:
 *   - name: web-team                    # optional; messages name the rule by it (else rules[i])
 *     signerName: example.com/serving
 *     users: ["alice"]                  # the requester (spec.username) is one of these…
 *     groups: ["web-team"]              # …or in one of these groups
 *     allowedUsages: ["digital signature", "key encipherment", "server auth"]
 *     allowedDNSNames: ["*.web.svc.cluster.local"]
 *     …the other signer policy fields (../signing/policy.ts)
 *
 * The policy fields mean exactly what they mean in a SignerConfiguration and are checked by
 * the same code, so a rule cannot read differently from the signer it feeds. A rule needs
 * `users` or `groups` (a rule for everyone says `groups: ["system:authenticated"]`, on
 * purpose). Built-in `kubernetes.io/` signers are refused: their approval is the
 * nodeclient and kubelet-serving approvers' (or a person's). Read strictly: every unknown
 * field, bad pattern or CIDR is reported with its field path and start-up stops (exit 2).
 */
import { isKubernetesSignerName, validateSignerName } from '../../api/resources/certificates/signername.js';
import { fieldError, fieldValidationError, FieldPath, KubetlsError, type FieldError } from '../../errors/index.js';
import { readFileBounded } from '../../util/read.js';
import { parseYaml } from '../../util/yaml.js';
import { isDoc, unknownFieldErrors, type Doc } from '../signing/config.js';
import { POLICY_FIELDS, parsePolicyFields, type SigningPolicyFields } from '../signing/policy.js';

export const APPROVER_CONFIG_API_VERSION = 'kubetls.io/v1alpha1';
export const APPROVER_CONFIG_KIND = 'ApproverConfiguration';

/** Largest --approver-config read (far above any real file; bounded for a hostile one). */
export const MAX_APPROVER_CONFIG_BYTES = 1024 * 1024;
const MAX_SUBJECTS = 1000;

const RULE_FIELDS: ReadonlySet<string> = new Set(['name', 'signerName', 'users', 'groups', ...POLICY_FIELDS]);

export interface ApproverRule {
  /** `name` from the file, or `rules[i]` */
  name: string;
  signerName: string;
  users: ReadonlySet<string>;
  groups: ReadonlySet<string>;
  policy: SigningPolicyFields;
}

export interface ApproverConfiguration {
  rules: ApproverRule[];
}

function names(doc: Doc, field: string, path: FieldPath, errors: FieldError[]): Set<string> {
  const v = doc[field];
  const p = path.child(field);
  const out = new Set<string>();
  if (v === undefined || v === null) return out;
  if (!Array.isArray(v)) {
    errors.push(fieldError.typeInvalid(p, v, 'must be a list of strings'));
    return out;
  }
  if (v.length > MAX_SUBJECTS) {
    errors.push(fieldError.tooMany(p, v.length, MAX_SUBJECTS));
    return out;
  }
  v.forEach((x: unknown, i) => {
    if (typeof x !== 'string' || x === '') errors.push(fieldError.invalid(p.index(i), x, 'must be a non-empty string'));
    else if (out.has(x)) errors.push(fieldError.duplicate(p.index(i), x));
    else out.add(x);
  });
  return out;
}

function parseRule(raw: unknown, path: FieldPath, errors: FieldError[]): ApproverRule | undefined {
  if (!isDoc(raw)) {
    errors.push(fieldError.typeInvalid(path, raw, 'must be an object'));
    return undefined;
  }
  errors.push(...unknownFieldErrors(raw, RULE_FIELDS, path));
  let name = String(path);
  if (raw.name !== undefined && raw.name !== null) {
    if (typeof raw.name !== 'string' || raw.name === '' || raw.name.length > 253)
      errors.push(fieldError.invalid(path.child('name'), raw.name, 'must be a string of 1 to 253 characters'));
    else name = raw.name;
  }
  let signerName = '';
  const sn = raw.signerName;
  if (sn === undefined || sn === null || sn === '') errors.push(fieldError.required(path.child('signerName')));
  else if (typeof sn !== 'string')
    errors.push(fieldError.typeInvalid(path.child('signerName'), sn, 'must be a string'));
  else {
    const bad = validateSignerName(sn, path.child('signerName'));
    errors.push(...bad);
    if (!bad.length && isKubernetesSignerName(sn))
      errors.push(
        fieldError.forbidden(
          path.child('signerName'),
          `${sn} is a Kubernetes signer: its requests are approved by csrapproving, kubelet-serving-approver or a person`,
        ),
      );
    signerName = sn;
  }
  const users = names(raw, 'users', path, errors);
  const groups = names(raw, 'groups', path, errors);
  // a wrongly typed list has its own error already; an empty or absent pair names nobody
  const listOrAbsent = (v: unknown) => v === undefined || v === null || Array.isArray(v);
  if (!users.size && !groups.size && listOrAbsent(raw.users) && listOrAbsent(raw.groups))
    errors.push(fieldError.required(path.child('users'), 'a rule needs users or groups: whose requests it approves'));
  const { policy, errors: policyErrors } = parsePolicyFields(raw, path);
  errors.push(...policyErrors);
  return { name, signerName, users, groups, policy };
}

/** Parses an ApproverConfiguration document; `source` names it in errors. */
export function parseApproverConfiguration(text: string, source: string): ApproverConfiguration {
  const doc = parseYaml(text, source, { code: 'InvalidConfig' });
  if (!isDoc(doc)) throw new KubetlsError('InvalidConfig', `${source}: must be an ${APPROVER_CONFIG_KIND} object`);
  const errors: FieldError[] = [];
  const root = FieldPath.root();
  errors.push(...unknownFieldErrors(doc, new Set(['apiVersion', 'kind', 'rules']), root));
  if (doc.apiVersion !== APPROVER_CONFIG_API_VERSION)
    errors.push(fieldError.notSupported(root.child('apiVersion'), doc.apiVersion ?? '', [APPROVER_CONFIG_API_VERSION]));
  if (doc.kind !== APPROVER_CONFIG_KIND)
    errors.push(fieldError.notSupported(root.child('kind'), doc.kind ?? '', [APPROVER_CONFIG_KIND]));
  const rules: ApproverRule[] = [];
  if (!Array.isArray(doc.rules)) errors.push(fieldError.required(root.child('rules'), 'a list of rules'));
  else {
    const seen = new Set<string>();
    doc.rules.forEach((raw: unknown, i) => {
      const p = root.child('rules').index(i);
      const r = parseRule(raw, p, errors);
      if (!r) return;
      if (isDoc(raw) && typeof raw.name === 'string') {
        if (seen.has(r.name)) errors.push(fieldError.duplicate(p.child('name'), r.name));
        seen.add(r.name);
      }
      rules.push(r);
    });
  }
  if (errors.length) throw fieldValidationError('InvalidConfig', source, errors);
  return { rules };
}

/** Reads and parses `--approver-config FILE` (bounded read). */
export function loadApproverConfiguration(file: string): ApproverConfiguration {
  return parseApproverConfiguration(readFileBounded(file, MAX_APPROVER_CONFIG_BYTES).toString('utf8'), file);
}
