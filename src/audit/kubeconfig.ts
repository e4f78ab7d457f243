/**
 * Kubeconfig reading for the audit: the current context's cluster (server, CA) and user
 * (client certificate and key, embedded `*-data` or file paths resolved under the root).
 */
import { KubetlsError } from '../errors.js';
import { isRecord, readYamlFile, str } from './yamlfile.js';

export interface KubeconfigTls {
  server?: string;
  caPem?: Buffer;
  caFile?: string;
  certPem?: Buffer;
  certFile?: string;
  keyPem?: Buffer;
  keyFile?: string;
  user?: string;
}

const b64 = (v: unknown, what: string): Buffer | undefined => {
  const s = str(v);
  if (s === undefined) return undefined;
  if (!/^[A-Za-z0-9+/=\s]*$/.test(s)) throw new KubetlsError('MalformedKubeconfig', `${what} is not base64`);
  return Buffer.from(s, 'base64');
};

function named(list: unknown, name: string | undefined, field: string): Record<string, unknown> | undefined {
  if (!Array.isArray(list)) return undefined;
  const hit = list.find((e) => isRecord(e) && (name === undefined || e.name === name));
  return isRecord(hit) && isRecord(hit[field]) ? (hit[field] as Record<string, unknown>) : undefined;
}

export function readKubeconfig(path: string, source: string): KubeconfigTls {
  const doc = readYamlFile(path, source);
  if (!isRecord(doc)) throw new KubetlsError('MalformedKubeconfig', `${source}: not a kubeconfig (expected a mapping)`);
  const ctxName = str(doc['current-context']);
  const ctx = named(doc.contexts, ctxName, 'context');
  const cluster = named(doc.clusters, ctx ? str(ctx.cluster) : undefined, 'cluster');
  const userName = ctx ? str(ctx.user) : undefined;
  const user = named(doc.users, userName, 'user');
  if (!cluster) throw new KubetlsError('MalformedKubeconfig', `${source}: no cluster for the current context`);
  const out: KubeconfigTls = {};
  const set = <K extends keyof KubeconfigTls>(k: K, v: KubeconfigTls[K] | undefined): void => {
    if (v !== undefined) out[k] = v;
  };
  set('server', str(cluster.server));
  set('caPem', b64(cluster['certificate-authority-data'], `${source}: certificate-authority-data`));
  set('caFile', str(cluster['certificate-authority']));
  set('user', userName);
  if (user) {
    set('certPem', b64(user['client-certificate-data'], `${source}: client-certificate-data`));
    set('certFile', str(user['client-certificate']));
    set('keyPem', b64(user['client-key-data'], `${source}: client-key-data`));
    set('keyFile', str(user['client-key']));
  }
  return out;
}
