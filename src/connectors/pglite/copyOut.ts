/**
 * `COPY … TO STDOUT` on PGlite, a piece at a time. PGlite has no streaming COPY: `COPY … TO
 * '/dev/blob'` hands back the whole output as one Blob. So the rows are read through a cursor,
 * and each piece is one COPY of the next N rows of that cursor, which PostgreSQL still formats
 * itself (every format and option behaves as in one COPY):
 *
 *   CREATE TEMP VIEW v AS <the query, or SELECT <columns> FROM ONLY <table>>
 *   DECLARE c NO SCROLL CURSOR FOR SELECT * FROM v
 *   COPY (SELECT * FROM pg_temp.fetch_rows('c', N, NULL::v)) TO '/dev/blob' <options>   -- repeated
 *
 * where fetch_rows is a PL/pgSQL function doing `RETURN QUERY EXECUTE 'FETCH N FROM c'` (the
 * view gives the rows a type it can return). N adapts so a piece is about `pieceBytes`. One COPY
 * of zero rows gives what every piece starts and ends with (the CSV/text header line; the binary
 * header and trailer): that is sent once, and cut from each piece.
 *
 * All of it runs in one transaction (the caller's, or one opened here), so every piece reads the
 * same snapshot, and inside a savepoint so the temporary objects go away. A query that cannot
 * become a view (data-modifying, duplicate or record-typed columns) is copied in one piece.
 */
import { ConnectorError } from "../../errors.js";
import { BLOB_FILE, parseCopyOut, type CopyOutStatement } from "./copyStatement.js";
import type { PgliteStatements } from "./session.js";

const FIRST_ROWS = 100;
const MAX_ROWS = 1_000_000;
const BINARY_SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");
const BINARY_TRAILER_BYTES = 2;

let copies = 0;

export async function* copyOutByChunks(statements: PgliteStatements, sql: string, pieceBytes: number): AsyncGenerator<Uint8Array> {
  statements.checkUsable();
  let statement: CopyOutStatement;
  try {
    statement = parseCopyOut(sql);
  } catch (error) {
    throw new ConnectorError(statements.connector, `copyOut: ${(error as Error).message}`, { cause: error });
  }
  const id = `nomaflow_copy_out_${++copies}`;
  const ownTransaction = !statements.inTransaction();
  if (ownTransaction) await statements.run("BEGIN");
  let state: "running" | "failed" | "done" = "running";
  try {
    await statements.run(`SAVEPOINT ${id}`);
    const query = await sourceQuery(statements, statement);
    const madeView = query !== undefined && (await createView(statements, id, query));
    if (!madeView) {
      const bytes = await copyBytes(statements, statement.toBlob);
      if (bytes.length > 0) yield bytes;
    } else {
      yield* pieces(statements, id, statement.options, pieceBytes);
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

async function* pieces(statements: PgliteStatements, id: string, options: string, pieceBytes: number): AsyncGenerator<Uint8Array> {
  await statements.run(
    `CREATE FUNCTION pg_temp.${id}(portal refcursor, how_many integer, row_type anyelement) RETURNS SETOF anyelement LANGUAGE plpgsql AS $fetch$
     BEGIN RETURN QUERY EXECUTE format('FETCH FORWARD %s FROM %I', how_many, portal); END $fetch$;
     DECLARE ${id} NO SCROLL CURSOR FOR SELECT * FROM pg_temp.${id}`,
  );
  const empty = await copyBytes(statements, `COPY (SELECT * FROM pg_temp.${id} LIMIT 0) TO ${BLOB_FILE} ${options}`);
  const binary = empty.subarray(0, BINARY_SIGNATURE.length).equals(BINARY_SIGNATURE);
  const prefix = binary ? empty.subarray(0, empty.length - BINARY_TRAILER_BYTES) : empty;
  const suffix = binary ? empty.subarray(empty.length - BINARY_TRAILER_BYTES) : Buffer.alloc(0);
  if (prefix.length > 0) yield prefix;
  let rows = FIRST_ROWS;
  for (;;) {
    const asked = rows;
    const { bytes, rowCount } = await copy(statements, `COPY (SELECT * FROM pg_temp.${id}('${id}', ${asked}, NULL::pg_temp.${id})) TO ${BLOB_FILE} ${options}`);
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

/** The query behind `COPY table [(columns)]`, or undefined when the relation is one COPY copies some other way. */
async function sourceQuery(statements: PgliteStatements, statement: CopyOutStatement): Promise<string | undefined> {
  if ("query" in statement.source) return statement.source.query;
  const { table, columns } = statement.source;
  const [result] = await statements.run(
    `select c.relkind::text, (select coalesce(string_agg(quote_ident(a.attname), ', ' order by a.attnum), '') from pg_attribute a
        where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attgenerated = '')
       from pg_class c where c.oid = $1::regclass`,
    [table],
  );
  const [kind, allColumns] = (result?.rows[0] ?? []) as [string?, string?];
  // Tables and materialized views only; views, partitioned and foreign tables get COPY's own answer.
  if (kind !== "r" && kind !== "m") return undefined;
  // COPY table leaves out generated columns and the rows of child tables.
  const names = columns ?? allColumns;
  return `SELECT ${names} FROM ONLY ${table}`;
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

async function copy(statements: PgliteStatements, sql: string): Promise<{ bytes: Buffer; rowCount: number }> {
  const [result] = await statements.run(sql);
  const blob = result?.blob;
  return { bytes: blob ? Buffer.from(await blob.arrayBuffer()) : Buffer.alloc(0), rowCount: result?.affectedRows ?? 0 };
}

async function copyBytes(statements: PgliteStatements, sql: string): Promise<Buffer> {
  return (await copy(statements, sql)).bytes;
}
