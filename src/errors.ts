/**
 * One error type for the whole toolkit. Every failure a user can cause carries a short
 * machine-readable `code`, a one-line message, and where possible a hint saying what to do.
 * The CLI prints `error: <message>` (+ hint) and exits non-zero; the HTTP servers map
 * codes to Kubernetes/cfssl error envelopes.
 */
export class KubetlsError extends Error {
  readonly code: string;
  readonly hint: string | undefined;

  constructor(code: string, message: string, hint?: string) {
    super(message);
    this.name = 'KubetlsError';
    this.code = code;
    this.hint = hint;
  }
}

export function isKubetlsError(e: unknown): e is KubetlsError {
  return e instanceof KubetlsError;
}

/** Message of any thrown value, without a stack (for one-line CLI errors). */
export function errorMessage(e: unknown): string {
  if (e instanceof KubetlsError) return e.hint ? `${e.message} (hint: ${e.hint})` : e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
