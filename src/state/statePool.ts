/**
 * The connections to the state store: a small `pg` pool of its own on the server `state.connector`
 * names, apart from the connectors' pools that steps use, so that a busy step never delays a lease
 * renewal. Statements are short and bounded; a server that stops answering fails them in seconds
 * rather than leaving a daemon waiting on a lease it no longer holds.
 */
import pg from "pg";
import { describeDatabaseError } from "../connectors/connectionErrors.js";
import { connectorUrl } from "../connectors/connectorUrl.js";
import { pgTypes } from "../connectors/typeParsers.js";
import { ConfigError, ConnectorError } from "../errors/nomaflowError.js";
import type { Project } from "../project/loadProject.js";
import { stateConnectorProblem } from "../project/stateConfig.js";
import { quoteIdentifier } from "../sql/quoteSql.js";

/** Connections at most: a heartbeat, a claim and a history write may overlap, no more. @default 3 */
const MAX_CONNECTIONS = 3;
const CONNECT_TIMEOUT_MS = 5_000;
/** No statement of the store's takes longer; a hung server fails it instead of stalling the daemon. */
const STATEMENT_TIMEOUT_MS = 15_000;
const IDLE_TIMEOUT_MS = 30_000;

/** Where the store's server is, for messages: never the password. */
export interface StateServer {
  host: string;
  port: number;
  database: string | undefined;
  user: string | undefined;
}

export interface StatePool {
  readonly pool: pg.Pool;
  /** The schema, quoted for SQL text: `"nomaflow"`. */
  readonly schema: string;
  readonly schemaName: string;
  readonly connectorName: string;
  readonly server: StateServer;
  /** `schema nomaflow on ops-db`, as messages name the store. */
  describe(): string;
  /** A failure of a statement or a connection in the user's terms: the connector, host:port, the reason. */
  failure(error: unknown): ConnectorError;
  /** Ends every connection; the pool is not used after. */
  close(): Promise<void>;
}

export interface StatePoolOptions {
  /** Shown in pg_stat_activity. @default "nomaflow" */
  applicationName?: string;
  /** Give up connecting after this (a `connect_timeout` in the URL wins). @default 5000 */
  connectTimeoutMs?: number;
  /** @default 3 */
  max?: number;
}

/**
 * Opens the pool of the store of a project with `state:` (connections are made on first use).
 * Throws a ConfigError when the project has no `state:` or its connector cannot hold the store,
 * a ConnectorError when the connector's URL cannot be resolved.
 */
export function openStatePool(project: Pick<Project, "config" | "environment">, options: StatePoolOptions = {}): StatePool {
  const state = project.config.state;
  if (!state) throw new ConfigError("nomaflow.yaml has no state: section", { hint: "add state: { connector: NAME } naming a PostgreSQL connector" });
  const problem = stateConnectorProblem(state, project.config.connectors, project.environment);
  if (problem) throw new ConfigError(problem.message, { hint: problem.hint });
  const connectorName = state.connector;
  const url = connectorUrl(project.config.connectors.get(connectorName)!, project.environment);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    // The URL itself may hold a password: only its scheme is safe to show, and that is not the problem.
    throw new ConnectorError(connectorName, "url is not a valid postgres:// URL", { cause: error });
  }
  const server: StateServer = {
    host: parsed.hostname || parsed.searchParams.get("host") || "localhost",
    port: Number(parsed.port || parsed.searchParams.get("port") || 5432),
    database: decodeURIComponent(parsed.pathname.slice(1)) || undefined,
    user: decodeURIComponent(parsed.username) || undefined,
  };
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? MAX_CONNECTIONS,
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
    // libpq's connect_timeout in the URL wins over ours, as for connectors.
    connectionTimeoutMillis: parsed.searchParams.has("connect_timeout")
      ? Number(parsed.searchParams.get("connect_timeout")) * 1000
      : (options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS),
    statement_timeout: STATEMENT_TIMEOUT_MS,
    // A dead peer behind a silent network is found by TCP keepalives rather than never.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: options.applicationName ?? "nomaflow",
    types: pgTypes,
  });
  // A connection's death surfaces as the failure of the statement on it; the event itself, which
  // can come while the connection is idle in the pool, must never crash the process.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  const schemaName = state.schema;
  let closed: Promise<void> | undefined;
  return {
    pool,
    schema: quoteIdentifier(schemaName),
    schemaName,
    connectorName,
    server,
    describe: () => `schema ${schemaName} on ${connectorName}`,
    failure: (error) =>
      error instanceof ConnectorError
        ? error
        : new ConnectorError(connectorName, describeDatabaseError(error, server), {
            cause: error,
            hint: `${connectorName} holds the state store (state.connector in nomaflow.yaml): every daemon and command of this project must reach it`,
          }),
    close: () => (closed ??= pool.end()),
  };
}
