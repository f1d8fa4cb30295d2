/**
 * A run's events folded into the run page's RunDetail, one event at a time, so that a live run
 * costs one event per event: the step states as `nomaflow run`'s timeline folds them, the run's
 * own status, error and end as `nomaflow show` summarises them (abandoned when the writer is
 * gone), and each step's latest log lines.
 */
import type { RunSummary } from "../run-logs/readRunLog.js";
import { FINAL_EVENTS, type AlertEvent, type RunEvent, type RunFinishedEvent } from "../run-logs/runEvents.js";
import { StepStates, type StepState } from "../run-logs/stepStates.js";
import type { AlertView, LogLine, RunDetail, StepView } from "./consoleApi.js";
import { runHint, stepHint } from "./runHints.js";

/** Log lines kept per step (and for the run itself); older ones are counted. */
export const MAX_LOG_LINES = 500;

/** Summarises the run from its events without `log` ones: `summarizeRun` for a log, `storedRunSummary` for the store. */
export type SummarizeEvents = (events: RunEvent[]) => RunSummary;

class LogTail {
  readonly lines: LogLine[] = [];
  omitted = 0;

  add(line: LogLine): void {
    this.lines.push(line);
    // Trimmed in batches: a chatty step costs an array copy per 500 lines, not per line.
    if (this.lines.length >= MAX_LOG_LINES * 2) {
      const drop = this.lines.length - MAX_LOG_LINES;
      this.lines.splice(0, drop);
      this.omitted += drop;
    }
  }

  view(): { logs: LogLine[]; logsOmitted: number } {
    const extra = Math.max(0, this.lines.length - MAX_LOG_LINES);
    return { logs: this.lines.slice(extra), logsOmitted: this.omitted + extra };
  }
}

export class RunDetailFold {
  readonly #summarize: SummarizeEvents;
  readonly #events: RunEvent[] = [];
  readonly #states = new StepStates();
  readonly #logs = new Map<string | null, LogTail>();
  #eventsMissing: number;
  #applied = 0;

  constructor(summarize: SummarizeEvents, eventsMissing = 0) {
    this.#summarize = summarize;
    this.#eventsMissing = eventsMissing;
  }

  /** How many events were folded in. */
  get applied(): number {
    return this.#applied;
  }

  apply(event: RunEvent): void {
    this.#applied += 1;
    if (event.event === "log") {
      let tail = this.#logs.get(event.step);
      if (!tail) this.#logs.set(event.step, (tail = new LogTail()));
      tail.add({ ts: event.ts, level: event.level, message: event.message });
      this.#states.apply(event);
      return;
    }
    this.#events.push(event);
    this.#states.apply(event);
  }

  set eventsMissing(count: number) {
    this.#eventsMissing = count;
  }

  detail(): RunDetail {
    const summary = this.#summarize(this.#events);
    const steps = this.#states.steps.map((state) => stepView(state, summary, this.#logs.get(state.name)));
    const runLogs = this.#logs.get(null)?.view().logs;
    const endReason = this.#events.find((event): event is RunFinishedEvent => FINAL_EVENTS.has(event.event))?.reason;
    return {
      runId: summary.run_id,
      jobId: summary.job_id,
      status: summary.status,
      trigger: summary.trigger ?? "unknown",
      scheduledFor: summary.scheduled_for,
      ...(summary.interval_start !== undefined ? { intervalStart: summary.interval_start } : {}),
      ...(summary.interval_end !== undefined ? { intervalEnd: summary.interval_end } : {}),
      recoveryOf: summary.recovery_of ?? null,
      ...(summary.resume_of !== undefined ? { resumeOf: summary.resume_of } : {}),
      ...(endReason !== undefined ? { endReason } : {}),
      params: summary.params,
      host: summary.host,
      startedAt: summary.started_at ?? "",
      endedAt: summary.ended_at,
      durationMs: summary.duration_ms,
      error: summary.error,
      hint: runHint(summary, endReason),
      steps,
      alerts: summary.alerts.map(alertView),
      command: `nomaflow show ${summary.run_id}`,
      eventsMissing: this.#eventsMissing,
      ...(runLogs && runLogs.length > 0 ? { runLogs } : {}),
    };
  }
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/**
 * The fold's state of a step; in a run that is over, a step the fold still sees going was cut off
 * with it, and reads as the summary says (failed, and why).
 */
function stepView(state: StepState, summary: RunSummary, tail: LogTail | undefined): StepView {
  const summarized = summary.steps.find((step) => step.name === state.name);
  const cutOff = summary.status !== "running" && (state.status === "running" || state.status === "retrying");
  const status = cutOff ? (summarized?.status ?? "failed") : state.status;
  const error = cutOff ? (summarized?.error ?? state.error ?? null) : (state.error ?? null);
  const { logs, logsOmitted } = tail?.view() ?? { logs: [], logsOmitted: 0 };
  const view: StepView = {
    name: state.name,
    type: state.type ?? summarized?.type ?? "",
    status,
    attempt: state.attempt,
    attempts: state.attempts,
    startedAt: state.firstStartedTs ?? null,
    endedAt: state.endedTs ?? null,
    durationMs: state.durationMs ?? null,
    retryAt: status === "retrying" ? iso(state.retryAt) : null,
    rows: state.rows ?? null,
    bytes: state.bytes ?? null,
    // A reused step's output is the one it had in the run resumed.
    output: state.output ?? summarized?.output ?? null,
    error,
    hint: null,
    logs,
    logsOmitted,
    ...(state.reusedFrom !== undefined ? { reusedFrom: state.reusedFrom } : {}),
  };
  // The error's own hint says what to do about it; else what the run's events tell.
  view.hint = (cutOff ? undefined : state.hint) ?? stepHint(view, summary);
  return view;
}

function alertView(event: AlertEvent): AlertView {
  return {
    channel: event.channel_type ? `${event.channel} (${event.channel_type})` : event.channel,
    kind: event.kind,
    sent: event.event === "alert_sent",
    error: event.error ?? null,
    ts: event.ts,
  };
}
