/**
 * A missing target, created in the step's transaction from the source's columns: their types
 * (with the user-defined types they need), NOT NULL and the primary key.
 */
import type { Session } from "../../connectors/connector.js";
import { quoteIdentifier } from "../../sql/quoteSql.js";
import type { ColumnInfo } from "./tableColumns.js";
import { createMissingTypes } from "./userTypes.js";

export interface CreatedTarget {
  typesCreated: string[];
  /** A query's columns whose source column is NOT NULL: set so once the rows are in, if they allow. */
  notNullAfterLoad: string[];
}

/**
 * A table's NOT NULL is written into the CREATE TABLE. A query's is only a hint (an outer join can
 * give nulls in a NOT NULL column), so it is added after the load where no row is null.
 */
export async function createTarget(
  source: Session,
  target: Session,
  name: string,
  displayed: string,
  columns: ColumnInfo[],
  primaryKey: string[],
  fromQuery: boolean,
): Promise<CreatedTarget> {
  const copied = columns.filter((column) => !column.generated);
  const typesCreated = await createMissingTypes(source, target, copied, displayed);
  const definitions = copied.map((column) => `${quoteIdentifier(column.name)} ${column.type}${column.notNull && !fromQuery ? " NOT NULL" : ""}`);
  if (primaryKey.length > 0) definitions.push(`PRIMARY KEY (${primaryKey.map(quoteIdentifier).join(", ")})`);
  await target.query(`CREATE TABLE ${name} (${definitions.join(", ")})`);
  return { typesCreated, notNullAfterLoad: fromQuery ? copied.filter((column) => column.notNull).map((column) => column.name) : [] };
}

/** Sets NOT NULL on the columns that hold no null (one scan to look, one to set); returns the others. */
export async function addNotNull(target: Session, name: string, columns: string[]): Promise<string[]> {
  if (columns.length === 0) return [];
  const { rows } = await target.query(
    `SELECT ${columns.map((column, index) => `bool_or(${quoteIdentifier(column)} IS NULL) AS c${index}`).join(", ")} FROM ${name}`,
  );
  const nullable = columns.filter((_, index) => rows[0]![`c${index}`] === true);
  const notNull = columns.filter((column) => !nullable.includes(column));
  if (notNull.length > 0)
    await target.query(`ALTER TABLE ${name} ${notNull.map((column) => `ALTER COLUMN ${quoteIdentifier(column)} SET NOT NULL`).join(", ")}`);
  return nullable;
}
