/**
 * Test-only: golden files under test/audit/golden/, the exact bytes `kubetls audit` and
 * `kubetls probe` print for fixed inputs. A refactoring of the checks must leave them
 * unchanged; a deliberate change of output rewrites them with KUBETLS_UPDATE_GOLDEN=1 and
 * shows up in the diff. Only what is measured, not decided, is normalised: the timings'
 * milliseconds, the temp-dir root and the ports the OS picked for test servers.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Finding, Report } from '../../src/audit/finding.js';
import { ROOT } from '../helpers.js';

export const GOLDEN_DIR = join(ROOT, 'test/audit/golden');
const UPDATE = process.env.KUBETLS_UPDATE_GOLDEN === '1';

/** Compares `actual` with test/audit/golden/<name> byte for byte (or rewrites the file when updating). */
export function assertGolden(name: string, actual: string): void {
  const file = join(GOLDEN_DIR, name);
  if (UPDATE) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  let expected: string;
  try {
    expected = readFileSync(file, 'utf8');
  } catch {
    assert.fail(`golden file ${name} missing: run the test once with KUBETLS_UPDATE_GOLDEN=1 and commit it`);
  }
  if (actual === expected) return;
  // The first differing line says more than a 100 kB string diff.
  const a = actual.split('\n');
  const e = expected.split('\n');
  const i = a.findIndex((l, k) => l !== e[k]);
  const at = i < 0 ? a.length : i;
  assert.fail(
    `${name} differs from the golden file at line ${at + 1}:\n  golden: ${JSON.stringify(e[at])}\n  actual: ${JSON.stringify(a[at])}`,
  );
}

/** The milliseconds in a JSON report's "timings" (kept: its keys and their order). */
export function zeroTimings(json: string): string {
  return json.replace(/("timings": \{)([^}]*)(\})/, (_m, open: string, body: string, close: string) => {
    return open + body.replace(/": [0-9.e+-]+/g, '": 0') + close;
  });
}

/** Every string of a report with `from` replaced by `to` (ports the OS picked, temp dirs). */
export function replaceInReport(r: Report, from: RegExp, to: (match: string, ...groups: string[]) => string): Report {
  const fix = (s: string): string => s.replace(from, to);
  const findings = r.findings.map((f) => {
    const out: Finding = { ...f };
    for (const k of ['id', 'component', 'check', 'evidence', 'remediation', 'target'] as const)
      if (out[k] !== undefined) out[k] = fix(out[k]);
    return out;
  });
  return { ...r, findings };
}
