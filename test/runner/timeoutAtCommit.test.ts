/**
 * A timeout racing a COMMIT, forced against a real PostgreSQL. Signal before the COMMIT is sent:
 * the transaction is rolled back and the step times out. Signal while the COMMIT runs (a
 * deferred constraint trigger sleeps in it): the COMMIT is not cancelled, its rows are written
 * once, the step succeeds and is not tried again.
 */
import { Type } from "@sinclair/typebox";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadProject } from "../../src/project/loadProject.js";
import { startRun } from "../../src/runner/startRun.js";
import type { RunEvent } from "../../src/run-logs/runEvents.js";
import { StepTypeRegistry } from "../../src/step-types/registry.js";
import { defineStepType } from "../../src/step-types/stepType.js";
import { checkProject, requireJob } from "../../src/validate/checkProject.js";
import { createDatabase, describeWithPostgres, type TestDatabase } from "../support/postgres.js";
import { runJobIn } from "../support/runProject.js";
import { makeProject } from "../support/tempProject.js";

/** Inserts a row in a transaction, waits until its signal has fired, then commits: a step that finished its work just as its time ran out. */
const commitAfterSignal = defineStepType({
  name: "commit_after_signal",
  description: "test step",
  fields: Type.Object({ connector: Type.String() }, { additionalProperties: false }),
  async run(fields, context, signal) {
    await context.connector(fields.connector).withSession(
      async (session) => {
        await session.query("begin");
        await session.query("insert into late values ($1)", [context.attempt]);
        if (!signal.aborted) await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
        await session.query("commit");
      },
      { signal, applicationName: context.applicationName },
    );
    return { committed: true };
  },
});

describeWithPostgres("a timeout racing a COMMIT", () => {
  let source: TestDatabase;
  let target: TestDatabase;
  const removes: Array<() => void> = [];

  beforeAll(async () => {
    source = await createDatabase("commit_race_source");
    target = await createDatabase("commit_race_target");
    await source.query("create table items (id int primary key, name text); insert into items select g, 'item ' || g from generate_series(1, 50) g");
    await target.query("create table items (id int, name text)");
    await target.query("create table noted (id int)");
    await target.query("create table late (attempt int)");
    // Runs at COMMIT, after every row is in: the COMMIT takes 4.5 s, well past the step's timeout (2 s: time enough to reach the COMMIT on a loaded machine), and ends within the 5 s grace the runs here are given.
    await target.query(`create function slow_commit() returns trigger language plpgsql as $$ begin perform pg_sleep(4.5); return null; end $$`);
    for (const table of ["items", "noted"]) {
      await target.query(
        `create constraint trigger slow_commit after insert on ${table} deferrable initially deferred for each row when (new.id = 1) execute function slow_commit()`,
      );
    }
  });
  afterAll(async () => {
    for (const remove of removes) remove();
    await source?.drop();
    await target?.drop();
  });

  function project(job: string): string {
    const made = makeProject({
      "nomaflow.yaml": `connectors:\n  source: { url: "${source.url}" }\n  target: { url: "${target.url}" }\n`,
      "jobs/job.yaml": `id: job\nretry: { attempts: 3, base_seconds: 0 }\nsteps:\n${job}`,
    });
    removes.push(made.remove);
    return made.root;
  }

  const started = (events: RunEvent[]) => events.filter((event) => event.event === "step_started").length;

  it("an append copy whose COMMIT is running when its timeout fires: rows written once, succeeded, not retried", async () => {
    const root = project(
      `  - name: copy\n    type: sql_copy\n    source: { connector: source, table: items }\n    target: { connector: target, table: items }\n    mode: append\n    timeout: 2s\n`,
    );
    const run = await runJobIn(root, "job", { graceMs: 5000 });
    expect(run.result.status).toBe("succeeded");
    expect(started(run.events)).toBe(1);
    expect(run.output("copy")).toMatchObject({ rows: 50, mode: "append" });
    expect((await target.query("select count(*)::int as n, count(distinct id)::int as ids from items")).rows[0]).toEqual({ n: 50, ids: 50 });
  });

  it("a sql step whose COMMIT is running when its timeout fires: written once, succeeded, not retried", async () => {
    const root = project(`  - name: note\n    type: sql\n    connector: target\n    sql: "insert into noted values (1), (2)"\n    timeout: 2s\n`);
    const run = await runJobIn(root, "job", { graceMs: 5000 });
    expect(run.result.status).toBe("succeeded");
    expect(started(run.events)).toBe(1);
    expect(run.output("note")).toEqual({ rows_affected: 2 });
    expect((await target.query("select count(*)::int as n from noted")).rows[0].n).toBe(2);
  });

  it("a step whose signal fired before it sent COMMIT: rolled back, nothing written, timed out", async () => {
    const root = project(`  - name: late\n    type: commit_after_signal\n    connector: target\n    timeout: 200ms\n`);
    const registry = new StepTypeRegistry();
    registry.register(commitAfterSignal, "test/runner/timeoutAtCommit.test.ts");
    const loaded = loadProject({ projectDir: root, cwd: root, processEnv: {}, registry });
    const job = requireJob(await checkProject(loaded), "job");
    const events: RunEvent[] = [];
    const result = await startRun({ project: loaded, job, params: {}, graceMs: 2000, sleep: async () => {}, onEvent: (event) => events.push(event) }).result;
    expect(result.status).toBe("failed");
    expect(events.filter((event) => event.event === "step_attempt_failed").map((event) => (event as { error: string }).error)).toEqual(
      Array(3).fill("timed out after 200 ms"),
    );
    expect((await target.query("select count(*)::int as n from late")).rows[0].n).toBe(0);
  });
});
