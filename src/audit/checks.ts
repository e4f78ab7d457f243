/**
 * The catalog of checks: every check `audit` (static) and `probe` (live) run, declared once.
 * A finding names its check by key (`finding({ check: 'etcd.client-cert-auth', … })`) and takes
 * the ID, title and default remediation from here. IDs are what users see and map to other
 * tools, so they never change: CIS Kubernetes Benchmark IDs as kube-bench numbers them, `KT-…`
 * for kubetls's own static checks, `P-…` for live ones. One ID may cover several checks that
 * differ in title or remedy (KT-PARSE reads manifests, the kubelet config and kubeconfigs).
 * docs/audit.md lists every ID (a test keeps the two in step).
 */
import { RECOMMENDED_SUITES } from './ciphers.js';
import type { Result } from './finding.js';

export interface CheckSpec {
  /** the ID findings carry: "1.2.5" (CIS), "KT-…", "P-…" */
  readonly id: string;
  /** what is checked, as the CHECK column prints it */
  readonly title: string;
  /** what to do when the check is not met; a finding overrides it when the fix names a file or value */
  readonly remediation: string;
  /** the result when the check is not met: FAIL, or WARN for advice that may not apply everywhere */
  readonly severity: Extract<Result, 'WARN' | 'FAIL'>;
}

export type CheckKind = 'cis' | 'kubetls' | 'probe';

/** CIS items have numeric IDs; `P-` marks live (probe) checks; the rest (`KT-`) are kubetls's static ones. */
export const checkKind = (spec: Pick<CheckSpec, 'id'>): CheckKind =>
  /^\d/.test(spec.id) ? 'cis' : spec.id.startsWith('P-') ? 'probe' : 'kubetls';

const fail = (id: string, title: string, remediation: string): CheckSpec => ({
  id,
  title,
  remediation,
  severity: 'FAIL',
});
const warn = (id: string, title: string, remediation: string): CheckSpec => ({
  id,
  title,
  remediation,
  severity: 'WARN',
});

const REGENERATE_KUBECONFIG = 'regenerate the kubeconfig';

export const CHECKS = {
  // Files: modes and ownership (CIS 1.1.x; the kubelet's client CA file is 4.1.7/4.1.8).
  'file.owner': fail('1.1.19', 'owned by root:root', 'chown root:root the file'),
  'file.owner-unchecked': fail('1.1.19', 'owned by root:root (also 4.1.8)', 'run kubetls audit as root'),
  'file.cert-mode': fail('1.1.20', 'certificate mode ≤ 644', 'chmod 644 the file'),
  'file.key-mode': fail('1.1.21', 'private key mode 600', 'chmod 600 the file'),
  'kubelet.client-ca-mode': fail('4.1.7', 'client CA file mode ≤ 644', 'chmod 644 the file'),
  'kubelet.client-ca-owner': fail('4.1.8', 'owned by root:root', 'chown root:root the file'),

  // kube-apiserver flags (CIS 1.2.x).
  'apiserver.kubelet-client-cert': fail(
    '1.2.4',
    'kubelet client certificate and key set',
    'set --kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt and --kubelet-client-key',
  ),
  'apiserver.kubelet-ca': fail(
    '1.2.5',
    'kubelet certificate authority set (apiserver verifies kubelets)',
    'set --kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt and give kubelets CA-signed serving certs (serverTLSBootstrap: true + approval)',
  ),
  'apiserver.sa-public-key': fail(
    '1.2.22',
    'service account public key set',
    'set --service-account-key-file=/etc/kubernetes/pki/sa.pub',
  ),
  'apiserver.etcd-client-cert': fail(
    '1.2.23',
    'etcd client certificate and key set',
    'set --etcd-certfile/--etcd-keyfile to apiserver-etcd-client.{crt,key}',
  ),
  'apiserver.serving-cert': fail(
    '1.2.24',
    'serving certificate and key set',
    'set --tls-cert-file/--tls-private-key-file to apiserver.{crt,key}',
  ),
  'apiserver.client-ca': fail(
    '1.2.25',
    'client CA set (x509 client authentication)',
    'set --client-ca-file=/etc/kubernetes/pki/ca.crt',
  ),
  'apiserver.etcd-ca': fail('1.2.26', 'etcd CA set', 'set --etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt'),
  'apiserver.cipher-suites': fail(
    '1.2.29',
    '--tls-cipher-suites only ECDHE+AEAD / TLS 1.3 suites',
    `set --tls-cipher-suites=${RECOMMENDED_SUITES}`,
  ),
  'apiserver.etcd-https': fail(
    'KT-ETCD-HTTPS',
    'etcd reached over https only',
    'use https:// etcd URLs with --etcd-cafile/--etcd-certfile/--etcd-keyfile',
  ),
  'apiserver.anonymous': warn(
    'KT-ANON',
    'anonymous requests disabled',
    "set --anonymous-auth=false only after moving kubeadm's liveness/readiness probes off anonymous /livez,/readyz (or use AuthenticationConfiguration anonymous conditions)",
  ),
  'apiserver.insecure-port': fail('KT-PLAINTEXT', 'no plaintext port', 'remove --insecure-port (or set it to 0)'),

  // kube-controller-manager and kube-scheduler flags (CIS 1.3.x, 1.4.x).
  'controller-manager.sa-private-key': fail(
    '1.3.4',
    'service account private key set',
    'set --service-account-private-key-file=/etc/kubernetes/pki/sa.key',
  ),
  'controller-manager.root-ca': fail(
    '1.3.5',
    'root CA for service account tokens set',
    'set --root-ca-file=/etc/kubernetes/pki/ca.crt',
  ),
  'controller-manager.rotate-kubelet-server-cert': fail(
    '1.3.6',
    'RotateKubeletServerCertificate enabled',
    'remove RotateKubeletServerCertificate=false from --feature-gates',
  ),
  'controller-manager.bind-address': fail('1.3.7', 'bind address is 127.0.0.1', 'set --bind-address=127.0.0.1'),
  'scheduler.bind-address': fail('1.4.2', 'bind address is 127.0.0.1', 'set --bind-address=127.0.0.1'),

  // etcd flags (CIS 2.x).
  'etcd.serving-cert': fail(
    '2.1',
    'client serving certificate and key set',
    'set --cert-file/--key-file to etcd/server.{crt,key}',
  ),
  'etcd.client-cert-auth': fail(
    '2.2',
    'client certificates required',
    'set --client-cert-auth=true with --trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt',
  ),
  'etcd.auto-tls': fail('2.3', 'no self-signed auto TLS for clients', 'remove --auto-tls (or set it to false)'),
  'etcd.peer-cert': fail(
    '2.4',
    'peer certificate and key set',
    'set --peer-cert-file/--peer-key-file to etcd/peer.{crt,key}',
  ),
  'etcd.peer-client-cert-auth': fail(
    '2.5',
    'peer client certificates required',
    'set --peer-client-cert-auth=true with --peer-trusted-ca-file',
  ),
  'etcd.peer-auto-tls': fail('2.6', 'no self-signed auto TLS for peers', 'remove --peer-auto-tls (or set it to false)'),
  'etcd.own-ca': fail(
    '2.7',
    'etcd uses its own CA',
    'set --trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt (a CA distinct from the cluster CA)',
  ),
  'etcd.https': fail(
    'KT-ETCD-HTTPS',
    'etcd listens over https only',
    'use https:// URLs for client and peer listeners',
  ),

  'etcd.cipher-suites': fail(
    'KT-CIPHERS',
    '--cipher-suites only ECDHE+AEAD / TLS 1.3 suites',
    `set --cipher-suites=${RECOMMENDED_SUITES}`,
  ),

  // TLS flags every control-plane component has (CIS asks for the apiserver's suites only: 1.2.29).
  'tls.cipher-suites': fail(
    'KT-CIPHERS',
    '--tls-cipher-suites only ECDHE+AEAD / TLS 1.3 suites',
    `set --tls-cipher-suites=${RECOMMENDED_SUITES}`,
  ),
  'tls.min-version': fail(
    'KT-TLSMIN',
    '--tls-min-version ≥ TLS 1.2',
    'set --tls-min-version=VersionTLS12 or VersionTLS13 (etcd: TLS1.2)',
  ),

  // KubeletConfiguration (CIS 4.2.x).
  'kubelet.config-present': fail('KT-KUBELET', 'kubelet config present', 'write var/lib/kubelet/config.yaml'),
  'kubelet.config-readable': fail('KT-PARSE', 'kubelet config readable', 'fix the KubeletConfiguration YAML'),
  'kubelet.client-ca': fail(
    '4.2.3',
    'client CA file set',
    'set authentication.x509.clientCAFile: /etc/kubernetes/pki/ca.crt',
  ),
  'kubelet.serving-cert': fail(
    '4.2.9',
    'serving certificate configured',
    'set serverTLSBootstrap: true (and approve kubelet-serving CSRs) or tlsCertFile/tlsPrivateKeyFile',
  ),
  'kubelet.client-rotation': fail('4.2.10', 'client certificate rotation on', 'set rotateCertificates: true'),
  'kubelet.serving-rotation': fail(
    '4.2.11',
    'serving certificate rotation on',
    'set serverTLSBootstrap: true and keep RotateKubeletServerCertificate enabled',
  ),
  'kubelet.cipher-suites': fail(
    '4.2.12',
    'tlsCipherSuites only ECDHE+AEAD / TLS 1.3 suites',
    `set tlsCipherSuites=${RECOMMENDED_SUITES}`,
  ),
  'kubelet.tls-min-version': fail(
    'KT-TLSMIN',
    'tlsMinVersion ≥ TLS 1.2',
    'set tlsMinVersion=VersionTLS12 or VersionTLS13 (etcd: TLS1.2)',
  ),
  'kubelet.anonymous': fail('KT-ANON', 'anonymous requests disabled', 'set authentication.anonymous.enabled: false'),

  // Static pods.
  'manifest.readable': fail('KT-PARSE', 'manifest readable', 'fix or remove the file (kubelet cannot run it either)'),
  'manifest.component-present': fail(
    'KT-COMPONENT',
    'static pod present',
    'nothing to do on a worker node or with an external component',
  ),

  // Certificates and keys the flags point at, and every file of the PKI directory.
  'pki.cert-readable': fail(
    'KT-PKI-PARSE',
    'certificate readable',
    'regenerate the certificate (kubetls init / certs renew)',
  ),
  'pki.key-readable': fail('KT-PKI-PARSE', 'private key readable', 'regenerate the key pair'),
  'pki.expiry': fail(
    'KT-PKI-EXPIRY',
    'certificate far from expiry',
    'renew it (kubetls certs renew) and restart the component',
  ),
  'pki.key-size': fail('KT-PKI-KEYSIZE', 'key size ≥ RSA 2048', 'reissue with RSA-2048+ or ECDSA-P256'),
  'pki.signature': fail('KT-PKI-SIG', 'no SHA-1/MD5 signature', 'reissue with SHA-256 or better'),
  'pki.key-pair': fail(
    'KT-PKI-PAIR',
    'certificate and key match',
    'restore the matching key or reissue the certificate',
  ),
  'pki.ca-file': fail('KT-PKI-CA', 'CA file holds a CA certificate', 'point the flag at the CA certificate'),
  'pki.chain': fail(
    'KT-PKI-CHAIN',
    'chains to the CA the flags name',
    'reissue it from the CA the flag names, or point the CA flag at its issuer',
  ),
  'pki.outlives': fail(
    'KT-PKI-OUTLIVES',
    'leaf expires before its CA',
    'reissue the leaf with a validity inside the CA validity (or rotate the CA)',
  ),
  'pki.subject': fail(
    'KT-PKI-SUBJECT',
    'CN/O/EKU as kubeadm issues them',
    'reissue with the subject and usages of SPEC §1 (kubetls certs renew)',
  ),
  'pki.sans': fail(
    'KT-PKI-SAN',
    'SANs cover the addresses in the flags',
    'reissue with the missing SANs (kubetls init --apiserver-cert-extra-sans / certs renew)',
  ),
  'pki.sa-key-pair': fail('KT-SA', 'service-account key pair matches', 'restore the matching sa.key/sa.pub pair'),

  // Kubeconfigs.
  'kubeconfig.readable': fail('KT-PARSE', 'kubeconfig readable', 'regenerate it (kubetls init / kubeconfig)'),
  'kubeconfig.https': fail('KT-KUBECONFIG-HTTPS', 'server URL is https', 'use an https:// server URL'),
  'kubeconfig.ca-readable': fail('KT-PKI-PARSE', 'cluster CA readable', REGENERATE_KUBECONFIG),
  'kubeconfig.ca-present': fail(
    'KT-KUBECONFIG-CA',
    'server verified against a CA',
    'embed the cluster CA (certificate-authority-data)',
  ),
  'kubeconfig.cluster-ca': fail(
    'KT-KUBECONFIG-CA',
    'server verified against the cluster CA',
    'regenerate the kubeconfig with the current cluster CA',
  ),
  'kubeconfig.client-cert-readable': fail('KT-PKI-PARSE', 'client certificate readable', REGENERATE_KUBECONFIG),
  'kubeconfig.client-cert-present': fail(
    'KT-KUBECONFIG-CERT',
    'client certificate present',
    'nothing to do for token or exec credentials',
  ),
  'kubeconfig.client-key-readable': fail('KT-PKI-PARSE', 'client key readable', REGENERATE_KUBECONFIG),
  'kubeconfig.key-pair': fail('KT-PKI-PAIR', 'certificate and key match', REGENERATE_KUBECONFIG),

  // Live checks of one endpoint (probe), in the order they run.
  'probe.tls': fail(
    'P-TLS',
    'endpoint reachable over TLS',
    'the port does not speak TLS 1.2+ correctly: serve it with --tls-cert-file/--tls-private-key-file (or the component equivalent)',
  ),
  'probe.tls10': fail(
    'P-TLS10',
    'TLS 1.0 refused',
    'set --tls-min-version=VersionTLS12 (etcd: --tls-min-version=TLS1.2; kubelet: tlsMinVersion)',
  ),
  'probe.tls11': fail(
    'P-TLS11',
    'TLS 1.1 refused',
    'set --tls-min-version=VersionTLS12 (etcd: --tls-min-version=TLS1.2; kubelet: tlsMinVersion)',
  ),
  'probe.cert-parses': fail('P-CERT', 'server certificate parses', 'serve a valid X.509 certificate'),
  'probe.chain': fail(
    'P-CHAIN',
    'chain validates against --ca',
    'serve a certificate issued by the cluster CA (with intermediates), or pass the right --ca',
  ),
  'probe.name': fail(
    'P-NAME',
    'certificate matches host/IP',
    'reissue the certificate with the SAN clients use (kubetls init/renew with the right SANs)',
  ),
  'probe.eku': fail('P-EKU', 'EKU serverAuth', 'issue serving certificates with EKU serverAuth'),
  'probe.expiry': fail(
    'P-EXPIRY',
    'certificate far from expiry',
    'renew the certificate (kubetls certs renew) and restart the component',
  ),
  'probe.mtls': fail(
    'P-MTLS',
    'request without client certificate refused',
    'disable anonymous access and require client certificates (--client-ca-file, kubelet authentication.x509.clientCAFile, anonymous: false)',
  ),
  'probe.plaintext': fail(
    'P-PLAIN',
    'plaintext HTTP refused',
    'serve this port over TLS only (no --insecure-port / http:// listen URLs)',
  ),
  'probe.authn': fail(
    'P-AUTHN',
    'authenticated request succeeds',
    'the client certificate is not accepted: check it is issued by the CA in --client-ca-file/--trusted-ca-file and authorized (RBAC)',
  ),
  'probe.completed': fail('P-ERROR', 'probe completed', 'report this as a kubetls bug'),
} as const satisfies Record<string, CheckSpec>;

/** A check's key in the catalog ("etcd.client-cert-auth"). */
export type CheckName = keyof typeof CHECKS;
