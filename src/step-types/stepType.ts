/**
 * A step type is one plain object: its name, the JSON Schema of its own fields, the checks that
 * need the project, and the function that runs it. Built-in types and plugin types are defined the
 * same way and go through the same registry; nothing else in Nomaflow knows a type by name.
 */
import type { Static, TObject } from "@sinclair/typebox";
import type { Connector } from "../connectors/connector.js";
import type { LogLevel } from "../schema/common.js";

/** What a step type's `check` may look at: the project, never the network. */
export interface StepCheckContext {
  /** Absolute path of the project folder. */
  projectRoot: string;
}

/** A problem `check` found; `path` is inside the step (e.g. `["source", "table"]`). */
export interface StepFieldProblem {
  path: (string | number)[];
  message: string;
  hint?: string;
  /** @default "error" */
  severity?: "error" | "warning";
}

export type { LogLevel };

/** What a running step may use. Everything it writes goes to the run log, with secrets masked. */
export interface StepRunContext {
  jobId: string;
  runId: string;
  stepName: string;
  /** 1-based number of this try. */
  attempt: number;
  /** Absolute path of the project folder; relative paths in fields are resolved from it. */
  projectRoot: string;
  /** The project's environment: the process environment over the env file. */
  env: Readonly<Record<string, string | undefined>>;
  /** A `log` event at this level. */
  log(level: LogLevel, message: string): void;
  /** A `step_progress` event: totals so far, not increments. */
  progress(update: { rows?: number; bytes?: number }): void;
  /** Replaces every secret in a text with `***` (for text a step builds itself, such as a URL). */
  mask(text: string): string;
  /** A connector of nomaflow.yaml, opened on first use and closed when the run ends. */
  connector(name: string): Connector;
  /** `nomaflow:<job>:<step>`, for the sessions a step opens (visible in pg_stat_activity). */
  applicationName: string;
  /**
   * How long the step may take to stop once its signal has aborted. Past it the runner gives up
   * on the step; work that still runs then should be stopped by force.
   */
  graceMs: number;
  /** The run's parameters, typed, defaults filled in. */
  params: Readonly<Record<string, unknown>>;
  /**
   * Sends `text` through the project's notification channels: `recipients` (channel names), else
   * the job's alert recipients, else `notifications.default`. A failing channel is logged, never thrown.
   */
  notify(text: string, recipients?: readonly string[]): Promise<void>;
}

/** The step's result: JSON-serialisable, recorded in the run log, usable as `${steps.NAME.output.KEY}`. */
export type StepOutput = Record<string, unknown>;

export interface StepType<Fields extends TObject = TObject> {
  /** The `type:` value in a job file, e.g. `sql_copy`. */
  readonly name: string;
  /** One sentence for `--help` and the editor schema. */
  readonly description: string;
  /**
   * The type's own fields. `name`, `type`, `description`, `timeout`, `retry`, `run_if` and `rerun_on_resume` are
   * common to every step and must not be declared here.
   */
  readonly fields: Fields;
  /** Rules a schema cannot say (one field or another, files that must exist). */
  check?(fields: Static<Fields>, context: StepCheckContext): StepFieldProblem[];
  /**
   * Runs one attempt. `fields` are interpolated and checked against `fields`' schema. When
   * `signal` aborts (timeout or interrupt) the work must stop: abort requests, kill processes,
   * cancel queries. Throw a StepError (with `retryable: false` when another try cannot help);
   * any other error counts as retryable.
   */
  run(fields: Static<Fields>, context: StepRunContext, signal: AbortSignal): Promise<StepOutput | void>;
}

/** Identity function that gives a step type definition its types; the API for plugin authors. */
export function defineStepType<Fields extends TObject>(definition: StepType<Fields>): StepType<Fields> {
  return definition;
}
