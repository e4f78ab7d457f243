/**
 * CertificateSigningRequest validation with kube-apiserver's rules and messages (its
 * certificates validation package; docs/upstream/csr-api.md Part B §0): every problem is
 * returned as a field error with its path, none is thrown.
 *
 * Rules that old data may already break (a legacy signerName, unknown or duplicate usages,
 * duplicate or empty condition types, Approved together with Denied, a certificate that no
 * longer parses) are tolerated on update only when the stored object already breaks them,
 * so objects written under older rules stay updatable; a certificate an update leaves
 * unchanged is not validated again, nor is a request: spec is immutable (the strategy keeps
 * the stored one), so on an update `spec.request` is the stored object's, byte for byte,
 * read and verified when that object was created.
 *
 * JSON types are not checked here: a body is decoded with the kind's schema first
 * (machinery/decode.ts; a number in spec.usages is kube's 400 `CertificateSigningRequest in
 * version "v1" cannot be handled as a CertificateSigningRequest: json: cannot unmarshal …`),
 * and a patched object is checked the same way (machinery/patch.ts).
 */
import { fieldError, FieldPath, formatFieldError, type FieldError } from '../../../errors/index.js';
import type { KubeObject } from '../../object.js';
import { nameIsPathSegment, validateObjectMeta, validateObjectMetaUpdate } from '../../validation/objectmeta.js';
import { certificateBytes, certificateProblem, sameCertificate } from './certificate.js';
import { conditionUpdateErrors, validateConditions, type ConditionRules } from './conditions.js';
import { readRequest } from './request.js';
import { validateSignerName } from './signername.js';
import {
  asCSR,
  conditionsOf,
  KEY_USAGES,
  SIGNERS,
  type CertificateSigningRequest,
  type CertificateSigningRequestCondition,
} from './types.js';

export const MIN_EXPIRATION_SECONDS = 600;

export interface ValidationOptions extends ConditionRules {
  /** /approval may add Approved or Denied */
  allowSettingApprovalConditions: boolean;
  /** /status may set status.certificate */
  allowSettingCertificate: boolean;
  allowResettingCertificate: boolean;
  allowLegacySignerName: boolean;
  allowArbitraryCertificate: boolean;
  allowUnknownUsages: boolean;
  allowDuplicateUsages: boolean;
  /**
   * `spec.request` is the stored object's text: its outcome was settled on create, so it is
   * neither decoded nor its signature checked again. Every /approval and /status write (the
   * drain of a signer: one /status write per certificate) otherwise paid a PKCS#10 parse and
   * a signature verification, which request.ts's cache of recent requests does not spare once
   * a drain touches more CSRs than it holds (bench/RESULTS.md, 2026-12-05 22:30).
   */
  requestUnchanged: boolean;
}

const KNOWN_USAGES: ReadonlySet<string> = new Set(KEY_USAGES);
/** kube-apiserver lists the supported usages sorted */
const SORTED_USAGES = [...KEY_USAGES].sort();

const hasDuplicates = (values: readonly string[]): boolean => new Set(values).size !== values.length;

function hasBothApprovedAndDenied(conditions: readonly CertificateSigningRequestCondition[]): boolean {
  const types = conditions.map((c) => c.type ?? '');
  return types.includes('Approved') && types.includes('Denied');
}

/** The tolerances an update gets from the stored object (`prev`); none on create. */
export function validationOptions(
  next: CertificateSigningRequest,
  prev?: CertificateSigningRequest,
): ValidationOptions {
  const prevConditions = prev ? conditionsOf(prev) : [];
  const prevUsages = prev?.spec?.usages ?? [];
  return {
    allowSettingApprovalConditions: false,
    allowSettingCertificate: false,
    allowResettingCertificate: false,
    allowBothApprovedAndDenied: hasBothApprovedAndDenied(prevConditions),
    allowLegacySignerName: prev?.spec?.signerName === SIGNERS.legacyUnknown,
    allowDuplicateConditionTypes: hasDuplicates(prevConditions.map((c) => c.type ?? '')),
    allowEmptyConditionType: prevConditions.some((c) => !c.type),
    allowArbitraryCertificate:
      prev !== undefined &&
      (sameCertificate(next.status?.certificate, prev.status?.certificate) ||
        certificateProblem(prev.status?.certificate) !== undefined),
    allowUnknownUsages: prevUsages.some((u) => !KNOWN_USAGES.has(u)),
    allowDuplicateUsages: hasDuplicates(prevUsages),
    requestUnchanged: typeof next.spec?.request === 'string' && next.spec.request === prev?.spec?.request,
  };
}

/** Every rule of one object under `opts` (its JSON types were checked when it was decoded). */
export function validateCertificateSigningRequest(
  csr: CertificateSigningRequest,
  opts: ValidationOptions,
): FieldError[] {
  const out = validateObjectMeta(csr.metadata, { namespaced: false, name: nameIsPathSegment });
  const spec = csr.spec ?? {};
  const specPath = FieldPath.root('spec');
  const request = opts.requestUnchanged ? undefined : readRequest(spec.request);
  if (request && !request.ok)
    out.push(fieldError.invalid(specPath.child('request'), spec.request ?? null, request.reason));
  const usages = spec.usages ?? [];
  const usagesPath = specPath.child('usages');
  if (usages.length === 0) out.push(fieldError.required(usagesPath));
  if (!opts.allowUnknownUsages)
    usages.forEach((u, i) => {
      if (!KNOWN_USAGES.has(u)) out.push(fieldError.notSupported(usagesPath.index(i), u, SORTED_USAGES));
    });
  if (!opts.allowDuplicateUsages) {
    const seen = new Set<string>();
    usages.forEach((u, i) => {
      if (seen.has(u)) out.push(fieldError.duplicate(usagesPath.index(i), u));
      seen.add(u);
    });
  }
  const signerPath = specPath.child('signerName');
  if (!opts.allowLegacySignerName && spec.signerName === SIGNERS.legacyUnknown)
    out.push(
      fieldError.invalid(signerPath, spec.signerName, 'the legacy signerName is not allowed via this API version'),
    );
  else out.push(...validateSignerName(spec.signerName, signerPath));
  const expiration = spec.expirationSeconds;
  if (typeof expiration === 'number' && expiration < MIN_EXPIRATION_SECONDS)
    out.push(
      fieldError.invalid(
        specPath.child('expirationSeconds'),
        expiration,
        'may not specify a duration less than 600 seconds (10 minutes)',
      ),
    );
  out.push(...validateConditions(conditionsOf(csr), opts, FieldPath.root('status').child('conditions')));
  if (!opts.allowArbitraryCertificate) {
    const problem = certificateProblem(csr.status?.certificate);
    if (problem)
      out.push(fieldError.invalid(FieldPath.root('status').child('certificate'), '<certificate data>', problem));
  }
  return out;
}

/** A new CSR (after prepareForCreate). */
export function validateCreate(obj: KubeObject): FieldError[] {
  const csr = asCSR(obj);
  return validateCertificateSigningRequest(csr, validationOptions(csr));
}

/** Which write path an update came through: the main resource, /approval or /status. */
export type UpdatePath = 'main' | 'approval' | 'status';

/** The same error can come from both the object and the metadata-update rules (labels); report it once. */
function unique(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.type} ${formatFieldError(e)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** An update (after prepareForUpdate) against the stored object. */
export function validateUpdate(next: KubeObject, prev: KubeObject, path: UpdatePath): FieldError[] {
  const n = asCSR(next);
  const o = asCSR(prev);
  const opts = validationOptions(n, o);
  opts.allowSettingApprovalConditions = path === 'approval';
  opts.allowSettingCertificate = path === 'status';
  const out = validateCertificateSigningRequest(n, opts);
  const statusPath = FieldPath.root('status');
  out.push(
    ...conditionUpdateErrors(
      conditionsOf(n),
      conditionsOf(o),
      opts.allowSettingApprovalConditions,
      statusPath.child('conditions'),
    ),
  );
  if (!sameCertificate(n.status?.certificate, o.status?.certificate)) {
    const certPath = statusPath.child('certificate');
    if (!opts.allowSettingCertificate)
      out.push(fieldError.forbidden(certPath, 'updates may not set certificate content'));
    else if (!opts.allowResettingCertificate && (certificateBytes(o.status?.certificate)?.length ?? 0) > 0)
      out.push(fieldError.forbidden(certPath, 'updates may not modify existing certificate content'));
  }
  out.push(...validateObjectMetaUpdate(n.metadata, o.metadata));
  return unique(out);
}
