/** `kubeconfig user`: a kubeconfig for any client identity, signed by the cluster CA (kubeadm's `kubeconfig user`). */
import { statSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import { fieldError, fieldValidationError, KubetlsError, type FieldError } from '../errors/index.js';
import { createCsr } from '../pki/csr.js';
import { kubeadmSigningPolicy, LocalSigner } from '../signer/local.js';
import type { Clock } from '../pki/clock.js';
import { generateEncodedKey, keyAlgorithmOf, type KeyAlgorithm } from '../pki/keys.js';
import { certToPem } from '../pki/certpem.js';
import type { RandomSource } from '../pki/serial.js';
import { renderKubeconfig } from './kubeconfig.js';
import { readCertFiles } from './snapshot.js';
import { formatGoDuration } from '../util/duration.js';
import { readFileBounded } from '../util/read.js';
import { hasControls } from '../util/sanitize.js';

/**
 * A bound on user and group names. Not RFC 5280's 64 (ub-common-name): Kubernetes and Go
 * accept longer names (an e-mail address as user name can exceed it), so refusing them
 * would break real users; 1024 is far above any real name and keeps the certificate small.
 */
const MAX_NAME = 1024;

/** Every problem with the identity and validity, as field errors named by their flags. */
export function validateUserIdentity(
  o: Pick<UserKubeconfigOptions, 'clientName' | 'organizations' | 'validityMs'>,
): FieldError[] {
  const errs: FieldError[] = [];
  // a newline in a CN or O forges lines wherever the subject is printed (logs, tables, audit trails)
  const name = (field: string, v: string) => {
    if (v.trim() === '') errs.push(fieldError.required(field, 'must not be empty'));
    else if (hasControls(v))
      errs.push(fieldError.invalid(field, v, 'must not contain newlines or other control characters'));
    else if (v.length > MAX_NAME) errs.push(fieldError.tooLong(field, MAX_NAME, 'characters'));
  };
  name('--client-name', o.clientName);
  o.organizations.forEach((org, i) => name(`--org[${i}]`, org));
  if (!(o.validityMs > 0))
    errs.push(fieldError.invalid('--validity-period', formatGoDuration(o.validityMs), 'must be a positive duration'));
  return errs;
}

const PEM_ARMOR = /-----BEGIN ([A-Z0-9 ]{1,64})-----/;

/**
 * Refuses `--out` when the file there holds PEM (a private key, a certificate, a CSR): a
 * kubeconfig never contains PEM armor (its *-data fields are base64 of it), so such a file
 * is a mistyped path (`--out pki/ca.key`), and replacing it would orphan the cluster's CA
 * even with the backup kept. A missing file, or another kubeconfig, is fine.
 */
export function checkKubeconfigTarget(path: string): void {
  try {
    if (!statSync(path).isFile()) return; // a directory, device, FIFO: the writer refuses it by what it is
  } catch {
    return; // absent, or not reachable: the writer says why
  }
  let text: string;
  try {
    text = readFileBounded(path).toString('latin1');
  } catch (e) {
    if (e instanceof KubetlsError && e.code === 'TooLarge') return; // no kubeconfig, no PEM file either: backed up
    throw e instanceof KubetlsError ? e.withContext('--out') : e;
  }
  const m = PEM_ARMOR.exec(text);
  if (m) {
    const label = m[1]!;
    const what = label.includes('PRIVATE KEY')
      ? 'a private key'
      : label.includes('REQUEST')
        ? 'a certificate request'
        : label.includes('CERTIFICATE')
          ? 'a certificate'
          : 'PEM data';
    throw new KubetlsError(
      'FileExists',
      `--out ${path} holds ${what} (PEM "${m[1]}"): refusing to write a kubeconfig over it`,
      'choose another --out file',
    );
  }
}

export interface UserKubeconfigOptions {
  certDir: string;
  clientName: string;
  organizations: string[];
  server: string;
  clusterName: string;
  validityMs: number;
  algorithm?: KeyAlgorithm;
  token?: string;
  clock: Clock;
  random?: RandomSource;
}

export async function userKubeconfig(o: UserKubeconfigOptions): Promise<string> {
  if (!o.clientName) throw new KubetlsError('InvalidArgument', '--client-name is required');
  const errs = validateUserIdentity(o.token ? { ...o, validityMs: 1 } : o);
  if (errs.length) throw fieldValidationError('InvalidArgument', 'kubeconfig user', errs);
  const ca = readCertFiles(o.certDir, 'ca');
  if (ca.error) throw new KubetlsError('ReadFailed', ca.error);
  if (!ca.cert)
    throw new KubetlsError('NotFound', `${ca.certPath} does not exist`, 'run "kubetls init" first or pass --cert-dir');
  const caPem = certToPem(ca.cert.der);
  if (o.token)
    return renderKubeconfig({
      clusterName: o.clusterName,
      server: o.server,
      caPem,
      userName: o.clientName,
      token: o.token,
    });
  if (!ca.key)
    throw new KubetlsError('ExternalCA', `${ca.keyPath} is missing: cannot sign a client certificate (external CA)`);
  const key = await generateEncodedKey(o.algorithm ?? keyAlgorithmOf(ca.key));
  // through the Signer every signing path uses: a CSR made with the new key, signed under
  // kubeadm's leaf rules (client auth, 5-minute backdate, cut to the CA's NotAfter)
  const csr = createCsr(
    { subject: { commonName: o.clientName, organization: o.organizations } },
    createPrivateKey(key.privatePem),
  );
  const signer = new LocalSigner(ca.cert.der, ca.key, kubeadmSigningPolicy(o.validityMs), {
    clock: o.clock,
    signatureScheme: 'kubeadm',
    ...(o.random ? { random: o.random } : {}),
  });
  const { der } = await signer.sign({ csr, usages: ['client auth'] });
  return renderKubeconfig({
    clusterName: o.clusterName,
    server: o.server,
    caPem,
    userName: o.clientName,
    clientCertPem: certToPem(der),
    clientKeyPem: key.privatePem,
  });
}
