/**
 * Run history read back from a real PostgreSQL: listed and summarised as the run logs are, a run's
 * events in order, runs judged abandoned by their daemon's lease, and a live run followed.
 */
import { readFileSync } from "node:fs";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { newRunId } from "../../src/identity/runId.js";
import { readRunLog, readRunSummary, summarizeRun } from "../../src/run-logs/readRunLog.js";
import type { RunEvent } from "../../src/run-logs/runEvents.js";
import { followStoredRun } from "../../src/state/followStoredRun.js";
import { findStoredRuns, latestStoredRuns, listStoredRuns, readStoredRun, type HistoryStore } from "../../src/state/runHistoryReader.js";
import { RunHistoryWriter } from "../../src/state/runHistoryWriter.js";
import { exitedPid } from "../run-logs/sampleRun.js";
import { createDatabase, describeWithPostgres, trackFailures, type TestDatabase } from "../support/postgres.js";
import { runJobIn } from "../support/runProject.js";
import { applyStateMigrations } from "../support/stateSchema.js";
import { makeProject } from "../support/tempProject.js";

const JOBS = {
  "nomaflow.yaml": "runs_dir: runs\n",
  "jobs/chatty.yaml": `id: chatty
steps:
  - name: talk
    type: shell
    command: 'for i in $(seq 1 5); do echo "line $i"; done'
  - name: fail
    type: shell
    command: "exit 3"
  - name: after
    type: shell
    command: "true"
`,
  "jobs/quiet.yaml": `id: quiet
steps:
  - name: only
    type: shell
    command: "true"
`,
  "jobs/slow.yaml": `id: slow
steps:
  - name: talk
    type: shell
    command: 'for i in $(seq 1 15); do echo "slow line $i"; sleep 0.05; done'
`,
};

/** A run that started on `host` and is still going (no final event): run_started, step_started, a log line. */
function unfinishedRun(host: string, pid: number): RunEvent[] {
  const start = Date.now();
  const runId = newRunId(new Date(start));
  const stamp = (index: number) => ({ ts: new Date(start + index).toISOString(), run_id: runId, job_id: "remote" });
  return [
    { ...stamp(0), event: "run_started", trigger: "schedule", scheduled_for: null, params: {}, host, pid, version: "0.1.0", steps: ["load", "report"] },
    { ...stamp(1), event: "step_started", step: "load", type: "sql", attempt: 1, attempts: 1 },
    { ...stamp(2), event: "log", step: "load", level: "info", message: "loading" },
  ];
}

describeWithPostgres("run history reader", () => {
  const failed = trackFailures();
  let db: TestDatabase;
  let pool: pg.Pool;
  let store: HistoryStore;
  let project: { root: string; remove: () => void };
  const writers = new Map<string | null, RunHistoryWriter>();
  const writerOf = (daemonId: string | null) => {
    let writer = writers.get(daemonId);
    if (!writer) writers.set(daemonId, (writer = new RunHistoryWriter({ pool, schema: '"nomaflow"', daemonId, flushIntervalMs: 50 })));
    return writer;
  };
  const record = async (daemonId: string | null, events: RunEvent[]) => {
    const writer = writerOf(daemonId);
    for (const event of events) writer.record(event);
    expect(await writer.flush(10_000)).toMatchObject({ complete: true });
  };

  beforeAll(async () => {
    db = await createDatabase("history_reader");
    await applyStateMigrations(db.url);
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
    store = { pool, schema: '"nomaflow"' };
    project = makeProject(JOBS);
    await db.query(`insert into nomaflow.daemons (id, host, pid, version, project_revision, definitions_hash, lease_until) values
      ('d-alive', 'host-b', 100, '0.1.0', 'r1', 'h1', clock_timestamp() + interval '1 hour'),
      ('d-dead', 'host-c', 200, '0.1.0', 'r1', 'h1', clock_timestamp() - interval '1 second'),
      ('d-stopped', 'host-d', 300, '0.1.0', 'r1', 'h1', clock_timestamp() + interval '1 hour')`);
    await db.query("update nomaflow.daemons set stopped_at = clock_timestamp() where id = 'd-stopped'");
  });
  afterAll(async () => {
    for (const writer of writers.values()) await writer.close(1_000);
    await pool.end();
    project.remove();
    await db.drop(failed());
  });

  it("lists runs newest first, by job and limit, summarised as their run logs are (with the host)", async () => {
    const runs = [];
    for (const job of ["chatty", "quiet", "chatty"]) runs.push(await runJobIn(project.root, job, { onEvent: (event) => writerOf("d-alive").record(event) }));
    await writerOf("d-alive").flush(10_000);
    const [first, second, third] = runs.map((run) => run.result);

    const all = await listStoredRuns(store, { limit: 3 });
    expect(all.map((run) => run.summary.run_id)).toEqual([third!.runId, second!.runId, first!.runId]);
    for (const [index, run] of all.entries()) {
      const local = readRunSummary([third, second, first][index]!.logPath);
      expect(run.summary).toEqual(local);
      expect(run.row).toMatchObject({ daemon_id: "d-alive", daemon_alive: true, events_missing: 0 });
    }
    expect(all[0]!.summary).toMatchObject({ status: "failed", failed_step: "fail", host: expect.any(String) });
    expect(all[0]!.summary.steps.map((step) => step.status)).toEqual(["succeeded", "failed", "skipped"]);

    const chatty = await listStoredRuns(store, { jobId: "chatty", limit: 1 });
    expect(chatty.map((run) => run.summary.run_id)).toEqual([third!.runId]);
    const latest = await latestStoredRuns(store, ["chatty", "quiet", "never"]);
    expect([...latest.keys()].sort()).toEqual(["chatty", "quiet"]);
    expect(latest.get("quiet")).toMatchObject({ run_id: second!.runId, status: "succeeded" });

    // A whole id, a prefix, and a prefix of several.
    expect(await findStoredRuns(store, third!.runId)).toEqual([{ runId: third!.runId, jobId: "chatty" }]);
    expect(await findStoredRuns(store, third!.runId.slice(0, -2))).toEqual([{ runId: third!.runId, jobId: "chatty" }]);
    expect((await findStoredRuns(store, third!.runId.slice(0, 4))).length).toBeGreaterThanOrEqual(3);
    expect(await findStoredRuns(store, "2%")).toEqual([]);
  });

  it("reads one run's events in order, equal to its log, and its summary from them", async () => {
    const { result } = await runJobIn(project.root, "chatty", { onEvent: (event) => writerOf(null).record(event) });
    await writerOf(null).flush(10_000);
    const found = await readStoredRun(store, result.runId);
    const { events } = readRunLog(result.logPath);
    expect(found!.events).toEqual(events);
    expect(found!.run.summary).toEqual(summarizeRun(events));
    expect(found!.run.row).toMatchObject({ daemon_id: null, daemon_alive: false, status: "failed" });
    expect(await readStoredRun(store, newRunId())).toBeUndefined();
  });

  it("judges a running run by its daemon's lease, or a manual one by its process", async () => {
    const alive = unfinishedRun("host-b", 100);
    const dead = unfinishedRun("host-c", 200);
    const stopped = unfinishedRun("host-d", 300);
    const marked = unfinishedRun("host-b", 100);
    const manualGone = unfinishedRun((await import("node:os")).hostname(), await exitedPid());
    const manualElsewhere = unfinishedRun("host-e", 1);
    await record("d-alive", [...alive, ...marked]);
    await record("d-dead", dead);
    await record("d-stopped", stopped);
    await record(null, [...manualGone, ...manualElsewhere]);
    await db.query("update nomaflow.runs set status = 'abandoned', abandoned_by = 'd-other' where run_id = $1", [marked[0]!.run_id]);

    const read = async (events: RunEvent[]) => (await readStoredRun(store, events[0]!.run_id))!.run.summary;
    expect(await read(alive)).toMatchObject({ status: "running", host: "host-b", error: null });
    expect((await read(alive)).steps[0]).toMatchObject({ status: "running" });
    expect(await read(dead)).toMatchObject({
      status: "abandoned",
      error: "its daemon (pid 200 on host-c) is gone and the state store has no final event",
      failed_step: "load",
      ended_at: null,
    });
    expect((await read(dead)).steps.map((step) => step.status)).toEqual(["failed", "pending"]);
    expect(await read(stopped)).toMatchObject({ status: "abandoned" });
    expect(await read(marked)).toMatchObject({
      status: "abandoned",
      error: "its daemon (pid 100 on host-b) stopped renewing its lease before the run ended (found by daemon d-other)",
    });
    expect(await read(manualGone)).toMatchObject({ status: "abandoned", error: expect.stringMatching(/^the process \(pid \d+ on .*\) is gone/) });
    expect(await read(manualElsewhere)).toMatchObject({ status: "running" });
    const listed = await listStoredRuns(store, { jobId: "remote", limit: 10 });
    expect(listed.map((run) => run.summary.status).sort()).toEqual(["abandoned", "abandoned", "abandoned", "abandoned", "running", "running"]);
  });

  it("follows a live run until its final event, and an abandoned one until its events are read", async () => {
    const writer = writerOf("d-alive");
    let runId: string | undefined;
    let started!: () => void;
    const hasStarted = new Promise<void>((resolve) => (started = resolve));
    const running = runJobIn(project.root, "slow", {
      onEvent: (event) => {
        writer.record(event);
        runId ??= event.run_id;
        started();
      },
    });
    await hasStarted;
    const followed: RunEvent[] = [];
    for await (const event of followStoredRun(store, runId!, { pollMs: 50 })) followed.push(event);
    const { result } = await running;
    const lines = readFileSync(result.logPath, "utf8").split("\n").filter(Boolean);
    expect(followed).toEqual(lines.map((line) => JSON.parse(line) as unknown));

    const dead = unfinishedRun("host-c", 200);
    await record("d-dead", dead);
    const abandoned: RunEvent[] = [];
    for await (const event of followStoredRun(store, dead[0]!.run_id, { pollMs: 50 })) abandoned.push(event);
    expect(abandoned).toEqual(dead);

    // Stopped by its signal while the run goes on.
    const stop = new AbortController();
    const alive = unfinishedRun("host-b", 100);
    await record("d-alive", alive);
    const seen: RunEvent[] = [];
    setTimeout(() => stop.abort(), 300);
    for await (const event of followStoredRun(store, alive[0]!.run_id, { pollMs: 50, signal: stop.signal })) seen.push(event);
    expect(seen).toEqual(alive);
  });
});
