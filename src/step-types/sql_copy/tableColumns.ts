/** What sql_copy needs to know of a table or a query: columns, types, NOT NULL, primary key. */
import type { Session } from "../../connectors/connector.js";

export interface ColumnInfo {
  name: string;
  /** As PostgreSQL writes it: `numeric(12,2)`, `timestamp with time zone`, `text[]`. */
  type: string;
  typeOid: number;
  notNull: boolean;
  /** A generated column is computed by the table: it is neither copied out nor into. */
  generated: boolean;
}

export interface TableInfo {
  oid: number;
  /** pg_class.relkind: r table, p partitioned table, v view, m materialized view, f foreign table. */
  kind: string;
  columns: ColumnInfo[];
  primaryKey: string[];
}

/** Below this OID every type is built in, and so has the same binary form on every server. */
export const FIRST_USER_OID = 16384;

export async function describeTable(session: Session, schema: string, table: string): Promise<TableInfo | undefined> {
  const relation = (
    await session.query(
      "select c.oid::int8 as oid, c.relkind::text as kind from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relname = $2",
      [schema, table],
    )
  ).rows[0];
  if (!relation) return undefined;
  const oid = Number(relation.oid);
  const columns = (
    await session.query(
      `select a.attname as name, format_type(a.atttypid, a.atttypmod) as type, a.atttypid::int8 as type_oid,
              a.attnotnull as not_null, a.attgenerated <> '' as generated
         from pg_attribute a where a.attrelid = $1::oid and a.attnum > 0 and not a.attisdropped order by a.attnum`,
      [oid],
    )
  ).rows.map((row) => ({ name: String(row.name), type: String(row.type), typeOid: Number(row.type_oid), notNull: row.not_null === true, generated: row.generated === true }));
  const primaryKey = (
    await session.query(
      `select a.attname as name from pg_index i cross join lateral unnest(i.indkey) with ordinality as k(attnum, position)
         join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
        where i.indrelid = $1::oid and i.indisprimary order by k.position`,
      [oid],
    )
  ).rows.map((row) => String(row.name));
  return { oid, kind: String(relation.kind), columns, primaryKey };
}

/** The columns a query returns, with their type names (for creating a missing target). */
export async function describeQuery(session: Session, query: string): Promise<ColumnInfo[]> {
  const probe = await session.query(`select * from (${query}) as nomaflow_source limit 0`);
  if (probe.fields.length === 0) return [];
  const names = (
    await session.query("select format_type(t, null) as type from unnest($1::oid[]) with ordinality as u(t, position) order by position", [
      probe.fields.map((field) => field.dataTypeId),
    ])
  ).rows.map((row) => String(row.type));
  return probe.fields.map((field, index) => ({ name: field.name, type: names[index]!, typeOid: field.dataTypeId, notNull: false, generated: false }));
}

/** Unique indexes of a table, as column lists, for upsert's ON CONFLICT. */
export async function uniqueKeys(session: Session, oid: number): Promise<string[][]> {
  const rows = (
    await session.query(
      `select array_agg(a.attname::text order by k.position) as columns
         from pg_index i cross join lateral unnest(i.indkey) with ordinality as k(attnum, position)
         join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
        where i.indrelid = $1::oid and i.indisunique and i.indpred is null and i.indexprs is null
        group by i.indexrelid`,
      [oid],
    )
  ).rows;
  return rows.map((row) => (row.columns as string[]).map(String));
}
