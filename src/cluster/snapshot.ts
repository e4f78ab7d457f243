/**
 * Reading what is already on disk for a node's catalog: certificates, keys, kubeconfigs,
 * the service-account key. Read errors are recorded, not thrown, so the plan can report
 * every problem at once and write nothing.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { errorMessage, isKubetlsError, type ErrorCode } from '../errors/index.js';
import type { ParsedCertificate } from '../pki/certparse.js';
import { parsePrivateKeyPem } from '../pki/keys.js';
import { parseCertificatesPem } from '../pki/certpem.js';
import { keyMatchesCertificate } from '../pki/verify.js';
import { readFileBounded } from '../util/read.js';
import type { Catalog } from './catalog.js';
import { parseKubeconfig, type ParsedKubeconfig } from './kubeconfig.js';

export interface CertFiles {
  certPath: string;
  keyPath: string;
  certExists: boolean;
  keyExists: boolean;
  cert?: ParsedCertificate | undefined;
  key?: KeyObject;
  /** why the existing cert or key could not be read */
  error?: string;
  errorCode?: ErrorCode;
}

export interface KubeconfigFile {
  path: string;
  exists: boolean;
  parsed?: ParsedKubeconfig;
  caCert?: ParsedCertificate | undefined;
  clientCert?: ParsedCertificate | undefined;
  clientKey?: KeyObject;
  error?: string;
  errorCode?: ErrorCode;
}

export interface Snapshot {
  certDir: string;
  kubeconfigDir: string;
  /** by CA name or leaf name */
  certs: Map<string, CertFiles>;
  kubeconfigs: Map<string, KubeconfigFile>;
  sa: {
    keyPath: string;
    pubPath: string;
    keyExists: boolean;
    pubExists: boolean;
    key?: KeyObject;
    pubPem?: string;
    error?: string;
    errorCode?: ErrorCode;
  };
}

const codeOf = (e: unknown): ErrorCode => (isKubetlsError(e) ? e.code : 'ReadFailed');

export const certPath = (certDir: string, baseName: string): string => join(certDir, `${baseName}.crt`);
export const keyPath = (certDir: string, baseName: string): string => join(certDir, `${baseName}.key`);

/**
 * Reads a cert/key pair; missing files are flagged, unreadable ones recorded as an error.
 * `dirExists: false` says the directory is known to be missing, which spares the lookups.
 */
export function readCertFiles(certDir: string, baseName: string, dirExists = true): CertFiles {
  const f: CertFiles = {
    certPath: certPath(certDir, baseName),
    keyPath: keyPath(certDir, baseName),
    certExists: false,
    keyExists: false,
  };
  if (!dirExists) return f;
  f.certExists = existsSync(f.certPath);
  f.keyExists = existsSync(f.keyPath);
  try {
    if (f.certExists) f.cert = parseCertificatesPem(readFileBounded(f.certPath), f.certPath)[0];
    if (f.keyExists) f.key = parsePrivateKeyPem(readFileBounded(f.keyPath, 1024 * 1024), f.keyPath);
  } catch (e) {
    f.error = errorMessage(e);
    f.errorCode = codeOf(e);
  }
  return f;
}

export async function readKubeconfigFile(path: string, dirExists = true): Promise<KubeconfigFile> {
  const k: KubeconfigFile = { path, exists: dirExists && existsSync(path) };
  if (!k.exists) return k;
  try {
    k.parsed = await parseKubeconfig(readFileBounded(path, 1024 * 1024).toString('utf8'), path);
    if (k.parsed.caPem) k.caCert = parseCertificatesPem(k.parsed.caPem, `${path} certificate-authority`)[0];
    if (k.parsed.clientCertPem)
      k.clientCert = parseCertificatesPem(k.parsed.clientCertPem, `${path} client-certificate`)[0];
    if (k.parsed.clientKeyPem) k.clientKey = parsePrivateKeyPem(k.parsed.clientKeyPem, `${path} client-key`);
  } catch (e) {
    k.error = errorMessage(e);
    k.errorCode = codeOf(e);
  }
  return k;
}

export async function readSnapshot(catalog: Catalog, certDir: string, kubeconfigDir: string): Promise<Snapshot> {
  // a directory that does not exist holds nothing: one lookup instead of one per file (a new
  // 100-node tree would otherwise look up ~750 files that cannot be there)
  const certDirExists = existsSync(certDir);
  const kubeconfigDirExists = existsSync(kubeconfigDir);
  const certs = new Map<string, CertFiles>();
  for (const ca of catalog.cas) certs.set(ca.name, readCertFiles(certDir, ca.baseName, certDirExists));
  for (const leaf of catalog.leaves) certs.set(leaf.name, readCertFiles(certDir, leaf.baseName, certDirExists));
  const kubeconfigs = new Map<string, KubeconfigFile>();
  for (const kc of catalog.kubeconfigs)
    kubeconfigs.set(kc.name, await readKubeconfigFile(join(kubeconfigDir, kc.name), kubeconfigDirExists));
  const sa: Snapshot['sa'] = {
    keyPath: join(certDir, 'sa.key'),
    pubPath: join(certDir, 'sa.pub'),
    keyExists: false,
    pubExists: false,
  };
  if (catalog.serviceAccountKey && certDirExists) {
    sa.keyExists = existsSync(sa.keyPath);
    sa.pubExists = existsSync(sa.pubPath);
    try {
      if (sa.keyExists) sa.key = parsePrivateKeyPem(readFileBounded(sa.keyPath), sa.keyPath);
      if (sa.pubExists) sa.pubPem = readFileBounded(sa.pubPath).toString('latin1');
    } catch (e) {
      sa.error = errorMessage(e);
      sa.errorCode = codeOf(e);
    }
  }
  return { certDir, kubeconfigDir, certs, kubeconfigs, sa };
}

/** Every file a node's catalog can hold (what init writes and renew replaces), e.g. to sweep their temp files. */
export function catalogFiles(c: Catalog, certDir: string, kubeconfigDir: string): string[] {
  return [
    ...[...c.cas, ...c.leaves].flatMap((x) => [certPath(certDir, x.baseName), keyPath(certDir, x.baseName)]),
    ...c.kubeconfigs.map((k) => join(kubeconfigDir, k.name)),
    ...(c.serviceAccountKey ? [join(certDir, 'sa.key'), join(certDir, 'sa.pub')] : []),
  ];
}

/**
 * Why a pair read from disk does not belong together (the key is not the certificate's), or
 * undefined when it does or when either half is missing or unreadable (reported as such).
 * Every reader of a pair asks this: check-expiration, list, init's plan, renew.
 */
export function pairMismatch(f: CertFiles): string | undefined {
  if (!f.cert || !f.key) return undefined;
  return keyMatchesCertificate(f.key, f.cert) ? undefined : `${f.keyPath} does not match ${f.certPath}`;
}

/** The same for a kubeconfig's embedded (or referenced) client certificate and key. */
export function kubeconfigPairMismatch(k: KubeconfigFile): string | undefined {
  if (!k.clientCert || !k.clientKey) return undefined;
  return keyMatchesCertificate(k.clientKey, k.clientCert)
    ? undefined
    : `${k.path}: its client key does not match its client certificate`;
}
