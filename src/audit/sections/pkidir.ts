/**
 * Audit section 5, every other file of the PKI directory (the --client-ca-file's, else
 * etc/kubernetes/pki): modes (CIS 1.1.20/1.1.21) and the intrinsic certificate checks.
 * Files the flags already named were checked once and are not reported again.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AuditContext, ControlPlane } from '../context.js';

/** Bounds: two levels below the directory (etcd/ holds the etcd PKI), 500 entries in all. */
const MAX_DEPTH = 2;
const MAX_ENTRIES = 500;

export function checkPkiDir(ctx: AuditContext, cp: ControlPlane): void {
  const caFlag = cp.apiserver?.flags.get('client-ca-file');
  const dir = caFlag ? dirname(ctx.safeUnder(caFlag)) : ctx.under('etc/kubernetes/pki');
  const budget = { n: MAX_ENTRIES };
  const walk = (d: string, depth: number): void => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    } catch {
      return;
    }
    for (const e of entries) {
      if (budget.n-- <= 0) return;
      const p = join(d, e.name);
      if (e.isDirectory() && depth < MAX_DEPTH) walk(p, depth + 1);
      else if (e.isFile() && /\.(crt|pem)$/.test(e.name) && !e.name.endsWith('-key.pem')) {
        ctx.pki.certFile('pki', '/' + ctx.rel(p));
        ctx.pki.siblingPair('pki', '/' + ctx.rel(p));
      } else if (e.isFile() && (/\.key$/.test(e.name) || e.name.endsWith('-key.pem')))
        ctx.pki.keyFile('pki', '/' + ctx.rel(p));
    }
  };
  walk(dir, 0);
}
