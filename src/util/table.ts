import { escapeControls } from './sanitize.js';

/**
 * Column-aligned text tables as Go's text/tabwriter prints them for kubeadm
 * (minwidth 10, padding 3, spaces): every column but the last is padded to its widest cell + 3.
 * Cells quote certificates and file names (CN, SANs, paths), so their control characters
 * are escaped (util/sanitize.ts): a table row is always one line, and a terminal sees no
 * escape sequence.
 */
export function formatTable(cells: string[][], o: { minWidth?: number; padding?: number } = {}): string {
  const rows = cells.map((r) => r.map(escapeControls));
  const minWidth = o.minWidth ?? 10;
  const padding = o.padding ?? 3;
  const cols = Math.max(0, ...rows.map((r) => r.length));
  const widths: number[] = [];
  for (let c = 0; c < cols - 1; c++) widths[c] = Math.max(minWidth, ...rows.map((r) => (r[c] ?? '').length + padding));
  return (
    rows
      .map((r) =>
        r
          .map((cell, c) => (c < cols - 1 ? cell.padEnd(widths[c]!) : cell))
          .join('')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}
