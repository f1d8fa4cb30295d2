/** Counts as people read them, for the CLI and the console's page alike: `1,234,567 rows`, `3.4 MB`. */

/** `1 row`, `1,234,567 rows`. */
export function formatRows(rows: number): string {
  return `${rows.toLocaleString("en-US")} ${rows === 1 ? "row" : "rows"}`;
}

/** `512 B`, `3.4 MB` (powers of 1000, rounded down so that 999.99 kB never reads as 1.0 MB). */
export function formatBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB", "PB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${(Math.floor(value * 10) / 10).toFixed(1)} ${units[unit]}`;
}
