/**
 * signerName syntax (kube-apiserver's ValidateSignerName): `<domain>/<path>` with exactly one
 * '/'; the domain at most 253 bytes of DNS-1123 labels (each ≤ 63), at least two of them;
 * the path dot-separated DNS-1123 subdomains; the whole at most 571 bytes, room for
 * `<fqdn>/<namespace>.<name>` (253 + 1 + 63 + 1 + 253). After the first bad label of a part
 * the rest of that part is not checked, so one mistake gives one error.
 */
import { fieldError, type FieldError, type FieldPath } from '../../../errors/index.js';
import {
  byteLength,
  DNS1123_LABEL_MAX_LENGTH,
  DNS1123_SUBDOMAIN_MAX_LENGTH,
  isDNS1123Label,
  isDNS1123Subdomain,
} from '../../validation/content.js';

export const MAX_SIGNER_DOMAIN_LENGTH = DNS1123_SUBDOMAIN_MAX_LENGTH;
export const MAX_SIGNER_PATH_LENGTH = DNS1123_SUBDOMAIN_MAX_LENGTH + DNS1123_LABEL_MAX_LENGTH + 1;
export const MAX_SIGNER_NAME_LENGTH = MAX_SIGNER_DOMAIN_LENGTH + MAX_SIGNER_PATH_LENGTH + 1;

/** The errors of the first bad dot-separated label of `part`, each naming that label. */
function firstBadLabel(part: string, check: (label: string) => string[], path: FieldPath): FieldError[] {
  for (const label of part.split('.')) {
    const errs = check(label);
    if (errs.length)
      return errs.map((e) => fieldError.invalid(path, part, `validating label ${JSON.stringify(label)}: ${e}`));
  }
  return [];
}

export function validateSignerName(signerName: string | null | undefined, path: FieldPath): FieldError[] {
  if (!signerName) return [fieldError.required(path)];
  const segments = signerName.split('/');
  if (segments.length !== 2)
    return [
      fieldError.invalid(
        path,
        signerName,
        "must be a fully qualified domain and path of the form 'example.com/signer-name'",
      ),
    ];
  const [domain, signerPath] = segments as [string, string];
  const out: FieldError[] = [];
  if (byteLength(domain) > MAX_SIGNER_DOMAIN_LENGTH) out.push(fieldError.tooLong(path, MAX_SIGNER_DOMAIN_LENGTH));
  out.push(...firstBadLabel(domain, isDNS1123Label, path));
  if (domain.split('.').length < 2)
    out.push(fieldError.invalid(path, domain, 'should be a domain with at least two segments separated by dots'));
  out.push(...firstBadLabel(signerPath, isDNS1123Subdomain, path));
  if (byteLength(signerName) > MAX_SIGNER_NAME_LENGTH) out.push(fieldError.tooLong(path, MAX_SIGNER_NAME_LENGTH));
  return out;
}

/** The signer's domain: the text before the first '/' (`example.com` of `example.com/serving`). */
export const signerDomain = (signerName: string): string => signerName.split('/')[0]!;

/** Whether a signerName is reserved for Kubernetes' own signers (kubernetes.io or a subdomain of it). */
export function isKubernetesSignerName(signerName: string): boolean {
  const host = signerDomain(signerName);
  return host === 'kubernetes.io' || host.endsWith('.kubernetes.io');
}
