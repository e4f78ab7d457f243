/**
 * Whether kubectl with `DIR/admin.conf`, and the embedded controllers, can reach the server
 * `kubetls serve` is about to start. A PKI that `kubetls init` made earlier advertises this
 * machine's first IPv4 (its apiserver certificate has no 127.0.0.1, its kubeconfigs point at
 * that address), while serve binds 127.0.0.1 by default: without a word at start-up, kubectl
 * gets "connection refused" and the controllers a TLS name mismatch, and nothing says why.
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';

export interface ServeReach {
  /** the serving certificate (PEM; the first certificate is the one checked) */
  certPem: string;
  bindAddress: string;
  port: number;
  /** `server:` of DIR/admin.conf, when there is one */
  kubeconfigServer?: string | undefined;
}

const wildcard = (a: string): boolean => a === '0.0.0.0' || a === '::';
const unbracket = (h: string): string => (h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h);

/** What stops clients from reaching the server, one phrase each; empty when nothing does. */
export function reachProblems(r: ServeReach): string[] {
  const problems: string[] = [];
  if (!wildcard(r.bindAddress) && isIP(r.bindAddress)) {
    let cert: X509Certificate | undefined;
    try {
      cert = new X509Certificate(r.certPem);
    } catch {
      cert = undefined; // an unreadable certificate is checkServingMaterial's to report
    }
    if (cert && cert.checkIP(r.bindAddress) === undefined)
      problems.push(`the serving certificate is not valid for ${r.bindAddress} (${cert.subjectAltName ?? 'no SANs'})`);
  }
  if (r.kubeconfigServer) {
    let url: URL | undefined;
    try {
      url = new URL(r.kubeconfigServer);
    } catch {
      url = undefined;
    }
    const host = url && unbracket(url.hostname);
    const port = url && Number(url.port || 443);
    if (url && (port !== r.port || (!wildcard(r.bindAddress) && host !== r.bindAddress)))
      problems.push(`admin.conf points at ${r.kubeconfigServer}`);
  }
  return problems;
}

/**
 * The warning serve prints, or undefined: what is wrong, and the two ways out — serve where
 * the PKI says (when admin.conf names an IP), or a directory of serve's own.
 */
export function reachWarning(r: ServeReach & { dir: string }): string | undefined {
  const problems = reachProblems(r);
  if (!problems.length) return undefined;
  const host = r.bindAddress.includes(':') ? `[${r.bindAddress}]` : r.bindAddress;
  let there = '';
  try {
    const url = r.kubeconfigServer ? new URL(r.kubeconfigServer) : undefined;
    const h = url && unbracket(url.hostname);
    if (url && h && isIP(h))
      there = `serve where the PKI says (--bind-address ${h} --secure-port ${url.port || 443}), or `;
  } catch {
    // no usable admin.conf: only the second way out
  }
  return (
    `${r.dir} was made for another address than https://${host}:${r.port}: ${problems.join('; ')}. ` +
    `kubectl with its admin.conf and the embedded controllers will fail to connect; ` +
    `${there}give serve a directory of its own (--dir), where it makes a PKI for its address`
  );
}
