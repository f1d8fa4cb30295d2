/**
 * The events of a run log (DESIGN 6.2): `runs/<job-id>/<run-id>.ndjson`, one JSON object a line.
 * Every event has `ts` (ISO 8601 UTC with milliseconds), `event`, `run_id` and `job_id`. The log is
 * a public contract: each event is a schema here, and its TypeScript type is derived from it.
 * Readers must accept fields they do not know: new ones may appear.
 */
import { LogLevel } from "../schema/common.js";
import { Type, type Static } from "@sinclair/typebox";

/**
 * Why a run started: by hand, on time, late within the misfire grace (`catchup`), as the rerun of
 * a run whose daemon died (`recovery`, with `state:` and `on_abandoned: rerun`), for one fire time
 * of `nomaflow backfill` (`backfill`), as `nomaflow run --resume` of a failed run (`resume`), or by
 * the daemon once the runs of the jobs its `trigger.after` names ended for one logical date (`chain`).
 */
export const Trigger = Type.Union([
  Type.Literal("manual"),
  Type.Literal("schedule"),
  Type.Literal("catchup"),
  Type.Literal("recovery"),
  Type.Literal("backfill"),
  Type.Literal("resume"),
  Type.Literal("chain"),
]);
export type Trigger = Static<typeof Trigger>;

/** Why an alert went out: the job's alert policy, a plugin's `ctx.notify`, or a run found abandoned. */
export const AlertKind = Type.Union([
  Type.Literal("on_failure"),
  Type.Literal("on_success"),
  Type.Literal("on_long_run"),
  Type.Literal("notify"),
  Type.Literal("abandoned"),
]);
export type AlertKind = Static<typeof AlertKind>;

const stamp = {
  ts: Type.String({ description: "ISO 8601 UTC with milliseconds." }),
  run_id: Type.String(),
  job_id: Type.String(),
};

/** One run a chained run followed: the latest run of a job of `trigger.after` for the logical date. */
export const ChainedAfterRun = Type.Object({
  job_id: Type.String(),
  run_id: Type.String(),
  status: Type.Union([Type.Literal("succeeded"), Type.Literal("failed"), Type.Literal("interrupted"), Type.Literal("abandoned")], {
    description: "How it ended.",
  }),
});
export type ChainedAfterRun = Static<typeof ChainedAfterRun>;

export const RunStartedEvent = Type.Object({
  ...stamp,
  event: Type.Literal("run_started"),
  trigger: Trigger,
  scheduled_for: Type.Union([Type.String(), Type.Null()], {
    description:
      "The run's logical date, ISO 8601 with the job zone's offset: the fire time it is for (a manual run: the latest fire at or before its start, or run --for; a job without a schedule: its start). Null only in logs written before logical dates existed.",
  }),
  interval_start: Type.Optional(
    Type.String({ description: "The fire before scheduled_for (scheduled_for itself when there is none): the start of the interval the run is about." }),
  ),
  interval_end: Type.Optional(Type.String({ description: "The end of that interval: scheduled_for." })),
  params: Type.Record(Type.String(), Type.Unknown()),
  host: Type.String(),
  pid: Type.Integer(),
  version: Type.String(),
  steps: Type.Array(Type.String(), { description: "Step names in order, so a reader can show steps that have not started." }),
  step_types: Type.Optional(Type.Array(Type.String(), { description: "Their types, in the same order (absent in logs written before this field existed)." })),
  recovery_of: Type.Optional(Type.String({ description: "For trigger recovery: the abandoned run this one reruns." })),
  resume_of: Type.Optional(Type.String({ description: "For trigger resume: the failed or interrupted run this one resumes." })),
  after_runs: Type.Optional(
    Type.Array(ChainedAfterRun, {
      description: "For trigger chain: the run of each job of trigger.after, for the same logical date, that this run followed, in after's order.",
    }),
  ),
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

export const StepReusedEvent = Type.Object({
  ...stamp,
  event: Type.Literal("step_reused"),
  step: Type.String(),
  from_run: Type.String({ description: "The run resumed, in which the step succeeded." }),
  output: Type.Record(Type.String(), Type.Unknown(), { description: "Its output in that run, usable as ${steps.NAME.output.KEY}." }),
});
export type StepReusedEvent = Static<typeof StepReusedEvent>;

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

/**
 * Why a run ended, when it is not told by its steps alone: `lease_lost` (run_interrupted: its daemon
 * lost its lease on the state store), `job_timeout` (run_failed: the job's `timeout` passed).
 */
export const RunEndReason = Type.Union([Type.Literal("lease_lost"), Type.Literal("job_timeout")], {
  description: "run_interrupted: lease_lost (the daemon lost its lease on the state store); run_failed: job_timeout (the job's timeout passed).",
});
export type RunEndReason = Static<typeof RunEndReason>;

export const RunFinishedEvent = Type.Object({
  ...stamp,
  event: Type.Union([Type.Literal("run_succeeded"), Type.Literal("run_failed"), Type.Literal("run_interrupted")]),
  duration_ms: Type.Number(),
  failed_step: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: "The first failed step, for run_failed and run_interrupted." })),
  error: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  reason: Type.Optional(RunEndReason),
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
  StepReusedEvent,
  AlertEvent,
  RunFinishedEvent,
]);
export type RunEvent = Static<typeof RunEvent>;

export type RunEventName = RunEvent["event"];

export const FINAL_EVENTS: ReadonlySet<RunEventName> = new Set(["run_succeeded", "run_failed", "run_interrupted"]);

/** An event before `ts`, `run_id` and `job_id` are stamped on it. */
export type UnstampedRunEvent = RunEvent extends infer Event ? (Event extends RunEvent ? Omit<Event, "ts" | "run_id" | "job_id"> : never) : never;
