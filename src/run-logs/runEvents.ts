/**
 * The events of a run log (DESIGN 6.2): `runs/<job-id>/<run-id>.ndjson`, one JSON object a line.
 * Every event has `ts` (ISO 8601 UTC with milliseconds), `event`, `run_id` and `job_id`.
 */
import type { LogLevel, StepOutput } from "../step-types/stepType.js";

export type Trigger = "manual" | "schedule" | "catchup";

interface EventBase {
  ts: string;
  run_id: string;
  job_id: string;
}

export interface RunStartedEvent extends EventBase {
  event: "run_started";
  trigger: Trigger;
  /** The fire time a scheduled run stands for (ISO with offset), null for manual runs. */
  scheduled_for: string | null;
  params: Record<string, unknown>;
  host: string;
  pid: number;
  version: string;
  /** Step names in order, so a reader can show steps that have not started. */
  steps: string[];
  /** Their types, in the same order (absent in logs written before this field existed). */
  step_types?: string[];
}

export interface StepStartedEvent extends EventBase {
  event: "step_started";
  step: string;
  type: string;
  attempt: number;
  /** Total tries allowed. */
  attempts: number;
}

export interface LogEvent extends EventBase {
  event: "log";
  step: string | null;
  level: LogLevel;
  message: string;
}

export interface StepProgressEvent extends EventBase {
  event: "step_progress";
  step: string;
  rows?: number;
  bytes?: number;
}

export interface StepAttemptFailedEvent extends EventBase {
  event: "step_attempt_failed";
  step: string;
  attempt: number;
  error: string;
  /** Wait before the next try; null when this was the last try or the error is not retryable. */
  retry_in_seconds: number | null;
  duration_ms: number;
}

export interface StepSucceededEvent extends EventBase {
  event: "step_succeeded";
  step: string;
  attempt: number;
  duration_ms: number;
  output: StepOutput;
}

export interface StepFailedEvent extends EventBase {
  event: "step_failed";
  step: string;
  attempt: number;
  /** From the step's first start to its last failure, waits included. */
  duration_ms: number;
  error: string;
}

export interface StepSkippedEvent extends EventBase {
  event: "step_skipped";
  step: string;
  reason: string;
}

/** Why an alert went out: the job's alert policy, a plugin's `ctx.notify`, or a run found abandoned. */
export type AlertKind = "on_failure" | "on_long_run" | "notify" | "abandoned";

export interface AlertEvent extends EventBase {
  event: "alert_sent" | "alert_failed";
  /** The channel's name in nomaflow.yaml. */
  channel: string;
  /** Its type (slack, teams, webhook, email); absent when no such channel is defined. */
  channel_type?: string;
  kind: AlertKind;
  /** For `notify`: the step whose plugin sent it. */
  step?: string;
  /** Tries made; 0 when the channel could not be used at all (undefined, or a variable unset). */
  attempts?: number;
  /** For alert_failed: the last try's error. */
  error?: string;
}

export interface RunFinishedEvent extends EventBase {
  event: "run_succeeded" | "run_failed" | "run_interrupted";
  duration_ms: number;
  /** The first failed step, for run_failed and run_interrupted. */
  failed_step?: string | null;
  error?: string | null;
}

export type RunEvent =
  | RunStartedEvent
  | StepStartedEvent
  | LogEvent
  | StepProgressEvent
  | StepAttemptFailedEvent
  | StepSucceededEvent
  | StepFailedEvent
  | StepSkippedEvent
  | AlertEvent
  | RunFinishedEvent;

export type RunEventName = RunEvent["event"];

export const FINAL_EVENTS: ReadonlySet<RunEventName> = new Set(["run_succeeded", "run_failed", "run_interrupted"]);

/** An event before `ts`, `run_id` and `job_id` are stamped on it. */
export type UnstampedRunEvent = RunEvent extends infer Event ? (Event extends RunEvent ? Omit<Event, "ts" | "run_id" | "job_id"> : never) : never;
