/**
 * kubetls command line, started by ./main.cts (from the bundle when there is one). Exit
 * codes, the same for every command: 0 all good, 1 the check found problems (audit/probe
 * FAILs, expiring or missing certificates, a failed renewal), 2 the command could not run
 * (bad flags, unreadable input, refused plan).
 * One exit path: a command that fails throws (a KubetlsError whose registry entry gives the
 * exit code, src/errors/registry.ts); a check that finds problems calls `foundProblems()`
 * (output.ts); `start` prints the error as one line and sets the exit code, nothing else in
 * the CLI does. The only other exits: a closed stdout (output.ts, status 0) and the
 * launcher's build-time training (main.cts).
 * Argument parsing and output only: each command group lives in its
 * own file and imports its business logic lazily, so `kubetls init` starts fast.
 * The cfssl-compatible family (`kubetls cfssl …`, `kubetls cfssljson …`) uses Go-style
 * single-dash long flags, which commander cannot parse, so it is dispatched to its own parser.
 */
import { exitCodeOf } from '../errors/index.js';
import { setBackupListener } from '../util/notices.js';
import { announceBackupLine, printError, quietOnClosedStdout, stderrLine, takeFoundProblems } from './output.js';

const isCfsslFamily = (argv: readonly string[]): boolean => argv[0] === 'cfssl' || argv[0] === 'cfssljson';

/**
 * Runs one command line; resolves to its exit code (0, or 1 when a check found problems, or
 * what the cfssl family's own commands return), rejects with what the command threw. Usage
 * errors are printed by commander.
 */
export async function main(argv: string[]): Promise<number> {
  takeFoundProblems(); // a fresh start for this command line
  if (isCfsslFamily(argv)) {
    const mod = await import('./cfssl.js');
    return mod.run(argv[0]!, argv.slice(1));
  }
  const { buildProgram } = await import('./program.js');
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    // commander has already printed its message; --help and --version end here with 0
    if (e instanceof Error && e.name === 'CommanderError')
      return (e as Error & { exitCode: number }).exitCode === 0 ? 0 : 2;
    throw e;
  }
  return takeFoundProblems() ? 1 : 0;
}

/**
 * The exit code of a command line that threw: the registry's (`exitCodeOf`: 2 could not run,
 * 1 ran and found problems), except for `kubetls cfssl …` and `kubetls cfssljson`, which exit
 * 1 on every error, as cfssl and cfssljson do.
 */
export const failureExitCode = (argv: readonly string[], e: unknown): 1 | 2 =>
  isCfsslFamily(argv) ? 1 : exitCodeOf(e);

/** Runs the command line of this process and sets its exit code, printing errors as one line: the CLI's one exit path. */
export function start(argv: string[]): void {
  quietOnClosedStdout();
  setBackupListener(announceBackupLine);
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      printError(e);
      if (process.env.KUBETLS_DEBUG && e instanceof Error) for (const l of String(e.stack).split('\n')) stderrLine(l);
      process.exitCode = failureExitCode(argv, e);
    },
  );
}
