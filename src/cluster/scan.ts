/**
 * `certs scan DIR…`: the x509-certificate-exporter job without Prometheus. Walks directory
 * trees and inventories every certificate in PEM/DER files and kubeconfigs (embedded data
 * and referenced files), with subject, issuer, expiry and residual time.
 * Fast by construction: one read per file, a byte search before any parsing, and the lean
 * certificate reader (10,000 certificates well under a second).
 */
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, join } from 'node:path';
import { errorMessage } from '../errors/index.js';
import { parseCertificate, type ParsedCertificate } from '../pki/certparse.js';
import { pemDecodeAll } from '../pki/pem.js';
import { tempTarget } from '../util/journal.js';

export interface ScanEntry {
  path: string;
  /** where in the file: "#0" for the first PEM block, "users[admin].client-certificate-data" in kubeconfigs */
  location: string;
  subject?: string;
  issuer?: string;
  serial?: string;
  isCA?: boolean;
  notBefore?: Date;
  notAfter?: Date;
  residualMs?: number;
  error?: string;
}

export interface ScanOptions {
  now: Date;
  maxFileBytes?: number;
  maxDepth?: number;
  /** stop after this many files (guards against scanning / by mistake) */
  maxFiles?: number;
}

const PEM_MARK = Buffer.from('-----BEGIN CERTIFICATE-----');
const KUBECONFIG_MARK = /(^|\n)kind:\s*Config\b/;
const DER_EXT = new Set(['.der', '.cer', '.crt']);

function entryFor(path: string, location: string, c: ParsedCertificate, now: Date): ScanEntry {
  return {
    path,
    location,
    subject: c.subjectString,
    issuer: c.issuerString,
    serial: c.serialNumber.toString(16),
    isCA: c.isCA === true,
    notBefore: c.notBefore,
    notAfter: c.notAfter,
    residualMs: c.notAfter.getTime() - now.getTime(),
  };
}

function scanPem(path: string, data: Buffer, now: Date, out: ScanEntry[], locPrefix = ''): void {
  let blocks;
  try {
    blocks = pemDecodeAll(data);
  } catch (e) {
    out.push({ path, location: locPrefix || '#0', error: errorMessage(e) });
    return;
  }
  let i = 0;
  for (const b of blocks) {
    if (b.label !== 'CERTIFICATE') continue;
    const loc = `${locPrefix}#${i++}`;
    try {
      out.push(entryFor(path, loc, parseCertificate(b.der), now));
    } catch (e) {
      out.push({ path, location: loc, error: errorMessage(e) });
    }
  }
}

async function scanKubeconfig(path: string, text: string, now: Date, out: ScanEntry[]): Promise<void> {
  const { parseYaml } = await import('../util/yaml.js');
  let doc: Record<string, unknown>;
  try {
    doc = parseYaml(text, path) as Record<string, unknown>;
  } catch (e) {
    out.push({ path, location: 'kubeconfig', error: errorMessage(e) });
    return;
  }
  const visit = (
    list: unknown,
    kind: 'clusters' | 'users',
    inner: 'cluster' | 'user',
    dataKey: string,
    fileKey: string,
  ) => {
    if (!Array.isArray(list)) return;
    for (const e of list as Array<Record<string, unknown>>) {
      const body = (e?.[inner] ?? {}) as Record<string, unknown>;
      const loc = `${kind}[${String(e?.name ?? '?')}]`;
      if (typeof body[dataKey] === 'string')
        scanPem(path, Buffer.from(body[dataKey], 'base64'), now, out, `${loc}.${dataKey}`);
      else if (typeof body[fileKey] === 'string') {
        const ref = body[fileKey];
        try {
          // reported where it was read from (kubectl resolves it against the kubeconfig's directory), so the path can be opened as printed
          const file = isAbsolute(ref) ? ref : join(dirname(path), ref);
          scanPem(file, readFileSync(file), now, out, `${loc}.${fileKey} of ${path}`);
        } catch (err) {
          out.push({ path, location: `${loc}.${fileKey}`, error: `cannot read ${ref}: ${(err as Error).message}` });
        }
      }
    }
  };
  visit(doc?.clusters, 'clusters', 'cluster', 'certificate-authority-data', 'certificate-authority');
  visit(doc?.users, 'users', 'user', 'client-certificate-data', 'client-certificate');
}

/** Scans files and directory trees; unreadable files become entries with an error, never exceptions. */
export async function scanPaths(paths: string[], o: ScanOptions): Promise<ScanEntry[]> {
  const out: ScanEntry[] = [];
  const maxBytes = o.maxFileBytes ?? 1024 * 1024;
  const maxDepth = o.maxDepth ?? 32;
  const maxFiles = o.maxFiles ?? 1_000_000;
  let files = 0;
  const visitFile = async (p: string) => {
    if (++files > maxFiles) return;
    let data: Buffer;
    try {
      const st = statSync(p);
      if (!st.isFile() || st.size > maxBytes) return;
      data = readFileSync(p);
    } catch (e) {
      out.push({
        path: p,
        location: '',
        error: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      });
      return;
    }
    if (data.indexOf(PEM_MARK) >= 0) {
      const text = data.toString('latin1');
      if (KUBECONFIG_MARK.test(text)) await scanKubeconfig(p, text, o.now, out);
      else scanPem(p, data, o.now, out);
    } else if (data.length > 0 && data.length < 64 * 1024 && KUBECONFIG_MARK.test(data.toString('latin1'))) {
      await scanKubeconfig(p, data.toString('utf8'), o.now, out);
    } else if (data[0] === 0x30 && DER_EXT.has(extname(p).toLowerCase())) {
      try {
        out.push(entryFor(p, 'der', parseCertificate(data), o.now));
      } catch {
        /* a .crt that is not a certificate: not ours to report */
      }
    }
  };
  const walk = async (dir: string, depth: number) => {
    if (depth > maxDepth || files > maxFiles) return;
    let ents;
    try {
      ents = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      out.push({
        path: dir,
        location: '',
        error: `cannot list: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      });
      return;
    }
    ents.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const ent of ents) {
      // an interrupted kubetls run's temp files are not certificates in use (the next run removes them)
      if (tempTarget(ent.name) !== undefined) continue;
      const p = join(dir, ent.name);
      if (ent.isDirectory()) await walk(p, depth + 1);
      else if (ent.isFile()) await visitFile(p);
      else if (ent.isSymbolicLink()) {
        // follow links to files (kubelet-client-current.pem is one), never to directories (loops)
        try {
          if (statSync(p).isFile()) await visitFile(p);
        } catch {
          out.push({ path: p, location: '', error: 'dangling symlink' });
        }
      }
    }
  };
  for (const p of paths) {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      out.push({ path: p, location: '', error: 'no such file or directory' });
      continue;
    }
    if (st.isDirectory()) await walk(p, 0);
    else await visitFile(p);
  }
  return out;
}
