/**
 * Column-aligned text tables as Go's text/tabwriter prints them for kubeadm
 * (minwidth 10, padding 3, spaces): every column but the last is padded to its widest cell + 3.
 */
export function formatTable(rows: string[][], o: { minWidth?: number; padding?: number } = {}): string {
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
