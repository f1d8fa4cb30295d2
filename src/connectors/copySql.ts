/**
 * The COPY statement for a copy described by `CopyOut` or `CopyIn`: the postgres connector sends
 * it with STDOUT or STDIN; PGlite, which copies through its '/dev/blob' file only, with that file.
 */
import { qualifiedName, quoteIdentifier } from "../sql/quoteSql.js";
import type { CopyIn, CopyOut, TableRef } from "./connector.js";

/** `"schema"."name"` of a copy's table. */
const tableSql = (table: TableRef): string => qualifiedName(table.schema, table.name);

/** Where PGlite's COPY reads its input from and writes its output to. */
export const PGLITE_BLOB_FILE = "'/dev/blob'";

export function columnListSql(columns: readonly string[]): string {
  return columns.map(quoteIdentifier).join(", ");
}

export function copyOutSql(copy: CopyOut, to: "STDOUT" | typeof PGLITE_BLOB_FILE): string {
  const source = "query" in copy ? `(${copy.query})` : `${tableSql(copy.table)} (${columnListSql(copy.columns)})`;
  return `COPY ${source} TO ${to} (FORMAT ${copy.format})`;
}

export function copyInSql(copy: CopyIn, from: "STDIN" | typeof PGLITE_BLOB_FILE): string {
  return `COPY ${tableSql(copy.table)} (${columnListSql(copy.columns)}) FROM ${from} (FORMAT ${copy.format})`;
}
