/**
 * Audit section 4, the kubeconfigs under etc/kubernetes: an https server, a CA that is the
 * cluster's, and a client certificate that is sound, chains to that CA, carries the identity
 * the catalog gives it and matches its key.
 */
import { KubetlsError } from '../../errors/index.js';
import { parseCertificatesPem, parsePrivateKeyPem, spkiDer, type ParsedCertificate } from '../../pki/index.js';
import { readFileBounded } from '../../util/read.js';
import type { AuditContext, ControlPlane } from '../context.js';
import { AUDITED_KUBECONFIGS, expectedIdentity } from '../identities.js';
import { readKubeconfig, type KubeconfigTls } from '../kubeconfig.js';

/** The CA the apiserver trusts for clients (--client-ca-file): kubeconfigs should trust the same one. */
interface ClusterCa {
  file: string | undefined;
  certs: ParsedCertificate[] | Error | undefined;
}

export function checkKubeconfigs(ctx: AuditContext, cp: ControlPlane): void {
  const file = cp.apiserver?.flags.get('client-ca-file');
  const clusterCa: ClusterCa = { file, certs: file ? ctx.pki.loadCerts(file) : undefined };
  for (const name of AUDITED_KUBECONFIGS) checkKubeconfig(ctx, name, clusterCa);
}

function checkKubeconfig(ctx: AuditContext, name: string, clusterCa: ClusterCa): void {
  const file = `etc/kubernetes/${name}`;
  const kc = readOne(ctx, file);
  if (!kc) return;
  const c = `kubeconfig ${name}`;
  if (kc.server)
    ctx.f.verdict(/^https:\/\//i.test(kc.server), {
      check: 'kubeconfig.https',
      component: c,
      evidence: `server: ${kc.server}`,
      target: file,
    });
  const cas = serverCa(ctx, c, file, kc, clusterCa);
  const leaf = clientCertificate(ctx, c, file, kc);
  if (!leaf) return;
  ctx.pki.intrinsic(c, leaf, file);
  if (cas) ctx.pki.chain(c, leaf, file, cas, `${file} CA`);
  ctx.pki.expect(c, leaf, file, expectedIdentity(name));
  clientKey(ctx, c, file, kc, leaf);
}

/** The kubeconfig's TLS fields; absent is fine (not every node has every kubeconfig). */
function readOne(ctx: AuditContext, file: string): KubeconfigTls | undefined {
  try {
    return readKubeconfig(ctx.under(file), file);
  } catch (e) {
    if (!(e instanceof KubetlsError && e.code === 'NotFound'))
      ctx.f.fail({
        check: 'kubeconfig.readable',
        component: 'kubeconfig',
        evidence: (e as Error).message,
        target: file,
      });
    return undefined;
  }
}

/** The CA the client verifies the server with: present, readable, and the cluster's. */
function serverCa(
  ctx: AuditContext,
  component: string,
  file: string,
  kc: KubeconfigTls,
  clusterCa: ClusterCa,
): ParsedCertificate[] | undefined {
  const o = { component, target: file };
  let cas;
  try {
    cas = kc.caPem
      ? parseCertificatesPem(kc.caPem, `${file} certificate-authority-data`)
      : kc.caFile
        ? parseCertificatesPem(readFileBounded(ctx.safeUnder(kc.caFile), 1024 * 1024), kc.caFile)
        : undefined;
  } catch (e) {
    ctx.f.fail({ ...o, check: 'kubeconfig.ca-readable', evidence: (e as Error).message });
  }
  if (!cas)
    ctx.f.fail({
      ...o,
      check: 'kubeconfig.ca-present',
      evidence: 'no certificate-authority(-data): the client trusts the system roots or skips verification',
    });
  else if (clusterCa.certs && !(clusterCa.certs instanceof Error)) {
    const theirs = clusterCa.certs;
    const same = cas.some((a) => theirs.some((b) => a.der.equals(b.der)));
    const subject = cas[0]!.subjectString;
    ctx.f.verdict(same, {
      ...o,
      check: 'kubeconfig.cluster-ca',
      evidence: same ? `CA "${subject}" = ${clusterCa.file}` : `CA "${subject}" differs from ${clusterCa.file}`,
    });
  }
  return cas;
}

/** The client certificate (embedded or a file); none at all is a SKIP (token or exec credentials). */
function clientCertificate(
  ctx: AuditContext,
  component: string,
  file: string,
  kc: KubeconfigTls,
): ParsedCertificate | undefined {
  const o = { check: 'kubeconfig.client-cert-readable', component, target: file } as const;
  let certs;
  try {
    certs = kc.certPem
      ? parseCertificatesPem(kc.certPem, `${file} client-certificate-data`)
      : kc.certFile
        ? ctx.pki.loadCerts(kc.certFile)
        : undefined;
  } catch (e) {
    ctx.f.fail({ ...o, evidence: (e as Error).message });
    return undefined;
  }
  if (certs instanceof Error) {
    ctx.f.fail({
      ...o,
      evidence: certs.message,
      remediation: 'regenerate the kubeconfig (kubelet: check client rotation)',
    });
    return undefined;
  }
  if (!certs) {
    ctx.f.skip({
      check: 'kubeconfig.client-cert-present',
      component,
      evidence: 'no client certificate (token or exec credentials)',
      target: file,
    });
    return undefined;
  }
  return certs[0]!;
}

function clientKey(
  ctx: AuditContext,
  component: string,
  file: string,
  kc: KubeconfigTls,
  leaf: ParsedCertificate,
): void {
  const o = { component, target: file };
  try {
    const key = kc.keyPem
      ? parsePrivateKeyPem(kc.keyPem, `${file} client-key-data`)
      : kc.keyFile
        ? ctx.pki.loadKey(kc.keyFile)
        : undefined;
    if (key instanceof Error) throw key;
    if (key && spkiDer(key).equals(leaf.spkiDer))
      ctx.f.pass({ ...o, check: 'kubeconfig.key-pair', evidence: 'client certificate ↔ client key' });
    else if (key)
      ctx.f.fail({
        ...o,
        check: 'kubeconfig.key-pair',
        evidence: 'client key does not belong to the client certificate',
      });
  } catch (e) {
    ctx.f.fail({ ...o, check: 'kubeconfig.client-key-readable', evidence: (e as Error).message });
  }
}
