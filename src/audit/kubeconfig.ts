/**
 * Kubeconfig reading for the audit: the current context's cluster (server, CA) and user
 * (client certificate and key, embedded `*-data` or file paths, which the audit resolves
 * under its root). The interpretation is the cluster module's `kubeconfigFields`.
 */
import { KubetlsError } from '../errors/index.js';
import { kubeconfigFields } from '../cluster/kubeconfig.js';
import { readYamlFile } from './yamlfile.js';

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

export function readKubeconfig(path: string, source: string): KubeconfigTls {
  let f;
  try {
    f = kubeconfigFields(readYamlFile(path, source), source);
  } catch (e) {
    if (e instanceof KubetlsError && e.code === 'InvalidKubeconfig')
      throw new KubetlsError('MalformedKubeconfig', e.message, e.hint);
    throw e;
  }
  const out: KubeconfigTls = {};
  const set = <K extends keyof KubeconfigTls>(k: K, v: KubeconfigTls[K] | undefined): void => {
    if (v !== undefined) out[k] = v;
  };
  const buf = (s: string | undefined) => (s === undefined ? undefined : Buffer.from(s, 'latin1'));
  set('server', f.server);
  set('caPem', buf(f.caData));
  set('caFile', f.caFile);
  set('user', f.userName || undefined);
  set('certPem', buf(f.clientCertData));
  set('certFile', f.clientCertFile);
  set('keyPem', buf(f.clientKeyData));
  set('keyFile', f.clientKeyFile);
  return out;
}
