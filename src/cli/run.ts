/**
 * kubetls command line, started by ./main.cts (from the bundle when there is one). Exit
 * codes, the same for every command: 0 all good, 1 the check found problems (audit/probe
 * FAILs, expiring or missing certificates, a failed renewal), 2 the command could not run
 * (bad flags, unreadable input, refused plan).
 * Argument parsing and output only: each command group lives in its
 * own file and imports its business logic lazily, so `kubetls init` starts fast.
 * The cfssl-compatible family (`kubetls cfssl …`, `kubetls cfssljson …`) uses Go-style
 * single-dash long flags, which commander cannot parse, so it is dispatched to its own parser.
 */
import { exitCodeOf } from '../errors/index.js';
import { setBackupListener } from '../util/notices.js';
import { announceBackupLine, printError, quietOnClosedStdout, stderrLine } from './output.js';

/** Runs one command line; resolves to its exit code. Usage errors are printed by commander. */
export async function main(argv: string[]): Promise<number> {
  const [first] = argv;
  if (first === 'cfssl' || first === 'cfssljson') {
    const mod = await import('./cfssl.js');
    return mod.run(first, argv.slice(1));
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
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}

/** Runs the command line of this process and sets its exit code, printing errors as one line. */
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
      process.exitCode = exitCodeOf(e);
    },
  );
}
