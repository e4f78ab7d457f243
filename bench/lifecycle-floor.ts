/**
 * The floor under the CSR lifecycle for any API server written on Node's HTTPS stack on this
 * machine: an HTTPS/1.1 keep-alive server with `kubetls serve`'s serving certificate, asking
 * for client certificates as serve does, that answers the lifecycle's four requests from a Map
 * — a create or an update stores the request body as it came and sends it back, a get sends
 * the stored body — with nothing else: no authentication or authorization, no JSON parsing,
 * no validation, no store, no sync, no watch. bench/serve.ts (`--floor`) drives it with the
 * same client, bodies and connections as `kubetls serve`, in the same run, so "how much of a
 * lifecycle is Node's HTTPS itself" is a measurement, not a claim.
 *
 * Usage: node dist/bench/lifecycle-floor.js --port P --dir PKI-TREE [--workers N]
 *   --workers N: N node:cluster processes sharing the port (the floor on N cores); default 1,
 *   one process and one thread, as `kubetls serve` answers every request on its main thread.
 * Not part of kubetls: a measuring instrument; binds 127.0.0.1 only.
 */
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { port: { type: 'string' }, dir: { type: 'string' }, workers: { type: 'string', default: '1' } },
});
const port = Number(values.port);
const dir = values.dir;
const workers = Number(values.workers);
if (!Number.isInteger(port) || port <= 0 || !dir || !Number.isInteger(workers) || workers < 1) {
  console.error('usage: lifecycle-floor --port P --dir PKI-TREE [--workers N]');
  process.exit(2);
}

if (workers > 1 && cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
    process.exit(0);
  });
} else {
  const pki = join(dir, 'pki');
  const stored = new Map<string, Buffer>();
  const server = createServer(
    {
      cert: readFileSync(join(pki, 'apiserver.crt')),
      key: readFileSync(join(pki, 'apiserver.key')),
      ca: readFileSync(join(pki, 'ca.crt')),
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
      keepAlive: true,
    },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        // the object's path: the create names it in its body, the other three in the URL
        const url = req.url ?? '/';
        let status = 200;
        let body: Buffer | undefined;
        if (req.method === 'GET') body = stored.get(url);
        else {
          body = Buffer.concat(chunks);
          const name = req.method === 'POST' ? /"name":"([^"]+)"/.exec(body.toString('latin1'))?.[1] : undefined;
          stored.set(name ? `${url}/${name}` : url.replace(/\/(approval|status)$/, ''), body);
          status = req.method === 'POST' ? 201 : 200;
        }
        if (!body) status = 404;
        const out = body ?? Buffer.from('{}');
        res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': out.length });
        res.end(out);
      });
    },
  );
  server.listen(port, '127.0.0.1', () => {
    if (!cluster.isWorker) console.error(`lifecycle-floor: listening on 127.0.0.1:${port}`);
  });
  process.on('SIGTERM', () => process.exit(0));
}
