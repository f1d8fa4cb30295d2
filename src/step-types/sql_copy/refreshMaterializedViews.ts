/**
 * Materialized views that read the target, directly or through views and other materialized
 * views, refreshed when the step asks (`refresh_materialized_views: true`): readers' queries of
 * them then agree with the table's new rows.
 */
import { qualifiedName } from "../../sql/quoteSql.js";
import type { Session } from "../../connectors/connector.js";
import { displayName } from "./quoteIdentifier.js";

/**
 * Readers of the target (or of a table it is a partition of; pg_partition_ancestors gives nothing
 * for a plain table), in the order they must be refreshed:
 * a materialized view after those it reads. `concurrent`: populated, with a unique index on plain
 * columns, so it can be refreshed without blocking its readers.
 */
const READERS_SQL = `WITH RECURSIVE readers(oid, depth) AS (
    SELECT r.ev_class, 1 FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
     WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
       AND (d.refobjid = $1::oid OR d.refobjid IN (SELECT relid FROM pg_partition_ancestors($1::oid))) AND r.ev_class <> d.refobjid
    UNION
    SELECT r.ev_class, readers.depth + 1 FROM readers
      JOIN pg_depend d ON d.refobjid = readers.oid AND d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
      JOIN pg_rewrite r ON r.oid = d.objid
     WHERE r.ev_class <> readers.oid AND readers.depth < 32)
  SELECT n.nspname AS schema, c.relname AS name, max(readers.depth) AS depth,
         c.relispopulated AND EXISTS (SELECT FROM pg_index i WHERE i.indrelid = c.oid AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL) AS concurrent
    FROM readers JOIN pg_class c ON c.oid = readers.oid JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind = 'm'
   GROUP BY n.nspname, c.relname, c.oid, c.relispopulated
   ORDER BY max(readers.depth), n.nspname, c.relname`;

export interface MaterializedViewReader {
  schema: string;
  name: string;
  concurrent: boolean;
}

export async function materializedViewReaders(session: Session, tableOid: number): Promise<MaterializedViewReader[]> {
  const { rows } = await session.query(READERS_SQL, [tableOid]);
  return rows.map((row) => ({ schema: String(row.schema), name: String(row.name), concurrent: row.concurrent === true }));
}

/** Refreshes each in order, in the session's transaction if it is in one; returns their names. */
export async function refreshMaterializedViews(session: Session, readers: MaterializedViewReader[]): Promise<string[]> {
  for (const reader of readers) {
    await session.query(`REFRESH MATERIALIZED VIEW ${reader.concurrent ? "CONCURRENTLY " : ""}${qualifiedName(reader.schema, reader.name)}`);
  }
  return readers.map((reader) => displayName(reader.schema, reader.name));
}
