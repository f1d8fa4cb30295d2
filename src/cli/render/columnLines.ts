/**
 * Rows as lines of columns two spaces apart, each column as wide as its widest cell, trailing
 * spaces trimmed. Widths are measured on the plain text: `styleCell` colours a cell after it is
 * padded.
 */
export function columnLines(rows: readonly (readonly string[])[], styleCell?: (padded: string, row: number, column: number) => string): string[] {
  const widths = (rows[0] ?? []).map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row, rowIndex) =>
    row
      .map((cell, column) => {
        const padded = cell.padEnd(widths[column]!);
        return styleCell ? styleCell(padded, rowIndex, column) : padded;
      })
      .join("  ")
      .trimEnd(),
  );
}
