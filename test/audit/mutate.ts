/** Test-only: copies of a node tree and the edits that break it (flags, certificates, files). */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  certToPem,
  createIssuer,
  generateKey,
  issueCertificate,
  parseCertificatePem,
  parsePrivateKeyPem,
  privateKeyToPem,
} from '../../src/pki/index.js';
import { tmpDir } from '../helpers.js';

/** A copy of `base` in a temp dir removed after the test, edited by `mutate`. */
export function variant(
  base: string,
  t: { after: (fn: () => void) => void },
  mutate: (root: string) => void | Promise<void>,
): Promise<string> {
  const d = tmpDir('kubetls-audit-', t);
  cpSync(base, d, { recursive: true });
  return Promise.resolve(mutate(d)).then(() => d);
}

export const manifest = (root: string, c: string): string => join(root, 'etc/kubernetes/manifests', `${c}.yaml`);

/** Sets (or with `null` removes) `--flag=value` in a static pod written by nodetree.ts. */
export function setFlag(root: string, c: string, flag: string, value: string | null): void {
  const p = manifest(root, c);
  const lines = readFileSync(p, 'utf8')
    .split('\n')
    .filter((l) => !l.includes(`- --${flag}=`));
  const at = lines.findIndex((l) => l.trim() === `- ${c}`);
  if (value !== null) lines.splice(at + 1, 0, `        - --${flag}=${value}`);
  writeFileSync(p, lines.join('\n'));
}

export interface ReissueTemplate {
  notBefore: Date;
  notAfter: Date;
  dnsNames: string[];
  ipAddresses: string[];
  commonName?: string;
  organization?: string[];
}

/**
 * Reissues `<pki>/<name>.crt` (and a new ECDSA key) from the CA `<pki>/<ca>.crt`, keeping the old
 * subject, validity, SANs and usages unless `change` edits them.
 */
export async function reissue(
  root: string,
  name: string,
  change: (t: ReissueTemplate) => void,
  ca = 'ca',
): Promise<void> {
  const pki = join(root, 'etc/kubernetes/pki');
  const caPem = readFileSync(join(pki, `${ca}.crt`));
  const issuer = createIssuer(parseCertificatePem(caPem).der, parsePrivateKeyPem(readFileSync(join(pki, `${ca}.key`))));
  const old = parseCertificatePem(readFileSync(join(pki, `${name}.crt`)));
  const k = await generateKey('ECDSA-P256');
  const tpl: ReissueTemplate = {
    notBefore: old.notBefore,
    notAfter: old.notAfter,
    dnsNames: [...old.dnsNames],
    ipAddresses: [...old.ipAddresses],
  };
  change(tpl);
  const { commonName, organization, ...dates } = tpl;
  const subject = {
    ...old.subject,
    ...(commonName !== undefined ? { commonName } : {}),
    ...(organization !== undefined ? { organization } : {}),
  };
  const der = issueCertificate(
    { subject, ...dates, keyUsage: ['digitalSignature'], extKeyUsage: old.extKeyUsage },
    { publicKey: k.publicKey, issuer },
  );
  writeFileSync(join(pki, `${name}.crt`), certToPem(der));
  writeFileSync(join(pki, `${name}.key`), privateKeyToPem(k.privateKey), { mode: 0o600 });
}
