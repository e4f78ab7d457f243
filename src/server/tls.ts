/**
 * TLS settings of every kubetls listener: the version floor (TLS 1.2; 1.3 on request), the
 * cipher suites, the serving certificate and key — checked to belong together before
 * anything listens — and the CA that verifies client certificates. Pure functions over PEM
 * text: callers read the files (with their own size caps) and name them in `source`, so the
 * errors name the flag and file a user gave.
 */
import { createSecureContext } from 'node:tls';
import { KubetlsError } from '../errors/index.js';
import { parseCertificatesPem, parsePrivateKeyPem, spkiDer } from '../pki/index.js';

export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';

/**
 * A minimum TLS version as users write it: cfssl's `1.2`/`1.3`, kube-apiserver's
 * `VersionTLS12`/`VersionTLS13`, or Node's `TLSv1.2`/`TLSv1.3`. Anything older is refused:
 * TLS 1.2 is the floor of every kubetls listener.
 */
export function parseTlsVersion(v: string, flag = '-min-tls-version'): TlsVersion {
  const t = v.trim();
  if (/^(1\.2|VersionTLS12|TLSv1\.2)$/.test(t)) return 'TLSv1.2';
  if (/^(1\.3|VersionTLS13|TLSv1\.3)$/.test(t)) return 'TLSv1.3';
  if (/^(1\.[01]|1|VersionTLS1[01]|TLSv1(\.[01])?|VersionSSL30|SSLv3)$/.test(t))
    throw new KubetlsError('BadFlag', `${flag}: "${t}" is below TLS 1.2, the lowest version kubetls serves`);
  throw new KubetlsError(
    'BadFlag',
    `${flag}: "${t.slice(0, 40)}" is not a TLS version`,
    'use 1.2 or 1.3 (also VersionTLS12, VersionTLS13)',
  );
}

/**
 * TLS 1.2 cipher suites by their IANA names (what kube-apiserver's --tls-cipher-suites and Go
 * take) → OpenSSL's names. Only forward-secret AEAD suites: the CBC, RC4, 3DES and static-RSA
 * suites Go still lists as insecure are refused. TLS 1.3 suites are not configurable, as in Go.
 */
const TLS12_SUITES: Readonly<Record<string, string>> = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: 'ECDHE-RSA-CHACHA20-POLY1305',
};
const TLS13_SUITES = new Set(['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']);

/**
 * A comma-separated list of IANA suite names → an OpenSSL cipher string for TLS 1.2, or
 * undefined (Node's defaults) when the list names only TLS 1.3 suites, which are always on.
 */
export function parseCipherSuites(v: string, flag = '-tls-cipher-suites'): string | undefined {
  const names = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new KubetlsError('BadFlag', `${flag}: empty list`);
  const out: string[] = [];
  for (const n of names) {
    const o = Object.hasOwn(TLS12_SUITES, n) ? TLS12_SUITES[n] : undefined;
    if (o) out.push(o);
    else if (!TLS13_SUITES.has(n))
      throw new KubetlsError(
        'BadFlag',
        `${flag}: "${n.slice(0, 60)}" is not a supported cipher suite`,
        `supported: ${Object.keys(TLS12_SUITES).join(', ')} (TLS 1.3 suites are always on)`,
      );
  }
  return out.length ? [...new Set(out)].join(':') : undefined;
}

export interface ServingMaterial {
  /** the certificate chain, leaf first, PEM */
  cert: string;
  key: string;
}

/**
 * Checks a serving certificate and key before anything listens: both parse, the key is the
 * leaf's (a mismatch otherwise crashes a worker on every start, or — with a key of another
 * type — lets the server start and fail every handshake), and OpenSSL accepts the pair.
 * `certSource`/`keySource` name them in errors (e.g. "-tls-cert server.pem").
 */
export function checkServingMaterial(m: ServingMaterial, certSource: string, keySource: string): void {
  const chain = parseCertificatesPem(m.cert, certSource);
  const leaf = chain[0];
  if (!leaf) throw new KubetlsError('MalformedCertificate', `${certSource}: no certificate found`);
  const key = parsePrivateKeyPem(m.key, keySource);
  if (!spkiDer(key).equals(leaf.spkiDer)) {
    const keyType = key.asymmetricKeyType ?? 'unknown';
    const certType = leaf.publicKeyAlgorithm;
    throw new KubetlsError(
      'KeyMismatch',
      `${keySource} does not belong to ${certSource} ("${leaf.subjectString}"): ${
        keyType === certType
          ? `it is another ${keyType} key`
          : `the certificate's key is ${certType}, this key is ${keyType}`
      }`,
      'give the private key the certificate was issued for',
    );
  }
  try {
    createSecureContext({ cert: m.cert, key: m.key });
  } catch (e) {
    throw new KubetlsError('MalformedCertificate', `${certSource} with ${keySource}: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/** Checks a bundle of CA certificates for client verification; returns it unchanged. */
export function checkClientCa(pem: string, source: string): string {
  const cas = parseCertificatesPem(pem, source);
  if (cas.length === 0) throw new KubetlsError('MalformedCertificate', `${source}: no certificate found`);
  return pem;
}
