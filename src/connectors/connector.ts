/**
 * One interface for every database Nomaflow talks to: PostgreSQL servers (through `pg`) and
 * embedded PostgreSQL (PGlite). `sql_copy`, the `sql` step and plugins (`scalar`, `fetch`,
 * `fetchrow`, `execute`) use nothing else, so a copy works the same between any two of them.
 */
import type { ConnectorPool } from "../schema/configSchema.js";

/** A connector of nomaflow.yaml, as the project holds it. */
export interface ConnectorConfig {
  name: string;
  /** Still holding its `${env:…}` references: resolved when connecting, so secrets are tracked. */
  url: string;
  pool: ConnectorPool;
}

export interface QueryField {
  name: string;
  /** The PostgreSQL type OID. */
  dataTypeId: number;
  /** From a PostgreSQL server only: the type modifier (`numeric(5,2)`'s precision and scale), -1 for none. */
  typeModifier?: number;
  /** From a PostgreSQL server only: the table and column number the value comes from, 0 when computed. */
  tableId?: number;
  columnId?: number;
}

export interface QueryResult {
  rows: Record<string, unknown>[];
  /** Rows returned or affected (INSERT/UPDATE/DELETE/COPY), 0 when the server says none. */
  rowCount: number;
  fields: QueryField[];
}

/** One connection, held for a unit of work: a transaction, a copy. */
export interface Session {
  /** The server process serving this session (for pg_stat_activity checks); undefined for PGlite. */
  readonly backendPid: number | undefined;
  /**
   * Parameters are `$1`, `$2`, …; values are sent separately, never spliced into the text.
   * Once the session's signal has fired nothing more is sent (a transaction not committed is
   * rolled back), but a `COMMIT` already sent is not cancelled: its result is the outcome.
   */
  query(sql: string, params?: readonly unknown[]): Promise<QueryResult>;
  /**
   * Runs `COPY … TO STDOUT` and yields its data in chunks as it comes; memory stays bounded
   * whatever the table size (the consumer's pace is the producer's). Stopping before the end
   * closes the session's connection (the server is still sending).
   */
  copyOut(copy: CopyOut): CopyOutStream;
  /** Runs `COPY … FROM STDIN` fed from `data`; resolves with the number of rows copied. */
  copyIn(copy: CopyIn, data: AsyncIterable<Uint8Array>): Promise<number>;
}

/** What `copyOut` gives: the COPY data in chunks, and the rows in them where the connector counts them. */
export interface CopyOutStream extends AsyncIterable<Uint8Array> {
  /**
   * Rows yielded so far (never more than the whole rows in the chunks), where the connector
   * counts them without reading the data (a PostgreSQL server sends a message per row), and the
   * server's own count once the copy has ended; undefined where it does not (PGlite): the rows
   * are then counted in the data.
   */
  readonly rows?: number;
}

/** A table by its exact, case-sensitive names; `pg_temp` names the session's temporary schema. */
export interface TableRef {
  schema: string;
  name: string;
}

/** COPY's own formats that Nomaflow uses: binary between equal column types, text otherwise. */
export type CopyFormat = "binary" | "text";

/**
 * What `copyOut` reads: the columns of a table (`COPY table (columns) TO STDOUT`: its own rows,
 * not its child tables', and no generated column), or the rows of a query.
 */
export type CopyOut = { table: TableRef; columns: readonly string[]; format: CopyFormat } | { query: string; format: CopyFormat };

/** What `copyIn` writes: the columns of a table, in the order the data gives them. */
export interface CopyIn {
  table: TableRef;
  columns: readonly string[];
  format: CopyFormat;
}

export interface SessionOptions {
  /** Aborting it cancels the statement running on the server, then ends the session. */
  signal?: AbortSignal;
  /** Shown in pg_stat_activity.application_name: `nomaflow:<job>:<step>`. */
  applicationName?: string;
}

export interface ServerDescription {
  /** `PostgreSQL 15.20 …` */
  version: string;
  /** One `select 1` round trip, in ms. */
  latencyMs: number;
}

export interface Connector {
  readonly name: string;
  readonly kind: "postgres" | "pglite";
  /**
   * Runs `work` on a dedicated session and releases it after, whatever happens. When `signal`
   * aborts, the running statement is cancelled on the server (not just abandoned) and `work`'s
   * promise rejects.
   */
  withSession<T>(work: (session: Session) => Promise<T>, options?: SessionOptions): Promise<T>;
  /** The first column of the first row, or null. */
  scalar(sql: string, params?: readonly unknown[], options?: SessionOptions): Promise<unknown>;
  fetch(sql: string, params?: readonly unknown[], options?: SessionOptions): Promise<Record<string, unknown>[]>;
  /** The first row, or null. */
  fetchrow(sql: string, params?: readonly unknown[], options?: SessionOptions): Promise<Record<string, unknown> | null>;
  /** Rows affected. */
  execute(sql: string, params?: readonly unknown[], options?: SessionOptions): Promise<number>;
  /** For `nomaflow connectors test`: connects, asks the version, times a round trip. */
  describe(options?: SessionOptions): Promise<ServerDescription>;
  /** Closes every connection; the connector cannot be used after. */
  close(): Promise<void>;
}
