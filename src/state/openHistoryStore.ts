/**
 * The state store as the run-history commands use it: a small pool on the `state.connector`'s
 * server, and whether the store holds run history this nomaflow can read.
 *
 * STAND-IN until `statePool.ts` and `migrateState.ts` are merged (issue 17): the lead wires
 * `openHistoryStore` to the shared pool and `historyStoreProblem` to the migrations' version
 * check. Callers only need a pg.Pool and the quoted schema.
 */
import pg from "pg";
import { connectorTarget, connectorUrl } from "../connectors/connectorUrl.js";
import { ConfigError } from "../errors/nomaflowError.js";
import { VERSION } from "../identity/version.js";
import type { Project } from "../project/loadProject.js";
import { quoteIdentifier } from "../sql/quoteSql.js";
import { LATEST_STATE_VERSION } from "./migrations.js";
import type { StateSettings } from "./stateSettings.js";
import type { HistoryStore } from "./storedRunRow.js";

/** The first migration that holds run history (`runs`, `run_events`). */
const HISTORY_VERSION = 2;

export interface OpenedHistoryStore extends HistoryStore {
  /** The connector's name, for messages. */
  connector: string;
  /** The schema's name as written in nomaflow.yaml, for messages. */
  schemaName: string;
  /** Where the pool connects, for messages (no password). */
  target: { host: string; port: number; database?: string; user?: string };
  close(): Promise<void>;
}

export interface OpenHistoryStoreOptions {
  /** Fail a connection attempt after this. @default 5000 */
  connectTimeoutMs?: number;
  /** @default 2 */
  maxConnections?: number;
}

/**
 * A pool on the store. Nothing connects yet.
 * @throws ConfigError when the connector is not defined, or is not a PostgreSQL server.
 */
export function openHistoryStore(
  project: Pick<Project, "config" | "environment">,
  settings: StateSettings,
  options: OpenHistoryStoreOptions = {},
): OpenedHistoryStore {
  const config = project.config.connectors.get(settings.connector);
  if (!config) {
    throw new ConfigError(`state.connector ${settings.connector} is not a connector of this project`, {
      hint: "name one of the connectors: in nomaflow.yaml (a postgres:// URL every daemon reaches)",
    });
  }
  const url = connectorUrl(config, project.environment);
  if (connectorTarget(url)?.kind !== "postgres") {
    throw new ConfigError(`state.connector ${settings.connector} must be a PostgreSQL server every daemon reaches; its URL is not postgres://`, {
      hint: "pglite: is one process's file: give the state store a postgres:// connector",
    });
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 2,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    idleTimeoutMillis: 10_000,
    application_name: "nomaflow:history",
  });
  // An idle connection the server drops is an 'error' on the pool; the next query reconnects.
  pool.on("error", () => {});
  const parsed = new URL(url);
  const target = {
    host: parsed.hostname || "localhost",
    port: Number(parsed.port || 5432),
    database: decodeURIComponent(parsed.pathname.slice(1)) || undefined,
    user: decodeURIComponent(parsed.username) || undefined,
  };
  return { pool, schema: quoteIdentifier(settings.schema), connector: settings.connector, schemaName: settings.schema, target, close: () => pool.end() };
}

/**
 * Why the store cannot give run history (not migrated yet, or only partly), or undefined when it
 * can. Connection failures reject, as the driver's errors.
 * @throws ConfigError when the store was migrated by a newer nomaflow than this one.
 */
export async function historyStoreProblem(store: OpenedHistoryStore): Promise<string | undefined> {
  const where = `the state store (schema ${store.schemaName} on ${store.connector})`;
  const { rows } = await store.pool.query<{ exists: boolean }>("select to_regclass($1) is not null as exists", [`${store.schema}.migrations`]);
  if (rows[0]?.exists !== true) return `${where} is not set up yet (run nomaflow state migrate)`;
  const newest = await store.pool.query<{ version: number; nomaflow_version: string }>(
    `select version, nomaflow_version from ${store.schema}.migrations order by version desc limit 1`,
  );
  const version = newest.rows[0]?.version ?? 0;
  if (version > LATEST_STATE_VERSION) {
    const by = newest.rows[0]!.nomaflow_version;
    throw new ConfigError(
      `${where} is at version ${version}, written by nomaflow ${by}; this nomaflow ${VERSION} knows up to version ${LATEST_STATE_VERSION}`,
      {
        hint: `upgrade nomaflow on this host to ${by} or later`,
      },
    );
  }
  if (version < HISTORY_VERSION) return `${where} is at version ${version}, before run history (run nomaflow state migrate)`;
  return undefined;
}
