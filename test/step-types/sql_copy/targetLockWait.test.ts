/**
 * Two runs copying into one table: the second waits for the first's lock, names the run it waits
 * for, and times its copy from when the table is its own (the wait is reported apart).
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RunEvent } from "../../../src/run-logs/runEvents.js";
import { createDatabase, describeWithPostgres, trackFailures, type TestDatabase } from "../../support/postgres.js";
import { runJobIn } from "../../support/runProject.js";
import { makeProject } from "../../support/tempProject.js";

describeWithPostgres("sql_copy waiting for another run's target lock", () => {
  const failed = trackFailures();
  let source: TestDatabase;
  let target: TestDatabase;
  const removes: Array<() => void> = [];

  beforeAll(async () => {
    source = await createDatabase("lock_wait_source");
    target = await createDatabase("lock_wait_target");
    await source.query("create table items (id int primary key, name text); insert into items select g, 'item ' || g from generate_series(1, 50) g");
    await target.query("create table items (id int, name text)");
    // The first run's COMMIT takes 1.5 s (a deferred trigger), holding the table's lock that long.
    await target.query(`create function slow_commit() returns trigger language plpgsql as $$ begin perform pg_sleep(1.5); return null; end $$`);
    await target.query(
      "create constraint trigger slow_commit after insert on items deferrable initially deferred for each row when (new.id = 1 and current_setting('application_name') like 'nomaflow:first:%') execute function slow_commit()",
    );
  });
  afterAll(async () => {
    for (const remove of removes) remove();
    await source?.drop(failed());
    await target?.drop(failed());
  });

  it("logs the wait naming the run holding the lock, and leaves the wait out of the copy's time and rows/s", async () => {
    const step =
      "steps:\n  - { name: items, type: sql_copy, source: { connector: source, table: items }, target: { connector: target, table: items }, mode: append }\n";
    const made = makeProject({
      "nomaflow.yaml": `connectors:\n  source: { url: "${source.url}" }\n  target: { url: "${target.url}" }\n`,
      "jobs/first.yaml": `id: first\n${step}`,
      "jobs/second.yaml": `id: second\n${step}`,
    });
    removes.push(made.remove);
    const first = runJobIn(made.root, "first");
    // The first run is in its COMMIT, holding the lock.
    const committing =
      "select count(*)::int as n from pg_stat_activity where datname = $1 and application_name like 'nomaflow:first:%' and state = 'active' and query ilike 'commit%'";
    while ((await target.query(committing, [target.name])).rows[0].n === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await runJobIn(made.root, "second");
    const firstRun = await first;
    expect([firstRun.result.status, second.result.status]).toEqual(["succeeded", "succeeded"]);

    const logs = second.events.filter((event): event is Extract<RunEvent, { event: "log" }> => event.event === "log").map((event) => event.message);
    const runId = firstRun.result.runId;
    expect(logs, JSON.stringify(logs)).toContain(`waiting for run ${runId} (job first, step items), which is writing public.items`);
    expect(
      logs.some((message) =>
        new RegExp(`^waited \\d+\\.\\d\\d s for run ${runId} \\(job first, step items\\) to finish writing public\\.items$`).test(message),
      ),
    ).toBe(true);
    const output = second.output("items") as { duration_ms: number; lock_wait_ms: number; rows: number; rows_per_second: number };
    expect(output.rows).toBe(50);
    expect(output.lock_wait_ms).toBeGreaterThanOrEqual(500);
    expect(output.duration_ms).toBeLessThan(output.lock_wait_ms);
    // Counted with the wait, 50 rows would make fewer than 50 / wait rows per second.
    expect(output.rows_per_second).toBeGreaterThan(50 / (output.lock_wait_ms / 1000));
    expect(firstRun.output("items")).not.toHaveProperty("lock_wait_ms");
    expect(Number((await target.query("select count(*) from items")).rows[0].count)).toBe(100);
  });
});
