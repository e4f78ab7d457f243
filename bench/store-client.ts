/**
 * The HTTPS client of bench/store.ts's API-load measurement, in its own process (as kubectl
 * and controllers are): `--clients` concurrent keep-alive clients, each running
 * create (POST) → update (PUT with the resourceVersion it got) → get (GET) on a new name, for
 * `--seconds`. Prints one JSON line: requests, lifecycles, latencies (ms) by verb.
 */
import { Agent, request } from 'node:https';
import { readFileSync } from 'node:fs';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const port = Number(arg('port', '0'));
const clients = Number(arg('clients', '32'));
const seconds = Number(arg('seconds', '5'));
const ca = readFileSync(arg('ca', ''));
const body = readFileSync(arg('body', '')); // a CSR-sized object, its name replaced per request
const agent = new Agent({ keepAlive: true, maxSockets: clients, ca });

function call(method: string, path: string, payload?: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        servername: 'localhost',
        headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const lat: Record<string, number[]> = { create: [], update: [], get: [] };
let lifecycles = 0;
let errors = 0;
const template = body.toString();
const end = Date.now() + seconds * 1000;
await Promise.all(
  Array.from({ length: clients }, async (_, c) => {
    for (let i = 0; Date.now() < end; i++) {
      const name = `c${c}-${i}-${process.pid}`;
      let t = performance.now();
      const created = await call('POST', `/o/${name}`, Buffer.from(template.replace('NAME', name)));
      lat.create!.push(performance.now() - t);
      if (created.status !== 201) {
        errors++;
        continue;
      }
      const o = JSON.parse(created.body) as { metadata: { resourceVersion: string } };
      t = performance.now();
      const upd = await call(
        'PUT',
        `/o/${name}`,
        Buffer.from(JSON.stringify({ resourceVersion: o.metadata.resourceVersion, approved: true })),
      );
      lat.update!.push(performance.now() - t);
      t = performance.now();
      const got = await call('GET', `/o/${name}`);
      lat.get!.push(performance.now() - t);
      if (upd.status !== 200 || got.status !== 200) errors++;
      else lifecycles++;
    }
  }),
);
agent.destroy();
console.log(JSON.stringify({ seconds, lifecycles, errors, lat }));
