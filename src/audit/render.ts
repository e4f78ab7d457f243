/** Output renderers shared by audit and probe: a plain-text table, JSON, and JUnit XML for CI. */
import type { Finding, Report } from './finding.js';

export type OutputFormat = 'table' | 'json' | 'junit';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'junit'];

// Evidence can quote bytes from hostile endpoints: strip control characters so they cannot
// forge table lines or break the XML.
const clean = (s: string): string =>
  Array.from(s.replace(/[\r\n\t]+/g, ' '))
    .filter((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f)
    .join('');

/**
 * One row per finding: ID, COMPONENT, CHECK, RESULT, EVIDENCE; the remediation follows on
 * its own indented line for anything but PASS (it is often long, and a CI log is narrow).
 */
export function renderTable(r: Report): string {
  const head = ['ID', 'COMPONENT', 'CHECK', 'RESULT', 'EVIDENCE'];
  const rows = r.findings.map((f) => [f.id, f.component, f.check, f.result, f.evidence].map(clean));
  const width = head.map((h, i) =>
    Math.min(i === 4 ? Infinity : 48, Math.max(h.length, ...rows.map((row) => row[i]!.length))),
  );
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(width[i]!)))
      .join('  ')
      .trimEnd();
  const out = [line(head)];
  r.findings.forEach((f, i) => {
    out.push(line(rows[i]!));
    if (f.result !== 'PASS' && f.remediation) out.push(`${' '.repeat(4)}remediation: ${clean(f.remediation)}`);
  });
  const s = r.summary;
  out.push('', `${r.kind}: ${s.total} checks, ${s.pass} PASS, ${s.warn} WARN, ${s.fail} FAIL, ${s.skip} SKIP`);
  return out.join('\n') + '\n';
}

export const renderJson = (r: Report): string => JSON.stringify(r, null, 2) + '\n';

const xml = (s: string): string =>
  clean(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);

/** JUnit XML: FAIL → <failure>, SKIP → <skipped>, WARN passes but says so in <system-out>. */
export function renderJunit(r: Report): string {
  const s = r.summary;
  const byComponent = new Map<string, Finding[]>();
  for (const f of r.findings) byComponent.set(f.component, [...(byComponent.get(f.component) ?? []), f]);
  const out = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="kubetls ${r.kind}" tests="${s.total}" failures="${s.fail}" skipped="${s.skip}">`,
  ];
  for (const [component, fs] of byComponent) {
    const fails = fs.filter((f) => f.result === 'FAIL').length;
    const skips = fs.filter((f) => f.result === 'SKIP').length;
    out.push(`  <testsuite name="${xml(component)}" tests="${fs.length}" failures="${fails}" skipped="${skips}">`);
    for (const f of fs) {
      const name = xml(`${f.id} ${f.check}${f.target ? ` [${f.target}]` : ''}`);
      out.push(`    <testcase classname="${xml(`kubetls.${r.kind}.${component}`)}" name="${name}">`);
      if (f.result === 'FAIL') out.push(`      <failure message="${xml(f.evidence)}">${xml(f.remediation)}</failure>`);
      else if (f.result === 'SKIP') out.push(`      <skipped message="${xml(f.evidence)}"/>`);
      else
        out.push(
          `      <system-out>${f.result}: ${xml(f.evidence)}${f.result === 'WARN' ? ` — ${xml(f.remediation)}` : ''}</system-out>`,
        );
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}

export function render(r: Report, format: OutputFormat): string {
  if (format === 'json') return renderJson(r);
  if (format === 'junit') return renderJunit(r);
  return renderTable(r);
}
