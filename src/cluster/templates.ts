/** kubeadm's certificate templates (docs/upstream/k8s-pki.md §1): validity arithmetic, key usages, CA shape. */
import type { KeyObject } from 'node:crypto';
import { KubetlsError } from '../errors/index.js';
import { issueCertificate, type Issuer } from '../pki/certificate.js';
import { spkiAlgorithm } from '../pki/certparse.js';
import type { ExtKeyUsage, KeyUsage } from '../pki/oid.js';
import type { RandomSource } from '../pki/serial.js';

/** kubeadm backdates NotBefore by five minutes to tolerate clock skew between nodes. */
export const BACKDATE_MS = 5 * 60_000;

export interface LeafIdentity {
  commonName: string;
  organization: readonly string[];
  extKeyUsage: readonly ExtKeyUsage[];
  dnsNames: readonly string[];
  ipAddresses: readonly string[];
}

const LEAF_KU: KeyUsage[] = ['digitalSignature', 'keyEncipherment'];
const CA_KU: KeyUsage[] = ['digitalSignature', 'keyEncipherment', 'keyCertSign'];

/**
 * kubeadm's usages assume RSA/ECDSA; an Ed25519 key can only sign, and RFC 9295 forbids
 * keyEncipherment on it, so it is dropped for Ed25519 subjects.
 */
function usagesFor(publicKey: KeyObject | Buffer, base: KeyUsage[]): KeyUsage[] {
  const ed = Buffer.isBuffer(publicKey)
    ? spkiAlgorithm(publicKey) === 'ed25519'
    : publicKey.asymmetricKeyType === 'ed25519';
  return ed ? base.filter((u) => u !== 'keyEncipherment') : base;
}

/** A self-signed CA: NotBefore now−5min, NotAfter now+period, a DNS SAN equal to its CN (as kubeadm). */
export function selfSignedCa(
  commonName: string,
  key: { privateKey: KeyObject; publicKey: KeyObject | Buffer },
  now: Date,
  validityMs: number,
  random?: RandomSource,
): Buffer {
  return issueCertificate(
    {
      subject: { commonName },
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter: new Date(now.getTime() + validityMs),
      isCA: true,
      keyUsage: usagesFor(key.publicKey, CA_KU),
      dnsNames: [commonName],
    },
    random
      ? { publicKey: key.publicKey, selfSignKey: key.privateKey, random }
      : { publicKey: key.publicKey, selfSignKey: key.privateKey },
  );
}

/**
 * A leaf signed by `issuer`: NotBefore now−5min, NotAfter now+period cut to the CA's own
 * NotAfter (a leaf must not outlive its CA). Refuses when the CA has expired.
 */
export function signedLeaf(
  id: LeafIdentity,
  publicKey: KeyObject | Buffer,
  issuer: Issuer,
  now: Date,
  validityMs: number,
  random?: RandomSource,
): Buffer {
  if (!id.commonName) throw new KubetlsError('InvalidCertificate', 'a certificate needs a non-empty common name');
  if (id.extKeyUsage.length === 0)
    throw new KubetlsError('InvalidCertificate', `"${id.commonName}" needs at least one extended key usage`);
  if (issuer.notAfter <= now)
    throw new KubetlsError(
      'CAExpired',
      `the signing CA expired on ${issuer.notAfter.toISOString()}`,
      'rotate the CA first',
    );
  const notAfter = Math.min(now.getTime() + validityMs, issuer.notAfter.getTime());
  return issueCertificate(
    {
      subject: { commonName: id.commonName, organization: [...id.organization] },
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter: new Date(notAfter),
      keyUsage: usagesFor(publicKey, LEAF_KU),
      extKeyUsage: id.extKeyUsage,
      dnsNames: id.dnsNames,
      ipAddresses: id.ipAddresses,
    },
    random ? { publicKey, issuer, random } : { publicKey, issuer },
  );
}
