/**
 * `COPY … TO STDOUT` on PGlite, a piece at a time. PGlite has no streaming COPY: `COPY … TO
 * '/dev/blob'` hands back the whole output as one Blob. So the rows are read through a cursor,
 * and each piece is one COPY of the next N rows of that cursor, which PostgreSQL still formats
 * itself:
 *
 *   CREATE TEMP VIEW v AS <the query, or SELECT <columns> FROM ONLY <table>>
 *   DECLARE c NO SCROLL CURSOR FOR SELECT * FROM v
 *   COPY (SELECT * FROM pg_temp.fetch_rows('c', N, NULL::v)) TO '/dev/blob' (FORMAT …)   -- repeated
 *
 * where fetch_rows is a PL/pgSQL function doing `RETURN QUERY EXECUTE 'FETCH N FROM c'` (the
 * view gives the rows a type it can return). N adapts so a piece is about `pieceBytes`. In binary,
 * one COPY of zero rows gives the header and trailer every piece starts and ends with: they are
 * sent once, and cut from each piece.
 *
 * All of it runs in one transaction (the caller's, or one opened here), so every piece reads the
 * same snapshot, and inside a savepoint so the temporary objects go away. A query that cannot
 * become a view (data-modifying, duplicate or record-typed columns) is copied in one piece.
 */
import { ConnectorError } from "../../errors/nomaflowError.js";
import type { CopyFormat, CopyOut } from "../connector.js";
import { qualifiedName } from "../../sql/quoteSql.js";
import { columnListSql, copyOutSql, PGLITE_BLOB_FILE } from "../copySql.js";
import type { PgliteStatements } from "./session.js";

const FIRST_ROWS = 100;
const MAX_ROWS = 1_000_000;
const BINARY_TRAILER_BYTES = 2;

let copies = 0;

export async function* copyOutByChunks(statements: PgliteStatements, copy: CopyOut, pieceBytes: number): AsyncGenerator<Uint8Array> {
  statements.checkUsable();
  const id = `nomaflow_copy_out_${++copies}`;
  const ownTransaction = !statements.inTransaction();
  if (ownTransaction) await statements.run("BEGIN");
  let state: "running" | "failed" | "done" = "running";
  try {
    await statements.run(`SAVEPOINT ${id}`);
    const query = await sourceQuery(statements, copy);
    const madeView = query !== undefined && (await createView(statements, id, query));
    if (!madeView) {
      const bytes = await copyBytes(statements, copyOutSql(copy, PGLITE_BLOB_FILE));
      if (bytes.length > 0) yield bytes;
    } else {
      yield* pieces(statements, id, copy.format, pieceBytes);
      await statements.run(`CLOSE ${id}; DROP FUNCTION pg_temp.${id}(refcursor, integer, anyelement); DROP VIEW pg_temp.${id}`);
    }
    await statements.run(`RELEASE SAVEPOINT ${id}`);
    if (ownTransaction) await statements.run("COMMIT");
    state = "done";
  } catch (error) {
    state = "failed";
    throw error;
  } finally {
    // Failed: a transaction of our own is rolled back; the caller's is left as a failed COPY
    // leaves it with pg. Stopped early by the consumer: the cursor and view are dropped, and the
    // caller's transaction carries on.
    if (state !== "done" && statements.usable()) {
      if (ownTransaction) await statements.run("ROLLBACK").catch(() => {});
      else if (state === "running") await statements.run(`ROLLBACK TO SAVEPOINT ${id}; RELEASE SAVEPOINT ${id}`).catch(() => {});
    }
  }
}

async function* pieces(statements: PgliteStatements, id: string, format: CopyFormat, pieceBytes: number): AsyncGenerator<Uint8Array> {
  const options = `(FORMAT ${format})`;
  await statements.run(
    `CREATE FUNCTION pg_temp.${id}(portal refcursor, how_many integer, row_type anyelement) RETURNS SETOF anyelement LANGUAGE plpgsql AS $fetch$
     BEGIN RETURN QUERY EXECUTE format('FETCH FORWARD %s FROM %I', how_many, portal); END $fetch$;
     DECLARE ${id} NO SCROLL CURSOR FOR SELECT * FROM pg_temp.${id}`,
  );
  let prefix: Buffer = Buffer.alloc(0);
  let suffix: Buffer = Buffer.alloc(0);
  if (format === "binary") {
    const empty = await copyBytes(statements, `COPY (SELECT * FROM pg_temp.${id} LIMIT 0) TO ${PGLITE_BLOB_FILE} ${options}`);
    prefix = empty.subarray(0, empty.length - BINARY_TRAILER_BYTES);
    suffix = empty.subarray(empty.length - BINARY_TRAILER_BYTES);
  }
  if (prefix.length > 0) yield prefix;
  let rows = FIRST_ROWS;
  for (;;) {
    const asked = rows;
    const { bytes, rowCount } = await runCopy(
      statements,
      `COPY (SELECT * FROM pg_temp.${id}('${id}', ${asked}, NULL::pg_temp.${id})) TO ${PGLITE_BLOB_FILE} ${options}`,
    );
    if (rowCount === 0) break;
    if (!bytes.subarray(0, prefix.length).equals(prefix) || !bytes.subarray(bytes.length - suffix.length).equals(suffix)) {
      throw new ConnectorError(statements.connector, "copyOut: a piece of COPY output did not start and end like the others; PGlite's COPY output changed");
    }
    yield bytes.subarray(prefix.length, bytes.length - suffix.length);
    if (rowCount < asked) break;
    // Aim at pieceBytes from the rows just seen, growing at most eightfold a step (wide rows may come later).
    const perRow = Math.max(1, (bytes.length - prefix.length - suffix.length) / rowCount);
    rows = Math.max(1, Math.min(MAX_ROWS, rows * 8, Math.floor(pieceBytes / perRow)));
  }
  if (suffix.length > 0) yield suffix;
}

/** The query behind a copy of a table's columns, or undefined when the relation is one COPY copies some other way. */
async function sourceQuery(statements: PgliteStatements, copy: CopyOut): Promise<string | undefined> {
  if ("query" in copy) return copy.query;
  const table = qualifiedName(copy.table.schema, copy.table.name);
  const [result] = await statements.run("select c.relkind::text from pg_class c where c.oid = $1::regclass", [table]);
  const [kind] = (result?.rows[0] ?? []) as [string?];
  // Tables and materialized views only; views, partitioned and foreign tables get COPY's own answer.
  if (kind !== "r" && kind !== "m") return undefined;
  // COPY table leaves out the rows of child tables.
  return `SELECT ${columnListSql(copy.columns)} FROM ONLY ${table}`;
}

async function createView(statements: PgliteStatements, id: string, query: string): Promise<boolean> {
  try {
    await statements.run(`CREATE TEMP VIEW ${id} AS ${query}`);
    return true;
  } catch (error) {
    if (!statements.usable()) throw error;
    await statements.run(`ROLLBACK TO SAVEPOINT ${id}`);
    return false;
  }
}

async function runCopy(statements: PgliteStatements, sql: string): Promise<{ bytes: Buffer; rowCount: number }> {
  const [result] = await statements.run(sql);
  const blob = result?.blob;
  return { bytes: blob ? Buffer.from(await blob.arrayBuffer()) : Buffer.alloc(0), rowCount: result?.affectedRows ?? 0 };
}

async function copyBytes(statements: PgliteStatements, sql: string): Promise<Buffer> {
  return (await runCopy(statements, sql)).bytes;
}
