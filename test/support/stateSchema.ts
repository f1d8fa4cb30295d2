/**
 * A state store's tables in a test database, made as the daemon makes them: `migrateState` (the
 * schema created, each migration of src/state/migrations.ts in its own transaction, under the
 * migration lock), on a pool of its own closed at the end.
 */
import pg from "pg";
import { ConnectorError } from "../../src/errors/nomaflowError.js";
import { migrateState } from "../../src/state/migrateState.js";
import type { StatePool } from "../../src/state/statePool.js";
import { quoteIdentifier } from "../../src/sql/quoteSql.js";

/** Creates `schema` on the database at `url` and applies the migrations up to `upTo` (default: all). */
export async function applyStateMigrations(url: string, schema = "nomaflow", upTo?: number): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const store: StatePool = {
    pool,
    schema: quoteIdentifier(schema),
    schemaName: schema,
    connectorName: "test-store",
    server: { host: "127.0.0.1", port: 5432, database: undefined, user: undefined },
    describe: () => `schema ${schema} of the test database`,
    failure: (error) => new ConnectorError("test-store", error instanceof Error ? error.message : String(error), { cause: error }),
    close: () => pool.end(),
  };
  try {
    await migrateState(store, { upTo });
  } finally {
    await store.close();
  }
}
