/**
 * A job's `timeout:` cancels the whole run: the running step is stopped as at its own timeout (on
 * PostgreSQL its statement is cancelled on the server), the steps left are skipped but `run_if:
 * always` ones, which run within their own timeout, and the run fails with reason job_timeout,
 * which the on_failure alert states. Against a real PostgreSQL and a real HTTP receiver.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunEvent } from "../../src/run-logs/runEvents.js";
import { createAjv } from "../../src/validate/ajvInstance.js";
import { createDatabase, describeWithPostgres, sessionsLeft, trackFailures, type TestDatabase } from "../support/postgres.js";
import { receiverForTest } from "../support/httpReceiver.js";
import { runJobIn } from "../support/runProject.js";
import { makeProject } from "../support/tempProject.js";

const ofKind = <Kind extends RunEvent["event"]>(events: RunEvent[], kind: Kind) =>
  events.filter((event): event is Extract<RunEvent, { event: Kind }> => event.event === kind);

describeWithPostgres("a job's timeout on PostgreSQL", () => {
  let db: TestDatabase;
  const failed = trackFailures();
  beforeAll(async () => {
    db = await createDatabase("job_timeout");
  });
  afterAll(async () => {
    await db?.drop(failed());
  });

  it("cancels the running query on the server, skips the steps left, runs the always step and alerts with the reason", async () => {
    const receiver = await receiverForTest((_, response) => response.end("ok"));
    const { root, remove } = makeProject({
      "nomaflow.yaml": `connectors:\n  db: { url: "${db.url}" }\nnotifications:\n  channels:\n    hook: { type: webhook, url: "${receiver.url}/alerts" }\n  default: [hook]\n`,
      "jobs/nightly.yaml": [
        "id: nightly",
        "timeout: 2s",
        "steps:",
        '  - { name: slow, type: sql, connector: db, sql: "select pg_sleep(30)" }',
        '  - { name: after, type: sql, connector: db, sql: "select 1" }',
        '  - { name: on-failure, type: shell, command: "echo failed", run_if: failure }',
        '  - { name: cleanup, type: shell, command: "echo cleaning up", run_if: always }',
        "",
      ].join("\n"),
    });
    try {
      const started = Date.now();
      const run = await runJobIn(root, "nightly");
      const tookMs = Date.now() - started;

      expect(run.result).toMatchObject({
        status: "failed",
        failedStep: "slow",
        error: "the job timed out after 2.0 s while step slow ran",
      });
      expect(tookMs).toBeGreaterThanOrEqual(2_000);
      expect(tookMs).toBeLessThan(10_000);
      // The backend's statement is gone: cancelled, not left sleeping for 30 s.
      expect(await sessionsLeft(db, "nomaflow:nightly:slow")).toEqual([]);
      const { rows } = await db.query(
        "select count(*)::int as sleeping from pg_stat_activity where datname = $1 and pid <> pg_backend_pid() and query like '%pg_sleep(30)%' and state = 'active'",
        [db.name],
      );
      expect(rows[0].sleeping).toBe(0);

      expect(run.error("slow")).toBe("the job timed out after 2.0 s");
      expect(ofKind(run.events, "step_skipped")).toMatchObject([
        { step: "after", reason: "the job timed out after 2.0 s" },
        { step: "on-failure", reason: "the job timed out after 2.0 s" },
      ]);
      expect(run.output("cleanup")).toMatchObject({ exit_code: 0, stdout: "cleaning up" });
      expect(ofKind(run.events, "run_failed")).toMatchObject([
        { failed_step: "slow", error: "the job timed out after 2.0 s while step slow ran", reason: "job_timeout" },
      ]);

      expect(receiver.requests).toHaveLength(1);
      const alert = JSON.parse(receiver.requests[0]!.body) as Record<string, unknown>;
      expect(alert).toMatchObject({
        kind: "on_failure",
        job_id: "nightly",
        failed_step: "slow",
        error: "the job timed out after 2.0 s while step slow ran",
      });
      expect(alert.summary).toMatch(/^❌ nightly failed at step slow: the job timed out after 2\.0 s while step slow ran — run /);
      expect(ofKind(run.events, "alert_sent")).toMatchObject([{ channel: "hook", kind: "on_failure" }]);
    } finally {
      remove();
    }
  });
});

describe("a job's timeout", () => {
  const project = (job: string) => makeProject({ "nomaflow.yaml": "runs_dir: runs\n", "jobs/job.yaml": job });

  it("leaves an always step its own timeout after the job timed out, not the job's", async () => {
    const { root, remove } = project(
      [
        "id: job",
        "timeout: 300ms",
        "steps:",
        '  - { name: slow, type: shell, command: "sleep 20" }',
        '  - { name: cleanup, type: shell, command: "sleep 0.5; echo done", run_if: always, timeout: 5s }',
        '  - { name: bounded, type: shell, command: "sleep 20", run_if: always, timeout: 400ms }',
        "",
      ].join("\n"),
    );
    try {
      const run = await runJobIn(root, "job");
      expect(run.error("slow")).toBe("the job timed out after 300 ms");
      // Half a second after the job's time was up, and finished, not cut off.
      expect(run.output("cleanup")).toMatchObject({ stdout: "done" });
      expect(run.error("bounded")).toBe("timed out after 400 ms");
      expect(run.result).toMatchObject({ status: "failed", failedStep: "slow", error: "the job timed out after 300 ms while step slow ran" });
    } finally {
      remove();
    }
  });

  it("ends a wait between tries, and does not try again", async () => {
    const { root, remove } = project(
      ["id: job", "timeout: 500ms", "steps:", '  - { name: flaky, type: shell, command: "exit 3", retry: { attempts: 5, base_seconds: 30 } }', ""].join("\n"),
    );
    try {
      const started = Date.now();
      const run = await runJobIn(root, "job");
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(ofKind(run.events, "step_started")).toHaveLength(1);
      expect(run.error("flaky")).toBe("command exited with code 3; the job timed out after 500 ms before the next try");
      expect(ofKind(run.events, "run_failed")).toMatchObject([{ reason: "job_timeout", error: "the job timed out after 500 ms while step flaky ran" }]);
      // The log's contract: every event, the reason included, matches the RunEvent schema.
      const validate = createAjv().compile(RunEvent);
      for (const event of run.events) expect(validate(event), JSON.stringify(validate.errors)).toBe(true);
    } finally {
      remove();
    }
  });

  it("fails nothing when the run ends in time, and comes from defaults.timeout when the job has none", async () => {
    const { root, remove } = makeProject({
      "nomaflow.yaml": "defaults: { timeout: 1m }\n",
      "jobs/job.yaml": 'id: job\nsteps:\n  - { name: quick, type: shell, command: "echo hi" }\n',
    });
    try {
      const run = await runJobIn(root, "job");
      expect(run.result.status).toBe("succeeded");
      expect(ofKind(run.events, "run_succeeded")[0]).not.toHaveProperty("reason");
    } finally {
      remove();
    }
  });
});
