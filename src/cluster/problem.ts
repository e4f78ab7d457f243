/**
 * What a plan (`init`, `renew`) found wrong, as data: a code from the error registry (so the
 * CLI's exit code, and later an API `Status`, follow from it), the file it concerns and the
 * sentence the CLI prints. The plan collects every problem before anything is written.
 */
import { KubetlsError, type ErrorCode } from '../errors/index.js';

export interface Problem {
  readonly code: ErrorCode;
  /** the file the problem is about (a certificate, key, kubeconfig or CA), when there is one */
  readonly path?: string;
  /** one line, as printed */
  readonly message: string;
}

export const problem = (code: ErrorCode, message: string, path?: string): Problem =>
  path === undefined ? { code, message } : { code, message, path };

/** The refusal of a plan: carries every problem; its message lists them as `init` always has. */
export class PlanError extends KubetlsError {
  readonly problems: readonly Problem[];
  constructor(problems: readonly Problem[]) {
    const uniq = [...new Set(problems.map((p) => p.message))];
    super(
      'PlanFailed',
      uniq.length === 1 ? uniq[0]! : `${uniq.length} problems, nothing was written:\n  - ${uniq.join('\n  - ')}`,
    );
    this.problems = problems;
  }
}
