/** Input/loading helpers for the cfssl commands: files or "-" (stdin), with size caps; CA loading. */
import { KubetlsError } from '../errors/index.js';
import { parsePrivateKeyPem, parseCertificatesPem } from '../pki/index.js';
import { readFileBounded, readInput as readBoundedInput } from '../util/read.js';
import { LocalSigner } from './signer.js';
import { defaultPolicy, parseSigningConfig, type SigningPolicy } from './config.js';
import type { KeyObject } from 'node:crypto';

export const MAX_INPUT_BYTES = 1024 * 1024;

/** A file or "-" for stdin, bounded (util/read.ts: regular files only, cap enforced while reading). */
export function readInput(path: string, max = MAX_INPUT_BYTES): Buffer {
  return readBoundedInput(path, max);
}

export function loadPolicy(path: string | undefined): SigningPolicy {
  if (!path) return defaultPolicy();
  return parseSigningConfig(readInput(path), path);
}

export function loadCaKey(path: string): KeyObject {
  return parsePrivateKeyPem(readFileBounded(path, MAX_INPUT_BYTES), path);
}

export function loadCaCertDer(path: string): Buffer {
  return parseCertificatesPem(readFileBounded(path, MAX_INPUT_BYTES), path)[0]!.der;
}

/** A LocalSigner from -ca, -ca-key, -config (missing -ca/-ca-key named in the error). */
export function loadSigner(ca: string | undefined, caKey: string | undefined, config: string | undefined): LocalSigner {
  if (!ca) throw new KubetlsError('MissingFlag', '-ca: the CA certificate file is required');
  if (!caKey) throw new KubetlsError('MissingFlag', '-ca-key: the CA private key file is required');
  const der = loadCaCertDer(ca);
  const key = loadCaKey(caKey);
  try {
    return new LocalSigner(der, key, loadPolicy(config));
  } catch (e) {
    if (e instanceof KubetlsError && e.code === 'KeyMismatch')
      throw new KubetlsError('KeyMismatch', `-ca-key ${caKey} does not belong to -ca ${ca}`);
    throw e;
  }
}

/** cfssl's SplitHosts: comma-separated, empty → no override. */
export function splitHostnameFlag(v: string | undefined): string[] | undefined {
  if (v === undefined || v === '') return undefined;
  return v.split(',').map((s) => s.trim());
}
