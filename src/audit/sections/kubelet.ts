/**
 * Audit section 3, the kubelet: its KubeletConfiguration (CIS 4.2.x), the client CA file it
 * trusts (4.1.7/4.1.8) and its serving certificate when it is configured as a file.
 */
import { KubetlsError } from '../../errors/index.js';
import { checkKubelet } from '../cis.js';
import type { AuditContext } from '../context.js';
import { isRecord, readYamlFile } from '../yamlfile.js';

export const KUBELET_CONFIG = 'var/lib/kubelet/config.yaml';

export function checkKubeletConfig(ctx: AuditContext): void {
  const cfg = readKubeletConfig(ctx);
  if (!cfg) return;
  checkKubelet(ctx.f, cfg, KUBELET_CONFIG);
  kubeletClientCa(ctx, cfg);
  if (typeof cfg.tlsCertFile === 'string')
    // A kubelet serving certificate is the kubelet's own (self-signed or from its CSR), not the catalog's.
    ctx.pki.pair(
      'kubelet',
      cfg.tlsCertFile,
      typeof cfg.tlsPrivateKeyFile === 'string' ? cfg.tlsPrivateKeyFile : undefined,
      undefined,
      { eku: ['serverAuth'] },
    );
}

/** The config document; absent is a SKIP (no kubelet here), unreadable or not a KubeletConfiguration a FAIL. */
function readKubeletConfig(ctx: AuditContext): Record<string, unknown> | undefined {
  const o = { component: 'kubelet', target: KUBELET_CONFIG } as const;
  let cfg: unknown;
  try {
    cfg = readYamlFile(ctx.under(KUBELET_CONFIG), KUBELET_CONFIG);
  } catch (e) {
    if (e instanceof KubetlsError && e.code === 'NotFound')
      ctx.f.skip({ ...o, check: 'kubelet.config-present', evidence: `${KUBELET_CONFIG} not found` });
    else ctx.f.fail({ ...o, check: 'kubelet.config-readable', evidence: (e as Error).message });
    return undefined;
  }
  if (!isRecord(cfg) || cfg.kind !== 'KubeletConfiguration') {
    ctx.f.fail({ ...o, check: 'kubelet.config-readable', evidence: `${KUBELET_CONFIG}: not a KubeletConfiguration` });
    return undefined;
  }
  return cfg;
}

/** CIS has the kubelet's client CA file its own mode and owner items (4.1.7/4.1.8). */
function kubeletClientCa(ctx: AuditContext, cfg: Record<string, unknown>): void {
  const x509 = isRecord(cfg.authentication) && isRecord(cfg.authentication.x509) ? cfg.authentication.x509 : {};
  const ca = typeof x509.clientCAFile === 'string' ? x509.clientCAFile : undefined;
  if (!ca || !ctx.pki.caFile('kubelet', ca)) return;
  ctx.pki.mode('kubelet', ctx.rel(ctx.safeUnder(ca)), 0o644, 'kubelet.client-ca-mode', 'kubelet.client-ca-owner');
}
