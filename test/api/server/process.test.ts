import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, tmpDir } from '../../helpers.js';
import { startServeProcess } from './process.js';

// bench/serve.ts --baseline compares another build's server with this one's through `cli`;
// until 2026-12-06 the option was ignored and both sides ran this tree's CLI
test('startServeProcess runs the CLI it is given, with serve, --dir and --secure-port', async (t) => {
  const dir = tmpDir('kubetls-process-', t);
  const cli = join(dir, 'other-build.cjs');
  const seen = join(dir, 'argv.json');
  writeFileSync(
    cli,
    `require('node:fs').writeFileSync(${JSON.stringify(seen)}, JSON.stringify(process.argv.slice(2)));\n` +
      `process.stderr.write('the other build\\n');\nprocess.exit(3);\n`,
  );
  const port = await freePort();
  await assert.rejects(
    startServeProcess({ cli, dir, port, args: ['--controllers='], pollMs: 20 }),
    /kubetls serve exited 3: the other build/,
  );
  assert.deepEqual(JSON.parse(readFileSync(seen, 'utf8')), [
    'serve',
    '--dir',
    dir,
    '--secure-port',
    String(port),
    '--controllers=',
  ]);
});
