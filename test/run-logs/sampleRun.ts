/** Writes realistic run logs through the real RunLogWriter, for the run-log and CLI tests. */
import { spawn } from "node:child_process";
import { hostname } from "node:os";
import type { Trigger, UnstampedRunEvent } from "../../src/run-logs/runEvents.js";
import { RunLogWriter } from "../../src/run-logs/runLogWriter.js";
import { newRunId } from "../../src/identity/runId.js";

export const SAMPLE_STEPS = ["sanity", "copy", "notify", "cleanup", "archive"];

export interface SampleRunOptions {
  jobId?: string;
  start?: Date;
  /** The final event; null leaves the run without one (running or abandoned). */
  final?: "run_succeeded" | "run_failed" | "run_interrupted" | null;
  host?: string;
  pid?: number;
  trigger?: Trigger;
  /** Stop after this many events (run_started included); the final event is not written then. */
  eventCount?: number;
}

/** The run_started event of a sample run. */
export function sampleRunStarted(options: SampleRunOptions = {}): UnstampedRunEvent {
  return {
    event: "run_started",
    trigger: options.trigger ?? "manual",
    scheduled_for: options.trigger === "schedule" ? "2026-11-28T02:00:00+01:00" : null,
    params: { threshold_percent: 50 },
    host: options.host ?? hostname(),
    pid: options.pid ?? process.pid,
    version: "0.1.0",
    steps: SAMPLE_STEPS,
  };
}

/**
 * A run that retries `copy` and fails it, skips `notify`, runs `cleanup` (run_if: always) and
 * never reaches `archive`.
 */
export function sampleRunEvents(options: SampleRunOptions = {}): UnstampedRunEvent[] {
  const events: UnstampedRunEvent[] = [
    sampleRunStarted(options),
    { event: "step_started", step: "sanity", type: "python", attempt: 1, attempts: 1 },
    { event: "log", step: "sanity", level: "info", message: "source=1200" },
    { event: "step_succeeded", step: "sanity", attempt: 1, duration_ms: 850, output: { source_rows: 1200 } },
    { event: "step_started", step: "copy", type: "sql_copy", attempt: 1, attempts: 2 },
    { event: "step_progress", step: "copy", rows: 1200, bytes: 3_400_000 },
    { event: "step_attempt_failed", step: "copy", attempt: 1, error: "connection reset", retry_in_seconds: 60, duration_ms: 1200 },
    { event: "step_started", step: "copy", type: "sql_copy", attempt: 2, attempts: 2 },
    {
      event: "step_attempt_failed",
      step: "copy",
      attempt: 2,
      error: 'relation "reporting.customers" does not exist',
      retry_in_seconds: null,
      duration_ms: 300,
    },
    { event: "step_failed", step: "copy", attempt: 2, duration_ms: 62_300, error: 'relation "reporting.customers" does not exist' },
    { event: "step_skipped", step: "notify", reason: "an earlier step failed" },
    { event: "step_started", step: "cleanup", type: "shell", attempt: 1, attempts: 1 },
    { event: "step_succeeded", step: "cleanup", attempt: 1, duration_ms: 40, output: {} },
    { event: "alert_sent", channel: "oncall", kind: "on_failure" },
  ];
  const final = options.final === undefined ? "run_failed" : options.final;
  if (final === "run_succeeded") events.push({ event: "run_succeeded", duration_ms: 64_000 });
  else if (final !== null) {
    events.push({ event: final, duration_ms: 64_000, failed_step: "copy", error: 'step copy failed: relation "reporting.customers" does not exist' });
  }
  return options.eventCount === undefined ? events : events.slice(0, options.eventCount);
}

/** Writes a sample run under `runsDir`, one event every 100 ms of log time. */
export function writeSampleRun(runsDir: string, options: SampleRunOptions = {}): { runId: string; path: string } {
  const start = options.start ?? new Date();
  const runId = newRunId(start);
  const writer = RunLogWriter.open(runsDir, options.jobId ?? "nightly", runId, (text) => text);
  sampleRunEvents(options).forEach((event, index) => writer.write(event, new Date(start.getTime() + index * 100)));
  writer.close();
  return { runId, path: writer.path };
}

/** The pid of a process that has exited (and been reaped), for abandoned-run tests. */
export function exitedPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", "0"], { stdio: "ignore" });
    child.on("error", reject);
    child.on("close", () => resolve(child.pid!));
  });
}
