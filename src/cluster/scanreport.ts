/** Rendering and verdict for `certs scan`. */
import { formatTable } from '../util/table.js';
import { formatExpires, residualTime } from './expiryformat.js';
import type { ScanEntry } from './scan.js';
import type { Verdict } from './expiration.js';

const cn = (dn: string | undefined): string => {
  if (!dn) return '';
  const m = /(?:^|,)CN=((?:\\.|[^,])*)/.exec(dn);
  return m ? m[1]!.replace(/\\(.)/g, '$1') : dn;
};

export function renderScan(entries: ScanEntry[]): string {
  const rows = [['PATH', 'SUBJECT', 'ISSUER', 'EXPIRES', 'RESIDUAL TIME', 'CA']];
  for (const e of entries) {
    const path = e.location && !e.location.startsWith('#0') ? `${e.path} ${e.location}` : e.path;
    if (e.error) rows.push([path, `!ERROR! ${e.error}`, '', '', '', '']);
    else
      rows.push([
        path,
        cn(e.subject),
        cn(e.issuer),
        formatExpires(e.notAfter!),
        residualTime(e.residualMs!),
        e.isCA ? 'yes' : 'no',
      ]);
  }
  const certs = entries.filter((e) => !e.error).length;
  const errors = entries.length - certs;
  return (
    formatTable(rows) +
    `\n${certs} ${certs === 1 ? 'certificate' : 'certificates'}, ${errors} ${errors === 1 ? 'error' : 'errors'}\n`
  );
}

export function scanVerdict(entries: ScanEntry[], thresholdMs: number): Verdict {
  const problems: string[] = [];
  for (const e of entries) {
    const where = `${e.path}${e.location ? ` ${e.location}` : ''}`;
    if (e.error) problems.push(`${where}: ${e.error}`);
    else if (e.residualMs! <= 0) problems.push(`${where}: expired`);
    else if (e.residualMs! < thresholdMs) problems.push(`${where}: expires in ${residualTime(e.residualMs!)}`);
  }
  return { ok: problems.length === 0, problems };
}
