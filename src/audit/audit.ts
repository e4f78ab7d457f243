/**
 * `audit`: static TLS audit of one node's files under a filesystem root. Reads the static
 * pods, the kubelet config and the kubeconfigs, runs the CIS TLS items and kubetls's own
 * checks on the flags, then checks every certificate and key those flags point at.
 * Absolute paths in flags resolve under the root and may not escape it.
 */
import { createPublicKey } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { dirname, join, relative, resolve as resolvePath, sep } from 'node:path';
import { KubetlsError } from '../errors/index.js';
import { isIpLiteral } from '../pki/ip.js';
import { parseCertificatesPem, parsePrivateKeyPem, spkiDer, systemClock, type Clock } from '../pki/index.js';
import { readFileLimited } from '../util/files.js';
import { checkApiserver, checkControllerManager, checkEtcd, checkKubelet, checkScheduler } from './cis.js';
import { Findings, summarize, type Report } from './finding.js';
import { readKubeconfig } from './kubeconfig.js';
import { readStaticPods, type StaticPod } from './manifest.js';
import { PkiContext, type Expect } from './pkicheck.js';
import { isRecord, readYamlFile } from './yamlfile.js';

export interface AuditOptions {
  /** filesystem root of the node (default "/") */
  root?: string;
  clock?: Clock;
  /** check root:root ownership (CIS 1.1.19/4.1.8); default: only when running as root */
  checkOwnership?: boolean;
}

/** `10.96.0.0/12` → `10.96.0.1` (first host of the first IPv4 range; kubeadm's apiserver SAN). */
export function firstServiceIp(range: string | undefined): string | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec((range ?? '').split(',')[0]!.trim());
  if (!m) return undefined;
  const n = m.slice(1, 5).reduce((a, o) => a * 256 + Number(o), 0);
  const bits = Number(m[5]);
  if (bits > 30 || m.slice(1, 5).some((o) => Number(o) > 255)) return undefined;
  const base = n - (n % 2 ** (32 - bits)) + 1;
  return [24, 16, 8, 0].map((s) => Math.floor(base / 2 ** s) % 256).join('.');
}

function urlHosts(...values: (string | undefined)[]): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames = new Set<string>();
  const ipAddresses = new Set<string>();
  for (const v of values) {
    for (const u of (v ?? '').split(',').slice(0, 32)) {
      let host: string;
      try {
        host = new URL(u.trim()).hostname.replace(/^\[|\]$/g, '');
      } catch {
        continue;
      }
      if (!host || host === '0.0.0.0' || host === '::') continue;
      if (isIpLiteral(host)) ipAddresses.add(host);
      else dnsNames.add(host);
    }
  }
  return { dnsNames: [...dnsNames], ipAddresses: [...ipAddresses] };
}

/** kubeconfig file → expected client identity (SPEC §2). */
const KUBECONFIGS: Record<string, Expect> = {
  'admin.conf': { cn: 'kubernetes-admin', org: ['kubeadm:cluster-admins', 'system:masters'], eku: ['clientAuth'] },
  'super-admin.conf': { cn: 'kubernetes-super-admin', org: ['system:masters'], eku: ['clientAuth'] },
  'controller-manager.conf': { cn: 'system:kube-controller-manager', eku: ['clientAuth'] },
  'scheduler.conf': { cn: 'system:kube-scheduler', eku: ['clientAuth'] },
  'kubelet.conf': { cn: /^system:node:.+$/, org: ['system:nodes'], eku: ['clientAuth'] },
  'kube-proxy.conf': { cn: 'system:kube-proxy', eku: ['clientAuth'] },
};

export async function audit(o: AuditOptions = {}): Promise<Report> {
  const root = resolvePath(o.root ?? '/');
  const now = (o.clock ?? systemClock).now();
  const f = new Findings();
  const timings: Record<string, number> = {};
  const time = <T>(id: string, fn: () => T): T => {
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      timings[id] = (timings[id] ?? 0) + performance.now() - t0;
    }
  };
  const under = (p: string): string => {
    const abs = resolvePath(root, '.' + sep + (p.startsWith('/') ? p.slice(1) : p));
    if (abs !== root && !abs.startsWith(root.endsWith(sep) ? root : root + sep))
      throw new KubetlsError('PathEscapesRoot', `${p} resolves outside --root`);
    return abs;
  };
  const rel = (abs: string): string => relative(root, abs) || '.';
  const safeUnder = (p: string): string => {
    try {
      return under(p);
    } catch {
      return join(root, '.kubetls-path-outside-root');
    }
  };
  const checkOwnership = o.checkOwnership ?? (typeof process.getuid === 'function' && process.getuid() === 0);
  const pki = new PkiContext(f, now, safeUnder, rel, checkOwnership);
  // Another user cannot see whether root owns the files in a meaningful way for CIS; say so.
  if (!checkOwnership)
    f.skip('1.1.19', 'pki', 'owned by root:root (also 4.1.8)', 'not running as root: ownership checks skipped');

  // 1. Static pods.
  const { pods, problems } = time('manifests', () => readStaticPods(under('etc/kubernetes/manifests'), rel));
  for (const p of problems)
    f.fail(
      'KT-PARSE',
      'manifests',
      'manifest readable',
      `${p.file}: ${p.message}`,
      p.remediation ?? 'fix or remove the file (kubelet cannot run it either)',
      p.file,
    );
  const pod = (c: StaticPod['component']): StaticPod | undefined => pods.find((p) => p.component === c);
  const api = pod('kube-apiserver');
  const kcm = pod('kube-controller-manager');
  const sched = pod('kube-scheduler');
  const etcd = pod('etcd');
  const absent = (c: string): void =>
    f.skip(
      'KT-COMPONENT',
      c,
      'static pod present',
      `no ${c} manifest under etc/kubernetes/manifests (worker node or external component)`,
    );
  time('cis', () => {
    if (api) checkApiserver(f, api);
    else absent('kube-apiserver');
    if (kcm) checkControllerManager(f, kcm);
    else absent('kube-controller-manager');
    if (sched) checkScheduler(f, sched);
    else absent('kube-scheduler');
    if (etcd) checkEtcd(f, etcd, api?.flags.get('client-ca-file'));
    else absent('etcd');
  });

  // 2. PKI referenced by the flags.
  time('pki', () => {
    if (api) {
      const g = (n: string): string | undefined => api.flags.get(n);
      const c = api.component;
      const svcIp = firstServiceIp(g('service-cluster-ip-range') ?? '10.96.0.0/12');
      const adv = g('advertise-address');
      const tlsCert = g('tls-cert-file');
      if (tlsCert)
        pki.pair(c, tlsCert, g('tls-private-key-file'), g('client-ca-file'), {
          cn: 'kube-apiserver',
          eku: ['serverAuth'],
          dnsNames: ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc'],
          ipAddresses: [adv, svcIp].filter((x): x is string => !!x && isIpLiteral(x)),
        });
      const kc = g('kubelet-client-certificate');
      if (kc)
        pki.pair(c, kc, g('kubelet-client-key'), g('client-ca-file'), {
          cn: 'kube-apiserver-kubelet-client',
          org: ['kubeadm:cluster-admins', 'system:masters'],
          eku: ['clientAuth'],
        });
      const ec = g('etcd-certfile');
      if (ec)
        pki.pair(c, ec, g('etcd-keyfile'), g('etcd-cafile'), { cn: 'kube-apiserver-etcd-client', eku: ['clientAuth'] });
      const pc = g('proxy-client-cert-file');
      if (pc)
        pki.pair(c, pc, g('proxy-client-key-file'), g('requestheader-client-ca-file'), {
          cn: 'front-proxy-client',
          eku: ['clientAuth'],
        });
      for (const flag of [
        'client-ca-file',
        'etcd-cafile',
        'requestheader-client-ca-file',
        'kubelet-certificate-authority',
      ]) {
        const v = g(flag);
        if (v) pki.caFile(c, v);
      }
      // Service-account signing: the controller-manager's private key must match the apiserver's public key.
      const pub = g('service-account-key-file');
      const priv = kcm?.flags.get('service-account-private-key-file');
      if (pub && priv) {
        const key = pki.keyFile('kube-controller-manager', priv);
        try {
          const pubDer = createPublicKey({ key: readFileLimited(safeUnder(pub), 1024 * 1024), format: 'pem' }).export({
            format: 'der',
            type: 'spki',
          });
          if (key && spkiDer(key).equals(pubDer))
            f.pass('KT-SA', c, 'service-account key pair matches', `${pub} ↔ ${priv}`, rel(safeUnder(pub)));
          else if (key)
            f.fail(
              'KT-SA',
              c,
              'service-account key pair matches',
              `${priv} does not match ${pub}: tokens signed by the controller-manager will be rejected`,
              'restore the matching sa.key/sa.pub pair',
              rel(safeUnder(pub)),
            );
        } catch (e) {
          f.fail(
            'KT-SA',
            c,
            'service-account key pair matches',
            `cannot read ${pub}: ${(e as Error).message}`,
            'restore sa.pub',
            rel(safeUnder(pub)),
          );
        }
      }
    }
    if (etcd) {
      const g = (n: string): string | undefined => etcd.flags.get(n);
      const name = g('name');
      const node: Expect = name && name !== 'default' ? { cn: name } : {};
      const cf = g('cert-file');
      if (cf)
        pki.pair('etcd', cf, g('key-file'), g('trusted-ca-file'), {
          ...node,
          eku: ['serverAuth'],
          ...urlHosts(g('listen-client-urls'), g('advertise-client-urls')),
        });
      const pf = g('peer-cert-file');
      if (pf)
        pki.pair('etcd', pf, g('peer-key-file'), g('peer-trusted-ca-file'), {
          ...node,
          eku: ['serverAuth', 'clientAuth'],
          ...urlHosts(g('listen-peer-urls'), g('initial-advertise-peer-urls')),
        });
      // The apiserver's etcd URLs must be names the etcd serving certificate carries.
      if (api && cf) {
        const want = urlHosts(api.flags.get('etcd-servers'));
        const cert = pki.certFile('etcd', cf);
        if (cert) pki.expect('kube-apiserver', cert, rel(safeUnder(cf)), want);
      }
    }
    if (kcm) {
      const g = (n: string): string | undefined => kcm.flags.get(n);
      const sc = g('cluster-signing-cert-file');
      if (sc) {
        const ca = pki.caFile(kcm.component, sc);
        const sk = g('cluster-signing-key-file');
        if (ca && sk) pki.pair(kcm.component, sc, sk, undefined, {});
      }
      const r = g('root-ca-file');
      if (r) pki.caFile(kcm.component, r);
    }
  });

  // 3. Kubelet config.
  time('kubelet', () => {
    const file = 'var/lib/kubelet/config.yaml';
    let cfg: unknown;
    try {
      cfg = readYamlFile(under(file), file);
    } catch (e) {
      if (e instanceof KubetlsError && e.code === 'NotFound')
        f.skip('KT-KUBELET', 'kubelet', 'kubelet config present', `${file} not found`, file);
      else
        f.fail(
          'KT-PARSE',
          'kubelet',
          'kubelet config readable',
          (e as Error).message,
          'fix the KubeletConfiguration YAML',
          file,
        );
      return;
    }
    if (!isRecord(cfg) || cfg.kind !== 'KubeletConfiguration') {
      f.fail(
        'KT-PARSE',
        'kubelet',
        'kubelet config readable',
        `${file}: not a KubeletConfiguration`,
        'fix the KubeletConfiguration YAML',
        file,
      );
      return;
    }
    checkKubelet(f, cfg, file);
    const authn = isRecord(cfg.authentication) && isRecord(cfg.authentication.x509) ? cfg.authentication.x509 : {};
    const ca = typeof authn.clientCAFile === 'string' ? authn.clientCAFile : undefined;
    if (ca) {
      // 4.1.7/4.1.8 are about the kubelet's client CA file specifically.
      const cert = pki.caFile('kubelet', ca);
      if (cert) {
        const target = rel(safeUnder(ca));
        const before = f.list.length;
        pki.mode('kubelet', target, 0o644, '4.1.7', 'client CA file mode ≤ 644');
        for (const x of f.list.slice(before)) if (x.id === '1.1.19') x.id = '4.1.8';
      }
    }
    if (typeof cfg.tlsCertFile === 'string')
      pki.pair(
        'kubelet',
        cfg.tlsCertFile,
        typeof cfg.tlsPrivateKeyFile === 'string' ? cfg.tlsPrivateKeyFile : undefined,
        undefined,
        { eku: ['serverAuth'] },
      );
  });

  // 4. Kubeconfigs.
  time('kubeconfigs', () => {
    const clusterCa = api?.flags.get('client-ca-file');
    const clusterCaCerts = clusterCa ? pki.loadCerts(clusterCa) : undefined;
    for (const [name, expect] of Object.entries(KUBECONFIGS)) {
      const file = `etc/kubernetes/${name}`;
      let kc;
      try {
        kc = readKubeconfig(under(file), file);
      } catch (e) {
        if (!(e instanceof KubetlsError && e.code === 'NotFound'))
          f.fail(
            'KT-PARSE',
            'kubeconfig',
            'kubeconfig readable',
            (e as Error).message,
            'regenerate it (kubetls init / kubeconfig)',
            file,
          );
        continue;
      }
      const c = `kubeconfig ${name}`;
      if (kc.server && !/^https:\/\//i.test(kc.server))
        f.fail(
          'KT-KUBECONFIG-HTTPS',
          c,
          'server URL is https',
          `server: ${kc.server}`,
          'use an https:// server URL',
          file,
        );
      else if (kc.server) f.pass('KT-KUBECONFIG-HTTPS', c, 'server URL is https', `server: ${kc.server}`, file);
      let cas;
      try {
        cas = kc.caPem
          ? parseCertificatesPem(kc.caPem, `${file} certificate-authority-data`)
          : kc.caFile
            ? parseCertificatesPem(readFileLimited(safeUnder(kc.caFile), 1024 * 1024), kc.caFile)
            : undefined;
      } catch (e) {
        f.fail('KT-PKI-PARSE', c, 'cluster CA readable', (e as Error).message, 'regenerate the kubeconfig', file);
      }
      if (!cas)
        f.fail(
          'KT-KUBECONFIG-CA',
          c,
          'server verified against a CA',
          'no certificate-authority(-data): the client trusts the system roots or skips verification',
          'embed the cluster CA (certificate-authority-data)',
          file,
        );
      else if (clusterCaCerts && !(clusterCaCerts instanceof Error)) {
        const same = cas.some((a) => clusterCaCerts.some((b) => a.der.equals(b.der)));
        if (same)
          f.pass(
            'KT-KUBECONFIG-CA',
            c,
            'server verified against the cluster CA',
            `CA "${cas[0]!.subjectString}" = ${clusterCa}`,
            file,
          );
        else
          f.fail(
            'KT-KUBECONFIG-CA',
            c,
            'server verified against the cluster CA',
            `CA "${cas[0]!.subjectString}" differs from ${clusterCa}`,
            'regenerate the kubeconfig with the current cluster CA',
            file,
          );
      }
      let certs;
      try {
        certs = kc.certPem
          ? parseCertificatesPem(kc.certPem, `${file} client-certificate-data`)
          : kc.certFile
            ? pki.loadCerts(kc.certFile)
            : undefined;
      } catch (e) {
        f.fail(
          'KT-PKI-PARSE',
          c,
          'client certificate readable',
          (e as Error).message,
          'regenerate the kubeconfig',
          file,
        );
        continue;
      }
      if (certs instanceof Error) {
        f.fail(
          'KT-PKI-PARSE',
          c,
          'client certificate readable',
          certs.message,
          'regenerate the kubeconfig (kubelet: check client rotation)',
          file,
        );
        continue;
      }
      if (!certs) {
        f.skip(
          'KT-KUBECONFIG-CERT',
          c,
          'client certificate present',
          'no client certificate (token or exec credentials)',
          file,
        );
        continue;
      }
      const leaf = certs[0]!;
      pki.intrinsic(c, leaf, file);
      if (cas) pki.chain(c, leaf, file, cas, `${file} CA`);
      pki.expect(c, leaf, file, expect);
      try {
        const key = kc.keyPem
          ? parsePrivateKeyPem(kc.keyPem, `${file} client-key-data`)
          : kc.keyFile
            ? pki.loadKey(kc.keyFile)
            : undefined;
        if (key instanceof Error) throw key;
        if (key && spkiDer(key).equals(leaf.spkiDer))
          f.pass('KT-PKI-PAIR', c, 'certificate and key match', 'client certificate ↔ client key', file);
        else if (key)
          f.fail(
            'KT-PKI-PAIR',
            c,
            'certificate and key match',
            'client key does not belong to the client certificate',
            'regenerate the kubeconfig',
            file,
          );
      } catch (e) {
        f.fail('KT-PKI-PARSE', c, 'client key readable', (e as Error).message, 'regenerate the kubeconfig', file);
      }
    }
  });

  // 5. Every other file in the PKI directory: modes (CIS 1.1.20/1.1.21) and intrinsic checks.
  time('pki-dir', () => {
    const caFlag = api?.flags.get('client-ca-file');
    const dir = caFlag ? dirname(safeUnder(caFlag)) : under('etc/kubernetes/pki');
    const walk = (d: string, depth: number, budget: { n: number }): void => {
      let entries;
      try {
        entries = readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
      } catch {
        return;
      }
      for (const e of entries) {
        if (budget.n-- <= 0) return;
        const p = join(d, e.name);
        if (e.isDirectory() && depth < 2) walk(p, depth + 1, budget);
        else if (e.isFile() && /\.(crt|pem)$/.test(e.name) && !e.name.endsWith('-key.pem')) {
          pki.certFile('pki', '/' + rel(p));
          pki.siblingPair('pki', '/' + rel(p));
        } else if (e.isFile() && (/\.key$/.test(e.name) || e.name.endsWith('-key.pem')))
          pki.keyFile('pki', '/' + rel(p));
      }
    };
    walk(dir, 0, { n: 500 });
  });

  const findings = f.list;
  return { kind: 'audit', findings, summary: summarize(findings), timings };
}
