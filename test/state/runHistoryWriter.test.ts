/**
 * The run history writer against a real PostgreSQL: real runs (shell steps, concurrent) recorded
 * as the runner emits their events, read back equal to their run logs; batching; the store cut
 * off by a TCP proxy while a run goes on; the bound on waiting events; events PostgreSQL refuses.
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newRunId } from "../../src/identity/runId.js";
import type { RunEvent } from "../../src/run-logs/runEvents.js";
import { RunHistoryWriter, type RunHistoryWriterOptions } from "../../src/state/runHistoryWriter.js";
import { createDatabase, describeWithPostgres, trackFailures, type TestDatabase } from "../support/postgres.js";
import { runJobIn } from "../support/runProject.js";
import { applyStateMigrations } from "../support/stateSchema.js";
import { startTcpProxy, type TcpProxy } from "../support/tcpProxy.js";
import { makeProject } from "../support/tempProject.js";

const JOBS = {
  "nomaflow.yaml": "runs_dir: runs\n",
  // Thirty lines, then a failure, then a step skipped because of it.
  "jobs/chatty.yaml": `id: chatty
steps:
  - name: talk
    type: shell
    command: 'for i in $(seq 1 30); do echo "line $i"; sleep 0.01; done'
  - name: fail
    type: shell
    command: "echo oops >&2; exit 3"
  - name: after
    type: shell
    command: "true"
`,
  // About two seconds of output, for cutting the store off mid-run.
  "jobs/slow.yaml": `id: slow
steps:
  - name: talk
    type: shell
    command: 'for i in $(seq 1 40); do echo "slow line $i"; sleep 0.05; done'
`,
};

/** The events of a run log, one per line, as parsed JSON. */
function logLines(path: string): unknown[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as unknown);
}

/** A run's stored events: seq → event. */
async function storedEvents(db: TestDatabase, runId: string): Promise<Map<number, unknown>> {
  const { rows } = await db.query("select seq, event from nomaflow.run_events where run_id = $1 order by seq", [runId]);
  return new Map(rows.map((row: { seq: number; event: unknown }) => [row.seq, row.event]));
}

async function runRow(db: TestDatabase, runId: string): Promise<Record<string, unknown>> {
  const { rows } = await db.query("select * from nomaflow.runs where run_id = $1", [runId]);
  return rows[0] as Record<string, unknown>;
}

/** A run's events made up: run_started, `logs` log events, run_succeeded. */
function syntheticRun(logs: number, overrides: Partial<{ pid: number; message: (index: number) => string }> = {}): RunEvent[] {
  const start = Date.now();
  const runId = newRunId(new Date(start));
  const stamp = (index: number) => ({ ts: new Date(start + index).toISOString(), run_id: runId, job_id: "synthetic" });
  const events: RunEvent[] = [
    {
      ...stamp(0),
      event: "run_started",
      trigger: "schedule",
      scheduled_for: "2026-11-28T02:00:00+01:00",
      params: {},
      host: "host-a",
      pid: overrides.pid ?? 4242,
      version: "0.1.0",
      steps: ["work"],
    },
  ];
  for (let index = 1; index <= logs; index++) {
    events.push({ ...stamp(index), event: "log", step: "work", level: "info", message: overrides.message?.(index) ?? `message ${index}` });
  }
  events.push({ ...stamp(logs + 1), event: "run_succeeded", duration_ms: logs + 1 });
  return events;
}

describeWithPostgres("RunHistoryWriter", () => {
  const failed = trackFailures();
  let db: TestDatabase;
  let pool: pg.Pool;
  let project: { root: string; remove: () => void };
  const writers: RunHistoryWriter[] = [];
  const pools: pg.Pool[] = [];

  beforeAll(async () => {
    db = await createDatabase("history_writer");
    await applyStateMigrations(db.url);
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
    pools.push(pool);
    project = makeProject(JOBS);
  });
  afterAll(async () => {
    for (const writer of writers) await writer.close(1_000);
    for (const each of pools) await each.end();
    project.remove();
    await db.drop(failed());
  });

  const writerOn = (on: pg.Pool, options: Partial<RunHistoryWriterOptions> = {}) => {
    const writer = new RunHistoryWriter({ pool: on, schema: '"nomaflow"', daemonId: "daemon-a", ...options });
    writers.push(writer);
    return writer;
  };

  it("records 20 concurrent runs: every event stored equal to its run log line, seq its line number, each row ended", async () => {
    const writer = writerOn(pool);
    const runs = await Promise.all(Array.from({ length: 20 }, () => runJobIn(project.root, "chatty", { onEvent: (event) => writer.record(event) })));
    expect(await writer.flush(10_000)).toEqual({ complete: true, queuedEvents: 0, lastError: null });
    let total = 0;
    for (const run of runs) {
      const lines = logLines(run.result.logPath);
      total += lines.length;
      const stored = await storedEvents(db, run.result.runId);
      expect([...stored.keys()]).toEqual(lines.map((_, index) => index));
      expect([...stored.values()]).toEqual(lines);
      const final = lines.at(-1) as { event: string; ts: string; duration_ms: number; error: string };
      expect(final).toMatchObject({ event: "run_failed", error: expect.stringMatching(/^step fail failed: .*oops/s) });
      expect((lines[0] as { scheduled_for: string }).scheduled_for).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/);
      expect(await runRow(db, run.result.runId)).toMatchObject({
        job_id: "chatty",
        daemon_id: "daemon-a",
        host: hostname(),
        pid: process.pid,
        trigger: "manual",
        // A job without a schedule: its run is for the instant it started.
        scheduled_for: (lines[0] as { scheduled_for: string }).scheduled_for,
        status: "failed",
        started_at: new Date((lines[0] as { ts: string }).ts),
        ended_at: new Date(final.ts),
        duration_ms: final.duration_ms,
        failed_step: "fail",
        error: final.error,
        events_missing: 0,
      });
    }
    expect(total).toBeGreaterThan(20 * 30);
    const stats = writer.stats();
    expect(stats).toMatchObject({ eventsWritten: total, eventsDropped: 0, queuedEvents: 0, failedWrites: 0, runsTracked: 0 });
    // Batches, not a statement per event.
    expect(stats.writes).toBeLessThan(total / 10);
  });

  it("writes events recorded together in batches of at most batchEvents, and a trickle every flushIntervalMs", async () => {
    const writer = writerOn(pool);
    const burst = [syntheticRun(398), syntheticRun(398), syntheticRun(398)].flat();
    for (const event of burst) writer.record(event);
    await writer.flush(10_000);
    // 1,200 events: 500 + 500 + 200, the three rows in them.
    expect(writer.stats()).toMatchObject({ writes: 3, eventsWritten: 1200 });

    const trickle = syntheticRun(58);
    const started = Date.now();
    for (const event of trickle) {
      writer.record(event);
      await sleep(25);
    }
    await writer.flush(10_000);
    const elapsed = Date.now() - started;
    const trickleWrites = writer.stats().writes - 3;
    // 60 events over about 1.5 s: a write every 250 ms or so, never one per event.
    expect(trickleWrites).toBeGreaterThanOrEqual(2);
    expect(trickleWrites).toBeLessThanOrEqual(Math.ceil(elapsed / 250) + 2);
    expect((await storedEvents(db, trickle[0]!.run_id)).size).toBe(60);
  });

  describe("with the store cut off (a TCP proxy)", () => {
    let proxy: TcpProxy;
    let proxied: pg.Pool;
    beforeAll(async () => {
      proxy = await startTcpProxy();
      proxied = new pg.Pool({ connectionString: proxy.urlTo(db.url), max: 2, connectionTimeoutMillis: 2_000 });
      pools.push(proxied);
    });
    afterAll(async () => {
      proxy.restore();
      await proxy.close();
    });

    it("lets the run go on, keeps its events and writes them once the store is back", async () => {
      const problems: string[] = [];
      const writer = writerOn(proxied, { maxRetryDelayMs: 300, problemIntervalMs: 0, onProblem: (message) => problems.push(message) });
      let cutAt: number | undefined;
      const running = runJobIn(project.root, "slow", {
        onEvent: (event) => {
          writer.record(event);
          // Cut once the store has the start of the run.
          if (cutAt === undefined && event.event === "log" && writer.stats().eventsWritten > 0) {
            cutAt = Date.now();
            proxy.cut();
          }
        },
      });
      const run = await running;
      expect(run.result.status).toBe("succeeded");
      expect(cutAt).toBeDefined();
      const lines = logLines(run.result.logPath);
      expect((await storedEvents(db, run.result.runId)).size).toBeLessThan(lines.length);
      expect(writer.stats().failedWrites).toBeGreaterThan(0);
      expect(problems.some((message) => message.startsWith("cannot write run history to the state store:"))).toBe(true);

      // A flush with the store still away gives up at its deadline, saying why.
      const waited = Date.now();
      const outcome = await writer.flush(400);
      expect(Date.now() - waited).toBeLessThan(2_000);
      expect(outcome.complete).toBe(false);
      expect(outcome.queuedEvents).toBeGreaterThan(0);
      expect(outcome.lastError).not.toBeNull();

      proxy.restore();
      expect(await writer.flush(10_000)).toMatchObject({ complete: true, queuedEvents: 0 });
      expect([...(await storedEvents(db, run.result.runId)).values()]).toEqual(lines);
      expect(await runRow(db, run.result.runId)).toMatchObject({ status: "succeeded", events_missing: 0 });
      expect(problems.at(-1)).toMatch(/^the state store answers again/);
    });

    it("drops events past the bound, counts them in runs.events_missing, and keeps the run's start and end", async () => {
      const writer = writerOn(proxied, { maxQueuedEvents: 10, maxRetryDelayMs: 300, problemIntervalMs: 60_000 });
      proxy.cut();
      const run = await runJobIn(project.root, "slow", { onEvent: (event) => writer.record(event) });
      expect(run.result.status).toBe("succeeded");
      const lines = logLines(run.result.logPath);
      const { eventsDropped } = writer.stats();
      // The first ten wait; the rest are dropped but for the final event, kept in the reserve.
      expect(eventsDropped).toBe(lines.length - 11);
      proxy.restore();
      expect(await writer.flush(10_000)).toMatchObject({ complete: true });
      const stored = await storedEvents(db, run.result.runId);
      expect([...stored.keys()]).toEqual([...Array.from({ length: 10 }, (_, index) => index), lines.length - 1]);
      for (const [seq, event] of stored) expect(event).toEqual(lines[seq]);
      expect(await runRow(db, run.result.runId)).toMatchObject({ status: "succeeded", events_missing: eventsDropped });
    });
  });

  it("stores what PostgreSQL refuses as such: NUL and lone surrogates replaced, a huge event cut and marked", async () => {
    const writer = writerOn(pool);
    const messages = ["a\u0000b", "lone \ud800 half", "a backslash-u text: \\u0000 stays", "x".repeat(300_000)];
    const events = syntheticRun(messages.length, { message: (index) => messages[index - 1]! });
    for (const event of events) writer.record(event);
    expect(await writer.flush(10_000)).toMatchObject({ complete: true });
    const stored = [...(await storedEvents(db, events[0]!.run_id)).values()] as { message?: string; nomaflow_truncated?: unknown }[];
    expect(stored.map((event) => event.message?.slice(0, 40))).toEqual([
      undefined,
      "a\ufffdb",
      "lone \ufffd half",
      "a backslash-u text: \\u0000 stays",
      `${"x".repeat(16384).slice(0, 40)}`,
      undefined,
    ]);
    expect(stored[4]!.message).toBe(`${"x".repeat(16384)}… [cut: 300000 characters]`);
    expect(stored[4]!.nomaflow_truncated).toEqual({ original_bytes: Buffer.byteLength(JSON.stringify(events[4]!)) });
  });

  it("writes a batch the store refuses event by event: a bad row costs its row, not the events", async () => {
    const problems: string[] = [];
    const writer = writerOn(pool, { onProblem: (message) => problems.push(message), problemIntervalMs: 0 });
    // A pid no integer column holds: the row is refused (22003), the events are fine.
    const events = syntheticRun(3, { pid: 2 ** 40 });
    for (const event of events) writer.record(event);
    expect(await writer.flush(10_000)).toMatchObject({ complete: true });
    expect((await storedEvents(db, events[0]!.run_id)).size).toBe(5);
    expect(await runRow(db, events[0]!.run_id)).toBeUndefined();
    expect(problems.some((message) => message.startsWith(`the state store refused the row of run ${events[0]!.run_id}`))).toBe(true);
    // The batch, then each of its 5 events alone, then the row alone.
    expect(writer.stats().writes).toBe(7);
  });

  it("keeps a row a survivor marked abandoned so when its final event arrives late; writing twice changes nothing", async () => {
    const writer = writerOn(pool);
    const events = syntheticRun(2);
    const runId = events[0]!.run_id;
    for (const event of events.slice(0, -1)) writer.record(event);
    await writer.flush(10_000);
    expect(await runRow(db, runId)).toMatchObject({ status: "running", ended_at: null });
    await db.query("update nomaflow.runs set status = 'abandoned', abandoned_by = 'daemon-b', abandoned_at = now() where run_id = $1", [runId]);
    writer.record(events.at(-1)!);
    await writer.flush(10_000);
    expect(await runRow(db, runId)).toMatchObject({ status: "abandoned", abandoned_by: "daemon-b", duration_ms: 3 });

    // Another writer repeating the same events (a batch whose answer was lost) adds nothing.
    const again = writerOn(pool);
    for (const event of events) again.record(event);
    expect(await again.flush(10_000)).toMatchObject({ complete: true });
    expect((await storedEvents(db, runId)).size).toBe(events.length);
  });
});
