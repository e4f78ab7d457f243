/**
 * Private keys: generation for the algorithms kubeadm knows (plus Ed25519), the on-disk
 * formats kubeadm writes (PKCS#1 "RSA PRIVATE KEY", SEC1 "EC PRIVATE KEY"; PKCS#8 for
 * Ed25519, which has no other form), loading, and the signature algorithm each key uses.
 * All cryptography is node:crypto (OpenSSL).
 */
import { createPrivateKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { KubetlsError } from '../errors/index.js';
import { DER_NULL, oid, seq } from './der.js';
import { OID } from './oid.js';
import { pemEncode } from './pem.js';
import { spkiFromJwk, spkiFromKey } from './spkikey.js';

const generateKeyPairAsync = promisify(generateKeyPair);

export const KEY_ALGORITHMS = ['RSA-2048', 'RSA-3072', 'RSA-4096', 'ECDSA-P256', 'ECDSA-P384', 'ED25519'] as const;
/** kubeadm's key algorithms (ClusterConfiguration encryptionAlgorithm), plus Ed25519. */
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];
/**
 * Every key kubetls can generate: kubeadm's set plus what cfssl also makes (P-521, RSA of any
 * even size). Only the cfssl commands ask for the extra ones; kubeadm paths keep KeyAlgorithm.
 */
export type AnyKeyAlgorithm = KeyAlgorithm | 'ECDSA-P521' | `RSA-${number}`;

const EC_CURVES: Record<string, string> = { 'ECDSA-P256': 'P-256', 'ECDSA-P384': 'P-384', 'ECDSA-P521': 'P-521' };
/** node:crypto's curve names (asymmetricKeyDetails.namedCurve) → ours */
const EC_BY_NODE_CURVE: Record<string, AnyKeyAlgorithm> = {
  prime256v1: 'ECDSA-P256',
  secp384r1: 'ECDSA-P384',
  secp521r1: 'ECDSA-P521',
};

/** RSA sizes cfssl accepts (csr.KeyRequest.Generate: 2048..8192 bits). */
export const RSA_MIN_BITS = 2048;
export const RSA_MAX_BITS = 8192;

/** Accepts kubeadm's spelling (`ECDSA-P256`) case-insensitively, plus `Ed25519`. */
export function parseKeyAlgorithm(s: string): KeyAlgorithm {
  const up = s.trim().toUpperCase();
  const hit = KEY_ALGORITHMS.find((a) => a === up);
  if (!hit) {
    throw new KubetlsError(
      'InvalidKeyAlgorithm',
      `unknown encryptionAlgorithm "${s}"`,
      `use one of ${KEY_ALGORITHMS.join(', ')}`,
    );
  }
  return hit;
}

export interface KeyPair {
  algorithm: KeyAlgorithm;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/**
 * Generates a key pair off the main thread (libuv pool), so many RSA keys run in parallel.
 * To write the key out, use generateEncodedKey: exporting a KeyObject straight from
 * generation risks a Node 20 deadlock (see there).
 */
export async function generateKey(algorithm: KeyAlgorithm): Promise<KeyPair> {
  let pair: { privateKey: KeyObject; publicKey: KeyObject };
  switch (algorithm) {
    case 'RSA-2048':
    case 'RSA-3072':
    case 'RSA-4096':
      pair = await generateKeyPairAsync('rsa', { modulusLength: Number(algorithm.slice(4)), publicExponent: 65537 });
      break;
    case 'ECDSA-P256':
      pair = await generateKeyPairAsync('ec', { namedCurve: 'P-256' });
      break;
    case 'ECDSA-P384':
      pair = await generateKeyPairAsync('ec', { namedCurve: 'P-384' });
      break;
    case 'ED25519':
      pair = await generateKeyPairAsync('ed25519');
      break;
  }
  return { algorithm, ...pair };
}

/** A new key as kubetls writes it: the private key PEM in kubeadm's format and the public SPKI DER. */
export interface EncodedKeyPair<A extends AnyKeyAlgorithm = KeyAlgorithm> {
  algorithm: A;
  privatePem: string;
  spki: Buffer;
}

/**
 * Generates a key pair and has the generation job itself encode it as it completes (the
 * private key as PEM in kubeadm's format, the public key as a JWK turned into SPKI), so no
 * KeyObject of a freshly generated key is exported afterwards. Why: on Node 20 an export
 * holds the key's mutex while it allocates, and a garbage collection at that moment can run
 * the destructor of the key's generation job, which takes the same mutex — a hang,
 * reproduced with private JWK exports (docs/architecture.md). While the job encodes, it is
 * alive, so that cannot happen. It is also no slower than generating and exporting.
 * For keys that only need writing (every leaf); a key that signs is loaded from the PEM.
 */
export async function generateEncodedKey<A extends AnyKeyAlgorithm>(algorithm: A): Promise<EncodedKeyPair<A>> {
  const encoding = {
    publicKeyEncoding: { format: 'jwk' },
    privateKeyEncoding: { type: privatePemType(algorithm), format: 'pem' },
  };
  let pair;
  if (algorithm === 'ED25519') pair = await generateEncoded('ed25519', encoding);
  else if (algorithm.startsWith('RSA-'))
    pair = await generateEncoded('rsa', { modulusLength: rsaBits(algorithm), publicExponent: 65537, ...encoding });
  else if (EC_CURVES[algorithm]) pair = await generateEncoded('ec', { namedCurve: EC_CURVES[algorithm], ...encoding });
  else throw new KubetlsError('InvalidKeyAlgorithm', `unknown key algorithm "${algorithm}"`);
  const spki = spkiFromJwk(pair.publicKey as Record<string, string>);
  if (!spki || typeof pair.privateKey !== 'string')
    throw new KubetlsError('KeyGeneration', `${algorithm}: unexpected key encoding from node:crypto`);
  return { algorithm, privatePem: pair.privateKey, spki };
}

/**
 * generateKeyPair with encodings. Node takes every `keyObject.export()` encoding here, JWK
 * included, but @types/node lists only PEM and DER, hence the one loosely typed call.
 */
function generateEncoded(
  type: 'rsa' | 'ec' | 'ed25519',
  options: object,
): Promise<{ publicKey: unknown; privateKey: unknown }> {
  const gen = generateKeyPair as unknown as (
    t: string,
    o: object,
    cb: (e: Error | null, publicKey: unknown, privateKey: unknown) => void,
  ) => void;
  return new Promise((resolve, reject) =>
    gen(type, options, (e, publicKey, privateKey) => (e ? reject(e) : resolve({ publicKey, privateKey }))),
  );
}

/** kubeadm's private key PEM types: PKCS#1 for RSA, SEC1 for EC, PKCS#8 for Ed25519 (it has no other form). */
function privatePemType(algorithm: AnyKeyAlgorithm): 'pkcs1' | 'sec1' | 'pkcs8' {
  return algorithm.startsWith('RSA-') ? 'pkcs1' : algorithm.startsWith('ECDSA-') ? 'sec1' : 'pkcs8';
}

/**
 * The modulus size of an `RSA-<bits>` name, checked: cfssl's range, and even, because
 * OpenSSL 3.0 (node:crypto) makes a key one bit short for an odd size (2049 → 2048), so an
 * odd request cannot be honoured exactly.
 */
export function rsaBits(algorithm: string): number {
  const bits = Number(algorithm.slice(4));
  if (!Number.isInteger(bits) || bits < RSA_MIN_BITS || bits > RSA_MAX_BITS || bits % 2 !== 0) {
    throw new KubetlsError(
      'InvalidKeySize',
      `${algorithm}: RSA keys must have an even size from ${RSA_MIN_BITS} to ${RSA_MAX_BITS} bits`,
    );
  }
  return bits;
}

/** The algorithm of an existing key, or an error for keys kubetls does not issue with. */
export function keyAlgorithmOf(key: KeyObject): KeyAlgorithm {
  const d = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa': {
      const bits = d.modulusLength ?? 0;
      if (bits === 2048 || bits === 3072 || bits === 4096) return `RSA-${bits}` as KeyAlgorithm;
      throw new KubetlsError(
        'UnsupportedKey',
        `RSA key of ${bits} bits is not supported`,
        'use 2048, 3072 or 4096 bits',
      );
    }
    case 'ec':
      if (d.namedCurve === 'prime256v1') return 'ECDSA-P256';
      if (d.namedCurve === 'secp384r1') return 'ECDSA-P384';
      throw new KubetlsError('UnsupportedKey', `EC curve ${d.namedCurve} is not supported`, 'use P-256 or P-384');
    case 'ed25519':
      return 'ED25519';
    default:
      throw new KubetlsError('UnsupportedKey', `${key.asymmetricKeyType} keys are not supported`);
  }
}

/**
 * The algorithm of an existing key, for the cfssl commands: also P-521 and RSA of any size
 * from 2048 bits (cfssl signs with any RSA CA key it can load; kubetls keeps the 2048 floor).
 */
export function anyKeyAlgorithmOf(key: KeyObject): AnyKeyAlgorithm {
  const d = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa': {
      const bits = d.modulusLength ?? 0;
      if (bits >= RSA_MIN_BITS && bits <= 16384) return `RSA-${bits}`;
      throw new KubetlsError(
        'UnsupportedKey',
        `RSA key of ${bits} bits is not supported`,
        `use ${RSA_MIN_BITS} to ${RSA_MAX_BITS} bits`,
      );
    }
    case 'ec': {
      const alg = EC_BY_NODE_CURVE[d.namedCurve ?? ''];
      if (alg) return alg;
      throw new KubetlsError(
        'UnsupportedKey',
        `EC curve ${d.namedCurve} is not supported`,
        'use P-256, P-384 or P-521',
      );
    }
    default:
      return keyAlgorithmOf(key);
  }
}

/** PEM of a private key in kubeadm's formats: PKCS#1 for RSA, SEC1 for EC, PKCS#8 otherwise. */
export function privateKeyToPem(key: KeyObject): string {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return key.export({ type: 'pkcs1', format: 'pem' }) as string;
    case 'ec':
      return key.export({ type: 'sec1', format: 'pem' }) as string;
    default:
      return key.export({ type: 'pkcs8', format: 'pem' }) as string;
  }
}

/** PKIX "PUBLIC KEY" PEM (what kubeadm writes to sa.pub). */
export function publicKeyToPem(key: KeyObject): string {
  return pemEncode('PUBLIC KEY', spkiFromKey(key));
}

export function spkiDer(key: KeyObject): Buffer {
  return spkiFromKey(key);
}

/** Loads a PEM private key of any common form (PKCS#1, SEC1, PKCS#8); never echoes key material. */
export function parsePrivateKeyPem(pem: string | Buffer, source = 'key'): KeyObject {
  const text = typeof pem === 'string' ? pem : pem.toString('latin1');
  if (text.length > 1024 * 1024) throw new KubetlsError('TooLarge', `${source}: private key file is over 1 MiB`);
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    throw new KubetlsError(
      'MalformedKey',
      `${source}: no PEM private key found`,
      'expected "-----BEGIN RSA PRIVATE KEY-----", "EC PRIVATE KEY" or "PRIVATE KEY"',
    );
  }
  if (/ENCRYPTED/.test(text))
    throw new KubetlsError(
      'MalformedKey',
      `${source}: encrypted private keys are not supported`,
      'decrypt it first (openssl pkey -in KEY -out PLAIN)',
    );
  try {
    return createPrivateKey({ key: text, format: 'pem' });
  } catch {
    throw new KubetlsError('MalformedKey', `${source}: the private key cannot be parsed`);
  }
}

export interface SignatureAlgorithm {
  /** digest for crypto.sign, or null for Ed25519 */
  hash: 'sha256' | 'sha384' | 'sha512' | null;
  /** DER AlgorithmIdentifier written into certificates and CSRs */
  algorithmIdentifier: Buffer;
  oid: string;
}

const rsa = (hash: 'sha256' | 'sha384' | 'sha512', o: string): SignatureAlgorithm => ({
  hash,
  oid: o,
  algorithmIdentifier: seq(oid(o), DER_NULL),
});
const ecdsa = (hash: 'sha256' | 'sha384' | 'sha512', o: string): SignatureAlgorithm => ({
  hash,
  oid: o,
  algorithmIdentifier: seq(oid(o)),
});
const RSA_SHA256 = rsa('sha256', OID.sha256WithRSA);
const RSA_SHA384 = rsa('sha384', OID.sha384WithRSA);
const RSA_SHA512 = rsa('sha512', OID.sha512WithRSA);
const ECDSA_SHA256 = ecdsa('sha256', OID.ecdsaWithSHA256);
const ECDSA_SHA384 = ecdsa('sha384', OID.ecdsaWithSHA384);
const ECDSA_SHA512 = ecdsa('sha512', OID.ecdsaWithSHA512);
const ED25519: SignatureAlgorithm = { hash: null, oid: OID.ed25519, algorithmIdentifier: seq(oid(OID.ed25519)) };

/**
 * Whose rules pick the signature algorithm (the caller's choice, since the tools differ):
 * - `kubeadm`: kubeadm's keys only, signed as Go's crypto/x509 does by default (RSA of every
 *   size with SHA-256, ECDSA by curve) — what `kubetls init` must keep doing;
 * - `go`: the same defaults for any key Go signs with (also P-521, other RSA sizes), what
 *   cfssl's gencrl gets from x509.CreateCRL;
 * - `cfssl`: cfssl's DefaultSigAlgo, which follows the key size: RSA ≥ 4096 bits SHA-512,
 *   ≥ 3072 SHA-384, else SHA-256; ECDSA P-521 SHA-512, P-384 SHA-384, P-256 SHA-256.
 */
export type SignatureScheme = 'kubeadm' | 'go' | 'cfssl';

/** The signature algorithm a signer key uses under `scheme` (default: kubeadm's). */
export function signatureAlgorithmFor(key: KeyObject, scheme: SignatureScheme = 'kubeadm'): SignatureAlgorithm {
  const alg: AnyKeyAlgorithm = scheme === 'kubeadm' ? keyAlgorithmOf(key) : anyKeyAlgorithmOf(key);
  switch (alg) {
    case 'ECDSA-P256':
      return ECDSA_SHA256;
    case 'ECDSA-P384':
      return ECDSA_SHA384;
    case 'ECDSA-P521':
      return ECDSA_SHA512;
    case 'ED25519':
      return ED25519;
    default: {
      if (scheme !== 'cfssl') return RSA_SHA256;
      const bits = Number(alg.slice(4));
      return bits >= 4096 ? RSA_SHA512 : bits >= 3072 ? RSA_SHA384 : RSA_SHA256;
    }
  }
}
