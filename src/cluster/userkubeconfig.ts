/** `kubeconfig user`: a kubeconfig for any client identity, signed by the cluster CA (kubeadm's `kubeconfig user`). */
import { KubetlsError } from '../errors/index.js';
import { createPrivateKey } from 'node:crypto';
import { createCsr } from '../pki/csr.js';
import { kubeadmSigningPolicy, LocalSigner } from '../signer/local.js';
import type { Clock } from '../pki/clock.js';
import { generateEncodedKey, keyAlgorithmOf, type KeyAlgorithm } from '../pki/keys.js';
import { certToPem } from '../pki/load.js';
import type { RandomSource } from '../pki/serial.js';
import { renderKubeconfig } from './kubeconfig.js';
import { readCertFiles } from './snapshot.js';

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
