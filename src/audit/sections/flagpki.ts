/**
 * Audit section 2, the PKI the control-plane flags point at: each certificate with its key,
 * the CA the component is told to trust and the identity the catalog gives it; the CA files;
 * the service-account key pair shared by the apiserver and the controller-manager.
 */
import { createPublicKey } from 'node:crypto';
import { isIpLiteral } from '../../pki/ip.js';
import { spkiDer } from '../../pki/index.js';
import { readFileBounded } from '../../util/read.js';
import { firstServiceIp, urlHosts } from '../addresses.js';
import type { AuditContext, ControlPlane } from '../context.js';
import { expectedIdentity, fixedDnsNames } from '../identities.js';
import type { StaticPod } from '../manifest.js';

export function checkFlagPki(ctx: AuditContext, cp: ControlPlane): void {
  if (cp.apiserver) {
    apiserverPki(ctx, cp.apiserver);
    serviceAccountKeyPair(ctx, cp.apiserver, cp.controllerManager);
  }
  if (cp.etcd) etcdPki(ctx, cp.etcd, cp.apiserver);
  if (cp.controllerManager) controllerManagerPki(ctx, cp.controllerManager);
}

/** Serving, kubelet-client, etcd-client and front-proxy certificates, then every CA flag. */
function apiserverPki(ctx: AuditContext, api: StaticPod): void {
  const g = (n: string): string | undefined => api.flags.get(n);
  const c = api.component;
  const tlsCert = g('tls-cert-file');
  if (tlsCert) {
    const ips = [g('advertise-address'), firstServiceIp(g('service-cluster-ip-range') ?? '10.96.0.0/12')];
    ctx.pki.pair(c, tlsCert, g('tls-private-key-file'), g('client-ca-file'), {
      ...expectedIdentity('apiserver'),
      dnsNames: fixedDnsNames('apiserver'),
      ipAddresses: ips.filter((x): x is string => !!x && isIpLiteral(x)),
    });
  }
  const kc = g('kubelet-client-certificate');
  if (kc)
    ctx.pki.pair(c, kc, g('kubelet-client-key'), g('client-ca-file'), expectedIdentity('apiserver-kubelet-client'));
  const ec = g('etcd-certfile');
  if (ec) ctx.pki.pair(c, ec, g('etcd-keyfile'), g('etcd-cafile'), expectedIdentity('apiserver-etcd-client'));
  const pc = g('proxy-client-cert-file');
  if (pc)
    ctx.pki.pair(
      c,
      pc,
      g('proxy-client-key-file'),
      g('requestheader-client-ca-file'),
      expectedIdentity('front-proxy-client'),
    );
  for (const flag of [
    'client-ca-file',
    'etcd-cafile',
    'requestheader-client-ca-file',
    'kubelet-certificate-authority',
  ]) {
    const v = g(flag);
    if (v) ctx.pki.caFile(c, v);
  }
}

/** The controller-manager's signing key must match the apiserver's public key, or every token is rejected. */
function serviceAccountKeyPair(ctx: AuditContext, api: StaticPod, kcm: StaticPod | undefined): void {
  const pub = api.flags.get('service-account-key-file');
  const priv = kcm?.flags.get('service-account-private-key-file');
  if (!pub || !priv) return;
  const key = ctx.pki.keyFile('kube-controller-manager', priv);
  const o = { check: 'pki.sa-key-pair', component: api.component, target: ctx.rel(ctx.safeUnder(pub)) } as const;
  try {
    const pubDer = createPublicKey({ key: readFileBounded(ctx.safeUnder(pub), 1024 * 1024), format: 'pem' }).export({
      format: 'der',
      type: 'spki',
    });
    if (key && spkiDer(key).equals(pubDer)) ctx.f.pass({ ...o, evidence: `${pub} ↔ ${priv}` });
    else if (key)
      ctx.f.fail({
        ...o,
        evidence: `${priv} does not match ${pub}: tokens signed by the controller-manager will be rejected`,
      });
  } catch (e) {
    ctx.f.fail({ ...o, evidence: `cannot read ${pub}: ${(e as Error).message}`, remediation: 'restore sa.pub' });
  }
}

/**
 * Client and peer certificates; their SANs must cover the hosts of etcd's own URLs, and the
 * serving certificate the hosts of the apiserver's --etcd-servers.
 */
function etcdPki(ctx: AuditContext, etcd: StaticPod, api: StaticPod | undefined): void {
  const g = (n: string): string | undefined => etcd.flags.get(n);
  // kubeadm names the etcd member after the node, and etcd's CN is the node name; "default" is etcd's own default.
  const name = g('name');
  const nodeName = name && name !== 'default' ? name : undefined;
  const cf = g('cert-file');
  if (cf)
    ctx.pki.pair('etcd', cf, g('key-file'), g('trusted-ca-file'), {
      ...expectedIdentity('etcd-server', nodeName),
      ...urlHosts(g('listen-client-urls'), g('advertise-client-urls')),
    });
  const pf = g('peer-cert-file');
  if (pf)
    ctx.pki.pair('etcd', pf, g('peer-key-file'), g('peer-trusted-ca-file'), {
      ...expectedIdentity('etcd-peer', nodeName),
      ...urlHosts(g('listen-peer-urls'), g('initial-advertise-peer-urls')),
    });
  if (api && cf) {
    const cert = ctx.pki.certFile('etcd', cf);
    if (cert)
      ctx.pki.expect('kube-apiserver', cert, ctx.rel(ctx.safeUnder(cf)), urlHosts(api.flags.get('etcd-servers')));
  }
}

/** The CA the controller-manager signs CSRs with (a CA, with its key) and the root CA it hands to pods. */
function controllerManagerPki(ctx: AuditContext, kcm: StaticPod): void {
  const g = (n: string): string | undefined => kcm.flags.get(n);
  const sc = g('cluster-signing-cert-file');
  if (sc) {
    const ca = ctx.pki.caFile(kcm.component, sc);
    const sk = g('cluster-signing-key-file');
    if (ca && sk) ctx.pki.pair(kcm.component, sc, sk, undefined, {});
  }
  const r = g('root-ca-file');
  if (r) ctx.pki.caFile(kcm.component, r);
}
