/**
 * `npm run bench`: every benchmark in bench/, one after another, each in its own process
 * (so one's warm-up or memory does not bias the next), printing their tables.
 * `npm run bench -- issue init` runs a subset; arguments after `--` that are not names pass
 * through to issue.js (e.g. `--quick`).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');
const ALL: Record<string, [string, string[]]> = {
  issue: [process.execPath, [join(here, 'issue.js')]],
  init: [process.execPath, [join(here, 'init.js')]],
  scan: [process.execPath, [join(here, 'scan.js')]],
  audit: [process.execPath, [join(here, 'audit-bench.js')]],
  authz: [process.execPath, [join(here, 'authz.js')]],
  'cfssl-serve': ['bash', [join(root, 'bench', 'cfssl-serve.sh')]],
  startup: ['bash', [join(root, 'bench', 'startup.sh')]],
  store: [process.execPath, [join(here, 'store.js')]],
  serve: [process.execPath, [join(here, 'serve.js')]],
};
const args = process.argv.slice(2);
const names = args.filter((a) => a in ALL);
const rest = args.filter((a) => !(a in ALL));
let failed = 0;
for (const name of names.length ? names : Object.keys(ALL)) {
  const [cmd, cmdArgs] = ALL[name]!;
  console.log(`\n## ${name}\n`);
  const r = spawnSync(cmd, name === 'issue' ? [...cmdArgs, ...rest] : cmdArgs, { stdio: 'inherit', cwd: root });
  if (r.status !== 0) {
    failed++;
    console.log(`(${name} exited with ${r.status ?? r.signal})`);
  }
}
process.exitCode = failed ? 1 : 0;
