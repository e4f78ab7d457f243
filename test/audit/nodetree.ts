/**
 * Test/bench fixture: a compliant control-plane node tree. The PKI and kubeconfigs come
 * from the real `kubetls init`; the static pods are written the way kubeadm writes them,
 * hardened where CIS asks (kubelet CA, cipher suites, TLS 1.2 minimum); the kubelet config
 * uses serverTLSBootstrap as kubeadm's hardening guide suggests.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { initPki } from '../../src/cluster/init.js';
import { loadConfig } from '../../src/cluster/config.js';
import { fixedClock } from '../../src/pki/index.js';
import { cli } from '../helpers.js';

export const SUITES =
  'TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384,TLS_CHACHA20_POLY1305_SHA256,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256';

const pod = (name: string, command: string[]): string =>
  stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { labels: { component: name, tier: 'control-plane' }, name, namespace: 'kube-system' },
    spec: {
      containers: [
        {
          command,
          image: `registry.k8s.io/${name}:v1.31.0`,
          name,
          volumeMounts: [{ mountPath: '/etc/kubernetes/pki', name: 'k8s-certs', readOnly: true }],
        },
      ],
      hostNetwork: true,
      priorityClassName: 'system-node-critical',
      volumes: [{ hostPath: { path: '/etc/kubernetes/pki', type: 'DirectoryOrCreate' }, name: 'k8s-certs' }],
    },
  });

export function apiserverCommand(ip: string): string[] {
  const p = '/etc/kubernetes/pki';
  return [
    'kube-apiserver',
    `--advertise-address=${ip}`,
    '--allow-privileged=true',
    '--authorization-mode=Node,RBAC',
    `--client-ca-file=${p}/ca.crt`,
    '--enable-admission-plugins=NodeRestriction',
    '--enable-bootstrap-token-auth=true',
    `--etcd-cafile=${p}/etcd/ca.crt`,
    `--etcd-certfile=${p}/apiserver-etcd-client.crt`,
    `--etcd-keyfile=${p}/apiserver-etcd-client.key`,
    '--etcd-servers=https://127.0.0.1:2379',
    `--kubelet-certificate-authority=${p}/ca.crt`,
    `--kubelet-client-certificate=${p}/apiserver-kubelet-client.crt`,
    `--kubelet-client-key=${p}/apiserver-kubelet-client.key`,
    '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname',
    `--proxy-client-cert-file=${p}/front-proxy-client.crt`,
    `--proxy-client-key-file=${p}/front-proxy-client.key`,
    `--requestheader-allowed-names=front-proxy-client`,
    `--requestheader-client-ca-file=${p}/front-proxy-ca.crt`,
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-username-headers=X-Remote-User',
    '--secure-port=6443',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${p}/sa.pub`,
    `--service-account-signing-key-file=${p}/sa.key`,
    '--service-cluster-ip-range=10.96.0.0/12',
    `--tls-cert-file=${p}/apiserver.crt`,
    `--tls-private-key-file=${p}/apiserver.key`,
    `--tls-cipher-suites=${SUITES}`,
    '--tls-min-version=VersionTLS12',
  ];
}

export function buildNode(root: string, nodeName = 'cp1', ip = '10.0.0.10'): void {
  const r = cli([
    'init',
    '--cert-dir',
    join(root, 'etc/kubernetes/pki'),
    '--kubeconfig-dir',
    join(root, 'etc/kubernetes'),
    '--node-name',
    nodeName,
    '--apiserver-advertise-address',
    ip,
    '--no-progress',
  ]);
  if (r.code !== 0) throw new Error(`kubetls init failed: ${r.stderr}`);
  writeComponentFiles(root, nodeName, ip);
}

/**
 * The same tree with the PKI issued at a fixed time (the library's `initPki` with a fixed
 * clock instead of the CLI), so an audit at a fixed time prints the same bytes every run:
 * the golden-file tests use it.
 */
export async function buildNodeAt(at: Date, root: string, nodeName = 'cp1', ip = '10.0.0.10'): Promise<void> {
  const { config } = await loadConfig({ nodeName, apiserverAdvertiseAddress: ip });
  await initPki({
    config,
    certDir: join(root, 'etc/kubernetes/pki'),
    kubeconfigDir: join(root, 'etc/kubernetes'),
    clock: fixedClock(at),
  });
  writeComponentFiles(root, nodeName, ip);
}

/** Static pods and the kubelet config, as kubeadm writes them (hardened where CIS asks). */
export function writeComponentFiles(root: string, nodeName: string, ip: string): void {
  const m = join(root, 'etc/kubernetes/manifests');
  mkdirSync(m, { recursive: true });
  const p = '/etc/kubernetes/pki';
  writeFileSync(join(m, 'kube-apiserver.yaml'), pod('kube-apiserver', apiserverCommand(ip)));
  writeFileSync(
    join(m, 'kube-controller-manager.yaml'),
    pod('kube-controller-manager', [
      'kube-controller-manager',
      '--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf',
      '--authorization-kubeconfig=/etc/kubernetes/controller-manager.conf',
      '--bind-address=127.0.0.1',
      `--client-ca-file=${p}/ca.crt`,
      '--cluster-name=kubernetes',
      `--cluster-signing-cert-file=${p}/ca.crt`,
      `--cluster-signing-key-file=${p}/ca.key`,
      '--controllers=*,bootstrapsigner,tokencleaner',
      '--kubeconfig=/etc/kubernetes/controller-manager.conf',
      '--leader-elect=true',
      `--requestheader-client-ca-file=${p}/front-proxy-ca.crt`,
      `--root-ca-file=${p}/ca.crt`,
      `--service-account-private-key-file=${p}/sa.key`,
      '--use-service-account-credentials=true',
      `--tls-cipher-suites=${SUITES}`,
    ]),
  );
  writeFileSync(
    join(m, 'kube-scheduler.yaml'),
    pod('kube-scheduler', [
      'kube-scheduler',
      '--authentication-kubeconfig=/etc/kubernetes/scheduler.conf',
      '--authorization-kubeconfig=/etc/kubernetes/scheduler.conf',
      '--bind-address=127.0.0.1',
      '--kubeconfig=/etc/kubernetes/scheduler.conf',
      '--leader-elect=true',
      '--tls-min-version=VersionTLS13',
    ]),
  );
  writeFileSync(
    join(m, 'etcd.yaml'),
    pod('etcd', [
      'etcd',
      `--advertise-client-urls=https://${ip}:2379`,
      `--cert-file=${p}/etcd/server.crt`,
      '--client-cert-auth=true',
      '--data-dir=/var/lib/etcd',
      '--experimental-initial-corrupt-check=true',
      `--initial-advertise-peer-urls=https://${ip}:2380`,
      `--initial-cluster=${nodeName}=https://${ip}:2380`,
      `--key-file=${p}/etcd/server.key`,
      `--listen-client-urls=https://127.0.0.1:2379,https://${ip}:2379`,
      '--listen-metrics-urls=http://127.0.0.1:2381',
      `--listen-peer-urls=https://${ip}:2380`,
      `--name=${nodeName}`,
      `--peer-cert-file=${p}/etcd/peer.crt`,
      '--peer-client-cert-auth=true',
      `--peer-key-file=${p}/etcd/peer.key`,
      `--peer-trusted-ca-file=${p}/etcd/ca.crt`,
      '--snapshot-count=10000',
      `--trusted-ca-file=${p}/etcd/ca.crt`,
      `--cipher-suites=${SUITES}`,
    ]),
  );
  mkdirSync(join(root, 'var/lib/kubelet'), { recursive: true });
  writeFileSync(
    join(root, 'var/lib/kubelet/config.yaml'),
    stringify({
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      kind: 'KubeletConfiguration',
      authentication: {
        anonymous: { enabled: false },
        webhook: { cacheTTL: '0s', enabled: true },
        x509: { clientCAFile: `${p}/ca.crt` },
      },
      authorization: { mode: 'Webhook' },
      cgroupDriver: 'systemd',
      clusterDNS: ['10.96.0.10'],
      clusterDomain: 'cluster.local',
      rotateCertificates: true,
      serverTLSBootstrap: true,
      staticPodPath: '/etc/kubernetes/manifests',
      tlsCipherSuites: SUITES.split(','),
      tlsMinVersion: 'VersionTLS12',
    }),
  );
}
