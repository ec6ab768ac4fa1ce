// Columns padded to widths the caller fixes (status, so frames line up step after step) or to
// the widest cell (list, like kubectl get). Cells longer than a fixed width end in "…".

export interface Column {
  header: string;
  /** Fixed width; omitted means as wide as the widest cell. */
  width?: number;
}

export function table(columns: Column[], rows: string[][], indent = ""): string[] {
  const widths = columns.map(
    (c, i) => c.width ?? Math.max(c.header.length, ...rows.map((r) => (r[i] ?? "").length)),
  );
  const line = (cells: string[]) =>
    indent +
    cells
      .map((cell, i) => {
        const width = widths[i] ?? 0;
        const fitted = cell.length > width ? `${cell.slice(0, Math.max(0, width - 1))}…` : cell;
        return i === cells.length - 1 ? fitted : fitted.padEnd(width);
      })
      .join("  ")
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...rows.map(line)];
}
