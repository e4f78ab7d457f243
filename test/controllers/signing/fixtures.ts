/**
 * Test material for the signing core: CSR objects as the API holds them (spec.request is
 * base64 of PEM), keys of each type, and CAs made by the real tools (`cfssl gencert
 * -initca`, openssl) in a temporary directory.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCsr, csrToPem, parseCsr, type DistinguishedName, type SubjectAltNames } from '../../../src/pki/index.js';
import type { CertificateSigningRequest } from '../../../src/api/resources/certificates/types.js';
import { run } from '../../helpers.js';

export type KeyKind = 'p256' | 'p384' | 'p521' | 'rsa1024' | 'rsa2048' | 'rsa3072' | 'ed25519';

const keys = new Map<KeyKind, KeyObject>();
export function key(kind: KeyKind = 'p256'): KeyObject {
  let k = keys.get(kind);
  if (!k) {
    if (kind.startsWith('rsa')) k = generateKeyPairSync('rsa', { modulusLength: Number(kind.slice(3)) }).privateKey;
    else if (kind === 'ed25519') k = generateKeyPairSync('ed25519').privateKey;
    else k = generateKeyPairSync('ec', { namedCurve: `P-${kind.slice(1)}` }).privateKey;
    keys.set(kind, k);
  }
  return k;
}

export interface CsrSpec extends SubjectAltNames {
  subject?: DistinguishedName;
  key?: KeyKind;
}

/** Keys kubetls's own CSR writer refuses to sign with: openssl makes those requests (a CN or O=test, no SANs). */
const OPENSSL_ONLY: Partial<Record<KeyKind, string>> = {
  rsa1024: '-algorithm RSA -pkeyopt rsa_keygen_bits:1024',
  p521: '-algorithm EC -pkeyopt ec_paramgen_curve:P-521',
};

export function csrDer(s: CsrSpec = {}): Buffer {
  const o = s.key && OPENSSL_ONLY[s.key];
  if (!o) return createCsr({ subject: s.subject ?? {}, ...s }, key(s.key));
  const dir = mkdtempSync(join(tmpdir(), 'kubetls-csr-'));
  try {
    sh(
      dir,
      `openssl genpkey ${o} -out k.pem 2>/dev/null; openssl req -new -key k.pem -subj "${s.subject?.commonName ? `/CN=${s.subject.commonName}` : '/O=test'}" -outform DER -out r.der`,
    );
    return readFileSync(join(dir, 'r.der'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
export const parsed = (s: CsrSpec = {}) => parseCsr(csrDer(s));

export function csrObject(
  signerName: string,
  s: CsrSpec & { usages?: string[]; expirationSeconds?: number; request?: string } = {},
): CertificateSigningRequest {
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name: 'x' },
    spec: {
      signerName,
      request: s.request ?? Buffer.from(csrToPem(csrDer(s))).toString('base64'),
      usages: s.usages ?? ['digital signature', 'client auth'],
      ...(s.expirationSeconds !== undefined ? { expirationSeconds: s.expirationSeconds } : {}),
    },
  };
}

export function sh(dir: string, script: string): string {
  const r = run('sh', ['-c', `set -e; cd "${dir}"; ${script}`]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

/** A CA by `cfssl gencert -initca` (ECDSA P-256, cfssl's default key usages): ca.pem / ca-key.pem. */
export function cfsslCa(dir: string, cn = 'example serving CA'): { cert: string; key: string } {
  sh(
    dir,
    `echo '{"CN":"${cn}","key":{"algo":"ecdsa","size":256}}' | cfssl gencert -initca - 2>/dev/null | cfssljson -bare ca`,
  );
  return { cert: join(dir, 'ca.pem'), key: join(dir, 'ca-key.pem') };
}

/** An openssl CA valid `days` from now; `ext` replaces its v3 extensions (e.g. no keyCertSign). */
export function opensslCa(
  dir: string,
  name: string,
  o: { ext?: string; days?: number } = {},
): { cert: string; key: string } {
  const ext = o.ext ?? 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature';
  sh(
    dir,
    `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ${name}.key 2>/dev/null
     printf '[v3]\\nsubjectKeyIdentifier=hash\\n${ext.replace(/\n/g, '\\n')}\\n' > ${name}.cnf
     openssl req -new -key ${name}.key -subj "/CN=${name}" -out ${name}.csr
     openssl x509 -req -in ${name}.csr -signkey ${name}.key -extfile ${name}.cnf -extensions v3 \
       -days ${o.days ?? 3650} -out ${name}.crt 2>/dev/null`,
  );
  return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
}

export const readText = (p: string): string => readFileSync(p, 'utf8');
