/**
 * Flag and kubelet-config checks: the CIS Kubernetes Benchmark TLS items (IDs kept so users
 * can map them to kube-bench) plus kubetls's own, stricter ones (IDs `KT-…`).
 */
import { judgeCipherSuites, RECOMMENDED_SUITES, tlsMinorOf } from './ciphers.js';
import type { Findings } from './finding.js';
import type { StaticPod } from './manifest.js';
import { isRecord, str } from './yamlfile.js';

const isTrue = (v: string | undefined): boolean => v !== undefined && /^(true|1)$/i.test(v);
const isFalse = (v: string | undefined): boolean => v !== undefined && /^(false|0)$/i.test(v);

/** `--feature-gates=A=true,B=false` → value of one gate. */
export function featureGate(v: string | undefined, gate: string): string | undefined {
  for (const kv of (v ?? '').split(',')) {
    const [k, val] = kv.split('=');
    if (k?.trim() === gate) return val?.trim();
  }
  return undefined;
}

function requireFlags(
  f: Findings,
  pod: StaticPod,
  id: string,
  check: string,
  names: string[],
  remediation: string,
): void {
  const missing = names.filter((n) => !pod.flags.get(n));
  if (missing.length === 0)
    f.pass(id, pod.component, check, names.map((n) => `--${n}=${pod.flags.get(n)}`).join(' '), pod.file);
  else f.fail(id, pod.component, check, `not set: ${missing.map((n) => `--${n}`).join(', ')}`, remediation, pod.file);
}

function cipherCheck(
  f: Findings,
  id: string,
  component: string,
  file: string,
  flag: string,
  value: string | readonly string[] | undefined,
  required: boolean,
): void {
  const check = `${flag} only ECDHE+AEAD / TLS 1.3 suites`;
  const fix = `set ${flag}=${RECOMMENDED_SUITES}`;
  if (
    value === undefined ||
    (typeof value === 'string' && value.trim() === '') ||
    (Array.isArray(value) && value.length === 0)
  ) {
    if (required) f.fail(id, component, check, `${flag} not set (Go's defaults include CBC suites)`, fix, file);
    return;
  }
  const v = judgeCipherSuites(value);
  if (v.ok) f.pass(id, component, check, `${v.suites.length} suites, all ECDHE+AEAD or TLS 1.3`, file);
  else
    f.fail(
      id,
      component,
      check,
      [
        v.weak.length ? `weak: ${v.weak.join(',')}` : '',
        v.unknown.length ? `unknown to Go: ${v.unknown.join(',')}` : '',
      ]
        .filter(Boolean)
        .join('; '),
      fix,
      file,
    );
}

function minVersionCheck(f: Findings, component: string, file: string, flag: string, value: string | undefined): void {
  const minor = tlsMinorOf(value);
  const check = `${flag} ≥ TLS 1.2`;
  const shown = value === undefined ? 'unset (Go default: TLS 1.2)' : `${flag}=${value}`;
  if (minor === null)
    f.fail(
      'KT-TLSMIN',
      component,
      check,
      `${shown}: not a TLS version name`,
      `set ${flag}=VersionTLS12 (etcd: TLS1.2)`,
      file,
    );
  else if (minor < 2)
    f.fail(
      'KT-TLSMIN',
      component,
      check,
      `${shown} allows TLS 1.${minor}`,
      `set ${flag}=VersionTLS12 or VersionTLS13 (etcd: TLS1.2)`,
      file,
    );
  else f.pass('KT-TLSMIN', component, check, shown, file);
}

export function checkApiserver(f: Findings, pod: StaticPod): void {
  const g = (n: string): string | undefined => pod.flags.get(n);
  requireFlags(
    f,
    pod,
    '1.2.4',
    'kubelet client certificate and key set',
    ['kubelet-client-certificate', 'kubelet-client-key'],
    'set --kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt and --kubelet-client-key',
  );
  // kubeadm leaves it unset, so the apiserver never verifies kubelet serving certificates.
  requireFlags(
    f,
    pod,
    '1.2.5',
    'kubelet certificate authority set (apiserver verifies kubelets)',
    ['kubelet-certificate-authority'],
    'set --kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt and give kubelets CA-signed serving certs (serverTLSBootstrap: true + approval)',
  );
  requireFlags(
    f,
    pod,
    '1.2.22',
    'service account public key set',
    ['service-account-key-file'],
    'set --service-account-key-file=/etc/kubernetes/pki/sa.pub',
  );
  requireFlags(
    f,
    pod,
    '1.2.23',
    'etcd client certificate and key set',
    ['etcd-certfile', 'etcd-keyfile'],
    'set --etcd-certfile/--etcd-keyfile to apiserver-etcd-client.{crt,key}',
  );
  requireFlags(
    f,
    pod,
    '1.2.24',
    'serving certificate and key set',
    ['tls-cert-file', 'tls-private-key-file'],
    'set --tls-cert-file/--tls-private-key-file to apiserver.{crt,key}',
  );
  requireFlags(
    f,
    pod,
    '1.2.25',
    'client CA set (x509 client authentication)',
    ['client-ca-file'],
    'set --client-ca-file=/etc/kubernetes/pki/ca.crt',
  );
  requireFlags(f, pod, '1.2.26', 'etcd CA set', ['etcd-cafile'], 'set --etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt');
  cipherCheck(f, '1.2.29', pod.component, pod.file, '--tls-cipher-suites', g('tls-cipher-suites'), true);
  minVersionCheck(f, pod.component, pod.file, '--tls-min-version', g('tls-min-version'));
  const servers = (g('etcd-servers') ?? '').split(',').filter(Boolean);
  const plain = servers.filter((s) => !/^https:\/\//i.test(s.trim()));
  if (servers.length === 0)
    f.fail(
      'KT-ETCD-HTTPS',
      pod.component,
      'etcd reached over https only',
      '--etcd-servers not set',
      'set --etcd-servers=https://127.0.0.1:2379',
      pod.file,
    );
  else if (plain.length)
    f.fail(
      'KT-ETCD-HTTPS',
      pod.component,
      'etcd reached over https only',
      `plaintext etcd URL(s): ${plain.join(',')}`,
      'use https:// etcd URLs with --etcd-cafile/--etcd-certfile/--etcd-keyfile',
      pod.file,
    );
  else
    f.pass(
      'KT-ETCD-HTTPS',
      pod.component,
      'etcd reached over https only',
      `--etcd-servers=${servers.join(',')}`,
      pod.file,
    );
  const anon = g('anonymous-auth');
  if (isFalse(anon))
    f.pass('KT-ANON', pod.component, 'anonymous requests disabled', '--anonymous-auth=false', pod.file);
  else
    f.warn(
      'KT-ANON',
      pod.component,
      'anonymous requests disabled',
      `--anonymous-auth=${anon ?? 'unset (default true)'}`,
      "set --anonymous-auth=false only after moving kubeadm's liveness/readiness probes off anonymous /livez,/readyz (or use AuthenticationConfiguration anonymous conditions)",
      pod.file,
    );
  const insecure = g('insecure-port');
  if (insecure !== undefined && insecure !== '0')
    f.fail(
      'KT-PLAINTEXT',
      pod.component,
      'no plaintext port',
      `--insecure-port=${insecure}`,
      'remove --insecure-port (or set it to 0)',
      pod.file,
    );
}

export function checkControllerManager(f: Findings, pod: StaticPod): void {
  requireFlags(
    f,
    pod,
    '1.3.4',
    'service account private key set',
    ['service-account-private-key-file'],
    'set --service-account-private-key-file=/etc/kubernetes/pki/sa.key',
  );
  requireFlags(
    f,
    pod,
    '1.3.5',
    'root CA for service account tokens set',
    ['root-ca-file'],
    'set --root-ca-file=/etc/kubernetes/pki/ca.crt',
  );
  const gate = featureGate(pod.flags.get('feature-gates'), 'RotateKubeletServerCertificate');
  // Default true since Kubernetes 1.12; only an explicit false disables it.
  if (isFalse(gate))
    f.fail(
      '1.3.6',
      pod.component,
      'RotateKubeletServerCertificate enabled',
      'feature gate RotateKubeletServerCertificate=false',
      'remove RotateKubeletServerCertificate=false from --feature-gates',
      pod.file,
    );
  else
    f.pass(
      '1.3.6',
      pod.component,
      'RotateKubeletServerCertificate enabled',
      gate ? `RotateKubeletServerCertificate=${gate}` : 'not set (default true)',
      pod.file,
    );
  bindAddress(f, '1.3.7', pod);
  cipherCheck(
    f,
    'KT-CIPHERS',
    pod.component,
    pod.file,
    '--tls-cipher-suites',
    pod.flags.get('tls-cipher-suites'),
    false,
  );
  minVersionCheck(f, pod.component, pod.file, '--tls-min-version', pod.flags.get('tls-min-version'));
}

function bindAddress(f: Findings, id: string, pod: StaticPod): void {
  const v = pod.flags.get('bind-address');
  if (v === '127.0.0.1') f.pass(id, pod.component, 'bind address is 127.0.0.1', '--bind-address=127.0.0.1', pod.file);
  else
    f.fail(
      id,
      pod.component,
      'bind address is 127.0.0.1',
      `--bind-address=${v ?? 'unset (default 0.0.0.0)'}`,
      'set --bind-address=127.0.0.1',
      pod.file,
    );
}

export function checkScheduler(f: Findings, pod: StaticPod): void {
  bindAddress(f, '1.4.2', pod);
  cipherCheck(
    f,
    'KT-CIPHERS',
    pod.component,
    pod.file,
    '--tls-cipher-suites',
    pod.flags.get('tls-cipher-suites'),
    false,
  );
  minVersionCheck(f, pod.component, pod.file, '--tls-min-version', pod.flags.get('tls-min-version'));
}

export function checkEtcd(f: Findings, pod: StaticPod, clusterCaFile: string | undefined): void {
  const g = (n: string): string | undefined => pod.flags.get(n);
  requireFlags(
    f,
    pod,
    '2.1',
    'client serving certificate and key set',
    ['cert-file', 'key-file'],
    'set --cert-file/--key-file to etcd/server.{crt,key}',
  );
  const bool = (id: string, flag: string, want: boolean, check: string, fix: string): void => {
    const v = g(flag);
    const ok = want ? isTrue(v) : !isTrue(v);
    if (ok) f.pass(id, pod.component, check, `--${flag}=${v ?? 'unset (false)'}`, pod.file);
    else f.fail(id, pod.component, check, `--${flag}=${v ?? 'unset (false)'}`, fix, pod.file);
  };
  bool(
    '2.2',
    'client-cert-auth',
    true,
    'client certificates required',
    'set --client-cert-auth=true with --trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt',
  );
  bool('2.3', 'auto-tls', false, 'no self-signed auto TLS for clients', 'remove --auto-tls (or set it to false)');
  requireFlags(
    f,
    pod,
    '2.4',
    'peer certificate and key set',
    ['peer-cert-file', 'peer-key-file'],
    'set --peer-cert-file/--peer-key-file to etcd/peer.{crt,key}',
  );
  bool(
    '2.5',
    'peer-client-cert-auth',
    true,
    'peer client certificates required',
    'set --peer-client-cert-auth=true with --peer-trusted-ca-file',
  );
  bool(
    '2.6',
    'peer-auto-tls',
    false,
    'no self-signed auto TLS for peers',
    'remove --peer-auto-tls (or set it to false)',
  );
  const ca = g('trusted-ca-file');
  if (!ca)
    f.fail(
      '2.7',
      pod.component,
      'etcd uses its own CA',
      '--trusted-ca-file not set',
      'set --trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt (a CA distinct from the cluster CA)',
      pod.file,
    );
  else if (clusterCaFile && ca === clusterCaFile)
    f.fail(
      '2.7',
      pod.component,
      'etcd uses its own CA',
      `--trusted-ca-file=${ca} is the apiserver's --client-ca-file`,
      'give etcd its own CA (etcd/ca.crt) so cluster client certs cannot reach etcd',
      pod.file,
    );
  else f.pass('2.7', pod.component, 'etcd uses its own CA', `--trusted-ca-file=${ca}`, pod.file);
  const urlFlags = ['listen-client-urls', 'advertise-client-urls', 'listen-peer-urls', 'initial-advertise-peer-urls'];
  const plain = urlFlags.flatMap((n) =>
    (g(n) ?? '')
      .split(',')
      .filter((u) => u && !/^https:\/\//i.test(u.trim()))
      .map((u) => `--${n}=${u}`),
  );
  if (plain.length)
    f.fail(
      'KT-ETCD-HTTPS',
      pod.component,
      'etcd listens over https only',
      plain.join(' '),
      'use https:// URLs for client and peer listeners',
      pod.file,
    );
  else
    f.pass(
      'KT-ETCD-HTTPS',
      pod.component,
      'etcd listens over https only',
      urlFlags
        .filter((n) => g(n))
        .map((n) => `--${n}=${g(n)}`)
        .join(' ') || 'no URLs set',
      pod.file,
    );
  cipherCheck(f, 'KT-CIPHERS', pod.component, pod.file, '--cipher-suites', g('cipher-suites'), false);
  minVersionCheck(f, pod.component, pod.file, '--tls-min-version', g('tls-min-version'));
}

/** KubeletConfiguration (var/lib/kubelet/config.yaml). */
export function checkKubelet(f: Findings, cfg: Record<string, unknown>, file: string): void {
  const c = 'kubelet';
  const authn = isRecord(cfg.authentication) ? cfg.authentication : {};
  const x509 = isRecord(authn.x509) ? authn.x509 : {};
  const anon = isRecord(authn.anonymous) ? authn.anonymous : {};
  const clientCA = str(x509.clientCAFile);
  if (clientCA) f.pass('4.2.3', c, 'client CA file set', `authentication.x509.clientCAFile: ${clientCA}`, file);
  else
    f.fail(
      '4.2.3',
      c,
      'client CA file set',
      'authentication.x509.clientCAFile not set',
      'set authentication.x509.clientCAFile: /etc/kubernetes/pki/ca.crt',
      file,
    );
  const bootstrap = cfg.serverTLSBootstrap === true;
  const cert = str(cfg.tlsCertFile);
  const key = str(cfg.tlsPrivateKeyFile);
  if (cert && key)
    f.pass('4.2.9', c, 'serving certificate configured', `tlsCertFile: ${cert}, tlsPrivateKeyFile: ${key}`, file);
  else if (bootstrap)
    f.pass(
      '4.2.9',
      c,
      'serving certificate configured',
      'serverTLSBootstrap: true (serving certificate requested from the cluster CA)',
      file,
    );
  else
    f.fail(
      '4.2.9',
      c,
      'serving certificate configured',
      'neither tlsCertFile/tlsPrivateKeyFile nor serverTLSBootstrap: true (kubelet self-signs)',
      'set serverTLSBootstrap: true (and approve kubelet-serving CSRs) or tlsCertFile/tlsPrivateKeyFile',
      file,
    );
  if (cfg.rotateCertificates === false)
    f.fail(
      '4.2.10',
      c,
      'client certificate rotation on',
      'rotateCertificates: false',
      'set rotateCertificates: true',
      file,
    );
  else
    f.pass(
      '4.2.10',
      c,
      'client certificate rotation on',
      `rotateCertificates: ${String(cfg.rotateCertificates ?? 'unset (true with kubeadm)')}`,
      file,
    );
  const gates = isRecord(cfg.featureGates) ? cfg.featureGates : {};
  if (bootstrap && gates.RotateKubeletServerCertificate !== false)
    f.pass('4.2.11', c, 'serving certificate rotation on', 'serverTLSBootstrap: true', file);
  else
    f.fail(
      '4.2.11',
      c,
      'serving certificate rotation on',
      bootstrap
        ? 'featureGates.RotateKubeletServerCertificate: false'
        : `serverTLSBootstrap: ${String(cfg.serverTLSBootstrap ?? 'unset (false)')}`,
      'set serverTLSBootstrap: true and keep RotateKubeletServerCertificate enabled',
      file,
    );
  const suites = Array.isArray(cfg.tlsCipherSuites) ? cfg.tlsCipherSuites.map(String) : undefined;
  cipherCheck(f, '4.2.12', c, file, 'tlsCipherSuites', suites, true);
  minVersionCheck(f, c, file, 'tlsMinVersion', str(cfg.tlsMinVersion));
  if (anon.enabled === true)
    f.fail(
      'KT-ANON',
      c,
      'anonymous requests disabled',
      'authentication.anonymous.enabled: true',
      'set authentication.anonymous.enabled: false',
      file,
    );
  else
    f.pass(
      'KT-ANON',
      c,
      'anonymous requests disabled',
      `authentication.anonymous.enabled: ${String(anon.enabled ?? 'unset (false in KubeletConfiguration v1beta1)')}`,
      file,
    );
}
