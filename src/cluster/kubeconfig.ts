/**
 * Kubeconfig files: writing them in kubeadm's shape (one cluster, one user, one context
 * `<user>@<cluster>`, embedded CA/cert/key data) and reading any kubeconfig (embedded data
 * or file references) for expiry checks and renewal.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { KubetlsError } from '../errors.js';
import { pemDecodeAll } from '../pki/pem.js';
import { readFileLimited } from '../util/files.js';

export interface KubeconfigContent {
  clusterName: string;
  server: string;
  caPem: string;
  userName: string;
  /** client certificate PEM (absent for token kubeconfigs) */
  clientCertPem?: string;
  clientKeyPem?: string;
  token?: string;
}

// Plain YAML scalars for ordinary names, JSON-quoted otherwise (JSON strings are valid YAML).
const scalar = (s: string): string => (/^[A-Za-z0-9][A-Za-z0-9._:/@-]*$/.test(s) && !/: /.test(s) ? s : JSON.stringify(s));
const b64 = (pem: string): string => Buffer.from(pem).toString('base64');

/**
 * Renders a kubeconfig as `kubectl config view --raw` would print it. Written by hand rather
 * than through the YAML library because it is a fixed shape and `init` must start fast.
 */
export function renderKubeconfig(k: KubeconfigContent): string {
  const ctx = `${k.userName}@${k.clusterName}`;
  const user = k.token
    ? `    token: ${scalar(k.token)}\n`
    : `    client-certificate-data: ${b64(k.clientCertPem ?? '')}\n    client-key-data: ${b64(k.clientKeyPem ?? '')}\n`;
  return (
    `apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: ${b64(k.caPem)}\n    server: ${scalar(k.server)}\n  name: ${scalar(k.clusterName)}\n` +
    `contexts:\n- context:\n    cluster: ${scalar(k.clusterName)}\n    user: ${scalar(k.userName)}\n  name: ${scalar(ctx)}\n` +
    `current-context: ${scalar(ctx)}\nkind: Config\npreferences: {}\nusers:\n- name: ${scalar(k.userName)}\n  user:\n${user}`
  );
}

export interface ParsedKubeconfig {
  /** the whole document, for in-place updates */
  doc: Record<string, unknown>;
  currentContext: string;
  clusterName: string;
  server: string | undefined;
  userName: string;
  /** PEM text of the CA (embedded or from certificate-authority file) */
  caPem: string | undefined;
  clientCertPem: string | undefined;
  clientKeyPem: string | undefined;
  /** where the client cert came from, when referenced by path */
  clientCertFile: string | undefined;
  clientKeyFile: string | undefined;
}

const MAX_KUBECONFIG_BYTES = 1024 * 1024;

type Named = { name?: unknown; [k: string]: unknown };
function findNamed(list: unknown, name: string, field: string, source: string): Record<string, unknown> | undefined {
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) throw new KubetlsError('InvalidKubeconfig', `${source}: ${field} must be a list`);
  const hit = (list as Named[]).find((e) => e && typeof e === 'object' && e.name === name);
  const inner = hit?.[field.replace(/s$/, '')];
  return inner && typeof inner === 'object' ? (inner as Record<string, unknown>) : undefined;
}

function decodeData(v: unknown, field: string, source: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/=\s]*$/.test(v)) throw new KubetlsError('InvalidKubeconfig', `${source}: ${field} is not base64`);
  return Buffer.from(v, 'base64').toString('latin1');
}

/** Parses a kubeconfig; referenced files resolve relative to the kubeconfig's directory, as kubectl does. */
export async function parseKubeconfig(text: string, source: string): Promise<ParsedKubeconfig> {
  if (text.length > MAX_KUBECONFIG_BYTES) throw new KubetlsError('TooLarge', `${source}: kubeconfig over ${MAX_KUBECONFIG_BYTES} bytes`);
  const YAML = await import('yaml');
  let doc: unknown;
  try {
    doc = YAML.parse(text, { maxAliasCount: 100 });
  } catch (e) {
    throw new KubetlsError('InvalidKubeconfig', `${source}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new KubetlsError('InvalidKubeconfig', `${source}: not a kubeconfig (expected a mapping)`);
  const d = doc as Record<string, unknown>;
  const currentContext = typeof d['current-context'] === 'string' ? (d['current-context'] as string) : '';
  if (!currentContext) throw new KubetlsError('InvalidKubeconfig', `${source}: no current-context`);
  const ctx = findNamed(d.contexts, currentContext, 'contexts', source);
  if (!ctx) throw new KubetlsError('InvalidKubeconfig', `${source}: current-context "${currentContext}" is not defined`);
  const clusterName = String(ctx.cluster ?? '');
  const userName = String(ctx.user ?? '');
  const cluster = findNamed(d.clusters, clusterName, 'clusters', source) ?? {};
  const user = findNamed(d.users, userName, 'users', source) ?? {};
  const base = dirname(resolve(source));
  const fromFile = (p: unknown): string | undefined => {
    if (typeof p !== 'string' || !p) return undefined;
    return readFileLimited(isAbsolute(p) ? p : resolve(base, p)).toString('latin1');
  };
  const abs = (p: unknown): string | undefined => (typeof p === 'string' && p ? (isAbsolute(p) ? p : resolve(base, p)) : undefined);
  return {
    doc: d,
    currentContext,
    clusterName,
    server: typeof cluster.server === 'string' ? cluster.server : undefined,
    userName,
    caPem: decodeData(cluster['certificate-authority-data'], 'certificate-authority-data', source) ?? fromFile(cluster['certificate-authority']),
    clientCertPem: decodeData(user['client-certificate-data'], 'client-certificate-data', source) ?? fromFile(user['client-certificate']),
    clientKeyPem: decodeData(user['client-key-data'], 'client-key-data', source) ?? fromFile(user['client-key']),
    clientCertFile: abs(user['client-certificate']),
    clientKeyFile: abs(user['client-key']),
  };
}

/** Replaces the current user's client cert/key and the cluster's CA data, keeping everything else. */
export async function updateKubeconfig(k: ParsedKubeconfig, update: { caPem: string; clientCertPem: string; clientKeyPem: string }): Promise<string> {
  const YAML = await import('yaml');
  const d = structuredClone(k.doc) as Record<string, unknown>;
  const set = (list: unknown, name: string, field: string, fn: (o: Record<string, unknown>) => void) => {
    for (const e of (list as Named[]) ?? []) if (e?.name === name && e[field] && typeof e[field] === 'object') fn(e[field] as Record<string, unknown>);
  };
  set(d.clusters, k.clusterName, 'cluster', (c) => {
    delete c['certificate-authority'];
    c['certificate-authority-data'] = b64(update.caPem);
  });
  set(d.users, k.userName, 'user', (u) => {
    delete u['client-certificate'];
    delete u['client-key'];
    u['client-certificate-data'] = b64(update.clientCertPem);
    u['client-key-data'] = b64(update.clientKeyPem);
  });
  return YAML.stringify(d, { lineWidth: 0 });
}

/** True when the PEM text holds at least one CERTIFICATE block. */
export const hasCertificate = (pem: string | undefined): boolean => !!pem && pemDecodeAll(pem).some((b) => b.label === 'CERTIFICATE');
