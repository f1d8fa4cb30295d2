/**
 * A state store's tables in a test database: the schema created and every migration of
 * src/state/migrations.ts applied, each in its own transaction (as the daemon does, without its
 * advisory lock: a test file has its database to itself).
 */
import pg from "pg";
import { MIGRATIONS } from "../../src/state/migrations.js";
import { quoteIdentifier } from "../../src/sql/quoteSql.js";

/** Creates `schema` on the database at `url` and applies the migrations up to `upTo` (default: all). */
export async function applyStateMigrations(url: string, schema = "nomaflow", upTo = Number.POSITIVE_INFINITY): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const quoted = quoteIdentifier(schema);
    await client.query(`create schema if not exists ${quoted}`);
    await client.query(`create table if not exists ${quoted}.migrations (version integer primary key, name text not null, nomaflow_version text not null,
      applied_at timestamptz not null default clock_timestamp())`);
    for (const migration of MIGRATIONS) {
      if (migration.version > upTo) break;
      await client.query("begin");
      try {
        await client.query(migration.sql(quoted));
        await client.query(`insert into ${quoted}.migrations (version, name, nomaflow_version) values ($1, $2, 'test')`, [migration.version, migration.name]);
        await client.query("commit");
      } catch (error) {
        await client.query("rollback");
        throw error;
      }
    }
  } finally {
    await client.end();
  }
}
