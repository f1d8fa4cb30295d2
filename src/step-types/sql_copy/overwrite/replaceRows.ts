/**
 * overwrite by replace: the target's rows are replaced inside the step's one transaction, so
 * readers see yesterday's rows until the commit, then today's — never an empty table, and never
 * blocked (DELETE takes ROW EXCLUSIVE, where TRUNCATE would take ACCESS EXCLUSIVE). With a
 * primary key only what differs is written: rows the source lacks are deleted, changed rows
 * updated, new ones inserted, and rows that other tables' foreign keys point at stay in place
 * when the source still has them.
 */
import { qualifiedName } from "../../../sql/quoteSql.js";
import type { Session } from "../../../connectors/connector.js";
import { type TableName } from "../quoteIdentifier.js";
import type { TableInfo } from "../tableColumns.js";
import { upsertRows, type UpsertCounts } from "../upsertRows.js";

export async function replaceRows(
  session: Session,
  copyIn: (table: TableName) => Promise<number>,
  columns: string[],
  target: TableName,
  existing: TableInfo,
): Promise<UpsertCounts> {
  const name = qualifiedName(target.schema, target.table);
  const keyed = existing.primaryKey.length > 0 && existing.primaryKey.every((column) => columns.includes(column));
  if (keyed) return upsertRows(session, copyIn, columns, name, existing, existing.primaryKey, { deleteMissing: true });
  // An inheritance parent's rows only: its children are tables of their own.
  const { rowCount: deleted } = await session.query(`DELETE FROM ${existing.kind === "r" ? "ONLY " : ""}${name}`);
  return { inserted: await copyIn(target), updated: 0, unchanged: 0, deleted };
}
