/**
 * Brings a state store's tables up to this nomaflow's version: the schema created when missing,
 * then each migration not yet recorded, in order, each in a transaction of its own with its row in
 * `<schema>.migrations`. Daemons starting together and `nomaflow state migrate` may all call this
 * at once: an advisory lock, keyed by the schema's name, lets one migrate while the others wait
 * and then find nothing left to do.
 */
import { createHash } from "node:crypto";
import type pg from "pg";
import { ConnectorError, NomaflowError } from "../errors/nomaflowError.js";
import { VERSION } from "../identity/version.js";
import { MIGRATIONS, type Migration } from "./migrations.js";
import type { StatePool } from "./statePool.js";
import { readRecordedVersion, refuseNewerStore } from "./stateVersion.js";

/** The first key of every advisory lock Nomaflow takes ("noma"), so they stay apart from an application's own. */
const LOCK_CLASS = 0x6e6f6d61;
/**
 * How long the migrating session's statements may take, waiting for the lock included: far above
 * the pool's 15 s, since an upgrade may build an index over a long history, yet not forever.
 */
const MIGRATION_TIMEOUT_MINUTES = 10;

export interface MigrationResult {
  /** The version found before. */
  from: number;
  /** The version now. */
  to: number;
  /** What this call applied, in order; empty when the store was up to date (or another process just did it). */
  applied: { version: number; name: string }[];
}

export interface MigrateOptions {
  /** Stop after this version (tests set up an older store). @default the newest */
  upTo?: number;
  /** @default MIGRATIONS */
  migrations?: readonly Migration[];
}

/** The lock's second key: the schema's name hashed, so stores in two schemas of one database migrate independently. */
export function migrationLockKeys(schemaName: string): [number, number] {
  return [LOCK_CLASS, createHash("sha256").update(`state:${schemaName}`).digest().readInt32BE(0)];
}

export async function migrateState(store: StatePool, options: MigrateOptions = {}): Promise<MigrationResult> {
  const migrations = options.migrations ?? MIGRATIONS;
  const known = migrations.at(-1)?.version ?? 0;
  const upTo = Math.min(options.upTo ?? known, known);
  let client: pg.PoolClient;
  try {
    client = await store.pool.connect();
  } catch (error) {
    throw store.failure(error);
  }
  const [lockClass, lockKey] = migrationLockKeys(store.schemaName);
  let locked = false;
  try {
    await client.query(`set statement_timeout = '${MIGRATION_TIMEOUT_MINUTES}min'`);
    await client.query("select pg_advisory_lock($1, $2)", [lockClass, lockKey]).catch((error: unknown) => {
      throw (error as { code?: unknown }).code === "57014"
        ? new ConnectorError(store.connectorName, `waited ${MIGRATION_TIMEOUT_MINUTES} minutes for the migration lock of ${store.describe()}`, {
            cause: error,
            hint: "another nomaflow (a daemon starting, or nomaflow state migrate) holds it: look for application_name nomaflow in pg_stat_activity",
          })
        : error;
    });
    locked = true;
    const recorded = await readRecordedVersion(store, client);
    refuseNewerStore(store, recorded, known);
    if (recorded.version === 0) await createSchema(store, client);
    const applied: MigrationResult["applied"] = [];
    for (const migration of migrations) {
      if (migration.version <= recorded.version || migration.version > upTo) continue;
      await applyMigration(store, client, migration);
      applied.push({ version: migration.version, name: migration.name });
    }
    return { from: recorded.version, to: applied.at(-1)?.version ?? recorded.version, applied };
  } catch (error) {
    throw error instanceof NomaflowError ? error : store.failure(error);
  } finally {
    if (locked) await client.query("select pg_advisory_unlock($1, $2)", [lockClass, lockKey]).catch(() => {});
    // The session's own statement_timeout goes with it: never handed back to the pool. Ending
    // the session also releases the lock if the unlock above could not be sent.
    client.release(true);
  }
}

/**
 * The schema and its migrations table. A schema a DBA made beforehand is used as it is: `create
 * schema` is not even tried, since it needs CREATE on the database, which the daemons' role may lack.
 */
async function createSchema(store: StatePool, client: pg.PoolClient): Promise<void> {
  await inTransaction(store, client, "creating the schema", async () => {
    const { rows } = await client.query("select 1 from pg_namespace where nspname = $1", [store.schemaName]);
    if (rows.length === 0) await client.query(`create schema if not exists ${store.schema}`);
    await client.query(`create table if not exists ${store.schema}.migrations (
      version integer primary key,
      name text not null,
      nomaflow_version text not null,
      applied_at timestamptz not null default now()
    )`);
  });
}

async function applyMigration(store: StatePool, client: pg.PoolClient, migration: Migration): Promise<void> {
  await inTransaction(store, client, `migration ${migration.version} (${migration.name})`, async () => {
    await client.query(migration.sql(store.schema));
    await client.query(`insert into ${store.schema}.migrations (version, name, nomaflow_version) values ($1, $2, $3)`, [
      migration.version,
      migration.name,
      VERSION,
    ]);
  });
}

/** `work` in a transaction, rolled back on failure; a failure names what was being done. */
async function inTransaction(store: StatePool, client: pg.PoolClient, doing: string, work: () => Promise<void>): Promise<void> {
  await client.query("begin");
  try {
    await work();
    await client.query("commit");
  } catch (error) {
    await client.query("rollback").catch(() => {});
    const failure = store.failure(error);
    const reason = failure.message.replace(/^connector \S+: /, "");
    throw new ConnectorError(store.connectorName, `state store (${store.describe()}): ${doing} failed: ${reason}`, {
      cause: error,
      hint: permissionDenied(error)
        ? `the role of connector ${store.connectorName} needs CREATE on the database (or on schema ${store.schemaName} if a DBA created it); or run nomaflow state migrate once as a role that has it`
        : failure.hint,
    });
  }
}

const permissionDenied = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === "42501";
