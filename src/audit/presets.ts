/**
 * Well-known control-plane ports and how to probe them. `path` is a request that needs
 * authentication on a hardened component, so an anonymous 200 there means the endpoint
 * lets unauthenticated clients in (the health endpoints are deliberately public, so
 * they are not used). `tlsClientCert` says whether the component demands a client
 * certificate during the handshake (etcd) or accepts other credentials too and refuses
 * at the HTTP layer with 401/403 (apiserver, kubelet, controller-manager, scheduler).
 */
export interface EndpointPreset {
  name: string;
  port: number;
  path: string;
  tlsClientCert: boolean;
}

export const PRESETS: readonly EndpointPreset[] = [
  { name: 'kube-apiserver', port: 6443, path: '/api', tlsClientCert: false },
  { name: 'etcd-client', port: 2379, path: '/version', tlsClientCert: true },
  { name: 'etcd-peer', port: 2380, path: '/version', tlsClientCert: true },
  { name: 'kubelet', port: 10250, path: '/pods', tlsClientCert: false },
  { name: 'kube-controller-manager', port: 10257, path: '/metrics', tlsClientCert: false },
  { name: 'kube-scheduler', port: 10259, path: '/metrics', tlsClientCert: false },
];

export const GENERIC_PRESET: Omit<EndpointPreset, 'port'> = { name: 'endpoint', path: '/', tlsClientCert: false };

export function presetFor(port: number): Omit<EndpointPreset, 'port'> & { port?: number } {
  return PRESETS.find((p) => p.port === port) ?? GENERIC_PRESET;
}
