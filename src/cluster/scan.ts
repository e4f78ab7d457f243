/**
 * `certs scan DIR…`: the x509-certificate-exporter job without Prometheus. Walks directory
 * trees and inventories every certificate in PEM/DER files and kubeconfigs (embedded data
 * and referenced files), with subject, issuer, expiry and residual time.
 * Fast by construction: one read per file, a byte search before any parsing, and the lean
 * certificate reader (10,000 certificates well under a second).
 *
 * An inventory must say what it could not read, so each of these is an entry with an error
 * (and `certs scan` exits 1): a file over the size cap, a PEM block with a BEGIN line but no
 * END line, an unreadable file or directory, a kubeconfig reference to a missing, oversized
 * or special file (device, FIFO, socket), a path argument that is such a file, and a tree
 * cut short by the depth or file-count limits.
 * What is followed: a path given as an argument is followed wherever it points (a symlink
 * to a directory is scanned as that directory). Inside a tree, symlinks to regular files
 * are read (kubelet-client-current.pem is one); symlinks to directories are not followed
 * (they can loop, and the real directory is usually in the tree anyway), and sockets,
 * FIFOs and devices are passed over (a kubelet directory holds sockets), all silently.
 * kubetls's own temp files (`.<name>.<tag>.tmp`, a write in progress) are never counted.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join } from 'node:path';
import { errorMessage } from '../errors/index.js';
import { parseCertificate, type ParsedCertificate } from '../pki/certparse.js';
import { pemDecodeAll } from '../pki/pem.js';
import { isTempFileName } from '../util/files.js';
import { describeErrno, readFileBounded } from '../util/read.js';

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
const BEGIN_LINE = /-----BEGIN [A-Z0-9 ]{1,64}-----/g;
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
  // the decoder skips a BEGIN line that no END line follows (a truncated copy): say so
  const begins = data.toString('latin1').match(BEGIN_LINE)?.length ?? 0;
  if (begins > blocks.length)
    out.push({
      path,
      location: `${locPrefix}#${i}`,
      error: `${begins - blocks.length} PEM ${begins - blocks.length === 1 ? 'block has' : 'blocks have'} a BEGIN line but no END line (truncated?)`,
    });
}

async function scanKubeconfig(
  path: string,
  text: string,
  now: Date,
  out: ScanEntry[],
  maxBytes: number,
): Promise<void> {
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
        // reported where it was read from (kubectl resolves it against the kubeconfig's directory), so the path can be opened as printed
        const file = isAbsolute(ref) ? ref : join(dirname(path), ref);
        let data: Buffer;
        try {
          // the tree is untrusted input: a reference to /dev/zero or a FIFO is refused, not read
          data = readFileBounded(file, maxBytes);
        } catch (err) {
          out.push({ path, location: `${loc}.${fileKey}`, error: errorMessage(err) });
          continue;
        }
        scanPem(file, data, now, out, `${loc}.${fileKey} of ${path}`);
      }
    }
  };
  visit(doc?.clusters, 'clusters', 'cluster', 'certificate-authority-data', 'certificate-authority');
  visit(doc?.users, 'users', 'user', 'client-certificate-data', 'client-certificate');
}

/** Scans files and directory trees; what cannot be read becomes an entry with an error, never an exception. */
export async function scanPaths(paths: string[], o: ScanOptions): Promise<ScanEntry[]> {
  const out: ScanEntry[] = [];
  const maxBytes = o.maxFileBytes ?? 1024 * 1024;
  const maxDepth = o.maxDepth ?? 32;
  const maxFiles = o.maxFiles ?? 1_000_000;
  let files = 0;
  let cut = false;
  const visitFile = async (p: string) => {
    if (++files > maxFiles) {
      if (!cut) out.push({ path: p, location: '', error: `not scanned: the ${maxFiles}-file limit was reached here` });
      cut = true;
      return;
    }
    let data: Buffer;
    try {
      data = readFileBounded(p, maxBytes);
    } catch (e) {
      out.push({ path: p, location: '', error: errorMessage(e) });
      return;
    }
    if (data.indexOf(PEM_MARK) >= 0) {
      const text = data.toString('latin1');
      if (KUBECONFIG_MARK.test(text)) await scanKubeconfig(p, text, o.now, out, maxBytes);
      else scanPem(p, data, o.now, out);
    } else if (data.length > 0 && data.length < 64 * 1024 && KUBECONFIG_MARK.test(data.toString('latin1'))) {
      await scanKubeconfig(p, data.toString('utf8'), o.now, out, maxBytes);
    } else if (data[0] === 0x30 && DER_EXT.has(extname(p).toLowerCase())) {
      try {
        out.push(entryFor(p, 'der', parseCertificate(data), o.now));
      } catch {
        /* a .crt that is not a certificate: not ours to report */
      }
    }
  };
  const walk = async (dir: string, depth: number) => {
    if (files > maxFiles) return;
    if (depth > maxDepth) {
      out.push({ path: dir, location: '', error: `not scanned: deeper than ${maxDepth} directory levels` });
      return;
    }
    let ents;
    try {
      ents = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      out.push({
        path: dir,
        location: '',
        error: `cannot list: ${describeErrno(e)}`,
      });
      return;
    }
    ents.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const ent of ents) {
      const p = join(dir, ent.name);
      if (isTempFileName(ent.name)) continue; // a kubetls write in progress, or one a crash left
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
      // sockets, FIFOs and devices inside a tree are not certificate files: passed over
    }
  };
  for (const p of paths) {
    let st;
    try {
      st = statSync(p); // an argument is followed wherever it points, a symlinked directory included
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      out.push({
        path: p,
        location: '',
        error: code === 'ENOENT' ? 'no such file or directory' : `cannot read: ${describeErrno(e)}`,
      });
      continue;
    }
    if (st.isDirectory()) await walk(p, 0);
    else if (isTempFileName(basename(p)))
      out.push({
        path: p,
        location: '',
        error: 'a kubetls temporary file (a write in progress or interrupted): not inventoried',
      });
    else await visitFile(p); // anything else, a device or FIFO included, goes to the bounded reader, which refuses it
  }
  return out;
}
