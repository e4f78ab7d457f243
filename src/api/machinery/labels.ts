/**
 * Label keys and values as Kubernetes validates them (apimachinery
 * `pkg/api/validate/content/kube.go` IsLabelKey / IsLabelValue and `content/dns.go`): a key is
 * an optional DNS-1123 subdomain prefix and `/`, then a name of at most 63 characters of
 * `[-A-Za-z0-9_.]` that starts and ends alphanumeric; a value is empty or the same shape. The
 * messages are kube's, so `kubectl label` users see the words they know.
 */
import { fieldError, type FieldError, type FieldPath } from '../../errors/index.js';

const LABEL_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_NAME = new RegExp(`^${LABEL_NAME_FMT}$`);
const LABEL_VALUE_FMT = `(${LABEL_NAME_FMT})?`;
const LABEL_VALUE = new RegExp(`^${LABEL_VALUE_FMT}$`);
const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);

const LABEL_KEY_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

export const LABEL_VALUE_MAX_LENGTH = 63;

/** apimachinery RegexError: the message, examples, and the regex used */
function regexError(msg: string, re: string, ...examples: string[]): string {
  if (!examples.length) return `${msg} (regex used for validation is '${re}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join('or ')}regex used for validation is '${re}')`;
}

const maxLenError = (n: number): string => `must be no more than ${n} bytes`;

/** Go measures strings in bytes; so do the limits. */
const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');

/** The problems of a DNS-1123 subdomain (lower case), as IsDNS1123Subdomain lists them. */
export function dns1123SubdomainErrors(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 253) errs.push(maxLenError(253));
  if (!DNS1123_SUBDOMAIN.test(value)) errs.push(regexError(SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  return errs;
}

/** The problems of a label key (an empty list when it is valid). */
export function labelKeyErrors(key: string): string[] {
  const errs: string[] = [];
  const parts = key.split('/');
  let name: string;
  if (parts.length === 1) name = parts[0]!;
  else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (!prefix) errs.push('prefix part must be non-empty');
    else errs.push(...dns1123SubdomainErrors(prefix).map((m) => `prefix part ${m}`));
  } else {
    return [
      `a valid label key ${regexError(LABEL_KEY_MSG, LABEL_NAME_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (!name) errs.push('name part must be non-empty');
  else if (byteLength(name) > 63) errs.push(`name part ${maxLenError(63)}`);
  if (!LABEL_NAME.test(name))
    errs.push(`name part ${regexError(LABEL_KEY_MSG, LABEL_NAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

/** The problems of a label value (an empty list when it is valid). */
export function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > LABEL_VALUE_MAX_LENGTH) errs.push(maxLenError(LABEL_VALUE_MAX_LENGTH));
  if (!LABEL_VALUE.test(value)) errs.push(regexError(LABEL_VALUE_MSG, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errs;
}

/**
 * Field errors for `metadata.labels` (apimachinery ValidateLabels): one Invalid per bad key
 * (value: the key) and per bad value (value: the value), each message as kube words it.
 */
export function validateLabels(labels: Record<string, string> | undefined, path: FieldPath | string): FieldError[] {
  const out: FieldError[] = [];
  if (!labels) return out;
  for (const [k, v] of Object.entries(labels)) {
    for (const m of labelKeyErrors(k)) out.push(fieldError.invalid(path, k, m));
    if (typeof v !== 'string') {
      out.push(fieldError.invalid(path, v, 'label values must be strings'));
      continue;
    }
    for (const m of labelValueErrors(v)) out.push(fieldError.invalid(path, v, m));
  }
  return out;
}
