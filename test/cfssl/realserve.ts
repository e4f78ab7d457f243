/**
 * A real `cfssl serve` (Debian golang-cfssl) on 127.0.0.1, for tests and benchmarks that talk
 * to it: the CA, key and signing config are files in `dir` (cfssl runs there); with `tls` it
 * serves HTTPS with a certificate for 127.0.0.1 issued by that CA (made by `cfssl gencert`
 * unless `tls.pem` is there already). Resolves once the port accepts connections.
 *
 *   const cfssl = await startCfsslServe(dir, { config: 'config.json', tls: true });
 *   t.after(() => cfssl.stop());
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../helpers.js';

export interface CfsslServeOptions {
  /** the signing config, relative to dir (cfssl's -config) */
  config: string;
  /** HTTPS with tls.pem / tls-key.pem (made from the CA when absent) */
  tls?: boolean;
  ca?: string;
  caKey?: string;
  /** cfssl's -loglevel (default 1, info; 3 keeps a benchmark's stderr quiet) */
  loglevel?: number;
}

export interface CfsslServe {
  port: number;
  /** https://127.0.0.1:port or http://… */
  url: string;
  /** kills it; resolves once it has exited */
  stop(): Promise<void>;
}

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

export async function startCfsslServe(dir: string, o: CfsslServeOptions): Promise<CfsslServe> {
  const ca = o.ca ?? 'ca.pem';
  const caKey = o.caKey ?? 'ca-key.pem';
  if (o.tls && !existsSync(join(dir, 'tls.pem'))) {
    const r = spawnSync(
      'sh',
      [
        '-c',
        `set -e; echo '{"CN":"127.0.0.1","hosts":["127.0.0.1"],"key":{"algo":"ecdsa","size":256}}' | cfssl gencert -ca "${ca}" -ca-key "${caKey}" - 2>/dev/null | cfssljson -bare tls`,
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`cfssl gencert (serving certificate): ${r.stderr}`);
  }
  const port = await freePort();
  const proc = spawn(
    'cfssl',
    [
      'serve',
      '-address',
      '127.0.0.1',
      '-port',
      String(port),
      '-ca',
      ca,
      '-ca-key',
      caKey,
      '-config',
      o.config,
      ...(o.tls ? ['-tls-cert', 'tls.pem', '-tls-key', 'tls-key.pem'] : []),
      ...(o.loglevel !== undefined ? ['-loglevel', String(o.loglevel)] : []),
    ],
    { cwd: dir, stdio: 'ignore' },
  );
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const stop = (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill();
    return exited;
  };
  for (let i = 0; !(await accepts(port)); i++) {
    if (i > 100 || proc.exitCode !== null) {
      await stop();
      throw new Error(`cfssl serve did not start on port ${port} (exit ${proc.exitCode})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port, url: `${o.tls ? 'https' : 'http'}://127.0.0.1:${port}`, stop };
}
