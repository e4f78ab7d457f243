/**
 * Public KeyObjects from SPKI DER, fast. OpenSSL 3's DER/PEM decoder path behind
 * createPublicKey({format:'der'}) dominated CSR verification on the signing server;
 * importing the same key as a JWK skips the decoder framework (figures in
 * bench/RESULTS.md, "Measurements behind code comments"). Anything unusual (compressed points, other curves,
 * malformed input) falls back to the DER import, so behaviour is unchanged.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { bitString, children, content, DER_NULL, integer, oid, readOid, readTlv, seq, TAG } from './der.js';
import { OID } from './oid.js';

const CURVES: Record<string, { crv: EcCurve; size: number; index: number }> = {
  [OID.p256]: { crv: 'P-256', size: 32, index: 0 },
  [OID.p384]: { crv: 'P-384', size: 48, index: 1 },
  [OID.p521]: { crv: 'P-521', size: 66, index: 2 },
};

export type EcCurve = 'P-256' | 'P-384' | 'P-521';

/** The public numbers of an SPKI, as they appear in it (no validation beyond the shape). */
export type SpkiKey =
  | { kind: 'RSA'; n: Buffer; e: Buffer }
  /** point: the encoded EC point (0x04‖X‖Y, or compressed); curveIndex: 0 P-256, 1 P-384, 2 P-521 */
  | { kind: 'EC'; curve: EcCurve; curveIndex: number; fieldSize: number; point: Buffer }
  | { kind: 'Ed25519'; x: Buffer };

/** Unsigned INTEGER content without the sign-padding zero byte. */
const unsigned = (b: Buffer): Buffer => (b.length > 1 && b[0] === 0 ? b.subarray(1) : b);

/** Reads the key of an SPKI DER; undefined for other algorithms or curves and for malformed input. */
export function decodeSpki(spki: Buffer): SpkiKey | undefined {
  try {
    const top = readTlv(spki, 0);
    if (top.tag !== TAG.SEQUENCE || top.end !== spki.length) return undefined;
    const [algT, bitsT] = children(spki, top);
    if (!algT || !bitsT || algT.tag !== TAG.SEQUENCE || bitsT.tag !== TAG.BIT_STRING) return undefined;
    const alg = children(spki, algT);
    const id = readOid(spki, alg[0]!);
    const bits = content(spki, bitsT);
    if (bits[0] !== 0) return undefined;
    const key = bits.subarray(1);
    if (id === OID.rsaEncryption) {
      const rsa = readTlv(key, 0);
      if (rsa.tag !== TAG.SEQUENCE || rsa.end !== key.length) return undefined;
      const [n, e] = children(key, rsa);
      if (!n || !e || n.tag !== TAG.INTEGER || e.tag !== TAG.INTEGER) return undefined;
      return { kind: 'RSA', n: unsigned(content(key, n)), e: unsigned(content(key, e)) };
    }
    if (id === OID.ecPublicKey) {
      const curve = alg[1] && alg[1].tag === TAG.OID ? CURVES[readOid(spki, alg[1])] : undefined;
      if (!curve || key.length === 0) return undefined;
      return { kind: 'EC', curve: curve.crv, curveIndex: curve.index, fieldSize: curve.size, point: key };
    }
    if (id === OID.ed25519 && key.length === 32) return { kind: 'Ed25519', x: key };
  } catch {
    /* malformed DER: not a key we can read */
  }
  return undefined;
}

const b64u = (b: Buffer): string => b.toString('base64url');

function jwkFromSpki(spki: Buffer): Record<string, string> | undefined {
  const k = decodeSpki(spki);
  if (k?.kind === 'RSA') return { kty: 'RSA', n: b64u(k.n), e: b64u(k.e) };
  if (k?.kind === 'EC') {
    // JWK holds affine coordinates: compressed points go the DER way
    if (k.point[0] !== 0x04 || k.point.length !== 1 + 2 * k.fieldSize) return undefined;
    return {
      kty: 'EC',
      crv: k.curve,
      x: b64u(k.point.subarray(1, 1 + k.fieldSize)),
      y: b64u(k.point.subarray(1 + k.fieldSize)),
    };
  }
  if (k?.kind === 'Ed25519') return { kty: 'OKP', crv: 'Ed25519', x: b64u(k.x) };
  return undefined;
}

/** A public KeyObject for SPKI DER; throws like createPublicKey on input that is not a key. */
export function publicKeyFromSpki(spki: Buffer): KeyObject {
  const jwk = jwkFromSpki(spki);
  if (jwk) {
    try {
      return createPublicKey({ key: jwk, format: 'jwk' });
    } catch {
      /* fall through to the DER import and its error */
    }
  }
  return createPublicKey({ key: spki, format: 'der', type: 'spki' });
}

/** curve name → OID, the reverse of CURVES */
const CURVE_OIDS: Record<string, string> = Object.fromEntries(Object.entries(CURVES).map(([id, c]) => [c.crv, id]));
const spkiCache = new WeakMap<KeyObject, Buffer>();

/**
 * SPKI DER of a public (or private) KeyObject. The other direction of the trick above:
 * OpenSSL 3's encoder behind export({type:'spki', format:'der'}) is many times slower than a
 * JWK export, and the SPKI of RSA/EC/Ed25519 is a fixed shape around the JWK's numbers.
 * That export was a sixth of a 100-node `init` (bench/RESULTS.md, "Measurements behind code comments"). Cached per KeyObject (issuing and
 * createIssuer ask for the same key's SPKI repeatedly); other key types fall back to export.
 */
export function spkiFromKey(key: KeyObject): Buffer {
  const hit = spkiCache.get(key);
  if (hit) return hit;
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const der =
    spkiFromJwk(pub.export({ format: 'jwk' }) as Record<string, string>) ?? pub.export({ type: 'spki', format: 'der' });
  spkiCache.set(key, der);
  return der;
}

/** SPKI DER around the numbers of a public RSA, EC (named curve) or Ed25519 JWK; undefined for anything else. */
export function spkiFromJwk(jwk: Record<string, string | undefined>): Buffer | undefined {
  if (jwk.kty === 'EC' && jwk.crv && CURVE_OIDS[jwk.crv] && jwk.x && jwk.y) {
    return seq(
      seq(oid(OID.ecPublicKey), oid(CURVE_OIDS[jwk.crv]!)),
      bitString(Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')])),
    );
  }
  if (jwk.kty === 'RSA' && jwk.n && jwk.e) {
    return seq(
      seq(oid(OID.rsaEncryption), DER_NULL),
      bitString(seq(integer(Buffer.from(jwk.n, 'base64url')), integer(Buffer.from(jwk.e, 'base64url')))),
    );
  }
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && jwk.x)
    return seq(seq(oid(OID.ed25519)), bitString(Buffer.from(jwk.x, 'base64url')));
  return undefined;
}
