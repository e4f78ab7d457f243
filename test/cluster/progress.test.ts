/** The progress bar appears on a terminal for long runs, and never in pipes or logs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, cli, hasCommand, run, tmpDir } from '../helpers.js';

const nodes = Array.from(
  { length: 8 },
  (_, i) => `- {name: w-${i}, role: ${i === 0 ? 'control-plane' : 'worker'}, address: 10.0.0.${i + 1}}`,
).join('\n');
const CONFIG = `apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nencryptionAlgorithm: ECDSA-P256\n---\napiVersion: kubetls.io/v1alpha1\nkind: ClusterNodes\nnodes:\n${nodes}\n`;

test(
  'a many-node init shows "[keys] [####] N/N" on a TTY (util-linux script), nothing when piped',
  { skip: hasCommand('script') ? false : 'util-linux script not installed' },
  (t) => {
    const dir = tmpDir('kubetls-progress-', t);
    writeFileSync(join(dir, 'cluster.yaml'), CONFIG);
    const cmd = `${process.execPath} ${CLI} init --config ${join(dir, 'cluster.yaml')} --dir ${join(dir, 'tty')}`;
    const tty = run('script', ['-qec', cmd, '/dev/null']);
    assert.equal(tty.code, 0, tty.stdout + tty.stderr);
    const m = /\[keys\] \[#+\] (\d+)\/(\d+)/.exec(tty.stdout);
    assert.ok(m, `no progress bar in:\n${tty.stdout.slice(0, 500)}`);
    const last = [...tty.stdout.matchAll(/\[keys\] \[[#-]+\] (\d+)\/(\d+)/g)].pop()!;
    assert.equal(last[1], last[2], 'the bar ends at N/N');
    const piped = cli(['init', '--config', join(dir, 'cluster.yaml'), '--dir', join(dir, 'piped')]);
    assert.equal(piped.code, 0, piped.stderr);
    assert.ok(!/\[keys\]/.test(piped.stdout + piped.stderr), 'no bar without a terminal');
    const quiet = run('script', [
      '-qec',
      `${cmd.replace(join(dir, 'tty'), join(dir, 'quiet'))} --no-progress`,
      '/dev/null',
    ]);
    assert.ok(!/\[keys\]/.test(quiet.stdout), '--no-progress hides it');
  },
);
