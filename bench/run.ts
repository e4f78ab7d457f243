/**
 * `npm run bench`: runs every benchmark in bench/ in turn and prints their tables.
 * Arguments are passed through (e.g. `npm run bench -- --quick --out bench/last.md`).
 */
import { main as issue } from './issue.js';

const report = await issue(process.argv.slice(2));
console.log('## Issuing certificates (bench/issue.ts)\n');
console.log(report);
