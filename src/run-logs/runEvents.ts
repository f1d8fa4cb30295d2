/**
 * The events of a run log (DESIGN 6.2): `runs/<job-id>/<run-id>.ndjson`, one JSON object a line.
 * Every event has `ts` (ISO 8601 UTC with milliseconds), `event`, `run_id` and `job_id`. The log is
 * a public contract: each event is a schema here, and its TypeScript type is derived from it.
 * Readers must accept fields they do not know: new ones may appear.
 */
import { LogLevel } from "../schema/common.js";
import { Type, type Static } from "@sinclair/typebox";

/**
 * Why a run started: by hand, on time, late within the misfire grace (`catchup`), or as the rerun of
 * a run whose daemon died (`recovery`, with `state:` and `on_abandoned: rerun`).
 */
export const Trigger = Type.Union([Type.Literal("manual"), Type.Literal("schedule"), Type.Literal("catchup"), Type.Literal("recovery")]);
export type Trigger = Static<typeof Trigger>;

/** Why an alert went out: the job's alert policy, a plugin's `ctx.notify`, or a run found abandoned. */
export const AlertKind = Type.Union([Type.Literal("on_failure"), Type.Literal("on_long_run"), Type.Literal("notify"), Type.Literal("abandoned")]);
export type AlertKind = Static<typeof AlertKind>;

const stamp = {
  ts: Type.String({ description: "ISO 8601 UTC with milliseconds." }),
  run_id: Type.String(),
  job_id: Type.String(),
};

export const RunStartedEvent = Type.Object({
  ...stamp,
  event: Type.Literal("run_started"),
  trigger: Trigger,
  scheduled_for: Type.Union([Type.String(), Type.Null()], { description: "The fire time a scheduled run stands for (ISO with offset), null for manual runs." }),
  params: Type.Record(Type.String(), Type.Unknown()),
  host: Type.String(),
  pid: Type.Integer(),
  version: Type.String(),
  steps: Type.Array(Type.String(), { description: "Step names in order, so a reader can show steps that have not started." }),
  step_types: Type.Optional(Type.Array(Type.String(), { description: "Their types, in the same order (absent in logs written before this field existed)." })),
  recovery_of: Type.Optional(Type.String({ description: "For trigger recovery: the abandoned run this one reruns." })),
});
export type RunStartedEvent = Static<typeof RunStartedEvent>;

export const StepStartedEvent = Type.Object({
  ...stamp,
  event: Type.Literal("step_started"),
  step: Type.String(),
  type: Type.String(),
  attempt: Type.Integer(),
  attempts: Type.Integer({ description: "Total tries allowed." }),
});
export type StepStartedEvent = Static<typeof StepStartedEvent>;

export const LogEvent = Type.Object({
  ...stamp,
  event: Type.Literal("log"),
  step: Type.Union([Type.String(), Type.Null()]),
  level: LogLevel,
  message: Type.String(),
});
export type LogEvent = Static<typeof LogEvent>;

export const StepProgressEvent = Type.Object({
  ...stamp,
  event: Type.Literal("step_progress"),
  step: Type.String(),
  rows: Type.Optional(Type.Integer()),
  bytes: Type.Optional(Type.Integer()),
});
export type StepProgressEvent = Static<typeof StepProgressEvent>;

export const StepAttemptFailedEvent = Type.Object({
  ...stamp,
  event: Type.Literal("step_attempt_failed"),
  step: Type.String(),
  attempt: Type.Integer(),
  error: Type.String(),
  hint: Type.Optional(Type.String({ description: "What to do about the error, when it says (a StepError's hint)." })),
  retry_in_seconds: Type.Union([Type.Number(), Type.Null()], {
    description: "Wait before the next try; null when this was the last try or the error is not retryable.",
  }),
  duration_ms: Type.Number(),
});
export type StepAttemptFailedEvent = Static<typeof StepAttemptFailedEvent>;

export const StepSucceededEvent = Type.Object({
  ...stamp,
  event: Type.Literal("step_succeeded"),
  step: Type.String(),
  attempt: Type.Integer(),
  duration_ms: Type.Number(),
  output: Type.Record(Type.String(), Type.Unknown(), { description: "The step's result, usable as ${steps.NAME.output.KEY}." }),
});
export type StepSucceededEvent = Static<typeof StepSucceededEvent>;

export const StepFailedEvent = Type.Object({
  ...stamp,
  event: Type.Literal("step_failed"),
  step: Type.String(),
  attempt: Type.Integer(),
  duration_ms: Type.Number({ description: "From the step's first start to its last failure, waits included." }),
  error: Type.String(),
  hint: Type.Optional(Type.String({ description: "What to do about the error, when it says (a StepError's hint)." })),
});
export type StepFailedEvent = Static<typeof StepFailedEvent>;

export const StepSkippedEvent = Type.Object({
  ...stamp,
  event: Type.Literal("step_skipped"),
  step: Type.String(),
  reason: Type.String(),
});
export type StepSkippedEvent = Static<typeof StepSkippedEvent>;

export const AlertEvent = Type.Object({
  ...stamp,
  event: Type.Union([Type.Literal("alert_sent"), Type.Literal("alert_failed")]),
  channel: Type.String({ description: "The channel's name in nomaflow.yaml." }),
  channel_type: Type.Optional(Type.String({ description: "Its type (slack, teams, webhook, email); absent when no such channel is defined." })),
  kind: AlertKind,
  step: Type.Optional(Type.String({ description: "For notify: the step whose plugin sent it." })),
  attempts: Type.Optional(Type.Integer({ description: "Tries made; 0 when the channel could not be used at all (undefined, or a variable unset)." })),
  error: Type.Optional(Type.String({ description: "For alert_failed: the last try's error." })),
});
export type AlertEvent = Static<typeof AlertEvent>;

export const RunFinishedEvent = Type.Object({
  ...stamp,
  event: Type.Union([Type.Literal("run_succeeded"), Type.Literal("run_failed"), Type.Literal("run_interrupted")]),
  duration_ms: Type.Number(),
  failed_step: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: "The first failed step, for run_failed and run_interrupted." })),
  error: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  reason: Type.Optional(Type.String({ description: "For run_interrupted, when known: lease_lost (the daemon lost its lease on the state store)." })),
});
export type RunFinishedEvent = Static<typeof RunFinishedEvent>;

/** One line of a run log. */
export const RunEvent = Type.Union([
  RunStartedEvent,
  StepStartedEvent,
  LogEvent,
  StepProgressEvent,
  StepAttemptFailedEvent,
  StepSucceededEvent,
  StepFailedEvent,
  StepSkippedEvent,
  AlertEvent,
  RunFinishedEvent,
]);
export type RunEvent = Static<typeof RunEvent>;

export type RunEventName = RunEvent["event"];

export const FINAL_EVENTS: ReadonlySet<RunEventName> = new Set(["run_succeeded", "run_failed", "run_interrupted"]);

/** An event before `ts`, `run_id` and `job_id` are stamped on it. */
export type UnstampedRunEvent = RunEvent extends infer Event ? (Event extends RunEvent ? Omit<Event, "ts" | "run_id" | "job_id"> : never) : never;
