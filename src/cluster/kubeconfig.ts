/**
 * Kubeconfig files: writing them in kubeadm's shape (one cluster, one user, one context
 * `<user>@<cluster>`, embedded CA/cert/key data) and reading any kubeconfig (embedded data
 * or file references) for expiry checks and renewal.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { KubetlsError } from '../errors/index.js';
import { pemDecodeAll } from '../pki/pem.js';
import { readFileBounded } from '../util/read.js';

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
const scalar = (s: string): string =>
  /^[A-Za-z0-9][A-Za-z0-9._:/@-]*$/.test(s) && !/: /.test(s) ? s : JSON.stringify(s);
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

/**
 * The TLS-relevant fields of a parsed kubeconfig document, for its current context: no I/O,
 * so every reader (renew, check-expiration, scan, audit) shares one interpretation and
 * resolves referenced files its own way.
 */
export interface KubeconfigFields {
  currentContext: string;
  clusterName: string;
  userName: string;
  server: string | undefined;
  /** decoded `*-data` fields (PEM text) */
  caData: string | undefined;
  clientCertData: string | undefined;
  clientKeyData: string | undefined;
  /** file references as written (relative paths are relative to the kubeconfig) */
  caFile: string | undefined;
  clientCertFile: string | undefined;
  clientKeyFile: string | undefined;
}

type Named = { name?: unknown; [k: string]: unknown };
function findNamed(list: unknown, name: string, field: string, source: string): Record<string, unknown> | undefined {
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) throw new KubetlsError('InvalidKubeconfig', `${source}: ${field}s must be a list`);
  const hit = (list as Named[]).find((e) => e && typeof e === 'object' && e.name === name);
  const inner = hit?.[field];
  return inner && typeof inner === 'object' && !Array.isArray(inner) ? (inner as Record<string, unknown>) : undefined;
}

function decodeData(v: unknown, field: string, source: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/=\s]*$/.test(v))
    throw new KubetlsError('InvalidKubeconfig', `${source}: ${field} is not base64`);
  return Buffer.from(v, 'base64').toString('latin1');
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export function kubeconfigFields(doc: unknown, source: string): KubeconfigFields {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc))
    throw new KubetlsError('InvalidKubeconfig', `${source}: not a kubeconfig (expected a mapping)`);
  const d = doc as Record<string, unknown>;
  const currentContext = text(d['current-context']) ?? '';
  if (!currentContext) throw new KubetlsError('InvalidKubeconfig', `${source}: no current-context`);
  const ctx = findNamed(d.contexts, currentContext, 'context', source);
  if (!ctx)
    throw new KubetlsError('InvalidKubeconfig', `${source}: current-context "${currentContext}" is not defined`);
  const clusterName = String(ctx.cluster ?? '');
  const userName = String(ctx.user ?? '');
  const cluster = findNamed(d.clusters, clusterName, 'cluster', source);
  if (!cluster)
    throw new KubetlsError('InvalidKubeconfig', `${source}: no cluster "${clusterName}" for the current context`);
  const user = findNamed(d.users, userName, 'user', source) ?? {};
  return {
    currentContext,
    clusterName,
    userName,
    server: text(cluster.server),
    caData: decodeData(cluster['certificate-authority-data'], 'certificate-authority-data', source),
    clientCertData: decodeData(user['client-certificate-data'], 'client-certificate-data', source),
    clientKeyData: decodeData(user['client-key-data'], 'client-key-data', source),
    caFile: text(cluster['certificate-authority']),
    clientCertFile: text(user['client-certificate']),
    clientKeyFile: text(user['client-key']),
  };
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

/** Parses a kubeconfig; referenced files resolve relative to the kubeconfig's directory, as kubectl does. */
export async function parseKubeconfig(yamlText: string, source: string): Promise<ParsedKubeconfig> {
  if (yamlText.length > MAX_KUBECONFIG_BYTES)
    throw new KubetlsError('TooLarge', `${source}: kubeconfig over ${MAX_KUBECONFIG_BYTES} bytes`);
  const { parseYaml } = await import('../util/yaml.js');
  const doc = parseYaml(yamlText, source, { code: 'InvalidKubeconfig' });
  const f = kubeconfigFields(doc, source);
  const base = dirname(resolve(source));
  const abs = (p: string | undefined): string | undefined => (p ? (isAbsolute(p) ? p : resolve(base, p)) : undefined);
  const read = (p: string | undefined): string | undefined =>
    p ? readFileBounded(abs(p)!).toString('latin1') : undefined;
  return {
    doc: doc as Record<string, unknown>,
    currentContext: f.currentContext,
    clusterName: f.clusterName,
    server: f.server,
    userName: f.userName,
    caPem: f.caData ?? read(f.caFile),
    clientCertPem: f.clientCertData ?? read(f.clientCertFile),
    clientKeyPem: f.clientKeyData ?? read(f.clientKeyFile),
    clientCertFile: abs(f.clientCertFile),
    clientKeyFile: abs(f.clientKeyFile),
  };
}

/** Replaces the current user's client cert/key and the cluster's CA data, keeping everything else. */
export async function updateKubeconfig(
  k: ParsedKubeconfig,
  update: { caPem: string; clientCertPem: string; clientKeyPem: string },
): Promise<string> {
  const YAML = await import('yaml');
  const d = structuredClone<Record<string, unknown>>(k.doc);
  const set = (list: unknown, name: string, field: string, fn: (o: Record<string, unknown>) => void) => {
    for (const e of (list as Named[]) ?? [])
      if (e?.name === name && e[field] && typeof e[field] === 'object') fn(e[field] as Record<string, unknown>);
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
export const hasCertificate = (pem: string | undefined): boolean =>
  !!pem && pemDecodeAll(pem).some((b) => b.label === 'CERTIFICATE');
