/**
 * Real PostgreSQL for tests (README, for contributors): NOMAFLOW_TEST_PG_URL names a server; each
 * test file makes its own databases and drops them, or keeps them when a test failed
 * (trackFailures). Without the variable the file's tests are skipped with one visible line; with
 * NOMAFLOW_REQUIRE_PG=1 a missing server is a failure.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { beforeEach, describe } from "vitest";

export const PG_URL = process.env.NOMAFLOW_TEST_PG_URL;
const REQUIRED = process.env.NOMAFLOW_REQUIRE_PG === "1";

if (!PG_URL && REQUIRED) throw new Error("NOMAFLOW_REQUIRE_PG=1 but NOMAFLOW_TEST_PG_URL is not set");

/** `describe` that runs only with a PostgreSQL server, saying so once when it does not. */
export function describeWithPostgres(name: string, body: () => void): void {
  if (!PG_URL) {
    console.log(`skipped (no PostgreSQL: set NOMAFLOW_TEST_PG_URL to run): ${name}`);
    describe.skip(name, body);
    return;
  }
  describe(name, body);
}

/** A URL for another database on the same server. */
export function databaseUrl(database: string): string {
  const url = new URL(PG_URL!);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * Call in a suite's body: notes whether a test of the suite failed, so its afterAll can keep the
 * database (or folder) as evidence — `db.drop(failed())`.
 */
export function trackFailures(): () => boolean {
  let failed = false;
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      failed = true;
    });
  });
  return () => failed;
}

export interface TestDatabase {
  name: string;
  url: string;
  /** A plain pg client on it, for setting up and checking. */
  query(sql: string, params?: unknown[]): Promise<pg.QueryResult>;
  /**
   * Closes the helper client and drops the database — unless `keep` (a test failed, see
   * trackFailures): then the database is kept as evidence and its name printed.
   */
  drop(keep?: boolean): Promise<void>;
}

/** Creates a fresh database named after `label`; drop() closes the helper client and drops it. */
export async function createDatabase(label: string): Promise<TestDatabase> {
  const name = `nomaflow_test_${label.replace(/[^a-z0-9_]/gi, "_").toLowerCase()}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = databaseUrl(name);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    name,
    url,
    query: (sql, params) => client.query(sql, params),
    drop: async (keep = false) => {
      await client.end().catch(() => {});
      if (keep) {
        console.log(`kept database ${name} of a failed test, as evidence (drop it with: dropdb ${name})`);
        return;
      }
      const dropper = new pg.Client({ connectionString: PG_URL });
      await dropper.connect();
      try {
        await dropper.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

/**
 * Nomaflow's sessions on `database` (application_name like `pattern`) still there after up to 2 s:
 * a cancelled statement's backend shows its last query, idle, until its closing client is gone,
 * while one that was abandoned instead of cancelled keeps running far longer.
 */
export async function sessionsLeft(database: TestDatabase, pattern = "nomaflow:%"): Promise<{ state: string; query: string }[]> {
  const deadline = Date.now() + 2_000;
  for (;;) {
    const { rows } = await database.query("select state, query from pg_stat_activity where datname = $1 and application_name like $2", [
      database.name,
      pattern,
    ]);
    if (rows.length === 0 || Date.now() > deadline) return rows as { state: string; query: string }[];
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
