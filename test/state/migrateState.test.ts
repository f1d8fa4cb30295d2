/**
 * The state store's migrations against a real server: an empty database, a store left by the
 * previous nomaflow, a store written by a newer one, several migrating at once, and a role that may
 * not create the schema. Each test uses a schema of its own in this file's database.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ConfigError, ConnectorError } from "../../src/errors/nomaflowError.js";
import { VERSION } from "../../src/identity/version.js";
import { loadProject } from "../../src/project/loadProject.js";
import { migrateState, migrationLockKeys } from "../../src/state/migrateState.js";
import { LATEST_STATE_VERSION, MIGRATIONS } from "../../src/state/migrations.js";
import { openStatePool, type StatePool } from "../../src/state/statePool.js";
import { checkStateVersion } from "../../src/state/stateVersion.js";
import { createDatabase, describeWithPostgres, trackFailures, type TestDatabase } from "../support/postgres.js";
import { makeProject } from "../support/tempProject.js";

describeWithPostgres("state store migrations", () => {
  const failed = trackFailures();
  let db: TestDatabase;
  const cleanups: (() => Promise<void> | void)[] = [];
  beforeAll(async () => {
    db = await createDatabase("state_migrations");
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await db?.drop(failed());
  });

  /** A pool on this file's database for a project whose state: names `schema`, closed after the file. */
  function openStore(schema: string, url = db.url): StatePool {
    const project = makeProject({ "nomaflow.yaml": `connectors:\n  ops: { url: "${url}" }\nstate: { connector: ops, schema: ${schema} }\n` });
    const store = openStatePool(loadProject({ projectDir: project.root, cwd: project.root, processEnv: {} }));
    cleanups.push(
      () => project.remove(),
      () => store.close(),
    );
    return store;
  }

  const recorded = async (schema: string) =>
    (await db.query(`select version, name, nomaflow_version from "${schema}".migrations order by version`)).rows.map(
      (row) => `${row.version} ${row.name} (${row.nomaflow_version})`,
    );

  it("creates the schema and every table in an empty database, and records each migration once", async () => {
    const store = openStore("nomaflow");
    expect(store.describe()).toBe("schema nomaflow on ops");
    expect(await checkStateVersion(store)).toMatchObject({
      version: 0,
      ready: false,
      notReady: "the state store (schema nomaflow on ops) is not set up yet: run nomaflow state migrate",
    });
    const result = await migrateState(store);
    expect(result).toEqual({
      from: 0,
      to: LATEST_STATE_VERSION,
      applied: MIGRATIONS.map(({ version, name }) => ({ version, name })),
    });
    expect(await recorded("nomaflow")).toEqual([`1 daemons, fires and job locks (${VERSION})`, `2 run history (${VERSION})`]);
    const { rows } = await db.query("select table_name from information_schema.tables where table_schema = 'nomaflow' order by 1");
    expect(rows.map((row) => row.table_name)).toEqual(["daemons", "fires", "job_locks", "migrations", "run_events", "runs"]);
    expect(await migrateState(store)).toEqual({ from: LATEST_STATE_VERSION, to: LATEST_STATE_VERSION, applied: [] });
    expect(await checkStateVersion(store)).toEqual({ version: 2, writtenBy: VERSION, known: 2, ready: true, notReady: undefined });
  });

  it("upgrades a store the previous nomaflow made, keeping its daemons and fires", async () => {
    const store = openStore("previous");
    // What a nomaflow that knew only the first migration left behind.
    expect(await migrateState(store, { migrations: MIGRATIONS.slice(0, 1) })).toMatchObject({ from: 0, to: 1 });
    await db.query(`insert into previous.daemons (id, host, pid, version, project_revision, definitions_hash, lease_until)
      values ('d1', 'etl-1', 4242, '0.0.9', 'abc123', 'h1', clock_timestamp() + interval '20 seconds')`);
    await db.query("insert into previous.fires (job_id, scheduled_for, daemon_id, run_id) values ('nightly', '2027-01-01T02:00:00Z', 'd1', 'r1')");
    expect(await checkStateVersion(store)).toMatchObject({
      version: 1,
      ready: false,
      notReady: "the state store (schema previous on ops) is at version 1, this nomaflow needs version 2: run nomaflow state migrate",
    });

    expect(await migrateState(store)).toEqual({ from: 1, to: 2, applied: [{ version: 2, name: "run history" }] });
    expect(await recorded("previous")).toEqual([`1 daemons, fires and job locks (${VERSION})`, `2 run history (${VERSION})`]);
    expect((await db.query("select id, host, pid from previous.daemons")).rows).toEqual([{ id: "d1", host: "etl-1", pid: 4242 }]);
    expect((await db.query("select job_id, daemon_id, run_id from previous.fires")).rows).toEqual([{ job_id: "nightly", daemon_id: "d1", run_id: "r1" }]);
    expect((await db.query("select count(*)::int as n from previous.runs")).rows[0].n).toBe(0);
  });

  it("refuses a store a newer nomaflow wrote, saying which version to run, and changes nothing", async () => {
    const store = openStore("newer");
    await migrateState(store);
    await db.query("insert into newer.migrations (version, name, nomaflow_version) values (3, 'from the future', '9.4.0')");
    const message = `the state store (schema newer on ops) is at version 3, written by nomaflow 9.4.0; this nomaflow ${VERSION} knows up to version 2`;
    for (const attempt of [() => migrateState(store), () => checkStateVersion(store)]) {
      const error = await attempt().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ message, hint: "upgrade nomaflow on this host to 9.4.0 or later", exitCode: 2 });
    }
    expect((await db.query("select count(*)::int as n from newer.migrations")).rows[0].n).toBe(3);
  });

  it("lets one of several migrating at once apply each migration, the others waiting on the lock", async () => {
    const stores = [openStore("together"), openStore("together"), openStore("together")];
    // Hold the lock first, so that all three are waiting together before any can start.
    const [lockClass, lockKey] = migrationLockKeys("together");
    await db.query("select pg_advisory_lock($1, $2)", [lockClass, lockKey]);
    const results = Promise.all(stores.map((store) => migrateState(store)));
    const waiting = async () =>
      (
        await db.query(
          "select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())",
        )
      ).rows[0].n;
    for (let tries = 0; (await waiting()) < 3; tries++) {
      if (tries > 200) throw new Error("the three migrations never all waited on the lock");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await db.query("select pg_advisory_unlock($1, $2)", [lockClass, lockKey]);
    const applied = (await results).map((result) => result.applied.map((migration) => migration.version));
    expect(applied.sort((a, b) => b.length - a.length)).toEqual([[1, 2], [], []]);
    expect(await recorded("together")).toHaveLength(2);
  });

  it("rolls a failing migration back whole, leaving the store at the version before", async () => {
    const store = openStore("halfway");
    await migrateState(store, { upTo: 1 });
    await db.query("create table halfway.run_events (note text)");
    const error = await migrateState(store).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as Error).message).toBe(
      'connector ops: state store (schema halfway on ops): migration 2 (run history) failed: relation "run_events" already exists',
    );
    expect(await checkStateVersion(store)).toMatchObject({ version: 1, ready: false });
    // The runs table of the same migration was rolled back with it.
    expect((await db.query("select to_regclass('halfway.runs') as runs")).rows[0].runs).toBeNull();
  });

  it("keeps stores in two schemas of one database apart", async () => {
    const [first, second] = [openStore("alpha"), openStore("beta")];
    expect(migrationLockKeys("alpha")).not.toEqual(migrationLockKeys("beta"));
    await migrateState(first);
    expect(await checkStateVersion(second)).toMatchObject({ version: 0, ready: false });
    expect((await migrateState(second)).applied).toHaveLength(2);
  });

  it("bounds every statement of the pool and names itself in pg_stat_activity", async () => {
    const store = openStore("settings");
    const { rows } = await store.pool.query("select current_setting('statement_timeout') as timeout, current_setting('application_name') as name");
    expect(rows[0]).toEqual({ timeout: "15s", name: "nomaflow" });
    expect(store.schema).toBe('"settings"');
  });

  it("says which connector and host:port it cannot reach, never the password", async () => {
    const store = openStore("unreachable", "postgres://nomaflow:s3cret-pw@127.0.0.1:1/ops");
    const error = await migrateState(store).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).message).toBe("connector ops: connection refused by 127.0.0.1:1 (is the server running and listening there?)");
    expect((error as ConnectorError).hint).toBe(
      "ops holds the state store (state.connector in nomaflow.yaml): every daemon and command of this project must reach it",
    );
    expect(JSON.stringify({ message: (error as Error).message, hint: (error as ConnectorError).hint })).not.toContain("s3cret");
    await expect(checkStateVersion(store)).rejects.toThrow("connector ops: connection refused by 127.0.0.1:1");
  });

  it("tells a role that may not create the schema what it needs, and uses a schema a DBA made for it", async () => {
    const role = `nomaflow_daemon_${randomBytes(4).toString("hex")}`;
    await db.query(`create role ${role} login`);
    cleanups.push(async () => {
      await db.query(`drop owned by ${role}`);
      await db.query(`drop role ${role}`);
    });
    await db.query(`revoke create on database "${db.name}" from public`);
    const url = new URL(db.url);
    url.username = role;
    const store = openStore("restricted", url.toString());
    const error = await migrateState(store).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).message).toBe(
      `connector ops: state store (schema restricted on ops): creating the schema failed: permission denied for database ${db.name}`,
    );
    expect((error as ConnectorError).hint).toMatch(/^the role of connector ops needs CREATE on the database/);

    await db.query(`create schema restricted authorization ${role}`);
    expect((await migrateState(store)).applied).toHaveLength(2);
    expect((await db.query("select nspname from pg_namespace n join pg_roles r on r.oid = n.nspowner where rolname = $1", [role])).rows).toEqual([
      { nspname: "restricted" },
    ]);
  });
});
