/**
 * PostgreSQL servers through `pg`: a pool per connector, sessions that can be cancelled on the
 * server, and COPY streamed off and onto the socket (copyOutReader.ts, copyInWriter.ts) so memory
 * stays bounded and a row costs next to nothing on its way through.
 */
import pg from "pg";
import { ConnectorError } from "../../errors/nomaflowError.js";
import { defaultOf } from "../../schema/common.js";
import { ConnectorPool } from "../../schema/configSchema.js";
import type { Connector, CopyOutStream, QueryField, QueryResult, Session, SessionOptions } from "../connector.js";
import { connectorError } from "../connectionErrors.js";
import { connectorQueries } from "../connectorQueries.js";
import { copyInSql, copyOutSql } from "../copySql.js";
import { pgTypes } from "../typeParsers.js";
import { CopyInWriter } from "./copyInWriter.js";
import { CopyOutReader } from "./copyOutReader.js";

const CONNECT_TIMEOUT_MS = 10_000;

/** A statement that is a COMMIT and nothing else (`commit`, `END`, `COMMIT WORK;`, …). */
const LONE_COMMIT = /^\s*(?:commit|end)(?:\s+(?:work|transaction))?\s*;?\s*$/i;
const fieldOf = (field: pg.FieldDef): QueryField => ({
  name: field.name,
  dataTypeId: field.dataTypeID,
  typeModifier: field.dataTypeModifier,
  tableId: field.tableID,
  columnId: field.columnID,
});

function toResult(results: pg.QueryResult | pg.QueryResult[]): QueryResult {
  // Several statements in one text (simple protocol) answer with one result each: the last
  // one's rows, every statement's row count.
  if (Array.isArray(results)) {
    const last = results.at(-1);
    return {
      rows: (last?.rows ?? []) as Record<string, unknown>[],
      rowCount: results.reduce((total, result) => total + (result.rowCount ?? 0), 0),
      fields: (last?.fields ?? []).map(fieldOf),
    };
  }
  const result = results;
  return {
    rows: result.rows as Record<string, unknown>[],
    rowCount: result.rowCount ?? 0,
    fields: result.fields.map(fieldOf),
  };
}

export function openPostgresConnector(name: string, url: string, settings: ConnectorPool = {}): Connector {
  const parsed = new URL(url);
  const where = {
    host: parsed.hostname || "localhost",
    port: Number(parsed.port || 5432),
    database: decodeURIComponent(parsed.pathname.slice(1)) || undefined,
    user: decodeURIComponent(parsed.username) || undefined,
  };
  const pool = new pg.Pool({
    connectionString: url,
    max: settings.max ?? defaultOf(ConnectorPool.properties.max),
    idleTimeoutMillis: (settings.idle_timeout_seconds ?? defaultOf(ConnectorPool.properties.idle_timeout_seconds)) * 1000,
    // libpq's connect_timeout in the URL wins over our default.
    connectionTimeoutMillis: parsed.searchParams.has("connect_timeout") ? Number(parsed.searchParams.get("connect_timeout")) * 1000 : CONNECT_TIMEOUT_MS,
    types: pgTypes,
  });
  // A connection's death (server restart, an administrator's pg_terminate_backend) surfaces as the
  // failure of whatever statement it was running; the event itself, which can come after a
  // session ended, must never crash the process.
  pool.on("error", () => {});
  pool.on("connect", (client) => {
    client.on("error", () => {});
    // A client is ended by writing Terminate and closing its half of the socket; pg then waits for
    // the server's half, i.e. for the server process to exit: ~20 ms after a big copy (its memory
    // given back), at the end of every run. Closed at once instead, as psql does; the server reads
    // the Terminate all the same.
    const socket = client.connection.stream;
    socket.once("finish", () => socket.destroy());
  });
  const applicationNames = new WeakMap<pg.PoolClient, string>();
  let closed = false;

  const cancelledBy = (signal: AbortSignal) =>
    new ConnectorError(name, `cancelled: ${(signal.reason as Error | undefined)?.message ?? "aborted"}`, { cause: signal.reason });

  /** Cancels the statement a backend is running, from a connection of its own. */
  async function cancelBackend(pid: number): Promise<void> {
    const canceller = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    try {
      await canceller.connect();
      await canceller.query("select pg_cancel_backend($1)", [pid]);
    } catch {
      // Best effort: the session is destroyed after, which ends the statement anyway.
    } finally {
      await canceller.end().catch(() => {});
    }
  }

  async function withSession<T>(work: (session: Session) => Promise<T>, options: SessionOptions = {}): Promise<T> {
    if (closed) throw new ConnectorError(name, "the connector is closed");
    const { signal, applicationName } = options;
    if (signal?.aborted) throw new ConnectorError(name, "cancelled before connecting", { cause: signal.reason });
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw connectorError(name, error, where);
    }
    const name_ = applicationName ?? "nomaflow";
    const backendPid = (client as pg.PoolClient & { processID?: number }).processID;
    let broken = false;
    let cancelled: Promise<void> | undefined;
    // A connection that dies mid-session (terminated by an administrator, server restart) also
    // fails the statement running on it; the event itself must not crash the process.
    const onConnectionError = () => {
      broken = true;
    };
    client.on("error", onConnectionError);
    // A COMMIT once sent is not cancelled: its result is the outcome (the rows may already be
    // durable), and a cancelled COMMIT would leave the step unsure whether its work landed.
    let committing = false;
    const cancel = () => {
      if (backendPid !== undefined) cancelled = cancelBackend(backendPid);
    };
    const onAbort = () => {
      broken = true;
      if (!committing) cancel();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      if (applicationNames.get(client) !== name_) {
        await client.query("select set_config('application_name', $1, false)", [name_]);
        applicationNames.set(client, name_);
      }
      const session: Session = {
        backendPid,
        query: async (sql, params) => {
          // Nothing more is sent once the signal fired; a transaction not yet committed is
          // rolled back when the session is closed.
          if (signal?.aborted) throw cancelledBy(signal);
          committing = LONE_COMMIT.test(sql);
          try {
            return toResult((await client.query(sql, params as unknown[] | undefined)) as pg.QueryResult | pg.QueryResult[]);
          } catch (error) {
            throw connectorError(name, error, where);
          } finally {
            committing = false;
          }
        },
        copyOut: (copy) => {
          const reader = new CopyOutReader(copyOutSql(copy, "STDOUT"), copy.format);
          return {
            get rows() {
              return reader.rows;
            },
            // The statement is sent when the first chunk is asked for.
            async *[Symbol.asyncIterator]() {
              client.query(reader);
              let ended = false;
              try {
                yield* reader;
                ended = true;
              } catch (error) {
                throw connectorError(name, error, where);
              } finally {
                // Stopped early, the connection is closed under the session: not one to reuse.
                if (!ended) broken = true;
              }
            },
          } satisfies CopyOutStream;
        },
        copyIn: async (copy, data) => {
          const writer = new CopyInWriter(copyInSql(copy, "STDIN"), data);
          client.query(writer);
          try {
            return await writer.done;
          } catch (error) {
            throw connectorError(name, error, where);
          }
        },
      };
      return await work(session);
    } catch (error) {
      broken = true;
      if (signal?.aborted) {
        await cancelled;
        throw cancelledBy(signal);
      }
      throw error;
    } finally {
      signal?.removeEventListener("abort", onAbort);
      client.off("error", onConnectionError);
      // A session that failed mid-statement, or that was left inside a transaction, is closed
      // rather than handed to the next user (closing it rolls the transaction back).
      const idle = (client as pg.PoolClient & { getTransactionStatus?: () => string | null }).getTransactionStatus?.() === "I";
      client.release(broken || !idle ? true : undefined);
    }
  }

  return {
    name,
    kind: "postgres",
    withSession,
    ...connectorQueries(withSession),
    close: async () => {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
