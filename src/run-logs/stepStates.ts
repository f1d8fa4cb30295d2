/**
 * The state of each step as a run's events arrive: what `nomaflow run`'s live timeline draws and
 * what the console's run page shows, folded one event at a time.
 */
import { stepDurationMs, type StepStatus } from "./readRunLog.js";
import type { RunEvent } from "./runEvents.js";
import type { StepOutput } from "../step-types/stepType.js";

export type { StepStatus } from "./readRunLog.js";

export interface StepState {
  name: string;
  /** From run_started's step_types, or the first step_started; undefined in an old log until the step starts. */
  type: string | undefined;
  status: StepStatus;
  attempt: number;
  attempts: number;
  /** When the current try started (ms). */
  startedAt: number | undefined;
  /** The ts of the first try's step_started. */
  firstStartedTs: string | undefined;
  /** The whole step, waits between tries included. */
  durationMs: number | undefined;
  rows: number | undefined;
  bytes: number | undefined;
  /** When the next try starts (ms), while retrying. */
  retryAt: number | undefined;
  error: string | undefined;
  /** The error's own hint, when it gave one. */
  hint: string | undefined;
  lastLog: string | undefined;
  /** Not run again by a resume: the run it succeeded in. */
  reusedFrom: string | undefined;
  /** The ts of the step's end (succeeded, failed or skipped). */
  endedTs: string | undefined;
  output: StepOutput | undefined;
}

export class StepStates {
  readonly steps: StepState[] = [];
  readonly #byName = new Map<string, StepState>();

  apply(event: RunEvent): StepState | undefined {
    if (event.event === "run_started") {
      event.steps.forEach((name, index) => {
        const state = this.#byName.get(name) ?? this.#add(name);
        state.type ??= event.step_types?.[index];
      });
      return undefined;
    }
    // Alerts change no step's state, not even a plugin's notification that names its step.
    if (event.event === "alert_sent" || event.event === "alert_failed") return undefined;
    if (!("step" in event) || typeof event.step !== "string") return undefined;
    const state = this.#byName.get(event.step) ?? this.#add(event.step);
    const at = Date.parse(event.ts);
    switch (event.event) {
      case "step_started":
        state.firstStartedTs ??= event.ts;
        Object.assign(state, {
          type: event.type,
          status: "running",
          attempt: event.attempt,
          attempts: event.attempts,
          startedAt: at,
          retryAt: undefined,
          error: undefined,
          hint: undefined,
        });
        break;
      case "step_progress":
        if (event.rows !== undefined) state.rows = event.rows;
        if (event.bytes !== undefined) state.bytes = event.bytes;
        break;
      case "log":
        state.lastLog = event.message;
        break;
      case "step_attempt_failed":
        state.error = event.error;
        state.hint = event.hint;
        if (event.retry_in_seconds !== null) Object.assign(state, { status: "retrying", retryAt: at + event.retry_in_seconds * 1000 });
        break;
      case "step_succeeded":
        Object.assign(state, {
          status: "succeeded",
          durationMs: stepDurationMs(event, state.firstStartedTs),
          error: undefined,
          hint: undefined,
          endedTs: event.ts,
          output: event.output,
        });
        break;
      case "step_failed":
        Object.assign(state, { status: "failed", durationMs: event.duration_ms, error: event.error, hint: event.hint, endedTs: event.ts });
        break;
      case "step_skipped":
        Object.assign(state, { status: "skipped", error: event.reason, endedTs: event.ts });
        break;
      case "step_reused":
        Object.assign(state, { status: "succeeded", reusedFrom: event.from_run });
        break;
      default:
        break;
    }
    return state;
  }

  #add(name: string): StepState {
    const state: StepState = {
      name,
      type: undefined,
      status: "pending",
      attempt: 0,
      attempts: 0,
      startedAt: undefined,
      firstStartedTs: undefined,
      durationMs: undefined,
      rows: undefined,
      bytes: undefined,
      retryAt: undefined,
      error: undefined,
      hint: undefined,
      lastLog: undefined,
      reusedFrom: undefined,
      endedTs: undefined,
      output: undefined,
    };
    this.steps.push(state);
    this.#byName.set(name, state);
    return state;
  }
}
