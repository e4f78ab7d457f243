#!/usr/bin/env node
/**
 * kubetls command line. Argument parsing and output only: each command group lives in its
 * own file and imports its business logic lazily, so `kubetls init` starts fast.
 * The cfssl-compatible family (`kubetls cfssl …`, `kubetls cfssljson …`) uses Go-style
 * single-dash long flags, which commander cannot parse, so it is dispatched to its own parser.
 */
import { errorMessage } from '../errors.js';

async function main(argv: string[]): Promise<number> {
  const [first] = argv;
  if (first === 'cfssl' || first === 'cfssljson') {
    const mod = await import('./cfssl.js');
    return mod.run(first, argv.slice(1));
  }
  const { buildProgram } = await import('./program.js');
  const program = buildProgram();
  await program.parseAsync(argv, { from: 'user' });
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`error: ${errorMessage(e)}\n`);
    if (process.env.KUBETLS_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    process.exitCode = 1;
  },
);
