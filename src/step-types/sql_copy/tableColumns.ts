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

/** One round trip: the relation, its columns and its primary key, as JSON text. */
const DESCRIBE_TABLE_SQL = `select json_build_object(
    'oid', c.oid::int8,
    'kind', c.relkind,
    'columns', (select coalesce(json_agg(json_build_object(
        'name', a.attname, 'type', format_type(a.atttypid, a.atttypmod), 'typeOid', a.atttypid::int8, 'notNull', a.attnotnull, 'generated', a.attgenerated <> '')
      order by a.attnum), '[]')
      from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped),
    'primaryKey', (select coalesce(json_agg(a.attname order by k.position), '[]')
      from pg_index i cross join lateral unnest(i.indkey) with ordinality as k(attnum, position)
      join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
      where i.indrelid = c.oid and i.indisprimary))::text as description
  from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relname = $2`;

export async function describeTable(session: Session, schema: string, table: string): Promise<TableInfo | undefined> {
  const row = (await session.query(DESCRIBE_TABLE_SQL, [schema, table])).rows[0];
  return row === undefined ? undefined : (JSON.parse(String(row.description)) as TableInfo);
}

/**
 * The columns a query returns. From a PostgreSQL server, each with its type modifier
 * (`numeric(5,2)`, `varchar(20)`) and, where it is a table's column, that column's domain (a
 * result column says only the domain's base type) and NOT NULL
 * (`notNull` then says the source column has it, not that the query's values keep it: an outer
 * join can give nulls). PGlite tells neither: plain type names, no NOT NULL.
 */
export async function describeQuery(session: Session, query: string): Promise<ColumnInfo[]> {
  const probe = await session.query(`select * from (${query}) as nomaflow_source limit 0`);
  if (probe.fields.length === 0) return [];
  const { rows } = await session.query(
    `select case when d.oid is null then format_type(u.t, nullif(u.m, -1)) else format_type(a.atttypid, a.atttypmod) end as type,
            coalesce(d.oid, u.t)::int8 as type_oid, coalesce(a.attnotnull, false) as not_null
       from unnest($1::oid[], $2::int[], $3::oid[], $4::int[]) with ordinality as u(t, m, rel, col, position)
       left join pg_attribute a on a.attrelid = u.rel and a.attnum = u.col and u.col > 0 and not a.attisdropped
       left join pg_type d on d.oid = a.atttypid and d.typtype = 'd' and d.typbasetype = u.t
      order by u.position`,
    [
      probe.fields.map((field) => field.dataTypeId),
      probe.fields.map((field) => field.typeModifier ?? -1),
      probe.fields.map((field) => field.tableId ?? 0),
      probe.fields.map((field) => field.columnId ?? 0),
    ],
  );
  return probe.fields.map((field, index) => ({
    name: field.name,
    type: String(rows[index]!.type),
    typeOid: Number(rows[index]!.type_oid),
    notNull: rows[index]!.not_null === true,
    generated: false,
  }));
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
