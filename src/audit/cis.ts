/**
 * Flag and kubelet-config checks: the CIS Kubernetes Benchmark TLS items (IDs kept so users
 * can map them to kube-bench) plus kubetls's own, stricter ones (IDs `KT-…`). Titles, IDs and
 * the usual remediation come from the catalog (checks.ts).
 */
import type { CheckName } from './checks.js';
import { judgeCipherSuites, tlsMinorOf } from './ciphers.js';
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

/** Every flag in `names` must be set (non-empty). */
function requireFlags(f: Findings, pod: StaticPod, check: CheckName, names: string[]): void {
  const missing = names.filter((n) => !pod.flags.get(n));
  const target = pod.file;
  if (missing.length === 0)
    f.pass({
      check,
      component: pod.component,
      evidence: names.map((n) => `--${n}=${pod.flags.get(n)}`).join(' '),
      target,
    });
  else
    f.fail({
      check,
      component: pod.component,
      evidence: `not set: ${missing.map((n) => `--${n}`).join(', ')}`,
      target,
    });
}

/** Cipher suites: only ECDHE+AEAD and TLS 1.3 suites; unset FAILs only where `required` (CIS asks). */
function cipherCheck(
  f: Findings,
  check: CheckName,
  component: string,
  target: string,
  flag: string,
  value: string | readonly string[] | undefined,
  required: boolean,
): void {
  if (
    value === undefined ||
    (typeof value === 'string' && value.trim() === '') ||
    (Array.isArray(value) && value.length === 0)
  ) {
    if (required) f.fail({ check, component, evidence: `${flag} not set (Go's defaults include CBC suites)`, target });
    return;
  }
  const v = judgeCipherSuites(value);
  if (v.ok) f.pass({ check, component, evidence: `${v.suites.length} suites, all ECDHE+AEAD or TLS 1.3`, target });
  else
    f.fail({
      check,
      component,
      evidence: [
        v.weak.length ? `weak: ${v.weak.join(',')}` : '',
        v.unknown.length ? `unknown to Go: ${v.unknown.join(',')}` : '',
      ]
        .filter(Boolean)
        .join('; '),
      target,
    });
}

/** `--tls-min-version` (kubelet: `tlsMinVersion`) at least TLS 1.2; unset is Go's default, 1.2. */
function minVersionCheck(
  f: Findings,
  check: 'tls.min-version' | 'kubelet.tls-min-version',
  component: string,
  target: string,
  value: string | undefined,
): void {
  const flag = check === 'tls.min-version' ? '--tls-min-version' : 'tlsMinVersion';
  const minor = tlsMinorOf(value);
  const shown = value === undefined ? 'unset (Go default: TLS 1.2)' : `${flag}=${value}`;
  if (minor === null)
    f.fail({
      check,
      component,
      evidence: `${shown}: not a TLS version name`,
      remediation: `set ${flag}=VersionTLS12 (etcd: TLS1.2)`,
      target,
    });
  else if (minor < 2) f.fail({ check, component, evidence: `${shown} allows TLS 1.${minor}`, target });
  else f.pass({ check, component, evidence: shown, target });
}

function bindAddress(f: Findings, check: CheckName, pod: StaticPod): void {
  const v = pod.flags.get('bind-address');
  const ok = v === '127.0.0.1';
  f.verdict(ok, {
    check,
    component: pod.component,
    evidence: `--bind-address=${ok ? v : (v ?? 'unset (default 0.0.0.0)')}`,
    target: pod.file,
  });
}

/** A boolean etcd flag that must be `want`; unset is false. */
function etcdBool(f: Findings, pod: StaticPod, check: CheckName, flag: string, want: boolean): void {
  const v = pod.flags.get(flag);
  f.verdict(want ? isTrue(v) : !isTrue(v), {
    check,
    component: pod.component,
    evidence: `--${flag}=${v ?? 'unset (false)'}`,
    target: pod.file,
  });
}

export function checkApiserver(f: Findings, pod: StaticPod): void {
  const g = (n: string): string | undefined => pod.flags.get(n);
  const c = pod.component;
  const target = pod.file;
  requireFlags(f, pod, 'apiserver.kubelet-client-cert', ['kubelet-client-certificate', 'kubelet-client-key']);
  // kubeadm leaves it unset, so the apiserver never verifies kubelet serving certificates.
  requireFlags(f, pod, 'apiserver.kubelet-ca', ['kubelet-certificate-authority']);
  requireFlags(f, pod, 'apiserver.sa-public-key', ['service-account-key-file']);
  requireFlags(f, pod, 'apiserver.etcd-client-cert', ['etcd-certfile', 'etcd-keyfile']);
  requireFlags(f, pod, 'apiserver.serving-cert', ['tls-cert-file', 'tls-private-key-file']);
  requireFlags(f, pod, 'apiserver.client-ca', ['client-ca-file']);
  requireFlags(f, pod, 'apiserver.etcd-ca', ['etcd-cafile']);
  cipherCheck(f, 'apiserver.cipher-suites', c, target, '--tls-cipher-suites', g('tls-cipher-suites'), true);
  minVersionCheck(f, 'tls.min-version', c, target, g('tls-min-version'));
  const servers = (g('etcd-servers') ?? '').split(',').filter(Boolean);
  const plain = servers.filter((s) => !/^https:\/\//i.test(s.trim()));
  const check = 'apiserver.etcd-https';
  if (servers.length === 0)
    f.fail({
      check,
      component: c,
      evidence: '--etcd-servers not set',
      remediation: 'set --etcd-servers=https://127.0.0.1:2379',
      target,
    });
  else if (plain.length) f.fail({ check, component: c, evidence: `plaintext etcd URL(s): ${plain.join(',')}`, target });
  else f.pass({ check, component: c, evidence: `--etcd-servers=${servers.join(',')}`, target });
  const anon = g('anonymous-auth');
  const off = isFalse(anon);
  f.verdict(off, {
    check: 'apiserver.anonymous',
    component: c,
    evidence: off ? '--anonymous-auth=false' : `--anonymous-auth=${anon ?? 'unset (default true)'}`,
    target,
  });
  const insecure = g('insecure-port');
  if (insecure !== undefined && insecure !== '0')
    f.fail({ check: 'apiserver.insecure-port', component: c, evidence: `--insecure-port=${insecure}`, target });
}

export function checkControllerManager(f: Findings, pod: StaticPod): void {
  requireFlags(f, pod, 'controller-manager.sa-private-key', ['service-account-private-key-file']);
  requireFlags(f, pod, 'controller-manager.root-ca', ['root-ca-file']);
  const gate = featureGate(pod.flags.get('feature-gates'), 'RotateKubeletServerCertificate');
  // Default true since Kubernetes 1.12; only an explicit false disables it.
  const disabled = isFalse(gate);
  f.verdict(!disabled, {
    check: 'controller-manager.rotate-kubelet-server-cert',
    component: pod.component,
    evidence: disabled
      ? 'feature gate RotateKubeletServerCertificate=false'
      : gate
        ? `RotateKubeletServerCertificate=${gate}`
        : 'not set (default true)',
    target: pod.file,
  });
  bindAddress(f, 'controller-manager.bind-address', pod);
  componentTls(f, pod);
}

export function checkScheduler(f: Findings, pod: StaticPod): void {
  bindAddress(f, 'scheduler.bind-address', pod);
  componentTls(f, pod);
}

/** The controller-manager's and scheduler's serving TLS: suites checked where set, minimum version. */
function componentTls(f: Findings, pod: StaticPod): void {
  const g = (n: string): string | undefined => pod.flags.get(n);
  cipherCheck(f, 'tls.cipher-suites', pod.component, pod.file, '--tls-cipher-suites', g('tls-cipher-suites'), false);
  minVersionCheck(f, 'tls.min-version', pod.component, pod.file, g('tls-min-version'));
}

export function checkEtcd(f: Findings, pod: StaticPod, clusterCaFile: string | undefined): void {
  const g = (n: string): string | undefined => pod.flags.get(n);
  const c = pod.component;
  const target = pod.file;
  requireFlags(f, pod, 'etcd.serving-cert', ['cert-file', 'key-file']);
  etcdBool(f, pod, 'etcd.client-cert-auth', 'client-cert-auth', true);
  etcdBool(f, pod, 'etcd.auto-tls', 'auto-tls', false);
  requireFlags(f, pod, 'etcd.peer-cert', ['peer-cert-file', 'peer-key-file']);
  etcdBool(f, pod, 'etcd.peer-client-cert-auth', 'peer-client-cert-auth', true);
  etcdBool(f, pod, 'etcd.peer-auto-tls', 'peer-auto-tls', false);
  const ca = g('trusted-ca-file');
  if (!ca) f.fail({ check: 'etcd.own-ca', component: c, evidence: '--trusted-ca-file not set', target });
  else if (clusterCaFile && ca === clusterCaFile)
    f.fail({
      check: 'etcd.own-ca',
      component: c,
      evidence: `--trusted-ca-file=${ca} is the apiserver's --client-ca-file`,
      remediation: 'give etcd its own CA (etcd/ca.crt) so cluster client certs cannot reach etcd',
      target,
    });
  else f.pass({ check: 'etcd.own-ca', component: c, evidence: `--trusted-ca-file=${ca}`, target });
  const urlFlags = ['listen-client-urls', 'advertise-client-urls', 'listen-peer-urls', 'initial-advertise-peer-urls'];
  const plain = urlFlags.flatMap((n) =>
    (g(n) ?? '')
      .split(',')
      .filter((u) => u && !/^https:\/\//i.test(u.trim()))
      .map((u) => `--${n}=${u}`),
  );
  f.verdict(plain.length === 0, {
    check: 'etcd.https',
    component: c,
    evidence: plain.length
      ? plain.join(' ')
      : urlFlags
          .filter((n) => g(n))
          .map((n) => `--${n}=${g(n)}`)
          .join(' ') || 'no URLs set',
    target,
  });
  cipherCheck(f, 'etcd.cipher-suites', c, target, '--cipher-suites', g('cipher-suites'), false);
  minVersionCheck(f, 'tls.min-version', c, target, g('tls-min-version'));
}

/** KubeletConfiguration (var/lib/kubelet/config.yaml). */
export function checkKubelet(f: Findings, cfg: Record<string, unknown>, file: string): void {
  const component = 'kubelet';
  const target = file;
  const authn = isRecord(cfg.authentication) ? cfg.authentication : {};
  const x509 = isRecord(authn.x509) ? authn.x509 : {};
  const anon = isRecord(authn.anonymous) ? authn.anonymous : {};
  const clientCA = str(x509.clientCAFile);
  f.verdict(!!clientCA, {
    check: 'kubelet.client-ca',
    component,
    evidence: clientCA ? `authentication.x509.clientCAFile: ${clientCA}` : 'authentication.x509.clientCAFile not set',
    target,
  });
  const bootstrap = cfg.serverTLSBootstrap === true;
  const cert = str(cfg.tlsCertFile);
  const key = str(cfg.tlsPrivateKeyFile);
  f.verdict(!!(cert && key) || bootstrap, {
    check: 'kubelet.serving-cert',
    component,
    evidence:
      cert && key
        ? `tlsCertFile: ${cert}, tlsPrivateKeyFile: ${key}`
        : bootstrap
          ? 'serverTLSBootstrap: true (serving certificate requested from the cluster CA)'
          : 'neither tlsCertFile/tlsPrivateKeyFile nor serverTLSBootstrap: true (kubelet self-signs)',
    target,
  });
  const rotationOff = cfg.rotateCertificates === false;
  f.verdict(!rotationOff, {
    check: 'kubelet.client-rotation',
    component,
    evidence: rotationOff
      ? 'rotateCertificates: false'
      : `rotateCertificates: ${String(cfg.rotateCertificates ?? 'unset (true with kubeadm)')}`,
    target,
  });
  const gates = isRecord(cfg.featureGates) ? cfg.featureGates : {};
  const serving = bootstrap && gates.RotateKubeletServerCertificate !== false;
  f.verdict(serving, {
    check: 'kubelet.serving-rotation',
    component,
    evidence: serving
      ? 'serverTLSBootstrap: true'
      : bootstrap
        ? 'featureGates.RotateKubeletServerCertificate: false'
        : `serverTLSBootstrap: ${String(cfg.serverTLSBootstrap ?? 'unset (false)')}`,
    target,
  });
  const suites = Array.isArray(cfg.tlsCipherSuites) ? cfg.tlsCipherSuites.map(String) : undefined;
  cipherCheck(f, 'kubelet.cipher-suites', component, target, 'tlsCipherSuites', suites, true);
  minVersionCheck(f, 'kubelet.tls-min-version', component, target, str(cfg.tlsMinVersion));
  const anonOn = anon.enabled === true;
  f.verdict(!anonOn, {
    check: 'kubelet.anonymous',
    component,
    evidence: anonOn
      ? 'authentication.anonymous.enabled: true'
      : `authentication.anonymous.enabled: ${String(anon.enabled ?? 'unset (false in KubeletConfiguration v1beta1)')}`,
    target,
  });
}
