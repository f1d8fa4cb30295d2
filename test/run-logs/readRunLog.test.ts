import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseRunLog, processIsAlive, readRunSummary, summarizeRun } from "../../src/run-logs/readRunLog.js";
import { newRunId } from "../../src/identity/runId.js";
import { exitedPid, writeSampleRun } from "./sampleRun.js";

let runsDir: string;
beforeEach(() => {
  runsDir = mkdtempSync(join(tmpdir(), "nomaflow-runs-"));
});
afterEach(() => rmSync(runsDir, { recursive: true, force: true }));

const alive = () => true;

describe("parseRunLog", () => {
  it("ignores a last line cut mid-JSON, whether or not its newline was written", () => {
    const { path } = writeSampleRun(runsDir);
    const complete = readFileSync(path, "utf8");
    const total = parseRunLog(complete).events.length;
    const cut = complete.slice(0, complete.length - 25);
    expect(cut.endsWith("\n")).toBe(false);
    expect(parseRunLog(cut)).toMatchObject({ tornLastLine: true, badLines: 0 });
    expect(parseRunLog(cut).events).toHaveLength(total - 1);
    // A crash can also leave garbage (zeros) after the last newline, or a broken line ending in one.
    expect(parseRunLog(`${cut}\n`)).toMatchObject({ tornLastLine: true, badLines: 0 });
    expect(parseRunLog(`${complete}\0\0\0\0`)).toMatchObject({ tornLastLine: true, badLines: 0 });
    expect(parseRunLog(complete)).toMatchObject({ tornLastLine: false, badLines: 0 });
  });

  it("skips and counts an unreadable line in the middle", () => {
    const { path } = writeSampleRun(runsDir);
    const lines = readFileSync(path, "utf8").split("\n");
    const total = lines.length - 1;
    lines.splice(3, 0, '{"ts":"2026-11-28T10:56:00.000Z","event":"log",', "not json", "[1,2]", "");
    const parsed = parseRunLog(lines.join("\n"));
    expect(parsed).toMatchObject({ tornLastLine: false, badLines: 3 });
    expect(parsed.events).toHaveLength(total);
  });

  it("can skip log events without parsing them", () => {
    const { path } = writeSampleRun(runsDir);
    const text = readFileSync(path, "utf8");
    const all = parseRunLog(text).events;
    const withoutLogs = parseRunLog(text, { skipLogEvents: true }).events;
    expect(withoutLogs).toEqual(all.filter((event) => event.event !== "log"));
    expect(withoutLogs.length).toBe(all.length - 1);
  });
});

describe("summarizeRun", () => {
  it("tells retries, skips, failure and steps that never started, in job order", () => {
    const { path, runId } = writeSampleRun(runsDir, { start: new Date("2026-11-28T10:56:00.123Z"), trigger: "schedule" });
    const summary = summarizeRun(parseRunLog(readFileSync(path, "utf8")).events, alive);
    expect(summary).toMatchObject({
      run_id: runId,
      job_id: "nightly",
      status: "failed",
      trigger: "schedule",
      scheduled_for: "2026-11-28T02:00:00+01:00",
      started_at: "2026-11-28T10:56:00.123Z",
      ended_at: "2026-11-28T10:56:01.523Z",
      duration_ms: 64_000,
      host: hostname(),
      pid: process.pid,
      version: "0.1.0",
      params: { threshold_percent: 50 },
      failed_step: "copy",
      error: 'step copy failed: relation "reporting.customers" does not exist',
    });
    expect(summary.steps).toEqual([
      {
        name: "sanity",
        type: "python",
        status: "succeeded",
        attempts: 1,
        started_at: "2026-11-28T10:56:00.223Z",
        duration_ms: 850,
        attempt_durations_ms: [850],
        error: null,
        output: { source_rows: 1200 },
        rows: null,
        bytes: null,
        skip_reason: null,
      },
      {
        name: "copy",
        type: "sql_copy",
        status: "failed",
        attempts: 2,
        started_at: "2026-11-28T10:56:00.523Z",
        duration_ms: 62_300,
        attempt_durations_ms: [1200, 300],
        error: 'relation "reporting.customers" does not exist',
        output: null,
        rows: 1200,
        bytes: 3_400_000,
        skip_reason: null,
      },
      expect.objectContaining({ name: "notify", type: null, status: "skipped", attempts: 0, skip_reason: "an earlier step failed" }),
      expect.objectContaining({ name: "cleanup", type: "shell", status: "succeeded", output: {} }),
      expect.objectContaining({ name: "archive", type: null, status: "pending", attempts: 0, started_at: null }),
    ]);
  });

  it("shows a step waiting for its next try as retrying, with the last error", () => {
    const { path } = writeSampleRun(runsDir, { eventCount: 7 });
    const summary = summarizeRun(parseRunLog(readFileSync(path, "utf8")).events, alive);
    expect(summary).toMatchObject({ status: "running", ended_at: null, duration_ms: null, failed_step: null, error: null });
    expect(summary.steps[1]).toMatchObject({ name: "copy", status: "retrying", attempts: 1, error: "connection reset" });
    expect(summary.steps.slice(2).map((step) => step.status)).toEqual(["pending", "pending", "pending"]);
  });

  it("a succeeded run has no failed step", () => {
    const events = parseRunLog(readFileSync(writeSampleRun(runsDir, { final: "run_succeeded" }).path, "utf8")).events;
    expect(summarizeRun(events, alive)).toMatchObject({ status: "succeeded", failed_step: null, error: null });
  });

  it("an interrupted run marks the step it cut off as failed", () => {
    const { path } = writeSampleRun(runsDir, { eventCount: 5 });
    appendFileSync(
      path,
      `${JSON.stringify({ ts: new Date().toISOString(), event: "run_interrupted", run_id: "x", job_id: "nightly", duration_ms: 10, failed_step: "copy", error: "interrupted (SIGINT)" })}\n`,
    );
    const summary = summarizeRun(parseRunLog(readFileSync(path, "utf8")).events, alive);
    expect(summary).toMatchObject({ status: "interrupted", failed_step: "copy", error: "interrupted (SIGINT)" });
    expect(summary.steps[1]).toMatchObject({ status: "failed", error: "the run was interrupted while this step ran" });
  });
});

describe("running or abandoned", () => {
  it("a log without a final event whose process has exited reads as abandoned", async () => {
    const pid = await exitedPid();
    expect(processIsAlive(hostname(), pid)).toBe(false);
    const { path } = writeSampleRun(runsDir, { pid, eventCount: 6 });
    const summary = readRunSummary(path);
    expect(summary).toMatchObject({ status: "abandoned", failed_step: "copy", duration_ms: null });
    expect(summary.error).toBe(`the process (pid ${pid} on ${hostname()}) is gone and the log has no final event`);
    expect(summary.steps[1]).toMatchObject({ status: "failed", error: "the run was abandoned while this step ran" });
  });

  it("a log without a final event whose process is alive reads as running", () => {
    const { path } = writeSampleRun(runsDir, { eventCount: 6 });
    expect(readRunSummary(path)).toMatchObject({ status: "running", failed_step: null, error: null });
    expect(readRunSummary(path).steps[1]).toMatchObject({ status: "running", rows: 1200 });
  });

  it("a process on another host is taken to be alive", async () => {
    const { path } = writeSampleRun(runsDir, { eventCount: 6, host: `not-${hostname()}`, pid: await exitedPid() });
    expect(readRunSummary(path).status).toBe("running");
  });

  it("a finished run is what its final event says, whatever its process", async () => {
    const { path } = writeSampleRun(runsDir, { pid: await exitedPid(), final: "run_succeeded" });
    expect(readRunSummary(path).status).toBe("succeeded");
  });

  it("an empty log is running just after its start, abandoned later", () => {
    const runId = newRunId(new Date("2026-11-28T10:56:00.000Z"));
    const startMs = Date.parse("2026-11-28T10:56:00.000Z");
    expect(summarizeRun([], alive, { runId, jobId: "nightly", now: startMs + 1000 })).toMatchObject({
      status: "running",
      run_id: runId,
      job_id: "nightly",
      started_at: "2026-11-28T10:56:00.000Z",
    });
    expect(summarizeRun([], alive, { runId, jobId: "nightly", now: startMs + 60_000 }).status).toBe("abandoned");
  });
});

describe("summarizeRun of steps that never started", () => {
  it("knows their types from run_started", () => {
    const summary = summarizeRun(
      [
        {
          ts: "2026-11-28T10:00:00.000Z",
          event: "run_started",
          run_id: "20261128T100000000Z-aaaaaa",
          job_id: "job",
          trigger: "manual",
          scheduled_for: null,
          params: {},
          host: hostname(),
          pid: process.pid,
          version: "0.1.0",
          steps: ["copy", "notify"],
          step_types: ["sql_copy", "http"],
        },
      ],
      () => true,
    );
    expect(summary.steps.map((step) => [step.name, step.type, step.status])).toEqual([
      ["copy", "sql_copy", "pending"],
      ["notify", "http", "pending"],
    ]);
  });
});
