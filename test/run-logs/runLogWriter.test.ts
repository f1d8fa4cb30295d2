import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors/nomaflowError.js";
import { parseRunLog } from "../../src/run-logs/readRunLog.js";
import { RunLogWriter } from "../../src/run-logs/runLogWriter.js";
import { newRunId } from "../../src/identity/runId.js";
import { REPO_ROOT } from "../support/tempProject.js";
import { sampleRunEvents, sampleRunStarted } from "./sampleRun.js";

let runsDir: string;
beforeEach(() => {
  runsDir = mkdtempSync(join(tmpdir(), "nomaflow-runs-"));
});
afterEach(() => rmSync(runsDir, { recursive: true, force: true }));

const identity = (text: string) => text;

describe("RunLogWriter", () => {
  it("creates runs/<job>/<run>.ndjson and writes one stamped line per event, ts, event, run_id, job_id first", () => {
    const runId = newRunId(new Date("2026-11-28T10:56:00.123Z"));
    const writer = RunLogWriter.open(join(runsDir, "nested", "runs"), "nightly", runId, identity);
    expect(writer.path).toBe(join(runsDir, "nested", "runs", "nightly", `${runId}.ndjson`));
    const events = sampleRunEvents();
    events.forEach((event, index) => writer.write(event, new Date(Date.UTC(2026, 10, 28, 10, 56, 0, 123 + index))));
    writer.close();
    writer.close();

    const text = readFileSync(writer.path, "utf8");
    expect(text.endsWith("\n")).toBe(true);
    const lines = text.slice(0, -1).split("\n");
    expect(lines).toHaveLength(events.length);
    lines.forEach((line, index) => {
      const parsed = JSON.parse(line);
      expect(Object.keys(parsed).slice(0, 4)).toEqual(["ts", "event", "run_id", "job_id"]);
      expect(parsed).toMatchObject({ ...events[index], run_id: runId, job_id: "nightly" });
      expect(parsed.ts).toBe(new Date(Date.UTC(2026, 10, 28, 10, 56, 0, 123 + index)).toISOString());
    });
    expect(lines[0]).toMatch(
      /^\{"ts":"2026-11-28T10:56:00\.123Z","event":"run_started","run_id":"20261128T105600123Z-[a-z2-7]{6}","job_id":"nightly","trigger":"manual"/,
    );
  });

  it("returns the event as written, stamps included, and keeps its own stamps over the caller's", () => {
    const writer = RunLogWriter.open(runsDir, "nightly", newRunId(), identity);
    const sneaky = { event: "run_succeeded", duration_ms: 5, run_id: "other", ts: "1999" } as never;
    const written = writer.write(sneaky, new Date("2026-11-28T10:56:00.000Z"));
    writer.close();
    expect(written).toEqual({ ts: "2026-11-28T10:56:00.000Z", event: "run_succeeded", run_id: writer.runId, job_id: "nightly", duration_ms: 5 });
    expect(JSON.parse(readFileSync(writer.path, "utf8"))).toEqual(written);
  });

  it("applies the mask to the whole line, keys and stamps included", () => {
    const mask = (text: string) => text.replaceAll("hunter2", "***").replaceAll("nightly", "n******");
    const writer = RunLogWriter.open(runsDir, "nightly", newRunId(), mask);
    const written = writer.write({ event: "log", step: "sanity", level: "info", message: "password=hunter2 for nightly" });
    writer.write({ event: "step_succeeded", step: "sanity", attempt: 1, duration_ms: 1, output: { hunter2: ["x hunter2 y"] } });
    writer.close();
    const text = readFileSync(writer.path, "utf8");
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("nightly");
    expect(written).toMatchObject({ job_id: "n******", message: "password=*** for n******" });
    expect(JSON.parse(text.split("\n")[1]!).output).toEqual({ "***": ["x *** y"] });
  });

  it("masks secrets that JSON escapes, and keeps the line valid when the mask would break it", () => {
    const quoted = 'pa"ss\\word';
    const mask = (text: string) => text.replaceAll(quoted, "***").replaceAll("1", "***");
    const writer = RunLogWriter.open(runsDir, "nightly", newRunId(), mask);
    writer.write({ event: "log", step: null, level: "error", message: `login with ${quoted} failed` });
    writer.write({ event: "step_progress", step: "copy", rows: 1234 });
    writer.close();
    const { events, badLines, tornLastLine } = parseRunLog(readFileSync(writer.path, "utf8"));
    expect({ badLines, tornLastLine }).toEqual({ badLines: 0, tornLastLine: false });
    expect(events[0]).toMatchObject({ message: "login with *** failed" });
    expect(events[1]).toMatchObject({ rows: 1234 });
    expect(readFileSync(writer.path, "utf8")).not.toContain('pa\\"ss');
  });

  it("never reuses a file: opening the same run twice is a ConfigError", () => {
    const runId = newRunId();
    RunLogWriter.open(runsDir, "nightly", runId, identity).close();
    expect(() => RunLogWriter.open(runsDir, "nightly", runId, identity)).toThrow(ConfigError);
    expect(() => RunLogWriter.open(runsDir, "nightly", runId, identity)).toThrow(/cannot create the run log .*EEXIST/);
  });

  it("writes many events to one file, one complete line each (speed: test/bench/run-overhead.mjs)", () => {
    const writer = RunLogWriter.open(runsDir, "nightly", newRunId(), (text) => text.replaceAll("s3cr3t-token", "***"));
    writer.write(sampleRunStarted());
    const steps = 500;
    for (let step = 0; step < steps; step += 1) {
      writer.write({ event: "step_started", step: `step-${step}`, type: "sql", attempt: 1, attempts: 1 });
      writer.write({ event: "log", step: `step-${step}`, level: "info", message: "42 rows affected with s3cr3t-token" });
      writer.write({ event: "step_succeeded", step: `step-${step}`, attempt: 1, duration_ms: 3, output: { rows: 42, table: "reporting.customers" } });
    }
    writer.close();
    const lines = readFileSync(writer.path, "utf8").split("\n");
    expect(lines.pop()).toBe("");
    expect(lines).toHaveLength(1 + 3 * steps);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(lines.join("\n")).not.toContain("s3cr3t-token");
  });

  it("two processes writing logs of two jobs at once leave every line intact", async () => {
    // Real processes (the built module): in-process writes could not interleave at all.
    const moduleUrl = pathToFileURL(join(REPO_ROOT, "dist", "run-logs", "runLogWriter.js")).href;
    const script = `
      const { RunLogWriter } = await import(${JSON.stringify(moduleUrl)});
      const [runsDir, jobId, runId] = process.argv.slice(1);
      const writer = RunLogWriter.open(runsDir, jobId, runId, (t) => t);
      const padding = jobId.repeat(3000);
      for (let seq = 0; seq < 2000; seq += 1) writer.write({ event: "log", step: "s", level: "info", message: seq + ":" + padding });
      writer.close();
    `;
    const writeLog = (jobId: string, runId: string) =>
      new Promise<void>((resolve, reject) =>
        execFile(process.execPath, ["--input-type=module", "-e", script, runsDir, jobId, runId], (error) => (error ? reject(error) : resolve())),
      );
    const runs = [
      { jobId: "job-a", runId: newRunId() },
      { jobId: "job-b", runId: newRunId() },
    ];
    await Promise.all(runs.map((run) => writeLog(run.jobId, run.runId)));
    for (const run of runs) {
      const text = readFileSync(join(runsDir, run.jobId, `${run.runId}.ndjson`), "utf8");
      const { events, badLines, tornLastLine } = parseRunLog(text);
      expect({ badLines, tornLastLine, count: events.length }).toEqual({ badLines: 0, tornLastLine: false, count: 2000 });
      events.forEach((event, seq) => {
        expect(event).toMatchObject({ job_id: run.jobId, run_id: run.runId });
        expect((event as { message: string }).message).toBe(`${seq}:${run.jobId.repeat(3000)}`);
      });
    }
  });
});

describe("RunLogWriter.openInBackground", () => {
  it("keeps what is written before the file exists, in order, and closes after", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nomaflow-bg-log-"));
    try {
      const writer = RunLogWriter.openInBackground(join(dir, "runs"), "job", "20261128T000000000Z-aaaaaa", (text) => text.split("secret").join("***"));
      writer.write({ event: "log", step: "s", level: "info", message: "first secret" } as never, new Date(0));
      writer.write({ event: "log", step: "s", level: "info", message: "second" } as never, new Date(1));
      writer.close();
      await writer.ready;
      await new Promise((resolve) => setTimeout(resolve, 50));
      const lines = readFileSync(writer.path, "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { message: string });
      expect(lines.map((line) => line.message)).toEqual(["first ***", "second"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects ready with a ConfigError when the folder cannot be made", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nomaflow-bg-log-"));
    try {
      writeFileSync(join(dir, "runs"), "a file, not a folder");
      const writer = RunLogWriter.openInBackground(join(dir, "runs"), "job", "20261128T000000000Z-bbbbbb", (text) => text);
      writer.write({ event: "log", step: "s", level: "info", message: "lost" } as never);
      await expect(writer.ready).rejects.toThrow(/^cannot create the run log .*runs\/job\/20261128T000000000Z-bbbbbb\.ndjson/);
      writer.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
