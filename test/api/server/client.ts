/**
 * A real TLS client for `kubetls serve` tests (node:https, no agent reuse unless asked):
 * requests as a client certificate, a bearer token or nobody, answers read whole; the
 * identities tests need (the admin of admin.conf, certificates issued by the cluster CA with
 * openssl), a watch stream read line by line, and the server's open sockets from /proc.
 */
import { after } from 'node:test';
import { request, type Agent } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPrivateKey } from 'node:crypto';
import { createIssuer, generateKey, issueCertificate, pemDecodeAll, pemEncode } from '../../../src/pki/index.js';
import { openssl } from '../../helpers.js';
import type { Served } from './harness.js';

/** Who a request is from: a client certificate (PEM), a bearer token, or nobody. */
export interface Identity {
  cert?: string;
  key?: string;
  token?: string;
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  json(): Record<string, unknown>;
}

export interface CallOptions {
  as?: Identity;
  body?: string | Buffer | object;
  contentType?: string;
  headers?: Record<string, string>;
  agent?: Agent;
  timeoutMs?: number;
}

export function call(s: Served, method: string, path: string, o: CallOptions = {}): Promise<Answer> {
  const body =
    o.body === undefined
      ? undefined
      : typeof o.body === 'string' || Buffer.isBuffer(o.body)
        ? o.body
        : JSON.stringify(o.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: s.port,
        method,
        path,
        ca: caOf(s),
        ...(o.as?.cert ? { cert: o.as.cert, key: o.as.key } : {}),
        ...(o.agent ? { agent: o.agent } : { agent: false }),
        headers: {
          ...(body !== undefined ? { 'Content-Type': o.contentType ?? 'application/json' } : {}),
          ...(o.as?.token !== undefined ? { Authorization: `Bearer ${o.as.token}` } : {}),
          ...o.headers,
        },
        timeout: o.timeoutMs ?? 20_000,
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const b = Buffer.concat(chunks);
          const text = b.toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: b,
            text,
            json: () => JSON.parse(text) as Record<string, unknown>,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in time`)));
    req.on('error', reject);
    req.end(body);
  });
}

const cas = new WeakMap<Served, string>();
/** The cluster CA (it signed the serving certificate). */
export function caOf(s: Served): string {
  let c = cas.get(s);
  if (!c) cas.set(s, (c = readFileSync(join(s.dir, 'pki', 'ca.crt'), 'utf8')));
  return c;
}

/** The client certificate of a kubeconfig file (admin.conf: kubernetes-admin in kubeadm:cluster-admins). */
export function kubeconfigIdentity(path: string): Identity {
  const text = readFileSync(path, 'utf8');
  const field = (name: string) =>
    Buffer.from(new RegExp(`${name}:\\s*(\\S+)`).exec(text)![1]!, 'base64').toString('utf8');
  return { cert: field('client-certificate-data'), key: field('client-key-data') };
}

export const admin = (s: Served): Identity => kubeconfigIdentity(s.kubeconfig);

/**
 * A client certificate for `subj` (e.g. "/O=devs/CN=alice") signed with openssl by the CA in
 * `caDir` (ca.crt, ca.key; the cluster's pki/ by default).
 */
export function issueClientCert(
  s: Served,
  subj: string,
  o: { caDir?: string; days?: number; name?: string } = {},
): Identity & { path: string; serial: string; fingerprint: string } {
  const caDir = o.caDir ?? join(s.dir, 'pki');
  const name = o.name ?? subj.replace(/[^a-zA-Z0-9]+/g, '_');
  const base = join(s.dir, `client-${name}`);
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', subj]); // prettier-ignore
  const ext = `${base}.ext`;
  writeFileSync(ext, 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
  openssl(['x509', '-req', '-in', `${base}.csr`, '-CA', join(caDir, 'ca.crt'), '-CAkey', join(caDir, 'ca.key'), '-CAcreateserial', '-extfile', ext, '-out', `${base}.crt`, '-days', String(o.days ?? 30)]); // prettier-ignore
  const serial = openssl(['x509', '-in', `${base}.crt`, '-noout', '-serial'])
    .stdout.trim()
    .replace(/^serial=/, '');
  const fingerprint = openssl(['x509', '-in', `${base}.crt`, '-noout', '-fingerprint', '-sha256'])
    .stdout.trim()
    .replace(/^.*=/, '')
    .replace(/:/g, '')
    .toLowerCase();
  return {
    cert: readFileSync(`${base}.crt`, 'utf8'),
    key: readFileSync(`${base}.key`, 'utf8'),
    path: `${base}.crt`,
    serial,
    fingerprint,
  };
}

/** A self-signed CA in `dir` (ca.crt, ca.key) for certificates the server must not trust. */
export function makeCa(dir: string, cn: string): string {
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.crt'), '-subj', `/CN=${cn}`, '-days', '30']); // prettier-ignore
  return dir;
}

/** kubectl's `auth whoami`: who the server says the caller is. */
export async function whoami(s: Served, as: Identity | undefined): Promise<Answer> {
  return call(s, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
    ...(as ? { as } : {}),
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  });
}

/** A watch stream: its events as they arrive, and whether it has ended. */
export interface WatchStream {
  status: number;
  events: Array<{ type: string; object: Record<string, unknown> }>;
  ended: boolean;
  /** resolves when an event satisfies `pred` (rejects after `ms`) */
  until(pred: (e: { type: string; object: Record<string, unknown> }) => boolean, ms?: number): Promise<void>;
  /** resolves when the server ended the stream (rejects after `ms`) */
  end(ms?: number): Promise<void>;
  close(): void;
}

export function watch(s: Served, path: string, o: CallOptions = {}): Promise<WatchStream> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: s.port,
        path,
        ca: caOf(s),
        ...(o.as?.cert ? { cert: o.as.cert, key: o.as.key } : {}),
        ...(o.agent ? { agent: o.agent } : { agent: false }),
        headers: {
          ...(o.as?.token !== undefined ? { Authorization: `Bearer ${o.as.token}` } : {}),
          ...o.headers,
        },
      },
      (res) => {
        let buf = '';
        const waiters = new Set<() => void>();
        const poke = () => {
          for (const w of [...waiters]) w();
        };
        const w: WatchStream = {
          status: res.statusCode ?? 0,
          events: [],
          ended: false,
          until(pred, ms = 10_000) {
            return new Promise<void>((ok, fail) => {
              const check = () => {
                if (w.events.some(pred)) {
                  waiters.delete(check);
                  clearTimeout(timer);
                  ok();
                } else if (w.ended) {
                  waiters.delete(check);
                  clearTimeout(timer);
                  fail(new Error(`the watch ended first; events: ${JSON.stringify(w.events).slice(0, 2000)}`));
                }
              };
              const timer = setTimeout(() => {
                waiters.delete(check);
                fail(new Error(`no such event in ${ms} ms; events: ${JSON.stringify(w.events).slice(0, 2000)}`));
              }, ms);
              waiters.add(check);
              check();
            });
          },
          end(ms = 10_000) {
            return new Promise<void>((ok, fail) => {
              const check = () => {
                if (w.ended) {
                  waiters.delete(check);
                  clearTimeout(timer);
                  ok();
                }
              };
              const timer = setTimeout(() => {
                waiters.delete(check);
                fail(new Error(`the watch did not end in ${ms} ms`));
              }, ms);
              waiters.add(check);
              check();
            });
          },
          close: () => req.destroy(),
        };
        res.on('data', (c: Buffer) => {
          buf += c.toString('utf8');
          let nl;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (line.trim()) w.events.push(JSON.parse(line) as { type: string; object: Record<string, unknown> });
          }
          poke();
        });
        const done = () => {
          w.ended = true;
          poke();
        };
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
        resolve(w);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The server's open TCP sockets (from /proc: the fds that are sockets). */
export function openSockets(pid: number): number {
  let n = 0;
  for (const p of serverProcesses(pid))
    try {
      for (const fd of readdirSync(`/proc/${p}/fd`)) {
        try {
          if (readlinkSync(`/proc/${p}/fd/${fd}`).startsWith('socket:')) n++;
        } catch {
          // closed while we looked
        }
      }
    } catch {
      // the process exited while we looked
    }
  return n;
}

/** The server's resident memory, bytes (its worker processes' included). */
export function rssOf(pid: number): number {
  let rss = 0;
  for (const p of serverProcesses(pid))
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      rss += Number(m?.[1] ?? 0) * 1024;
    } catch {
      // the process exited while we looked
    }
  return rss;
}

/** `pid` and its child processes (`kubetls serve --workers`' workers). */
export function serverProcesses(pid: number): number[] {
  const out = [pid];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      // the fields after the command's closing parenthesis: state, ppid, …
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `f` until it is true (every 100 ms, at most `ms`). */
export async function eventually(f: () => Promise<boolean> | boolean, ms = 10_000): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (await f()) return true;
    if (Date.now() > until) return false;
    await sleep(100);
  }
}

/** A client certificate of the cluster CA that expired a day ago (kubetls's pki: openssl 3.0 cannot backdate). */
export async function expiredClientCert(s: Served, cn: string): Promise<Identity> {
  const caDer = pemDecodeAll(readFileSync(join(s.dir, 'pki', 'ca.crt')))[0]!.der;
  const issuer = createIssuer(caDer, createPrivateKey(readFileSync(join(s.dir, 'pki', 'ca.key'))));
  const k = await generateKey('ECDSA-P256');
  const der = issueCertificate(
    {
      subject: { commonName: cn },
      notBefore: new Date(Date.now() - 10 * 86400_000),
      notAfter: new Date(Date.now() - 86400_000),
      keyUsage: ['digitalSignature'],
      extKeyUsage: ['clientAuth'],
    },
    { publicKey: k.publicKey, issuer },
  );
  return { cert: pemEncode('CERTIFICATE', der), key: k.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/**
 * A `t.after` for what a file's `before` hook starts (one server shared by the file's tests):
 * node:test's `after` called inside a hook would run at the end of that hook. Call this at the
 * top level of the file; the cleanups run, last first, after every test of the file.
 */
export function fileScope(): { after: (fn: () => unknown) => void } {
  const cleanups: Array<() => unknown> = [];
  after(async () => {
    for (const f of cleanups.reverse()) await f();
  });
  return { after: (fn) => void cleanups.push(fn) };
}

/** A bootstrap-token Secret kube-system/bootstrap-token-`id`, created by the admin through the API. */
export async function createBootstrapTokenSecret(
  s: Served,
  id: string,
  secret: string,
  data: Record<string, string>,
): Promise<void> {
  const r = await call(s, 'POST', '/api/v1/namespaces/kube-system/secrets', {
    as: admin(s),
    body: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
      type: 'bootstrap.kubernetes.io/token',
      stringData: { 'token-id': id, 'token-secret': secret, ...data },
    },
  });
  if (r.status !== 201) throw new Error(`bootstrap token Secret ${id}: ${r.status} ${r.text}`);
}
