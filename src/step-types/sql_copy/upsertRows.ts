/**
 * upsert: the rows are loaded into a temporary table, then the target's rows whose key exists and
 * whose values differ are updated and the rest inserted. Rows equal to the target's are left
 * alone: no new row version, no BEFORE UPDATE trigger stamping them, no bloat.
 */
import type { Session } from "../../connectors/connector.js";
import { quoteIdentifier } from "../../sql/quoteSql.js";
import type { TableName } from "./quoteIdentifier.js";
import { mergeFits, mergeRows } from "./mergeRows.js";
import { uniqueKeys, type TableInfo } from "./tableColumns.js";

export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Rows of the target whose key the source no longer has (overwrite by replace only). */
  deleted: number;
}

/**
 * The source's values for identity columns are kept, as COPY keeps them in append and overwrite;
 * without it a GENERATED ALWAYS column refuses them. A no-op on tables without identity columns.
 */
const KEEP_IDENTITY = "OVERRIDING SYSTEM VALUE";

/**
 * The staging table is kept in the session's memory up to this size instead of PostgreSQL's 8 MB
 * of temp_buffers, past which it is written out and read back: about 0.2 s less server CPU for an
 * upsert of 1M rows over 1M. The memory is taken only as the table grows, and given back with the
 * session.
 */
const STAGING_MEMORY = "256MB";

/**
 * Built-in types whose `=` holds only for values that read the same (and enums, domains and arrays
 * over them, and numeric with a scale, which both sides then share). Others are compared by their
 * text: `=` calls numeric 1.0 and 1.00, interval '1 day' and '24 hours', float 0 and -0 equal, and
 * json, xml or point have no `=` at all.
 */
const EXACT_EQUALITY_TYPES = [16, 17, 18, 19, 20, 21, 23, 25, 26, 1042, 1043, 1082, 1083, 1114, 1184, 2950];

interface ColumnRules {
  /** Columns whose `=` is exact for their type; the others are compared by their text. */
  exact: Set<string>;
  /** GENERATED ALWAYS identity columns: an UPDATE may set them only to DEFAULT. */
  alwaysIdentity: Set<string>;
}

async function columnRules(session: Session, table: TableInfo): Promise<ColumnRules> {
  const { rows } = await session.query(
    `select a.attname as name, a.attidentity = 'a' as always_identity,
            coalesce(b.typelem, 0) = 0 and (b.oid = any($2::oid[]) or b.typtype = 'e' or b.oid = 'numeric'::regtype and a.atttypmod >= 0)
              or coalesce(b.typelem, 0) <> 0 and exists (select from pg_type e where e.oid = b.typelem and (e.oid = any($2::oid[]) or e.typtype = 'e')) as exact
       from pg_attribute a join pg_type ty on ty.oid = a.atttypid
       join pg_type b on b.oid = case when ty.typtype = 'd' then ty.typbasetype else ty.oid end
      where a.attrelid = $1::oid and a.attnum > 0 and not a.attisdropped`,
    [table.oid, EXACT_EQUALITY_TYPES],
  );
  const named = (flag: string) => new Set(rows.filter((row) => row[flag] === true).map((row) => String(row.name)));
  return { exact: named("exact"), alwaysIdentity: named("always_identity") };
}

/** `t.col IS DISTINCT FROM s.col` for each column, by `=` or by text as its type requires. */
function differsSql(rules: ColumnRules, columns: string[], left: string, right: string): string {
  return columns
    .map((column) => {
      const name = quoteIdentifier(column);
      return rules.exact.has(column) ? `${left}.${name} IS DISTINCT FROM ${right}.${name}` : `${left}.${name}::text IS DISTINCT FROM ${right}.${name}::text`;
    })
    .join(" OR ");
}

interface WriteCounters {
  inserted: number;
  updated: number;
  deleted: number;
}

/**
 * This transaction's row counters of the table (PostgreSQL's own statistics, kept per
 * transaction), or undefined where `track_counts` is off. Reading them costs nothing, where
 * telling inserts from updates by `RETURNING xmax = 0` costs a returned row per written row.
 */
async function writeCounters(session: Session, oid: number): Promise<WriteCounters | undefined> {
  const { rows } = await session.query(
    `select current_setting('track_counts')::bool as on, pg_stat_get_xact_tuples_inserted($1::oid) as inserted,
            pg_stat_get_xact_tuples_updated($1::oid) as updated, pg_stat_get_xact_tuples_deleted($1::oid) as deleted`,
    [oid],
  );
  const row = rows[0]!;
  return row.on === true ? { inserted: Number(row.inserted), updated: Number(row.updated), deleted: Number(row.deleted) } : undefined;
}

/**
 * With ON CONFLICT when a unique index covers exactly the key (inserted rows told from updated
 * ones by the transaction's row counters, or by `xmax = 0` where they are off: a new row has
 * never been locked), or with MERGE where the batch covers most of the table (mergeRows.ts);
 * else (and into a partitioned table) with UPDATE then INSERT.
 */
export async function upsertRows(
  session: Session,
  copyIn: (table: TableName) => Promise<number>,
  columns: string[],
  target: string,
  existing: TableInfo,
  key: string[],
  { deleteMissing = false } = {},
): Promise<UpsertCounts> {
  const staging = quoteIdentifier("nomaflow_upsert");
  const list = columns.map(quoteIdentifier).join(", ");
  // Only before the session's first temporary table (it has no temporary schema until then):
  // PostgreSQL refuses another size after it, and a session may have served an earlier step.
  await session.query("select set_config('temp_buffers', $1, true) where pg_my_temp_schema() = 0", [STAGING_MEMORY]);
  // The copied columns' types, no constraints: a NOT NULL or CHECK then fails on the target
  // itself, and its error names the target, not this table.
  await session.query(`CREATE TEMP TABLE ${staging} ON COMMIT DROP AS SELECT ${list} FROM ${target} WITH NO DATA`);
  const staged = await copyIn({ schema: "pg_temp", table: "nomaflow_upsert" });
  // An inheritance parent's rows only: its children are tables of their own.
  const own = existing.kind === "r" ? `ONLY ${target}` : target;
  const match = key.map((column) => `t.${quoteIdentifier(column)} = s.${quoteIdentifier(column)}`).join(" AND ");
  // Deleted first, so a row the source gives under another key does not collide with one it replaces.
  const deleted = deleteMissing ? (await session.query(`DELETE FROM ${own} AS t WHERE NOT EXISTS (SELECT 1 FROM ${staging} AS s WHERE ${match})`)).rowCount : 0;
  const rules = await columnRules(session, existing);
  // A GENERATED ALWAYS identity column outside the key keeps the target's value on updated rows:
  // PostgreSQL lets an UPDATE set it only to DEFAULT. Inserted rows take the source's.
  const others = columns.filter((column) => !key.includes(column) && !rules.alwaysIdentity.has(column));
  const sortedKey = [...key].sort().join("\u0000");
  const unique = (await uniqueKeys(session, existing.oid)).some((candidate) => [...candidate].sort().join("\u0000") === sortedKey);
  const counts = (inserted: number, updated: number): UpsertCounts => ({ inserted, updated, unchanged: staged - inserted - updated, deleted });
  // A partitioned table gives no system columns to RETURNING, so xmax cannot count its inserts.
  if (unique && existing.kind !== "p") {
    const conflict = `ON CONFLICT (${key.map(quoteIdentifier).join(", ")})`;
    const insert = `INSERT INTO ${target} AS t (${list}) ${KEEP_IDENTITY} SELECT ${list} FROM ${staging} ${conflict}`;
    if (others.length === 0) return counts((await session.query(`${insert} DO NOTHING`)).rowCount, 0);
    const set = others.map((column) => `${quoteIdentifier(column)} = EXCLUDED.${quoteIdentifier(column)}`).join(", ");
    const upsert = `${insert} DO UPDATE SET ${set} WHERE ${differsSql(rules, others, "t", "EXCLUDED")}`;
    const before = await writeCounters(session, existing.oid);
    if (before === undefined) {
      const { rows } = await session.query(
        `WITH written AS (${upsert} RETURNING xmax = 0 AS inserted)
         SELECT count(*) FILTER (WHERE inserted)::int8 AS inserted, count(*) FILTER (WHERE NOT inserted)::int8 AS updated FROM written`,
      );
      return counts(Number(rows[0]!.inserted), Number(rows[0]!.updated));
    }
    let written: number | undefined;
    let start = before;
    if (await mergeFits(session, existing, `pg_temp.${staging}`)) {
      const assignments = others.map((column) => `${quoteIdentifier(column)} = s.${quoteIdentifier(column)}`).join(", ");
      const values = columns.map((column) => `s.${quoteIdentifier(column)}`).join(", ");
      written = await mergeRows(
        session,
        `MERGE INTO ${own} AS t USING ${staging} AS s ON ${match}
         WHEN MATCHED AND (${differsSql(rules, others, "t", "s")}) THEN UPDATE SET ${assignments}
         WHEN NOT MATCHED THEN INSERT (${list}) ${KEEP_IDENTITY} VALUES (${values})`,
      );
      // A MERGE rolled back still counts in the transaction's counters (as attempts).
      if (written === undefined) start = (await writeCounters(session, existing.oid))!;
    }
    written ??= (await session.query(upsert)).rowCount;
    const after = (await writeCounters(session, existing.oid))!;
    // An insert that met a concurrent one's key is counted, then deleted, before it updates.
    const updated = after.updated - start.updated;
    const inserted = after.inserted - start.inserted - (after.deleted - start.deleted);
    // Triggers writing into this same table would count too: then the statement's row count
    // holds, and the updates the counters saw (at most that many) are taken from it.
    if (inserted >= 0 && updated >= 0 && inserted + updated === written) return counts(inserted, updated);
    const updatedAtMost = Math.min(Math.max(updated, 0), written);
    return counts(written - updatedAtMost, updatedAtMost);
  }
  let updated = 0;
  if (others.length > 0) {
    const differs = differsSql(rules, others, "t", "s");
    const set = others.map((column) => `${quoteIdentifier(column)} = s.${quoteIdentifier(column)}`).join(", ");
    updated = (await session.query(`UPDATE ${own} AS t SET ${set} FROM ${staging} AS s WHERE ${match} AND (${differs})`)).rowCount;
  }
  const { rowCount: inserted } = await session.query(
    `INSERT INTO ${target} (${list}) ${KEEP_IDENTITY} SELECT ${list} FROM ${staging} AS s WHERE NOT EXISTS (SELECT 1 FROM ${own} AS t WHERE ${match})`,
  );
  return counts(inserted, updated);
}
