/**
 * Reads run logs back: lines into events (tolerating the torn last line a crash leaves), and
 * events into a summary of the run and its steps, which is what `runs`, `show` and `list` print.
 */
import { readFileSync } from "node:fs";
import { basename, dirname } from "node:path";
import { ConfigError } from "../errors/nomaflowError.js";
import type { StepOutput } from "../step-types/stepType.js";
import { processIsAlive, type IsAlive } from "../files/processIsAlive.js";
import {
  FINAL_EVENTS,
  type AlertEvent,
  type ChainedAfterRun,
  type RunEvent,
  type RunFinishedEvent,
  type RunStartedEvent,
  type StepFailedEvent,
  type StepSucceededEvent,
  type Trigger,
} from "./runEvents.js";
import { runStartedAt } from "../identity/runId.js";

export { processIsAlive, type IsAlive } from "../files/processIsAlive.js";

export type RunStatus = "running" | "succeeded" | "failed" | "interrupted" | "abandoned";
export type StepStatus = "pending" | "running" | "retrying" | "succeeded" | "failed" | "skipped";

/** One step of a run as far as the log tells. */
export interface StepSummary {
  name: string;
  /** Null until the step starts. */
  type: string | null;
  status: StepStatus;
  /** Tries started so far. */
  attempts: number;
  /** When the first try started (ISO 8601 UTC). */
  started_at: string | null;
  /** The whole step, from its first try's start to its end, the waits between tries included; null while it runs. */
  duration_ms: number | null;
  /** Each finished try's own time, in order. */
  attempt_durations_ms: number[];
  /** Why it failed, or why the last try failed while it is retrying. */
  error: string | null;
  output: StepOutput | null;
  /** The latest `step_progress` totals. */
  rows: number | null;
  bytes: number | null;
  skip_reason: string | null;
  /** A step not run again by a resume: the run it succeeded in, whose output it carries (absent otherwise). */
  reused_from?: string;
}

/** A run as far as its log tells: what `nomaflow show --json` prints. */
export interface RunSummary {
  run_id: string;
  job_id: string;
  status: RunStatus;
  trigger: Trigger | null;
  /** The run's logical date: the fire time it is for (ISO 8601 with offset); null in logs older than logical dates. */
  scheduled_for: string | null;
  /** The interval the run is about, from the fire before to scheduled_for (absent in older logs). */
  interval_start?: string;
  interval_end?: string;
  /** For trigger recovery: the abandoned run it reran (absent otherwise). */
  recovery_of?: string;
  /** For trigger resume: the run it resumed (absent otherwise). */
  resume_of?: string;
  /** For trigger chain: the runs it followed (absent otherwise). */
  after_runs?: ChainedAfterRun[];
  /** ISO 8601 UTC with milliseconds, as in the log. */
  started_at: string | null;
  ended_at: string | null;
  /** Null until the run ends (and for an abandoned run). */
  duration_ms: number | null;
  host: string | null;
  pid: number | null;
  version: string | null;
  params: Record<string, unknown>;
  /** The first failed step; for an abandoned run, the step that was running. */
  failed_step: string | null;
  error: string | null;
  /** In job order, then any step the log names that run_started did not list. */
  steps: StepSummary[];
  /** The run's alert_sent and alert_failed events, in order. */
  alerts: AlertEvent[];
}

/** The events of a log, and what could not be read. */
export interface ParsedRunLog {
  events: RunEvent[];
  /** The last line was cut short (no newline, or not JSON): a crash while writing it. */
  tornLastLine: boolean;
  /** Unreadable lines before the last one, skipped. */
  badLines: number;
}

export interface ParseRunLogOptions {
  /**
   * Skip `log` events without parsing them, for readers that only summarise: a log can hold
   * megabytes of shell output that a summary never looks at.
   * @default false
   */
  skipLogEvents?: boolean;
}

/** Where `"event":` starts in a line written by RunLogWriter: after `{"ts":"<24 chars>",`. */
const EVENT_KEY_OFFSET = 33;
const LOG_EVENT_MARK = '"event":"log",';

function parseLine(line: string): RunEvent | undefined {
  try {
    const value: unknown = JSON.parse(line);
    if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
    return typeof (value as { event?: unknown }).event === "string" ? (value as RunEvent) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The events of a run log's text. A last line without its newline, or that is not a JSON event,
 * is ignored as torn; an unreadable line before it is skipped and counted. Blank lines are ignored.
 */
export function parseRunLog(text: string, options: ParseRunLogOptions = {}): ParsedRunLog {
  const lines = text.split("\n");
  // After the last newline: empty for a complete log, else the start of a line never finished.
  const rest = lines.pop() ?? "";
  let tornLastLine = rest.trim() !== "";
  let lastIndex = lines.length - 1;
  while (lastIndex >= 0 && lines[lastIndex]!.trim() === "") lastIndex -= 1;
  const events: RunEvent[] = [];
  let badLines = 0;
  for (let index = 0; index <= lastIndex; index += 1) {
    const line = lines[index]!;
    if (options.skipLogEvents && line.startsWith(LOG_EVENT_MARK, EVENT_KEY_OFFSET)) continue;
    if (line.trim() === "") continue;
    const event = parseLine(line);
    if (event) events.push(event);
    else if (index === lastIndex && !tornLastLine) tornLastLine = true;
    else badLines += 1;
  }
  return { events, tornLastLine, badLines };
}

export interface SummarizeOptions {
  /** Used when the log has no run_started (an empty or headless log); default: from the events. */
  runId?: string;
  jobId?: string;
  /**
   * A log without run_started has no pid to check: it reads as running for this long after the
   * run id's start time (the writer may be about to write it), then as abandoned.
   * @default 10000
   */
  startupGraceMs?: number;
  /** @default Date.now() */
  now?: number;
}

const DEFAULT_STARTUP_GRACE_MS = 10_000;

function newStep(name: string): StepSummary {
  return {
    name,
    type: null,
    status: "pending",
    attempts: 0,
    started_at: null,
    duration_ms: null,
    attempt_durations_ms: [],
    error: null,
    output: null,
    rows: null,
    bytes: null,
    skip_reason: null,
  };
}

/**
 * The whole time of a step that ended, from the start of its first try (`firstStartedAt`, the
 * ts of its first step_started), waits between tries included. step_failed carries it already;
 * step_succeeded carries its last try's time only, so a retried step is timed by the log.
 */
export function stepDurationMs(end: StepSucceededEvent | StepFailedEvent, firstStartedAt: string | null | undefined): number {
  if (end.event === "step_failed" || end.attempt <= 1 || !firstStartedAt) return end.duration_ms;
  return Math.max(end.duration_ms, Date.parse(end.ts) - Date.parse(firstStartedAt));
}

/** Folds step events into per-step summaries, in job order. */
function summarizeSteps(events: RunEvent[], started: RunStartedEvent | undefined): Map<string, StepSummary> {
  const steps = new Map<string, StepSummary>();
  (started?.steps ?? []).forEach((name, index) => steps.set(name, { ...newStep(name), type: started?.step_types?.[index] ?? null }));
  const stepOf = (name: string) => {
    let step = steps.get(name);
    if (!step) steps.set(name, (step = newStep(name)));
    return step;
  };
  for (const event of events) {
    switch (event.event) {
      case "step_started": {
        const step = stepOf(event.step);
        step.type = event.type;
        step.status = "running";
        step.attempts = Math.max(step.attempts, event.attempt);
        step.started_at ??= event.ts;
        break;
      }
      case "step_progress": {
        const step = stepOf(event.step);
        if (event.rows !== undefined) step.rows = event.rows;
        if (event.bytes !== undefined) step.bytes = event.bytes;
        break;
      }
      case "step_attempt_failed": {
        const step = stepOf(event.step);
        step.error = event.error;
        step.attempt_durations_ms.push(event.duration_ms);
        // With no retry coming the step_failed event follows; until then it is still running.
        if (event.retry_in_seconds !== null) step.status = "retrying";
        break;
      }
      case "step_succeeded": {
        const step = stepOf(event.step);
        Object.assign(step, { status: "succeeded", duration_ms: stepDurationMs(event, step.started_at), output: event.output ?? null, error: null });
        step.attempt_durations_ms.push(event.duration_ms);
        step.attempts = Math.max(step.attempts, event.attempt);
        break;
      }
      case "step_failed": {
        const step = stepOf(event.step);
        Object.assign(step, { status: "failed", duration_ms: stepDurationMs(event, step.started_at), error: event.error });
        step.attempts = Math.max(step.attempts, event.attempt);
        break;
      }
      case "step_skipped":
        Object.assign(stepOf(event.step), { status: "skipped", skip_reason: event.reason });
        break;
      case "step_reused":
        Object.assign(stepOf(event.step), { status: "succeeded", output: event.output ?? null, reused_from: event.from_run });
        break;
      default:
        break;
    }
  }
  return steps;
}

/**
 * What the events say about a run. A log with no final event is `running` while its process is
 * alive (as `isAlive` judges it) and `abandoned` once it is gone.
 */
export function summarizeRun(events: RunEvent[], isAlive: IsAlive = processIsAlive, options: SummarizeOptions = {}): RunSummary {
  const started = events.find((event): event is RunStartedEvent => event.event === "run_started");
  const final = events.find((event): event is RunFinishedEvent => FINAL_EVENTS.has(event.event));
  const runId = started?.run_id ?? events[0]?.run_id ?? options.runId ?? "";
  const jobId = started?.job_id ?? events[0]?.job_id ?? options.jobId ?? "";
  const startMs = runStartedAt(runId);
  const steps = [...summarizeSteps(events, started).values()];

  let status: RunStatus;
  if (final) status = final.event === "run_succeeded" ? "succeeded" : final.event === "run_failed" ? "failed" : "interrupted";
  else if (started) status = isAlive(started.host, started.pid) ? "running" : "abandoned";
  else {
    const graceMs = options.startupGraceMs ?? DEFAULT_STARTUP_GRACE_MS;
    status = startMs !== undefined && (options.now ?? Date.now()) - startMs < graceMs ? "running" : "abandoned";
  }

  let failedStep = final?.failed_step ?? steps.find((step) => step.status === "failed")?.name ?? null;
  let error = final?.error ?? null;
  if (status !== "running") {
    // A step still marked as running in a finished or abandoned run was cut off with it.
    for (const step of steps) {
      if (step.status !== "running" && step.status !== "retrying") continue;
      step.status = "failed";
      step.error ??= status === "abandoned" ? "the run was abandoned while this step ran" : `the run was ${status} while this step ran`;
      failedStep ??= step.name;
    }
  }
  if (status === "abandoned") {
    error = started
      ? `the process (pid ${started.pid} on ${started.host}) is gone and the log has no final event`
      : "the log has no run_started event: the process died as the run began";
  }

  return {
    run_id: runId,
    job_id: jobId,
    status,
    trigger: started?.trigger ?? null,
    scheduled_for: started?.scheduled_for ?? null,
    ...(started?.interval_start ? { interval_start: started.interval_start } : {}),
    ...(started?.interval_end ? { interval_end: started.interval_end } : {}),
    ...(started?.recovery_of ? { recovery_of: started.recovery_of } : {}),
    ...(started?.resume_of ? { resume_of: started.resume_of } : {}),
    ...(started?.after_runs ? { after_runs: started.after_runs } : {}),
    started_at: started?.ts ?? (startMs === undefined ? null : new Date(startMs).toISOString()),
    ended_at: final?.ts ?? null,
    duration_ms: final?.duration_ms ?? null,
    host: started?.host ?? null,
    pid: started?.pid ?? null,
    version: started?.version ?? null,
    params: started?.params ?? {},
    failed_step: status === "succeeded" ? null : failedStep,
    error,
    steps,
    alerts: events.filter((event): event is AlertEvent => event.event === "alert_sent" || event.event === "alert_failed"),
  };
}

/**
 * Reads and parses the log at `path`.
 * @throws ConfigError when the file cannot be read.
 */
export function readRunLog(path: string, options: ParseRunLogOptions = {}): ParsedRunLog {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read the run log ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parseRunLog(text, options);
}

/** Reads and summarises the log at `path` (`<runsDir>/<jobId>/<runId>.ndjson`). */
export function readRunSummary(path: string, isAlive: IsAlive = processIsAlive): RunSummary {
  const { events } = readRunLog(path, { skipLogEvents: true });
  return summarizeRun(events, isAlive, { runId: basename(path, ".ndjson"), jobId: basename(dirname(path)) });
}
