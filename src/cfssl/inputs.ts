/** Input loading for the cfssl commands: files or "-" (stdin) with size caps; the CA, its key, the signing policy and the signers named by the flags. */
import { KubetlsError } from '../errors/index.js';
import { parsePrivateKeyPem, parseCertificatesPem } from '../pki/index.js';
import { readFileBounded, readInput as readBoundedInput } from '../util/read.js';
import { LocalSigner } from '../signer/local.js';
import { RemoteSigner } from '../signer/remote.js';
import { defaultPolicy, parseSigningConfig, selectProfile, type SigningPolicy } from './config.js';
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

export interface RemoteSignerFlags {
  remote: string;
  config: string | undefined;
  profile: string | undefined;
  tlsRemoteCa: string | undefined;
  clientCert: string | undefined;
  clientKey: string | undefined;
}

/**
 * A RemoteSigner from -remote and its companions, as cfssl's client builds one: -config
 * supplies the profile's auth key (`auth_key`, or a client config's `auth_remote.auth_key`),
 * in which case requests go to authsign.
 */
export function loadRemoteSigner(o: RemoteSignerFlags): RemoteSigner {
  if (!!o.clientCert !== !!o.clientKey)
    throw new KubetlsError('MissingFlag', '-mutual-tls-client-cert and -mutual-tls-client-key go together');
  const profile = o.config ? selectProfile(loadPolicy(o.config), o.profile).profile : undefined;
  const authKey = profile?.authKey ?? profile?.authRemoteKey;
  const pem = (path: string | undefined, what: string) => {
    if (!path) return undefined;
    const text = readFileBounded(path, MAX_INPUT_BYTES).toString('latin1');
    if (what === 'key') parsePrivateKeyPem(text, path);
    else parseCertificatesPem(text, path);
    return text;
  };
  return new RemoteSigner({
    url: o.remote,
    authKey,
    profile: o.profile,
    ca: pem(o.tlsRemoteCa, 'cert'),
    clientCert: pem(o.clientCert, 'cert'),
    clientKey: pem(o.clientKey, 'key'),
  });
}
