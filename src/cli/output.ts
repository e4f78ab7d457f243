/**
 * What the CLI prints to the person at the terminal outside a command's own output, in one
 * place: errors, warnings and notices (stderr) go through escapeControls, so input can never
 * write control characters or escape sequences to the terminal; and a closed stdout (`… |
 * head -1`) ends the process quietly with status 0.
 */
import { errorMessage } from '../errors/index.js';
import { escapeControls } from '../util/sanitize.js';

/** One stderr line, control characters escaped (the newline is ours). */
export function stderrLine(line: string): void {
  process.stderr.write(`${escapeControls(line)}\n`);
}

/** Report lines on stdout ("[renew] …", "[certs] Wrote …"): they quote paths and file contents, so escaped too. */
export function stdoutLines(lines: readonly string[]): void {
  process.stdout.write(lines.map((l) => escapeControls(l) + '\n').join(''));
}

let problemsFound = false;

/**
 * A check ran and found problems (a FAIL finding, a certificate expiring or unreadable): the
 * command finishes its output and exits 1. Commands say so here rather than setting
 * `process.exitCode`, so the exit code is decided in one place (run.ts).
 */
export function foundProblems(): void {
  problemsFound = true;
}

/** Whether the command line that just ran found problems; resets for the next one (the launcher's training runs several). */
export function takeFoundProblems(): boolean {
  const found = problemsFound;
  problemsFound = false;
  return found;
}

/** `error: <message> (hint: …)`. */
export function printError(e: unknown): void {
  stderrLine(`error: ${errorMessage(e)}`);
}

export function warn(msg: string): void {
  stderrLine(`[warning] ${msg}`);
}

/** The one line said for every backup a command makes (registered with util/notices.ts at start). */
export function announceBackupLine(path: string, backup: string): void {
  stderrLine(`[backup] kept the previous ${path} as ${backup}`);
}

let stdoutGuarded = false;

/**
 * A reader that stops early (`kubetls certs scan / | head -1`, `kubetls cfssljson -stdout |
 * head -c 400`) closes the pipe, and Node reports the next write as an 'error' event on
 * stdout, which would crash with a stack trace. The Go and coreutils tools end quietly
 * there; so does every kubetls command, with status 0 (what cfssljson gives whenever its
 * output fits the pipe, the usual case). Other stdout errors get one line and status 1.
 */
export function quietOnClosedStdout(): void {
  if (stdoutGuarded) return;
  stdoutGuarded = true;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    stderrLine(`error: cannot write to stdout: ${e.message}`);
    process.exit(1);
  });
  // a closed stderr (`2>&-`, a reader gone) must not crash the command either: its lines are lost, nothing else
  process.stderr.on('error', () => {});
}
