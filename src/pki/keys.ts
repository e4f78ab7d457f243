/**
 * Private keys: generation for the algorithms kubeadm knows (plus Ed25519), the on-disk
 * formats kubeadm writes (PKCS#1 "RSA PRIVATE KEY", SEC1 "EC PRIVATE KEY"; PKCS#8 for
 * Ed25519, which has no other form), loading, and the signature algorithm each key uses.
 * All cryptography is node:crypto (OpenSSL).
 */
import { createPrivateKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { KubetlsError } from '../errors.js';
import { DER_NULL, oid, seq } from './der.js';
import { OID } from './oid.js';
import { pemEncode } from './pem.js';
import { spkiFromJwk, spkiFromKey } from './spkikey.js';

const generateKeyPairAsync = promisify(generateKeyPair);

export const KEY_ALGORITHMS = ['RSA-2048', 'RSA-3072', 'RSA-4096', 'ECDSA-P256', 'ECDSA-P384', 'ED25519'] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

/** Accepts kubeadm's spelling (`ECDSA-P256`) case-insensitively, plus `Ed25519`. */
export function parseKeyAlgorithm(s: string): KeyAlgorithm {
  const up = s.trim().toUpperCase();
  const hit = KEY_ALGORITHMS.find((a) => a === up);
  if (!hit) {
    throw new KubetlsError('InvalidKeyAlgorithm', `unknown encryptionAlgorithm "${s}"`, `use one of ${KEY_ALGORITHMS.join(', ')}`);
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
export interface EncodedKeyPair {
  algorithm: KeyAlgorithm;
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
export async function generateEncodedKey(algorithm: KeyAlgorithm): Promise<EncodedKeyPair> {
  const encoding = { publicKeyEncoding: { format: 'jwk' }, privateKeyEncoding: { type: PRIVATE_PEM_TYPE[algorithm], format: 'pem' } };
  const pair =
    algorithm === 'ED25519'
      ? await generateEncoded('ed25519', encoding)
      : algorithm.startsWith('RSA')
        ? await generateEncoded('rsa', { modulusLength: Number(algorithm.slice(4)), publicExponent: 65537, ...encoding })
        : await generateEncoded('ec', { namedCurve: algorithm === 'ECDSA-P256' ? 'P-256' : 'P-384', ...encoding });
  const spki = spkiFromJwk(pair.publicKey as Record<string, string>);
  if (!spki || typeof pair.privateKey !== 'string') throw new KubetlsError('KeyGeneration', `${algorithm}: unexpected key encoding from node:crypto`);
  return { algorithm, privatePem: pair.privateKey, spki };
}

/**
 * generateKeyPair with encodings. Node takes every `keyObject.export()` encoding here, JWK
 * included, but @types/node lists only PEM and DER, hence the one loosely typed call.
 */
function generateEncoded(type: 'rsa' | 'ec' | 'ed25519', options: object): Promise<{ publicKey: unknown; privateKey: unknown }> {
  const gen = generateKeyPair as unknown as (t: string, o: object, cb: (e: Error | null, publicKey: unknown, privateKey: unknown) => void) => void;
  return new Promise((resolve, reject) => gen(type, options, (e, publicKey, privateKey) => (e ? reject(e) : resolve({ publicKey, privateKey }))));
}

/** kubeadm's private key PEM types: PKCS#1 for RSA, SEC1 for EC, PKCS#8 for Ed25519 (it has no other form). */
const PRIVATE_PEM_TYPE: Record<KeyAlgorithm, 'pkcs1' | 'sec1' | 'pkcs8'> = {
  'RSA-2048': 'pkcs1',
  'RSA-3072': 'pkcs1',
  'RSA-4096': 'pkcs1',
  'ECDSA-P256': 'sec1',
  'ECDSA-P384': 'sec1',
  ED25519: 'pkcs8',
};

/** The algorithm of an existing key, or an error for keys kubetls does not issue with. */
export function keyAlgorithmOf(key: KeyObject): KeyAlgorithm {
  const d = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa': {
      const bits = d.modulusLength ?? 0;
      if (bits === 2048 || bits === 3072 || bits === 4096) return `RSA-${bits}` as KeyAlgorithm;
      throw new KubetlsError('UnsupportedKey', `RSA key of ${bits} bits is not supported`, 'use 2048, 3072 or 4096 bits');
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
    throw new KubetlsError('MalformedKey', `${source}: no PEM private key found`, 'expected "-----BEGIN RSA PRIVATE KEY-----", "EC PRIVATE KEY" or "PRIVATE KEY"');
  }
  if (/ENCRYPTED/.test(text)) throw new KubetlsError('MalformedKey', `${source}: encrypted private keys are not supported`, 'decrypt it first (openssl pkey -in KEY -out PLAIN)');
  try {
    return createPrivateKey({ key: text, format: 'pem' });
  } catch {
    throw new KubetlsError('MalformedKey', `${source}: the private key cannot be parsed`);
  }
}

export interface SignatureAlgorithm {
  /** digest for crypto.sign, or null for Ed25519 */
  hash: 'sha256' | 'sha384' | null;
  /** DER AlgorithmIdentifier written into certificates and CSRs */
  algorithmIdentifier: Buffer;
  oid: string;
}

const RSA_SHA256: SignatureAlgorithm = { hash: 'sha256', oid: OID.sha256WithRSA, algorithmIdentifier: seq(oid(OID.sha256WithRSA), DER_NULL) };
const ECDSA_SHA256: SignatureAlgorithm = { hash: 'sha256', oid: OID.ecdsaWithSHA256, algorithmIdentifier: seq(oid(OID.ecdsaWithSHA256)) };
const ECDSA_SHA384: SignatureAlgorithm = { hash: 'sha384', oid: OID.ecdsaWithSHA384, algorithmIdentifier: seq(oid(OID.ecdsaWithSHA384)) };
const ED25519: SignatureAlgorithm = { hash: null, oid: OID.ed25519, algorithmIdentifier: seq(oid(OID.ed25519)) };

/** The signature algorithm a signer key uses; the same choices as Go's crypto/x509 defaults. */
export function signatureAlgorithmFor(key: KeyObject): SignatureAlgorithm {
  switch (keyAlgorithmOf(key)) {
    case 'ECDSA-P256':
      return ECDSA_SHA256;
    case 'ECDSA-P384':
      return ECDSA_SHA384;
    case 'ED25519':
      return ED25519;
    default:
      return RSA_SHA256;
  }
}
