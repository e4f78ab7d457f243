/**
 * A small HTTPS server that records what real kubectl sends: it answers GETs from a table of
 * routes (discovery, stored objects), hands every other request to `answer`, and keeps each
 * non-GET request's method, path, Content-Type and body. A self-signed certificate for
 * 127.0.0.1 and a token kubeconfig are made in a fresh directory.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { join } from 'node:path';
import { hasCommand, openssl, run, tmpDir } from '../../helpers.js';

export interface Recorded {
  method: string;
  path: string;
  contentType: string;
  body: Buffer;
}

export interface Recorder {
  dir: string;
  kubeconfig: string;
  /** `--kubeconfig K --cache-dir D`: a fresh discovery cache per recorder */
  common: string[];
  seen: Recorded[];
}

/** What `answer` writes back; the default for anything it does not handle is a 404 Status. */
export type Answer = (req: Recorded, res: ServerResponse) => boolean;

export function replyJson(res: ServerResponse, code: number, o: unknown): true {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(o));
  return true;
}

export async function startRecorder(
  t: { after: (fn: () => Promise<void> | void) => void },
  routes: Readonly<Record<string, unknown>>,
  answer: Answer,
): Promise<Recorder> {
  const dir = tmpDir('kubetls-pb-', t);
  openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    join(dir, 'key.pem'),
    '-out',
    join(dir, 'cert.pem'),
  ]);
  const seen: Recorded[] = [];
  const server = createServer(
    { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = (req.url ?? '').split('?')[0]!;
        if (req.method === 'GET' && Object.hasOwn(routes, path)) return replyJson(res, 200, routes[path]);
        const rec: Recorded = {
          method: req.method ?? '',
          path,
          contentType: req.headers['content-type'] ?? '',
          body: Buffer.concat(chunks),
        };
        if (req.method !== 'GET') seen.push(rec);
        if (answer(rec, res)) return;
        replyJson(res, 404, {
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          reason: 'NotFound',
          code: 404,
          message: 'not found',
        });
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const port = (server.address() as { port: number }).port;
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:${port}", certificate-authority: "${join(dir, 'cert.pem')}"}}]
users: [{name: u, user: {token: "test-token"}}]
contexts: [{name: x, context: {cluster: c, user: u, namespace: default}}]
current-context: x
`,
  );
  return { dir, kubeconfig, common: ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache')], seen };
}

/** Legacy discovery documents for a group (core when `group` is ''). */
export function discoveryGroup(group: string): { name: string; versions: object[]; preferredVersion: object } {
  return {
    name: group,
    versions: [{ groupVersion: `${group}/v1`, version: 'v1' }],
    preferredVersion: { groupVersion: `${group}/v1`, version: 'v1' },
  };
}

export function discoveryResource(
  name: string,
  kind: string,
  verbs: string[],
  o: { namespaced?: boolean; shortNames?: string[] } = {},
): object {
  return {
    name,
    singularName: name.includes('/') ? '' : name.slice(0, -1),
    namespaced: o.namespaced ?? false,
    kind,
    verbs,
    ...(o.shortNames ? { shortNames: o.shortNames } : {}),
  };
}

/**
 * The installed kubectl of each wanted minor version (`1.33` …), as [version, binary]: the
 * versioned binaries beside the default one, or the default one when it is that version.
 */
export function installedKubectls(minors: readonly string[]): Array<[string, string]> {
  const candidates = ['kubectl', ...minors.map((v) => `/usr/lib/google-cloud-sdk/bin/kubectl.${v}`)];
  const found = new Map<string, string>();
  for (const k of candidates) {
    if (k === 'kubectl' ? !hasCommand(k) : !existsSync(k)) continue;
    const r = run(k, ['version', '--client', '-o', 'json']);
    if (r.code !== 0) continue;
    const v = (JSON.parse(r.stdout) as { clientVersion: { major: string; minor: string } }).clientVersion;
    const version = `${v.major}.${Number.parseInt(v.minor, 10)}`; // "32+" for some builds
    if (minors.includes(version) && !found.has(version)) found.set(version, k);
  }
  return minors.flatMap((m) => (found.has(m) ? [[m, found.get(m)!] as [string, string]] : []));
}
