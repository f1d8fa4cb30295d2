/**
 * What an alert says about a run, whatever channel carries it: the facts a person on call needs
 * to judge it without opening a terminal, and the command that shows the whole run.
 */
import type { AlertKind } from "../run-logs/runEvents.js";

export type { AlertKind };

export interface RunAlert {
  kind: AlertKind;
  jobId: string;
  runId: string;
  /** `failed` (on_failure), `succeeded` (on_success), `running` (on_long_run, notify), `abandoned`. */
  status: "failed" | "succeeded" | "running" | "abandoned";
  /** The first failed step (on_failure), else null. */
  failedStep: string | null;
  /** The failed step's error (on_failure), or why a run was abandoned; null otherwise. */
  error: string | null;
  /** The step that sent a notify, or the step running when a long-run alert fired. */
  step: string | null;
  /** A plugin's text (notify), else null. */
  text: string | null;
  /** The run's age when the alert was made, or its duration once it ended. */
  durationMs: number | null;
  /** The job's `on_long_run_minutes` (on_long_run), else null. */
  longRunMinutes: number | null;
  /** Where the run ran. */
  host: string;
  /** ISO 8601 UTC. */
  startedAt: string;
  /** ISO 8601 UTC, once the run ended (on_failure, on_success); null while it runs or when unknown. */
  endedAt: string | null;
}

/** The command that shows a run (`nomaflow show RUN_ID`, DESIGN 6). */
export function showRunCommand(runId: string): string {
  return `nomaflow show ${runId}`;
}

interface RunFacts {
  jobId: string;
  runId: string;
  host: string;
  /** Epoch ms. */
  startedAt: number;
}

/** `on_failure`: the run ended failed at `failedStep` (null for an error outside any step). */
export function failureAlert(run: RunFacts, failure: { failedStep: string | null; error: string; endedAt: number }): RunAlert {
  return {
    ...base(run),
    kind: "on_failure",
    status: "failed",
    failedStep: failure.failedStep,
    error: failure.error,
    durationMs: failure.endedAt - run.startedAt,
    endedAt: new Date(failure.endedAt).toISOString(),
  };
}

/** `on_success`: the run ended succeeded at `endedAt`. */
export function successAlert(run: RunFacts, endedAt: number): RunAlert {
  return { ...base(run), kind: "on_success", status: "succeeded", durationMs: endedAt - run.startedAt, endedAt: new Date(endedAt).toISOString() };
}

/** `on_long_run`: the run is still going after `minutes`; `step` is the one running then. */
export function longRunAlert(run: RunFacts, at: { minutes: number; now: number; step: string | null }): RunAlert {
  return { ...base(run), kind: "on_long_run", status: "running", step: at.step, durationMs: at.now - run.startedAt, longRunMinutes: at.minutes };
}

/** `notify`: a plugin's message, sent from `step`. */
export function notifyAlert(run: RunFacts, message: { step: string; text: string; now: number }): RunAlert {
  return { ...base(run), kind: "notify", status: "running", step: message.step, text: message.text, durationMs: message.now - run.startedAt };
}

function base(run: RunFacts): Omit<RunAlert, "kind" | "status"> {
  return {
    jobId: run.jobId,
    runId: run.runId,
    failedStep: null,
    error: null,
    step: null,
    text: null,
    durationMs: null,
    longRunMinutes: null,
    host: run.host,
    startedAt: new Date(run.startedAt).toISOString(),
    endedAt: null,
  };
}
