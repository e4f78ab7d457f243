/**
 * Certificates for the authentication tests, made two ways: by the real `openssl ca` (a CA
 * with its database, so revocation and `-gencrl` are openssl's own) and by kubetls's pki
 * functions (a kubeadm-shaped CA without cRLSign, intermediates, CN-less certificates).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import {
  createIssuer,
  generateKey,
  issueCertificate,
  parseCertificate,
  pemDecodeAll,
  type CertificateTemplate,
  type Issuer,
  type ParsedCertificate,
} from '../../../src/pki/index.js';
import { openssl } from '../../helpers.js';

const CNF = (dir: string) => `[ ca ]
default_ca = CA_default
[ CA_default ]
dir = ${dir}
database = $dir/index.txt
new_certs_dir = $dir/newcerts
certificate = $dir/ca.crt
private_key = $dir/ca.key
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = sha256
default_days = 30
default_crl_days = 7
policy = policy_any
unique_subject = no
preserve = yes
crl_extensions = crl_ext
[ policy_any ]
organizationName = optional
commonName = optional
[ client_ext ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
[ server_ext ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
[ crl_ext ]
authorityKeyIdentifier = keyid
[ req ]
distinguished_name = dn
[ dn ]
`;

export const derOf = (pemPath: string): Buffer => pemDecodeAll(readFileSync(pemPath))[0]!.der;

/** A CA run by the real `openssl ca`, with its index.txt, serial and CRL number. */
export class OpensslCa {
  readonly cert: ParsedCertificate;
  private n = 0;

  private constructor(readonly dir: string) {
    this.cert = parseCertificate(derOf(join(dir, 'ca.crt')));
  }

  static create(dir: string, cn: string, firstSerial = '01'): OpensslCa {
    mkdirSync(join(dir, 'newcerts'), { recursive: true });
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'serial'), firstSerial + '\n');
    writeFileSync(join(dir, 'crlnumber'), '01\n');
    writeFileSync(join(dir, 'ca.cnf'), CNF(dir));
    openssl([
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.crt'), '-subj', `/CN=${cn}`, '-days', '3650',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
    ]); // prettier-ignore
    return new OpensslCa(dir);
  }

  /**
   * Issues a certificate with `openssl ca`; `subj` like "/O=devs/CN=alice". `dates` sets
   * -startdate/-enddate (YYYYMMDDHHMMSSZ) for expired and not-yet-valid certificates.
   */
  issue(subj: string, o: { ext?: string; startdate?: string; enddate?: string } = {}): { path: string; der: Buffer } {
    const name = `c${++this.n}`;
    const key = join(this.dir, `${name}.key`);
    const csr = join(this.dir, `${name}.csr`);
    const path = join(this.dir, `${name}.crt`);
    openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr, '-subj', subj]); // prettier-ignore
    const dates = [...(o.startdate ? ['-startdate', o.startdate] : []), ...(o.enddate ? ['-enddate', o.enddate] : [])];
    openssl(['ca', '-config', join(this.dir, 'ca.cnf'), '-batch', '-notext', '-in', csr, '-out', path, '-extensions', o.ext ?? 'client_ext', ...dates]); // prettier-ignore
    return { path, der: derOf(path) };
  }

  /** `openssl ca -revoke`; reason '' revokes without a reason code (no entry extension). */
  revoke(certPath: string, reason = 'keyCompromise'): void {
    openssl([
      'ca',
      '-config',
      join(this.dir, 'ca.cnf'),
      '-revoke',
      certPath,
      ...(reason ? ['-crl_reason', reason] : []),
    ]);
  }

  /** `openssl ca -gencrl`; returns the PEM path. */
  gencrl(name: string, hours = 24, form: 'PEM' | 'DER' = 'PEM'): string {
    const pem = join(this.dir, `${name}.pem`);
    openssl(['ca', '-config', join(this.dir, 'ca.cnf'), '-gencrl', '-crlhours', String(hours), '-out', pem]);
    if (form === 'PEM') return pem;
    const der = join(this.dir, `${name}.der`);
    openssl(['crl', '-in', pem, '-outform', 'DER', '-out', der]);
    return der;
  }
}

/** A CA made by kubetls's pki (kubeadm's shape: no cRLSign), and leaves it signs. */
export class PkiCa {
  private constructor(
    readonly issuer: Issuer,
    readonly cert: ParsedCertificate,
    readonly key: KeyObject,
  ) {}

  static async create(cn: string, o: { notBefore?: Date; notAfter?: Date; maxPathLen?: number } = {}): Promise<PkiCa> {
    const k = await generateKey('ECDSA-P256');
    const der = issueCertificate(
      {
        subject: { commonName: cn },
        notBefore: o.notBefore ?? new Date(Date.now() - 3600_000),
        notAfter: o.notAfter ?? new Date(Date.now() + 3650 * 86400_000),
        isCA: true,
        ...(o.maxPathLen !== undefined ? { maxPathLen: o.maxPathLen } : {}),
        keyUsage: ['digitalSignature', 'keyEncipherment', 'keyCertSign'],
      },
      { publicKey: k.publicKey, selfSignKey: k.privateKey },
    );
    return new PkiCa(createIssuer(der, k.privateKey), parseCertificate(der), k.privateKey);
  }

  /** An intermediate CA signed by this one. */
  async intermediate(
    cn: string,
    o: { maxPathLen?: number; keyUsage?: CertificateTemplate['keyUsage'] } = {},
  ): Promise<PkiCa> {
    const k = await generateKey('ECDSA-P256');
    const der = issueCertificate(
      {
        subject: { commonName: cn },
        notBefore: new Date(Date.now() - 3600_000),
        notAfter: new Date(Date.now() + 365 * 86400_000),
        isCA: true,
        ...(o.maxPathLen !== undefined ? { maxPathLen: o.maxPathLen } : {}),
        keyUsage: o.keyUsage ?? ['digitalSignature', 'keyCertSign'],
      },
      { publicKey: k.publicKey, issuer: this.issuer },
    );
    return new PkiCa(createIssuer(der, k.privateKey), parseCertificate(der), k.privateKey);
  }

  /** A client certificate; template fields override the defaults (CN/O, clientAuth, valid ±1 h..+1 y). */
  async leaf(t: Partial<CertificateTemplate> = {}): Promise<Buffer> {
    const k = await generateKey('ECDSA-P256');
    return issueCertificate(
      {
        subject: { commonName: 'alice', organization: ['devs'] },
        notBefore: new Date(Date.now() - 3600_000),
        notAfter: new Date(Date.now() + 365 * 86400_000),
        keyUsage: ['digitalSignature', 'keyEncipherment'],
        extKeyUsage: ['clientAuth'],
        ...t,
      },
      { publicKey: k.publicKey, issuer: this.issuer },
    );
  }
}
