/**
 * sql_copy when things go wrong: the source backend killed mid-copy, an unreachable target, a
 * permission refused, a timeout. Each fails with a plain error, leaves the target as it was and
 * no stash behind, and (where another try can help) the retry succeeds.
 */
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { stashName } from "../../../src/step-types/sql_copy/overwrite/stashTable.js";
import { createDatabase, describeWithPostgres, trackFailures, PG_URL, sessionsLeft, type TestDatabase } from "../../support/postgres.js";
import { runJobIn } from "../../support/runProject.js";
import { makeProject } from "../../support/tempProject.js";

describeWithPostgres("sql_copy faults", () => {
  const failed = trackFailures();
  let ops: TestDatabase;
  let reporting: TestDatabase;
  const cleanups: Array<() => unknown> = [];
  const role = `nomaflow_reader_${Math.random().toString(36).slice(2, 8)}`;

  beforeAll(async () => {
    ops = await createDatabase("faults_ops");
    reporting = await createDatabase("faults_reporting");
    // Wide rows, so the copy takes long enough to be interrupted mid-way.
    await ops.query("create table public.big (id int primary key, payload text)");
    await ops.query("insert into public.big select g, repeat(md5(g::text), 20) from generate_series(1, 200000) g");
    await reporting.query(
      "create schema reporting; create table reporting.big (id int primary key, payload text); insert into reporting.big values (-1, 'yesterday')",
    );
    await ops.query(`create role ${role} login; create table public.secret (id int); revoke all on public.secret from public`);
  });
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
    await ops?.drop(failed());
    await reporting?.drop(failed());
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`drop role if exists ${role}`);
    await admin.end();
  });

  function project(steps: string, connectors?: string): string {
    const made = makeProject({
      "nomaflow.yaml": connectors ?? `connectors:\n  ops-db: { url: "${ops.url}" }\n  reporting-db: { url: "${reporting.url}" }\n`,
      "jobs/copy.yaml": `id: copy\n${steps}`,
    });
    cleanups.push(made.remove);
    return made.root;
  }

  const bigCopy = `  - name: big\n    type: sql_copy\n    source: { connector: ops-db, table: big }\n    target: { connector: reporting-db, schema: reporting, table: big }\n    mode: overwrite\n    batch_size: 20000\n`;

  async function targetUntouched() {
    expect((await reporting.query("select id, payload from reporting.big")).rows).toEqual([{ id: -1, payload: "yesterday" }]);
    const stashes = await reporting.query("select relname from pg_class where relname like '%nomaflow%'");
    expect(stashes.rows).toEqual([]);
  }

  it("source backend killed mid-copy: the try fails, the target is unchanged, no stash is left, the retry succeeds", async () => {
    let killed = false;
    const run = await runJobIn(project(`retry: { attempts: 2, base_seconds: 0 }\nsteps:\n${bigCopy}`), "copy", {
      onEvent: (event) => {
        if (event.event === "step_progress" && !killed) {
          killed = true;
          void ops.query("select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and application_name = 'nomaflow:copy:big'", [ops.name]);
        }
      },
      sleep: async () => {
        // Between the two tries: the failed one left nothing behind.
        await targetUntouched();
      },
    });
    expect(killed).toBe(true);
    const failures = run.events.filter((event) => event.event === "step_attempt_failed");
    expect(failures).toHaveLength(1);
    expect((failures[0] as { error: string }).error).toMatch(/terminat|connection|lost/i);
    expect(run.result.status).toBe("succeeded");
    expect(Number((await reporting.query("select count(*) from reporting.big")).rows[0].count)).toBe(200000);
  });

  it("a timeout cancels both servers' queries: nothing of ours is still running afterwards", async () => {
    await reporting.query("truncate reporting.big; insert into reporting.big values (-1, 'yesterday')");
    const run = await runJobIn(project(`steps:\n${bigCopy.replace("batch_size: 20000", "batch_size: 20000\n    timeout: 300ms")}`), "copy");
    expect(run.error("big")).toBe("timed out after 300 ms");
    for (const database of [ops, reporting]) expect(await sessionsLeft(database)).toEqual([]);
    await targetUntouched();
  });

  it("an unreachable target is one clear error naming the connector", async () => {
    const root = project(
      `steps:\n${bigCopy}`,
      `connectors:\n  ops-db: { url: "${ops.url}" }\n  reporting-db: { url: "postgres://postgres@127.0.0.1:1/reporting" }\n`,
    );
    const run = await runJobIn(root, "copy");
    expect(run.error("big")).toBe(
      "connector reporting-db: connection refused by 127.0.0.1:1 (is the server running and listening there?) (copying public.big on ops-db to reporting.big on reporting-db)",
    );
  });

  it("permission denied on the source names the table and is not retried", async () => {
    const url = new URL(ops.url);
    url.username = role;
    const root = project(
      `retry: { attempts: 3, base_seconds: 0 }\nsteps:\n  - name: secret\n    type: sql_copy\n    source: { connector: ops-db, table: secret }\n    target: { connector: reporting-db, schema: reporting, table: secret }\n    mode: overwrite\n`,
      `connectors:\n  ops-db: { url: "${url.toString()}" }\n  reporting-db: { url: "${reporting.url}" }\n`,
    );
    const run = await runJobIn(root, "copy");
    expect(run.error("secret")).toBe(
      "connector ops-db: permission denied for table secret (copying public.secret on ops-db to reporting.secret on reporting-db)",
    );
    expect(run.events.filter((event) => event.event === "step_started")).toHaveLength(1);
  });
});

describeWithPostgres("sql_copy: one writer per target, and leftovers of killed runs", () => {
  const failed = trackFailures();
  let ops: TestDatabase;
  let reporting: TestDatabase;
  let remove = () => {};

  beforeAll(async () => {
    ops = await createDatabase("writers_ops");
    reporting = await createDatabase("writers_reporting");
    await ops.query("create table public.items (id int primary key, payload text)");
    await ops.query("insert into public.items select g, repeat(md5(g::text), 10) from generate_series(1, 100000) g");
    await reporting.query("create schema reporting; create table reporting.items (id int primary key, payload text)");
  });
  afterAll(async () => {
    remove();
    await ops?.drop(failed());
    await reporting?.drop(failed());
  });

  function project(): string {
    const made = makeProject({
      "nomaflow.yaml": `connectors:\n  ops-db: { url: "${ops.url}" }\n  reporting-db: { url: "${reporting.url}" }\n`,
      "jobs/a.yaml": `id: a\nsteps:\n  - { name: items, type: sql_copy, source: { connector: ops-db, table: items }, target: { connector: reporting-db, schema: reporting, table: items }, mode: overwrite }\n`,
      "jobs/b.yaml": `id: b\nsteps:\n  - { name: items, type: sql_copy, source: { connector: ops-db, table: items }, target: { connector: reporting-db, schema: reporting, table: items }, mode: overwrite }\n`,
    });
    remove = made.remove;
    return made.root;
  }

  it("two runs writing the same target take turns: the second waits, both succeed", async () => {
    const root = project();
    const [first, second] = await Promise.all([runJobIn(root, "a"), runJobIn(root, "b")]);
    expect([first.result.status, second.result.status]).toEqual(["succeeded", "succeeded"]);
    const waited = [first, second].filter((run) =>
      run.events.some(
        (event) => event.event === "log" && /^waiting for run \S+ \(job [ab], step items\), which is writing reporting\.items$/.test(event.message),
      ),
    );
    expect(waited).toHaveLength(1);
    expect(Number((await reporting.query("select count(*) from reporting.items")).rows[0].count)).toBe(100000);
  });

  it("drops a stash table a killed run left behind before it starts", async () => {
    const root = project();
    const leftover = stashName("items", "20261128T010000000Z-deadbe");
    await reporting.query(`create table reporting."${leftover}" (id int, payload text)`);
    const run = await runJobIn(root, "a");
    expect(run.result.status).toBe("succeeded");
    const logs = run.events.filter((event) => event.event === "log").map((event) => (event as { message: string }).message);
    expect(logs.some((message) => message.includes("left by an earlier run that did not finish"))).toBe(true);
    expect((await reporting.query("select relname from pg_class where relname like '%nomaflow%'")).rows).toEqual([]);
  });
});
