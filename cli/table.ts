/** Plain-text tables for terminal output: left-aligned columns two spaces apart. */

/** Formats `rows` under `headers`, one line each, columns padded to their widest cell. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .concat('\n');
  return line(headers) + rows.map(line).join('');
}
