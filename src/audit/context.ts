/**
 * What every audit section works with: the node's root (paths in flags resolve under it and
 * may not escape it), the findings so far, and the PKI checker that reads each file once.
 */
import { join, relative, resolve as resolvePath, sep } from 'node:path';
import { KubetlsError } from '../errors/index.js';
import { Findings } from './finding.js';
import type { StaticPod } from './manifest.js';
import { PkiContext } from './pkicheck.js';

export interface AuditContext {
  readonly f: Findings;
  readonly pki: PkiContext;
  /** check root:root ownership (CIS 1.1.19/4.1.8) */
  readonly checkOwnership: boolean;
  /** absolute path of `p` (absolute or relative) under the root; throws PathEscapesRoot when it leaves the root */
  under(p: string): string;
  /** `under`, except that a path leaving the root becomes one that cannot exist: a finding, not an exception */
  safeUnder(p: string): string;
  /** the root-relative path, for evidence and targets */
  rel(abs: string): string;
}

/** The control-plane static pods found in the manifests directory (undefined: not on this node). */
export interface ControlPlane {
  apiserver: StaticPod | undefined;
  controllerManager: StaticPod | undefined;
  scheduler: StaticPod | undefined;
  etcd: StaticPod | undefined;
}

export function auditContext(rootDir: string, now: Date, checkOwnership: boolean): AuditContext {
  const root = resolvePath(rootDir);
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
  const f = new Findings();
  return { f, pki: new PkiContext(f, now, safeUnder, rel, checkOwnership), checkOwnership, under, safeUnder, rel };
}
