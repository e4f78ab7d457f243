/**
 * One error type for the whole toolkit. Every failure a user can cause carries a `code`
 * declared once in ./registry.ts (its exit code, HTTP status, Kubernetes reason and cfssl
 * code live there), a one-line message, where possible a hint saying what to do, the error
 * it wraps (`cause`), and for validation failures the complete list of field errors. The
 * CLI prints `error: <message>` (+ hint) and exits with the registry's code; the servers
 * answer with the registry's status.
 */
import { errorSpec, type ErrorCode, type ErrorSpec } from './registry.js';
import { aggregateFieldErrors, type FieldError } from './field.js';

export {
  ERROR_REGISTRY,
  errorSpec,
  isErrorCode,
  type ErrorCode,
  type ErrorSpec,
  type StatusReason,
} from './registry.js';
export * from './field.js';

export interface KubetlsErrorOptions {
  hint?: string | undefined;
  /** the error this one wraps (kept for --debug output and for callers that inspect it) */
  cause?: unknown;
  /** every field error of a validation failure, in the order found */
  fieldErrors?: readonly FieldError[] | undefined;
}

export class KubetlsError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly fieldErrors: readonly FieldError[];

  constructor(code: ErrorCode, message: string, hint?: string | KubetlsErrorOptions) {
    const o: KubetlsErrorOptions = typeof hint === 'object' ? hint : { hint };
    super(message, o.cause === undefined ? undefined : { cause: o.cause });
    this.name = 'KubetlsError';
    this.code = code;
    this.hint = o.hint;
    this.fieldErrors = o.fieldErrors ?? [];
  }

  get spec(): ErrorSpec {
    return errorSpec(this.code);
  }

  /** The same error with `prefix: ` in front of its message (a file name, a field), code, hint and cause kept. */
  withContext(prefix: string): KubetlsError {
    return new KubetlsError(this.code, `${prefix}: ${this.message}`, {
      hint: this.hint,
      cause: this.cause,
      fieldErrors: this.fieldErrors,
    });
  }
}

export function isKubetlsError(e: unknown): e is KubetlsError {
  return e instanceof KubetlsError;
}

/**
 * A validation failure carrying every field error: the message lists them all (one, or
 * several in brackets as kube-apiserver writes them), prefixed by what was validated.
 */
export function fieldValidationError(code: ErrorCode, what: string, errors: readonly FieldError[]): KubetlsError {
  const body = aggregateFieldErrors(errors);
  return new KubetlsError(code, what ? `${what}: ${body}` : body, { fieldErrors: errors });
}

/** Message of any thrown value, without a stack (for one-line CLI errors). */
export function errorMessage(e: unknown): string {
  if (e instanceof KubetlsError) return e.hint ? `${e.message} (hint: ${e.hint})` : e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

/** The CLI exit code for a thrown value: the registry's for a KubetlsError, 2 for anything else. */
export function exitCodeOf(e: unknown): 1 | 2 {
  return e instanceof KubetlsError ? e.spec.exit : 2;
}
